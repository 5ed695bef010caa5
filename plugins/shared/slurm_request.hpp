// Translation of Slurm's job_desc_msg_t into the policy core's JobRequest.
// Slurm's "unset" sentinels (NO_VAL*, INFINITE*, 0, NULL) become nullopt.
#pragma once

extern "C" {
#include <slurm/slurm.h>
}

#include <optional>
#include <string>

#include "policy.hpp"
#include "request.hpp"
#include "text.hpp"

namespace stratus {

// Fills `req` from `desc`, including STRATUS_* values in spank_job_env.
// Returns the user-facing message for an invalid STRATUS_* value.
std::optional<std::string> job_request_from_slurm(const job_desc_msg_t& desc, JobRequest& req);

// The resources a job asks for, from a submission (job_desc_msg_t) or from
// slurmctld's record of a job (slurm_job_info_t, as stratus-burstd reads
// pending jobs): the same fields, so that both mean the same request.
template <class SlurmJob>
void fill_job_request(const SlurmJob& job, JobRequest& req);

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

inline void add_gpus(const char* tres, std::optional<uint32_t>& count, std::string& model) {
    if (!tres || !*tres) return;
    if (auto g = parse_gpu_tres(tres)) {
        count = g->count;
        if (model.empty()) model = g->model;
    }
}

// The two structs name the node and CPU counts differently.
inline uint32_t min_nodes(const job_desc_msg_t& d) { return d.min_nodes; }
inline uint32_t min_nodes(const slurm_job_info_t& j) { return j.num_nodes; }
inline uint32_t total_cpus(const job_desc_msg_t& d) { return d.min_cpus; }
inline uint32_t total_cpus(const slurm_job_info_t& j) { return j.num_cpus; }

}  // namespace slurm_fields

template <class SlurmJob>
void fill_job_request(const SlurmJob& j, JobRequest& req) {
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
    add_gpus(j.tres_per_node, req.gpus.per_node, req.gpus.model);
    add_gpus(j.tres_per_job, req.gpus.per_job, req.gpus.model);
    add_gpus(j.tres_per_task, req.gpus.per_task, req.gpus.model);
    if (j.features) req.constraint = j.features;
    if (j.time_limit == INFINITE || j.time_limit == 0) req.time_unlimited = true;  // -t 0 = no limit
    else if (j.time_limit != NO_VAL) req.time_limit_min = j.time_limit;
    if (j.account) req.account = j.account;
}

// The Slurm error code job_submit returns for a refusal (see job_submit_stratus(8)).
int slurm_error_code(Refusal why) noexcept;

}  // namespace stratus
