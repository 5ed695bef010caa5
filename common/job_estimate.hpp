// What job_submit/stratus keeps on a job about its estimate, in the job's
// AdminComment JSON (job_submit_stratus(8)): the figures (est_usd,
// est_usd_max, tasks, est_usd_task), and under "req" the request they were
// made from, so that an update (job_modify) and the spend snapshot's
// commitments can price the job again without asking slurmctld. Read with
// Stratus' own JSON reader: this runs inside slurmctld.
//
//   "req":{"p":"graviton,gpu","N":2,"t":60,"A":"chem","arch":"arm64",...}
//
// Only the fields the job set are written: p partitions as the user gave
// them, N/Nmax nodes, n tasks, npn tasks per node, c CPUs per task, mincpus,
// cpus (total), mem/mpc MiB per node/CPU, gpn/gpj/gpt GPUs per node/job/
// task, gm GPU model, C constraint, t minutes (tu: no limit), A the account
// the job is charged to, arch, types, cap capacity asked for.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "json.hpp"
#include "request.hpp"

namespace stratus {

// Adds "req" for `r` to `j`; `account` is the account the job is charged to
// when known (the request's, else the submitter's default account).
void add_request_record(JsonObject& j, const JobRequest& r, const std::string& account);

struct JobEstimate {
    JobRequest req;                    // from "req", with the Stratus options of the comment
    std::string account;               // "req"."A"
    std::optional<double> usd;         // est_usd: the whole submission, in its cheapest partition
    std::optional<double> usd_max;     // est_usd_max, when the job may run in dearer partitions
    uint32_t tasks = 1;
    std::optional<double> usd_task;    // est_usd_task (an array's)

    // What a budget holds the job to: the highest estimate.
    std::optional<double> highest() const noexcept { return usd_max ? usd_max : usd; }
};

// The estimate in an AdminComment written by job_submit/stratus; nullopt
// for any other text (a site's own comment, another version, no "req").
// Never throws except std::bad_alloc.
std::optional<JobEstimate> read_job_estimate(std::string_view admin_comment);

// The AdminComment after a new estimate: `estimate` (an object decide()
// wrote) followed by the members of `old_comment` it does not have, so that
// what others keep there (stratus-resume's wait_reason, a site's keys)
// stays. `old_comment` that is not a JSON object is dropped.
std::string replace_estimate(std::string_view old_comment, const std::string& estimate);

// `base` with the fields an update sets: every field `update` has (Slurm
// hands job_modify only the changed fields) replaces `base`'s. The array
// keeps its tasks (Slurm cannot add tasks to an array).
JobRequest apply_update(const JobRequest& base, const JobRequest& update);

}  // namespace stratus
