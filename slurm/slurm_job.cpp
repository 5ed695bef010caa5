#include "slurm_job.hpp"

namespace stratus {

std::optional<BadRequest> job_request_from_slurm(const job_desc_msg_t& d, JobRequest& req) {
    std::optional<std::string> gpus = fill_job_request(d, req);
    if (auto bad = apply_option_env(req, d.spank_job_env, d.spank_job_env_size)) return BadRequest{Refusal::bad_option, *bad};
    if (gpus) return BadRequest{Refusal::gpu, *gpus};
    return std::nullopt;
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
