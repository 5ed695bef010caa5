// stratus-burstd's status file (StateDir/burstd.status): the last cycle's
// plan and what came of it, plus the State burstd carries between cycles
// and runs (cooldowns, idle clocks, PCS baselines, prewarmed nodes).
// JSON, written atomically by the daemon; `stratus-burstd --status` reads
// it back for people. No Slurm headers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "burst/burstd_plan.hpp"

namespace stratus::burstd {

struct StatusInfo {
    int64_t pid = 0;
    std::string run;  // "daemon" or "once"
    uint64_t cycle = 0;
    uint32_t interval_s = 0;
    std::string error;                  // the last cycle's failure, if it failed ("" otherwise)
    std::vector<std::string> outcomes;  // per plan partition: "done", "conflict", ... or ""
    std::string reconcile;              // the reconcile pass's summary ("" when it did not run)
};

// The whole document. `plan` may be null (a cycle that failed before planning).
std::string status_json(const StatusInfo& info, const Plan* plan, const State& state);

// The State stored in a status document. Throws aws::JsonParseError for a
// document that is not JSON; members it does not know are ignored, and a
// document without "state" gives an empty State.
State parse_state(std::string_view json);

// The status document for people: when, the spend, one block per
// partition. `now` (epoch s) ages the timestamps. Throws aws::JsonParseError.
std::string format_status(std::string_view json, int64_t now);

}  // namespace stratus::burstd
