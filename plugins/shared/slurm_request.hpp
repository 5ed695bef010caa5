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

namespace stratus {

// Fills `req` from `desc`, including STRATUS_* values in spank_job_env.
// Returns the user-facing message for an invalid STRATUS_* value.
std::optional<std::string> job_request_from_slurm(const job_desc_msg_t& desc, JobRequest& req);

// The Slurm error code job_submit returns for a refusal (see job_submit_stratus(8)).
int slurm_error_code(Refusal why) noexcept;

}  // namespace stratus
