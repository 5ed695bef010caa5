// The request slurmctld hands ResumeProgram: a hostlist argument and, since
// Slurm 22.05, a JSON job -> node map in the file named by SLURM_RESUME_FILE.
//
// Slurm 22.05 writes {"all_nodes":"n[1-3]","jobs":[{"job_id":12,"nodes":"n[1-2]"}]};
// later versions write "all_nodes_resume", and per job "nodes_resume",
// "nodes_alloc", "partition", "features", "oversubscribe", "reservation",
// "extra". Every member is optional here; unknown members are ignored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "hostlist.hpp"

namespace stratus::burst {

// Bounds on one SLURM_RESUME_FILE. The file itself: room for some 80000
// jobs of 200 bytes as Slurm writes them. Its hostlists together
// (all_nodes and every job's nodes and nodes_alloc, counted as
// hostlist_size() counts them): as many names and bytes as one hostlist
// may expand to, so that a file costs no more than one large hostlist.
inline constexpr size_t kMaxResumeFileSize = size_t{16} << 20;
inline constexpr size_t kMaxResumeFileHosts = kMaxHostlistHosts;
inline constexpr size_t kMaxResumeFileNameBytes = kMaxHostlistBytes;

struct ResumeJob {
    uint32_t job_id = 0;
    std::vector<std::string> nodes;  // the job's nodes being resumed (nodes_resume, else nodes)
    std::vector<std::string> nodes_alloc;  // all its nodes, when Slurm says (later versions)
    std::string partition;                // when Slurm says (later versions)
    std::string features;
    std::optional<bool> exclusive;        // from "oversubscribe" ("NO" = exclusive) or "exclusive"
};

struct ResumeRequest {
    std::vector<std::string> nodes;  // every node to resume, expanded, in order
    std::vector<ResumeJob> jobs;
    bool from_file = false;          // false: only the hostlist argument was known
};

class ResumeFileError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Parses the JSON text of SLURM_RESUME_FILE. Throws ResumeFileError for
// text that is not a JSON object, a hostlist that cannot be expanded, or
// hostlists that name more than the bounds above together (checked before
// any is expanded). Nodes named by jobs but missing from all_nodes are
// added to `nodes`.
ResumeRequest parse_resume_file(std::string_view json);

// The request from the hostlist argument alone (no job information).
// Throws ResumeFileError for a malformed hostlist.
ResumeRequest resume_request_from_hostlist(std::string_view hostlist);

// Reads the file named by SLURM_RESUME_FILE (slurmctld keeps it open only
// while ResumeProgram runs: read it first). nullopt when `path` is empty;
// throws ResumeFileError when it cannot be read, is not a regular file or
// holds more than kMaxResumeFileSize.
std::optional<std::string> read_resume_file(const std::string& path);

}  // namespace stratus::burst
