#include "burst/resume_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "aws/json_doc.hpp"
#include "hostlist.hpp"
#include "text.hpp"

namespace stratus::burst {

namespace {

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
    ResumeRequest r;
    r.from_file = true;
    std::optional<std::string> all = aws::json_string(doc.get(), "all_nodes_resume");
    if (!all) all = aws::json_string(doc.get(), "all_nodes");
    if (all) r.nodes = expand(*all, "all_nodes");
    std::unordered_set<std::string> seen(r.nodes.begin(), r.nodes.end());

    const json_t* jobs = aws::json_member(doc.get(), "jobs");
    if (jobs && json_is_array(jobs)) {
        for (size_t i = 0; i < json_array_size(jobs); ++i) {
            const json_t* j = json_array_get(jobs, i);
            if (!json_is_object(j)) continue;
            ResumeJob job;
            auto id = aws::json_int(j, "job_id");
            if (!id || *id <= 0 || *id > 0xffffffffLL) continue;
            job.job_id = static_cast<uint32_t>(*id);
            std::optional<std::string> nodes = aws::json_string(j, "nodes_resume");
            if (!nodes) nodes = aws::json_string(j, "nodes");
            if (nodes) job.nodes = expand(*nodes, "jobs[].nodes");
            if (auto alloc = aws::json_string(j, "nodes_alloc")) job.nodes_alloc = expand(*alloc, "jobs[].nodes_alloc");
            job.partition = aws::json_string(j, "partition").value_or("");
            job.features = aws::json_string(j, "features").value_or("");
            if (auto ex = aws::json_bool(j, "exclusive")) job.exclusive = *ex;
            else if (auto os = aws::json_string(j, "oversubscribe"))
                job.exclusive = iequals(*os, "NO") || iequals(*os, "EXCLUSIVE");
            for (const std::string& n : job.nodes)
                if (seen.insert(n).second) r.nodes.push_back(n);
            r.jobs.push_back(std::move(job));
        }
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
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ResumeFileError("cannot read SLURM_RESUME_FILE " + path + ": " + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw ResumeFileError("cannot read SLURM_RESUME_FILE " + path);
    return ss.str();
}

}  // namespace stratus::burst
