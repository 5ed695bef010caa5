#include "budget_check.hpp"

#include <cstdio>

#include "text.hpp"

namespace stratus {

std::string age_text(int64_t seconds) {
    if (seconds < 0) seconds = 0;
    if (seconds < 60) return std::to_string(seconds) + " s";
    return format_minutes(static_cast<uint32_t>(std::min<int64_t>(seconds / 60, 0xffffffff)));
}

namespace {

std::string subject(const Budget& b) { return std::string(budget_scope_name(b.scope)) + " " + b.name; }

// Why the snapshot cannot tell what `b` spent in window `w`; empty when it can.
std::string snapshot_problem(const Config& cfg, const SpendState* spend, const PeriodWindow& w, std::time_t now) {
    if (!spend || !spend->snapshot) {
        if (spend && !spend->problem.empty()) return spend->problem;
        return "no spend snapshot loaded";
    }
    const SpendSnapshot& s = *spend->snapshot;
    if (spend_snapshot_stale(s, now, cfg.budget.snapshot_max_age_s))
        return "the spend snapshot " + spend->path + " is " + age_text(now - s.generated_at) + " old (generated " +
               format_utc(s.generated_at) + ", SpendSnapshotMaxAge=" + std::to_string(cfg.budget.snapshot_max_age_s) + ")";
    if (!s.find(w))
        return "the spend snapshot " + spend->path + " (generated " + format_utc(s.generated_at) +
               ") has no figures for " + format_day(w.first) + ".." + format_day(w.last);
    return {};
}

void refuse_with(Decision& d, std::string message) {
    d.verdict = Verdict::refuse;
    d.refusal = Refusal::budget;
    d.message = std::move(message);
    d.new_partitions.reset();
    d.estimate.reset();  // as decide()'s refusals: no estimate, partitions or AdminComment
    d.max_usd.reset();
    d.admin_comment.clear();
}

}  // namespace

BudgetOutcome apply_budgets(const Config& cfg, const JobRequest& req, const SpendState* spend, std::time_t now,
                            std::optional<uint32_t> uid, Decision& d) {
    BudgetOutcome out;
    if (d.verdict != Verdict::accept || cfg.budget.budgets.empty()) return out;

    std::string account = req.account;
    if (account.empty() && uid && spend && spend->snapshot) {
        auto it = spend->snapshot->default_accounts.find(*uid);
        if (it != spend->snapshot->default_accounts.end()) account = it->second;
    }
    std::optional<int64_t> cost;
    if (d.max_usd) cost = usd_to_cents(*d.max_usd);

    for (const Budget& b : cfg.budget.budgets) {
        if (!budget_covers(b, account, req.cost_center)) continue;
        std::optional<PeriodWindow> w = period_window(b.period, now);
        if (!w) continue;  // a date range that has not begun or is over
        if (std::string problem = snapshot_problem(cfg, spend, *w, now); !problem.empty()) {
            if (!cfg.budget.refuse_on_stale) {
                out.unchecked.push_back("budget of " + subject(b) + " not checked: " + problem + " (BudgetOnStale=allow)");
                continue;
            }
            refuse_with(d, "stratus: " + subject(b) + " has a budget of " + format_cents(b.amount_cents) + " " +
                               budget_period_phrase(b.period) + " but what it spent is unknown: " + problem +
                               "; jobs it covers are refused until the snapshot is refreshed (BudgetOnStale=refuse)");
            out.refused = true;
            return out;
        }
        const SpendPeriod& p = *spend->snapshot->find(*w);
        const auto& spent_by = b.scope == BudgetScope::account ? p.account_cents : p.cost_center_cents;
        auto it = spent_by.find(b.scope == BudgetScope::account ? lower(b.name) : b.name);
        int64_t spent = it == spent_by.end() ? 0 : it->second;
        int64_t left = b.amount_cents - spent;
        if (cost ? *cost <= left : left > 0) continue;
        // Only refusals pay for the text.
        std::string head = "stratus: " + subject(b) + " has " + format_cents(std::max<int64_t>(left, 0)) + " of " +
                           format_cents(b.amount_cents) + " left " + budget_period_phrase(b.period) + "; ";
        refuse_with(d, head + (cost ? "this job may cost up to " + format_cents(*cost)
                                    : std::string("this job's cost is unknown (no price or time limit)")));
        out.refused = true;
        return out;
    }
    return out;
}

std::string budget_report(const Config& cfg, const SpendState* spend, std::time_t now, const std::string& account,
                          const std::string& cost_center) {
    std::string out;
    const SpendSnapshot* snap = spend && spend->snapshot ? spend->snapshot.get() : nullptr;
    std::string path = spend ? spend->path : cfg.spend_snapshot_path();
    if (snap) {
        bool stale = spend_snapshot_stale(*snap, now, cfg.budget.snapshot_max_age_s);
        out += "spend snapshot " + path + ": generated " + format_utc(snap->generated_at) + ", " +
               age_text(now - snap->generated_at) + " ago (" + (stale ? "STALE" : "current") +
               ", SpendSnapshotMaxAge=" + std::to_string(cfg.budget.snapshot_max_age_s) + ")\n";
    } else {
        out += (spend && !spend->problem.empty() ? spend->problem : "no spend snapshot at " + path) + "\n";
    }
    if (spend && snap && !spend->problem.empty()) out += "(" + spend->problem + ")\n";
    if (cfg.budget.budgets.empty()) return out + "no budgets in stratus.conf\n";

    struct Row { std::string budget, period, amount, spent, left; };
    std::vector<Row> rows{{"BUDGET", "PERIOD", "AMOUNT", "SPENT", "LEFT"}};
    for (const Budget& b : cfg.budget.budgets) {
        if (!account.empty() || !cost_center.empty())
            if (!budget_covers(b, account, cost_center)) continue;
        Row r;
        r.budget = subject(b);
        r.amount = format_cents(b.amount_cents);
        std::optional<PeriodWindow> w = period_window(b.period, now);
        r.period = w ? format_day(w->first) + ".." + format_day(w->last) : budget_period_text(b.period);
        const SpendPeriod* p = snap && w ? snap->find(*w) : nullptr;
        if (!w) {
            r.spent = "-";
            r.left = "(not running)";
        } else if (!p) {
            r.spent = "?";
            r.left = "(not in the snapshot)";
        } else {
            const auto& by = b.scope == BudgetScope::account ? p->account_cents : p->cost_center_cents;
            auto it = by.find(b.scope == BudgetScope::account ? lower(b.name) : b.name);
            int64_t spent = it == by.end() ? 0 : it->second;
            r.spent = format_cents(spent);
            r.left = format_cents(std::max<int64_t>(b.amount_cents - spent, 0));
        }
        rows.push_back(std::move(r));
    }
    size_t w[4] = {0, 0, 0, 0};
    for (const Row& r : rows) {
        w[0] = std::max(w[0], r.budget.size());
        w[1] = std::max(w[1], r.period.size());
        w[2] = std::max(w[2], r.amount.size());
        w[3] = std::max(w[3], r.spent.size());
    }
    for (const Row& r : rows) {
        auto pad = [](const std::string& s, size_t n) { return s + std::string(n - s.size() + 2, ' '); };
        out += pad(r.budget, w[0]) + pad(r.period, w[1]) + pad(r.amount, w[2]) + pad(r.spent, w[3]) + r.left + "\n";
    }
    return out;
}

}  // namespace stratus
