// Translation of Slurm's job_desc_msg_t (a submission) and slurm_job_info_t
// (slurmctld's record of a job) into the policy core's JobRequest, for the
// plugins and stratus-burstd. Slurm's "unset" sentinels (NO_VAL*,
// INFINITE*, 0, NULL) become nullopt.
#pragma once

#include "slurm_api.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "policy.hpp"
#include "request.hpp"
#include "text.hpp"

namespace stratus {

// A job whose own fields Stratus refuses: the message for the user
// ("stratus: --NAME: PROBLEM: VALUE") and why, for the host's error code.
struct BadRequest {
    Refusal refusal;
    std::string message;
};

// Fills `req` from `desc`, including STRATUS_* values in spank_job_env.
// Returns the refusal for an invalid STRATUS_* value (bad_option), else for
// GPU counts beyond kMaxGpuCount (gpu): such a job can run nowhere, in no
// partition.
std::optional<BadRequest> job_request_from_slurm(const job_desc_msg_t& desc, JobRequest& req);

// The resources a job asks for, from a submission (job_desc_msg_t) or from
// slurmctld's record of a job (slurm_job_info_t, as stratus-burstd reads
// pending jobs): the same fields, so that both mean the same request.
// Returns the user-facing message when its GPU counts are beyond
// kMaxGpuCount (request.hpp); `req` is filled all the same but for them.
template <class SlurmJob>
std::optional<std::string> fill_job_request(const SlurmJob& job, JobRequest& req);

// ---- implementation -------------------------------------------------------------

namespace slurm_fields {

inline std::optional<uint32_t> count32(uint32_t v) {
    if (v == 0 || v == NO_VAL || v == INFINITE) return std::nullopt;
    return v;
}

inline std::optional<uint32_t> count16(uint16_t v) {
    if (v == 0 || v == NO_VAL16 || v == INFINITE16) return std::nullopt;
    return v;
}

// `option`: the command-line options that fill this TRES field, for the message.
inline std::optional<std::string> add_gpus(const char* tres, const char* option, std::optional<uint32_t>& count,
                                           std::string& model) {
    if (!tres || !*tres) return std::nullopt;
    std::optional<GpuSpec> g;
    if (auto problem = parse_gpu_tres(tres, g)) return std::string("stratus: ") + option + ": " + *problem;
    if (g) {
        count = g->count;
        if (model.empty()) model = g->model;
    }
    return std::nullopt;
}

// The two structs name the node and CPU counts differently.
inline uint32_t min_nodes(const job_desc_msg_t& d) { return d.min_nodes; }
inline uint32_t min_nodes(const slurm_job_info_t& j) { return j.num_nodes; }
inline uint32_t total_cpus(const job_desc_msg_t& d) { return d.min_cpus; }
inline uint32_t total_cpus(const slurm_job_info_t& j) { return j.num_cpus; }
// The tasks of a job array: --array of a submission; the tasks still
// pending in slurmctld's meta record of an array (one record per running task).
inline const char* array_spec(const job_desc_msg_t& d) { return d.array_inx; }
inline const char* array_spec(const slurm_job_info_t& j) { return j.array_task_id == NO_VAL ? j.array_task_str : nullptr; }

}  // namespace slurm_fields

template <class SlurmJob>
std::optional<std::string> fill_job_request(const SlurmJob& j, JobRequest& req) {
    using namespace slurm_fields;
    if (j.partition) req.partitions = split_list(j.partition);
    req.min_nodes = count32(slurm_fields::min_nodes(j));
    req.max_nodes = count32(j.max_nodes);
    req.num_tasks = count32(j.num_tasks);
    req.tasks_per_node = count16(j.ntasks_per_node);
    req.cpus_per_task = count16(j.cpus_per_task);
    req.min_cpus_per_node = count16(j.pn_min_cpus);
    req.min_cpus = count32(total_cpus(j));
    if (j.pn_min_memory != NO_VAL64 && j.pn_min_memory != INFINITE64 && j.pn_min_memory != 0) {
        uint64_t mib = j.pn_min_memory & ~MEM_PER_CPU;
        if (mib != 0) {
            if (j.pn_min_memory & MEM_PER_CPU) req.mem_per_cpu_mib = mib;
            else req.mem_per_node_mib = mib;
        }
    }
    if (j.features) req.constraint = j.features;
    if (j.time_limit == INFINITE || j.time_limit == 0) req.time_unlimited = true;  // -t 0 = no limit
    else if (j.time_limit != NO_VAL) req.time_limit_min = j.time_limit;
    if (j.account) req.account = j.account;
    if (const char* array = slurm_fields::array_spec(j); array && *array) {
        if (std::optional<uint32_t> n = count_array_tasks(array)) req.array_tasks = std::max<uint32_t>(*n, 1);
        else req.bad_array = array;
    }
    // Last, so that a refusal leaves the rest filled.
    if (auto bad = add_gpus(j.tres_per_node, "--gpus-per-node/--gres", req.gpus.per_node, req.gpus.model)) return bad;
    if (auto bad = add_gpus(j.tres_per_job, "--gpus", req.gpus.per_job, req.gpus.model)) return bad;
    return add_gpus(j.tres_per_task, "--gpus-per-task", req.gpus.per_task, req.gpus.model);
}

// job_modify's job record (slurmctld's job_record_t, which Slurm's public
// headers do not declare). Stratus reads and replaces one field of it, the
// AdminComment, and reads the account: 22.05 and 24.11 start the record
// with `uint32_t magic` (JOB_MAGIC), `char *account`, `char *admin_comment`;
// 26.05 puts its slurm_step_id_t first (slurm_job_record.cpp tries both).
// A record where neither layout finds the magic is left alone (nullopt,
// false): its updates are judged as those of a job without an estimate.
struct JobRecordText {
    std::string account, admin_comment;
};
std::optional<JobRecordText> job_record_text(const void* job_ptr) noexcept;
// Replaces the record's AdminComment (Slurm's allocator: slurm_xfree,
// slurm_xstrdup). Call only with slurmctld's job write lock held, as in
// job_modify. False when the record is not recognised.
bool set_job_record_admin_comment(void* job_ptr, const std::string& text) noexcept;

// Root, SlurmUser or a Slurm administrator, as slurmctld itself decides
// (its validate_super_user(), looked up in the process; uid 0 only where
// the host is not slurmctld).
bool is_slurm_admin(uint32_t uid) noexcept;

// The Slurm error code job_submit returns for a refusal (see job_submit_stratus(8)).
int slurm_error_code(Refusal why) noexcept;

}  // namespace stratus
