#include "job_update.hpp"

namespace stratus {

namespace {

// Does the update set anything the estimate or the fit depends on?
bool prices_anything(const JobRequest& u) noexcept {
    return !u.partitions.empty() || u.min_nodes || u.max_nodes || u.num_tasks || u.tasks_per_node || u.cpus_per_task ||
           u.min_cpus_per_node || u.min_cpus || u.mem_per_node_mib || u.mem_per_cpu_mib || u.gpus.per_node ||
           u.gpus.per_job || u.gpus.per_task || !u.constraint.empty() || u.time_limit_min || u.time_unlimited;
}

void refuse(UpdateDecision& out, const Decision& d) {
    out.verdict = Verdict::refuse;
    out.refusal = d.refusal;
    out.message = d.message;
}

}  // namespace

UpdateDecision judge_update(const Config& cfg, const std::string& comment, const std::string& account,
                            const JobRequest& update, bool by_admin, const SpendState* spend, SpendLedger* ledger,
                            std::time_t now) {
    UpdateDecision out;
    std::optional<JobEstimate> old = read_job_estimate(comment);
    if (!old) {
        if (update.partitions.empty()) return out;
        Decision d = decide(cfg, update);
        if (d.verdict == Verdict::refuse) refuse(out, d);
        return out;
    }
    if (!prices_anything(update)) return out;
    JobRequest merged = apply_update(old->req, update);
    if (!account.empty()) merged.account = account;
    Decision d = decide(cfg, merged);
    if (d.verdict == Verdict::refuse && by_admin && d.refusal == Refusal::max_cost && merged.max_cost_usd) {
        // --max-cost is the user's own limit: an administrator's update goes past it.
        merged.max_cost_usd.reset();
        d = decide(cfg, merged);
    }
    if (d.verdict == Verdict::refuse) {
        refuse(out, d);
        return out;
    }
    if (d.verdict == Verdict::not_managed) return out;  // moved where Stratus does not judge
    // Budgets hold the job to its highest estimate: only an increase needs room.
    int64_t delta = usd_to_cents(d.max_usd.value_or(0)) - usd_to_cents(old->highest().value_or(0));
    if (delta > 0) {
        if (by_admin) {
            if (ledger) ledger->locked([&](SpendLedger& l) { hold_spend(&l, spend, now, merged.account, merged.cost_center, delta); });
        } else if (std::optional<std::string> refusal =
                       charge_budgets(cfg, merged.account, merged.cost_center, delta, spend, ledger, now, out.budget)) {
            out.verdict = Verdict::refuse;
            out.refusal = Refusal::budget;
            out.message = std::move(*refusal);
            return out;
        }
    }
    out.verdict = Verdict::accept;
    out.message = d.message;
    out.admin_comment = replace_estimate(comment, d.admin_comment);
    return out;
}

}  // namespace stratus
