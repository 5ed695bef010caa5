#include "burst/resume_file.hpp"

#include <unordered_set>

#include "aws/json_doc.hpp"
#include "file.hpp"
#include "hostlist.hpp"
#include "text.hpp"

namespace stratus::burst {

namespace {

// A job of the file with its hostlists not yet expanded.
struct FileJob {
    ResumeJob job;
    std::string nodes, nodes_alloc;
};

// Adds what `hostlist` expands to to `total`, which stays within the
// bounds (so the subtractions cannot wrap around).
void count(const std::string& hostlist, const char* what, HostlistSize& total) {
    HostlistSize size;
    try {
        size = hostlist_size(hostlist);
    } catch (const HostlistError& e) {
        throw ResumeFileError(std::string(what) + ": " + e.what());
    }
    if (size.hosts > kMaxResumeFileHosts - total.hosts)
        throw ResumeFileError("SLURM_RESUME_FILE names more than " + std::to_string(kMaxResumeFileHosts) +
                              " hosts in all (all_nodes and the jobs' nodes)");
    if (size.bytes > kMaxResumeFileNameBytes - total.bytes)
        throw ResumeFileError("SLURM_RESUME_FILE names more than " + std::to_string(kMaxResumeFileNameBytes >> 20) +
                              " MiB of host names in all (all_nodes and the jobs' nodes)");
    total.hosts += size.hosts;
    total.bytes += size.bytes;
}

std::vector<std::string> expand(const std::string& hostlist, const char* what) {
    try {
        return hostlist_expand(hostlist);
    } catch (const HostlistError& e) {
        throw ResumeFileError(std::string(what) + ": " + e.what());
    }
}

}  // namespace

ResumeRequest parse_resume_file(std::string_view json) {
    aws::JsonPtr doc;
    try {
        doc = aws::json_parse_object(json);
    } catch (const aws::JsonParseError& e) {
        throw ResumeFileError(std::string("SLURM_RESUME_FILE is not a JSON object: ") + e.what());
    }
    std::optional<std::string> all = aws::json_string(doc.get(), "all_nodes_resume");
    if (!all) all = aws::json_string(doc.get(), "all_nodes");
    std::vector<FileJob> file_jobs;
    const json_t* jobs = aws::json_member(doc.get(), "jobs");
    if (jobs && json_is_array(jobs)) {
        for (size_t i = 0; i < json_array_size(jobs); ++i) {
            const json_t* j = json_array_get(jobs, i);
            if (!json_is_object(j)) continue;
            FileJob f;
            auto id = aws::json_int(j, "job_id");
            if (!id || *id <= 0 || *id > 0xffffffffLL) continue;
            f.job.job_id = static_cast<uint32_t>(*id);
            std::optional<std::string> nodes = aws::json_string(j, "nodes_resume");
            if (!nodes) nodes = aws::json_string(j, "nodes");
            f.nodes = nodes.value_or("");
            f.nodes_alloc = aws::json_string(j, "nodes_alloc").value_or("");
            f.job.partition = aws::json_string(j, "partition").value_or("");
            f.job.features = aws::json_string(j, "features").value_or("");
            if (auto ex = aws::json_bool(j, "exclusive")) f.job.exclusive = *ex;
            else if (auto os = aws::json_string(j, "oversubscribe"))
                f.job.exclusive = iequals(*os, "NO") || iequals(*os, "EXCLUSIVE");
            file_jobs.push_back(std::move(f));
        }
    }

    // A few KB of compressed hostlists can name millions of nodes, over
    // and over: size them all before expanding any.
    HostlistSize total;
    count(all.value_or(""), "all_nodes", total);
    for (const FileJob& f : file_jobs) {
        count(f.nodes, "jobs[].nodes", total);
        count(f.nodes_alloc, "jobs[].nodes_alloc", total);
    }

    ResumeRequest r;
    r.from_file = true;
    r.nodes = expand(all.value_or(""), "all_nodes");
    std::unordered_set<std::string> seen(r.nodes.begin(), r.nodes.end());
    for (FileJob& f : file_jobs) {
        f.job.nodes = expand(f.nodes, "jobs[].nodes");
        f.job.nodes_alloc = expand(f.nodes_alloc, "jobs[].nodes_alloc");
        for (const std::string& n : f.job.nodes)
            if (seen.insert(n).second) r.nodes.push_back(n);
        r.jobs.push_back(std::move(f.job));
    }
    return r;
}

ResumeRequest resume_request_from_hostlist(std::string_view hostlist) {
    ResumeRequest r;
    r.nodes = expand(std::string(hostlist), "hostlist");
    return r;
}

std::optional<std::string> read_resume_file(const std::string& path) {
    if (path.empty()) return std::nullopt;
    try {
        return read_regular_file(path, kMaxResumeFileSize);
    } catch (const FileReadError& e) {
        throw ResumeFileError("cannot read SLURM_RESUME_FILE " + path + ": " + e.reason());
    }
}

}  // namespace stratus::burst
