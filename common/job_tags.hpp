// Per-job EC2 tags (stratus-tag, run by slurmd as Prolog and Epilog): on a
// node that one job has to itself, its instance carries
//   stratus:job-id, stratus:user, stratus:account, stratus:cost-center, stratus:partition
// while the job runs; the epilog blanks them (the same keys with empty
// values, through CreateTags) so that idle time is charged to no job, and
// the next exclusive job's prolog overwrites them in any case.
//
// Everything here is plain logic over the prolog environment; AWS stays
// behind TagTarget, so the whole run is unit-tested without a network.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog.hpp"

namespace stratus {

enum class ScriptContext { prolog, epilog, other };

// What the prolog/epilog environment says about the job (Slurm 22.05 sets
// these for slurmd's Prolog and Epilog; the cost center comes from the
// job's SPANK environment, where the stratus SPANK plugin puts
// STRATUS_COST_CENTER and slurmd passes it on as SPANK_STRATUS_COST_CENTER).
struct JobTagFacts {
    ScriptContext context = ScriptContext::other;  // SLURM_SCRIPT_CONTEXT: prolog_slurmd | epilog_slurmd
    std::string context_name;                       // as set, for messages
    std::string job_id;       // SLURM_JOB_ID
    std::string user;         // SLURM_JOB_USER
    std::string account;      // SLURM_JOB_ACCOUNT
    std::string partition;    // SLURM_JOB_PARTITION
    std::string cost_center;  // SPANK_STRATUS_COST_CENTER
    std::string node;         // SLURMD_NODENAME
    std::string nodelist;     // SLURM_JOB_NODELIST, else SLURM_NODELIST
    std::optional<uint32_t> num_nodes;  // SLURM_JOB_NUM_NODES
    std::string cpus_per_node;          // SLURM_JOB_CPUS_PER_NODE, e.g. "64(x2),32"
};

using EnvLookupFn = std::function<std::optional<std::string>(const char* name)>;
JobTagFacts job_tag_facts(const EnvLookupFn& env);

// SLURM_JOB_CPUS_PER_NODE, "64(x2),32" -> 64 64 32. nullopt when malformed
// or longer than `max_nodes`.
std::optional<std::vector<uint32_t>> expand_cpus_per_node(std::string_view text, size_t max_nodes = 100000);

// CPUs the job holds on its node `facts.node` (found in the job's node list,
// hostlist.hpp, when the counts differ); nullopt when the environment does
// not say.
std::optional<uint32_t> job_cpus_on_node(const JobTagFacts& facts);

// The node's CPU count as slurm.conf declares it: CPUs= on its NodeName
// line (or NodeName=DEFAULT before it), else Boards x Sockets x
// CoresPerSocket x ThreadsPerCore. nullopt when slurm.conf is unreadable or
// does not say. Never throws ConfigError.
std::optional<uint32_t> slurm_node_cpus(const std::string& slurm_conf, const std::string& node);

// Whether the job has the node to itself: it holds every CPU of it (what
// --exclusive, or asking for the whole node, gets). `why` says how that was
// decided, for the log.
struct Exclusivity {
    bool exclusive = false;
    std::string why;
};
Exclusivity job_exclusivity(const JobTagFacts& facts, std::optional<uint32_t> node_cpus);

using JobTag = std::pair<std::string, std::string>;  // key, value
inline constexpr size_t kTagValueMax = 256;         // EC2's limit on a tag value

// The five tags of a job (values cut to 256 characters; empty when unknown).
std::vector<JobTag> job_tags(const JobTagFacts& facts);
// The same keys with empty values: what the epilog writes.
std::vector<JobTag> cleared_job_tags();

// ---- one run of stratus-tag --------------------------------------------------------

// Where tags go: the instance this runs on (IMDSv2 and EC2 CreateTags in stratus-tag).
class TagTarget {
public:
    virtual ~TagTarget() = default;
    virtual std::string instance_id() = 0;                     // throws on failure
    virtual std::optional<std::string> instance_type() = 0;    // nullopt when unknown; may throw
    virtual void create_tags(const std::string& instance_id, const std::vector<JobTag>& tags) = 0;  // throws
};

struct TagRunOptions {
    bool fail_on_error = false;              // TagFailure=fail: a failure makes the run exit 1
    std::optional<uint32_t> node_cpus;       // from slurm.conf; else the instance type's vCPUs
    const Catalog* catalog = nullptr;        // for the instance type's vCPUs
};

struct TagRunResult {
    enum class Action { tagged, cleared, shared_node, failed } action = Action::failed;
    int exit_code = 0;                       // what the prolog/epilog should exit with
    std::string instance_id;
    std::vector<std::string> log;            // one line per event, for syslog/stderr
};

// Decides from `facts` whether this job has the node to itself; if so the
// prolog tags the instance and the epilog blanks the tags. Never throws
// (except std::bad_alloc): failures are logged and give exit code 1 only
// with fail_on_error.
TagRunResult run_job_tagging(const JobTagFacts& facts, TagTarget& target, const TagRunOptions& options);

}  // namespace stratus
