#include "slurm_request.hpp"

extern "C" {
#include <slurm/slurm_errno.h>
}

#include "text.hpp"

namespace stratus {

namespace {

std::optional<uint32_t> count32(uint32_t v) {
    if (v == 0 || v == NO_VAL || v == INFINITE) return std::nullopt;
    return v;
}

std::optional<uint32_t> count16(uint16_t v) {
    if (v == 0 || v == NO_VAL16 || v == INFINITE16) return std::nullopt;
    return v;
}

void add_gpus(const char* tres, std::optional<uint32_t>& count, std::string& model) {
    if (!tres || !*tres) return;
    if (auto g = parse_gpu_tres(tres)) {
        count = g->count;
        if (model.empty()) model = g->model;
    }
}

}  // namespace

std::optional<std::string> job_request_from_slurm(const job_desc_msg_t& d, JobRequest& req) {
    if (d.partition) req.partitions = split_list(d.partition);
    req.min_nodes = count32(d.min_nodes);
    req.max_nodes = count32(d.max_nodes);
    req.num_tasks = count32(d.num_tasks);
    req.tasks_per_node = count16(d.ntasks_per_node);
    req.cpus_per_task = count16(d.cpus_per_task);
    req.min_cpus_per_node = count16(d.pn_min_cpus);
    req.min_cpus = count32(d.min_cpus);
    if (d.pn_min_memory != NO_VAL64 && d.pn_min_memory != INFINITE64 && d.pn_min_memory != 0) {
        uint64_t mib = d.pn_min_memory & ~MEM_PER_CPU;
        if (mib != 0) {
            if (d.pn_min_memory & MEM_PER_CPU) req.mem_per_cpu_mib = mib;
            else req.mem_per_node_mib = mib;
        }
    }
    add_gpus(d.tres_per_node, req.gpus.per_node, req.gpus.model);
    add_gpus(d.tres_per_job, req.gpus.per_job, req.gpus.model);
    add_gpus(d.tres_per_task, req.gpus.per_task, req.gpus.model);
    if (d.features) req.constraint = d.features;
    if (d.time_limit == INFINITE || d.time_limit == 0) req.time_unlimited = true;  // -t 0 = no limit
    else if (d.time_limit != NO_VAL) req.time_limit_min = d.time_limit;
    if (d.account) req.account = d.account;
    return apply_option_env(req, d.spank_job_env, d.spank_job_env_size);
}

int slurm_error_code(Refusal why) noexcept {
    switch (why) {
    case Refusal::gpu: return ESLURM_INVALID_GRES;
    case Refusal::cpu: return ESLURM_INVALID_CPU_COUNT;
    case Refusal::memory: return ESLURM_INVALID_TASK_MEMORY;
    case Refusal::nodes: return ESLURM_INVALID_NODE_COUNT;
    case Refusal::max_cost: case Refusal::budget: return ESLURM_ACCOUNTING_POLICY;
    case Refusal::bad_option: return ESLURM_INVALID_FEATURE;
    case Refusal::arch: case Refusal::executable_arch: case Refusal::instance_type: case Refusal::constraint:
    case Refusal::mixed: case Refusal::none: break;
    }
    return ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE;
}

}  // namespace stratus
