// The budget step of the policy, run after decide() on an accepted job:
// refuses a job whose highest estimate (Decision::max_usd, over every
// partition it may run in) is more than what is left of a budget that
// covers its account or cost center, according to the spend snapshot in
// memory. Same guarantees as decide(): in-memory only, bounded, no files,
// network or clocks (the caller passes `now`); only std::bad_alloc escapes.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include "policy.hpp"
#include "request.hpp"
#include "spend_snapshot.hpp"

namespace stratus {

struct BudgetOutcome {
    bool refused = false;  // the Decision was turned into a refusal (Refusal::budget)
    // Budgets that covered the job but could not be checked (stale or missing
    // snapshot with BudgetOnStale=allow), one line each, for the log.
    std::vector<std::string> unchecked;
};

// When `d` accepts the job and a budget covers it, checks the budget; on
// refusal rewrites `d`: verdict refuse, refusal Refusal::budget, the message
//   stratus: account chem has $41.20 of $5000.00 left this month; this job may cost up to $96.00
// and no partition change or AdminComment. `spend` may be null (nothing
// loaded). `uid`: the submitting user, for the snapshot's default account
// when the job names none.
BudgetOutcome apply_budgets(const Config& cfg, const JobRequest& req, const SpendState* spend, std::time_t now,
                            std::optional<uint32_t> uid, Decision& d);

// "45 s", "12 min", "3h05", "2d 4h00": how old a snapshot is, for messages.
std::string age_text(int64_t seconds);

// `stratus-spend show`: the snapshot's age and, per budget of `cfg` (those
// covering `account`/`cost_center` when given), its period at `now`, amount,
// spent and left, as a table:
//   spend snapshot /var/lib/stratus/spend.json: generated 2026-11-28T07:00:00Z, 25 min ago (current, SpendSnapshotMaxAge=3600)
//   BUDGET              PERIOD                  AMOUNT    SPENT     LEFT
//   account chem        2026-11-01..2026-11-30  $5000.00  $4958.80  $41.20
std::string budget_report(const Config& cfg, const SpendState* spend, std::time_t now, const std::string& account = "",
                          const std::string& cost_center = "");

}  // namespace stratus
