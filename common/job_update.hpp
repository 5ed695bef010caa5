// An update of a job (scontrol update: time limit, node count, partition,
// GRES, ...) judged as job_submit/stratus judges a submission: the job's
// request as its AdminComment keeps it (job_estimate.hpp) with the changed
// fields applied, priced again, held to its --max-cost and to what is left
// of its budgets. Same guarantees as decide(): in-memory, bounded; only
// std::bad_alloc escapes.
#pragma once

#include <ctime>
#include <optional>
#include <string>

#include "budget_check.hpp"
#include "config.hpp"
#include "job_estimate.hpp"
#include "policy.hpp"
#include "request.hpp"

namespace stratus {

struct UpdateDecision {
    Verdict verdict = Verdict::not_managed;
    Refusal refusal = Refusal::none;
    std::string message;        // the refusal, or the new estimate for the user
    std::string admin_comment;  // the job's new AdminComment (empty: leave it)
    BudgetOutcome budget;       // budgets left unchecked, for the log
};

// `update` holds the fields the update sets (Slurm's job_desc_msg_t of
// job_modify, translated); `comment` the job's AdminComment and `account`
// its account, from slurmctld's record (empty when unknown). `by_admin`:
// root or SlurmUser, whose updates (running jobs' time limits, say) are
// priced and held but never refused for --max-cost or a budget.
//
// A job without a Stratus estimate is judged as before estimates were kept:
// only a new partition, against the resources named in the same update.
// Otherwise: an update that changes nothing priced passes as it is; one the
// job's partitions cannot run is refused (Refusal of decide()); one whose
// estimate goes above the job's --max-cost is refused (Refusal::max_cost);
// one whose increase is more than a budget has left is refused
// (Refusal::budget) and otherwise the increase is held in `ledger`.
UpdateDecision judge_update(const Config& cfg, const std::string& comment, const std::string& account,
                            const JobRequest& update, bool by_admin, const SpendState* spend, SpendLedger* ledger,
                            std::time_t now);

}  // namespace stratus
