// The JSON object job_submit/stratus keeps in a job's AdminComment
// (job_submit_stratus(8)): what the burst tools read from it and the
// "wait_reason" they add when a job's nodes cannot be started.
#pragma once

#include <optional>
#include <string>

#include "catalog.hpp"

namespace stratus::burst {

// "cost_center" of the AdminComment JSON; "" when absent or not JSON.
std::string comment_cost_center(const std::string& admin_comment);
// "capacity" ("spot" / "on-demand"); nullopt when absent, "any" or not JSON.
std::optional<Capacity> comment_capacity(const std::string& admin_comment);
// The AdminComment with "wait_reason" set to `reason` (an empty comment
// becomes {"wait_reason":...}); nullopt when the comment is text that is
// not a JSON object (it is not ours to rewrite).
std::optional<std::string> comment_with_wait_reason(const std::string& admin_comment, const std::string& reason);

}  // namespace stratus::burst
