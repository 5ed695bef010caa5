#include "budget_check.hpp"

#include <cstdio>
#include <stdexcept>

#include "json.hpp"
#include "json_value.hpp"

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

// ---- SpendLedger ---------------------------------------------------------------------

void SpendLedger::add(const Entry& e, int sign) {
    auto bump = [&](std::map<std::string, int64_t>& by, const std::string& key) {
        if (key.empty()) return;
        int64_t& v = by[key];
        v += sign * e.cents;
        if (v == 0) by.erase(key);
    };
    bump(by_account_, e.account);
    bump(by_cost_center_, e.cost_center);
}

int64_t SpendLedger::account_cents(const std::string& account) const {
    auto it = by_account_.find(lower(account));
    return it == by_account_.end() ? 0 : it->second;
}

int64_t SpendLedger::cost_center_cents(const std::string& cost_center) const {
    auto it = by_cost_center_.find(cost_center);
    return it == by_cost_center_.end() ? 0 : it->second;
}

void SpendLedger::hold(Entry e) {
    e.account = lower(e.account);
    add(e, +1);
    entries_.push_back(std::move(e));
}

void SpendLedger::prune(std::time_t t) {
    std::lock_guard<std::mutex> guard(mutex_);
    while (!entries_.empty() && entries_.front().at < t) {
        add(entries_.front(), -1);
        entries_.pop_front();
    }
}

size_t SpendLedger::size() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return entries_.size();
}

std::string SpendLedger::json() const {
    std::lock_guard<std::mutex> guard(mutex_);
    std::string out = "{\"v\":1,\"held\":[";
    for (size_t i = 0; i < entries_.size(); ++i) {
        const Entry& e = entries_[i];
        JsonObject j;
        j.add("at", format_utc(e.at)).add("account", e.account).add("cost_center", e.cost_center).add("usd", static_cast<double>(e.cents) / 100.0);
        out += (i ? "," : "") + j.str();
    }
    return out + "]}";
}

void SpendLedger::load(std::string_view text) {
    JsonValue doc = JsonValue::parse(text);
    const JsonValue* held = doc.find("held");
    const JsonValue* v = doc.find("v");
    if (!v || !v->is_number() || v->number() != 1 || !held || !held->is_array())
        throw std::runtime_error("not a spend ledger of this version");
    std::deque<Entry> entries;
    for (const JsonValue& h : held->items()) {
        const JsonValue* at = h.find("at");
        const JsonValue* usd = h.find("usd");
        std::optional<std::time_t> t = at && at->is_string() ? parse_utc(at->text()) : std::nullopt;
        std::optional<int64_t> c = usd ? usd->cents() : std::nullopt;
        if (!t || !c || *c < 0 || *c > kMaxSpendCents) throw std::runtime_error("a held entry without a time or an amount");
        const JsonValue* account = h.find("account");
        const JsonValue* cc = h.find("cost_center");
        entries.push_back(Entry{*t, account && account->is_string() ? account->text() : "",
                                cc && cc->is_string() ? cc->text() : "", *c});
    }
    std::lock_guard<std::mutex> guard(mutex_);
    entries_.clear();
    by_account_.clear();
    by_cost_center_.clear();
    for (Entry& e : entries) {
        add(e, +1);
        entries_.push_back(std::move(e));
    }
}

// ---- the checks --------------------------------------------------------------------------

std::string charged_account(const JobRequest& req, const SpendState* spend, std::optional<uint32_t> uid) {
    if (!req.account.empty() || !uid || !spend || !spend->snapshot) return req.account;
    auto it = spend->snapshot->default_accounts.find(*uid);
    return it == spend->snapshot->default_accounts.end() ? std::string() : it->second;
}

namespace {

// Checks `cost` (nullopt: unknown) against every budget covering the job;
// the refusal text, or nullopt. Call with the ledger locked.
std::optional<std::string> check(const Config& cfg, const std::string& account, const std::string& cost_center,
                                 std::optional<int64_t> cost, const SpendState* spend, const SpendLedger* ledger,
                                 std::time_t now, BudgetOutcome& out, const char* what) {
    for (const Budget& b : cfg.budget.budgets) {
        if (!budget_covers(b, account, cost_center)) continue;
        std::optional<PeriodWindow> w = period_window(b.period, now);
        if (!w) continue;  // a date range that has not begun or is over
        if (std::string problem = snapshot_problem(cfg, spend, *w, now); !problem.empty()) {
            if (!cfg.budget.refuse_on_stale) {
                out.unchecked.push_back("budget of " + subject(b) + " not checked: " + problem + " (BudgetOnStale=allow)");
                continue;
            }
            return "stratus: " + subject(b) + " has a budget of " + format_cents(b.amount_cents) + " " +
                   budget_period_phrase(b.period) + " but what it spent is unknown: " + problem + "; jobs it covers are refused until the snapshot is refreshed (BudgetOnStale=refuse)";
        }
        const SpendSnapshot& snap = *spend->snapshot;
        const SpendPeriod& p = *snap.find(*w);
        bool by_account = b.scope == BudgetScope::account;
        std::string key = by_account ? lower(b.name) : b.name;
        auto amount = [&](const std::map<std::string, int64_t>& by) {
            auto it = by.find(key);
            return it == by.end() ? int64_t{0} : it->second;
        };
        int64_t spent = amount(by_account ? p.account_cents : p.cost_center_cents);
        int64_t committed = amount(by_account ? snap.committed.account_cents : snap.committed.cost_center_cents);
        int64_t held = !ledger ? 0 : by_account ? ledger->account_cents(key) : ledger->cost_center_cents(key);
        int64_t left = b.amount_cents - spent - committed - held;
        if (cost ? *cost <= left : left > 0) continue;
        // Only refusals pay for the text.
        std::string head = "stratus: " + subject(b) + " has " + format_cents(std::max<int64_t>(left, 0)) + " of " +
                           format_cents(b.amount_cents) + " left " + budget_period_phrase(b.period);
        if (committed + held > 0) head += " (" + format_cents(committed + held) + " of it held by pending and running jobs)";
        return head + "; " + (cost ? std::string(what) + format_cents(*cost)
                                   : std::string("this job's cost is unknown (no price or time limit)"));
    }
    return std::nullopt;
}

}  // namespace

void hold_spend(SpendLedger* ledger, const SpendState* spend, std::time_t now, const std::string& account,
                const std::string& cost_center, int64_t cents) {
    if (!ledger || cents <= 0 || !spend || !spend->snapshot || !spend->snapshot->jobs_read_at) return;
    ledger->hold(SpendLedger::Entry{now, account, cost_center, cents});
}

BudgetOutcome apply_budgets(const Config& cfg, const JobRequest& req, const SpendState* spend, SpendLedger* ledger,
                            std::time_t now, std::optional<uint32_t> uid, Decision& d) {
    BudgetOutcome out;
    if (d.verdict != Verdict::accept || cfg.budget.budgets.empty()) return out;
    std::string account = charged_account(req, spend, uid);
    std::optional<int64_t> cost;
    if (d.max_usd) cost = usd_to_cents(*d.max_usd);
    auto run = [&](SpendLedger* l) {
        std::optional<std::string> refusal =
            check(cfg, account, req.cost_center, cost, spend, l, now, out, "this job may cost up to ");
        if (refusal) {
            refuse_with(d, std::move(*refusal));
            out.refused = true;
        } else if (cost) {
            hold_spend(l, spend, now, account, req.cost_center, *cost);
        }
    };
    if (ledger) ledger->locked([&](SpendLedger& l) { run(&l); });
    else run(nullptr);
    return out;
}

std::optional<std::string> charge_budgets(const Config& cfg, const std::string& account, const std::string& cost_center,
                                          int64_t cents, const SpendState* spend, SpendLedger* ledger, std::time_t now,
                                          BudgetOutcome& out) {
    if (cfg.budget.budgets.empty() || cents <= 0) return std::nullopt;
    auto run = [&](SpendLedger* l) {
        std::optional<std::string> refusal =
            check(cfg, account, cost_center, cents, spend, l, now, out, "this update may cost up to ");
        if (!refusal) hold_spend(l, spend, now, account, cost_center, cents);
        return refusal;
    };
    if (ledger) return ledger->locked([&](SpendLedger& l) { return run(&l); });
    return run(nullptr);
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

    struct Row { std::string budget, period, amount, spent, committed, left; };
    std::vector<Row> rows{{"BUDGET", "PERIOD", "AMOUNT", "SPENT", "COMMITTED", "LEFT"}};
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
            r.spent = r.committed = "-";
            r.left = "(not running)";
        } else if (!p) {
            r.spent = r.committed = "?";
            r.left = "(not in the snapshot)";
        } else {
            bool by_account = b.scope == BudgetScope::account;
            std::string key = by_account ? lower(b.name) : b.name;
            auto amount = [&](const std::map<std::string, int64_t>& by) {
                auto it = by.find(key);
                return it == by.end() ? int64_t{0} : it->second;
            };
            int64_t spent = amount(by_account ? p->account_cents : p->cost_center_cents);
            int64_t committed = amount(by_account ? snap->committed.account_cents : snap->committed.cost_center_cents);
            r.spent = format_cents(spent);
            r.committed = snap->jobs_read_at ? format_cents(committed) : "-";
            r.left = format_cents(std::max<int64_t>(b.amount_cents - spent - committed, 0));
        }
        rows.push_back(std::move(r));
    }
    size_t w[5] = {0, 0, 0, 0, 0};
    for (const Row& r : rows) {
        w[0] = std::max(w[0], r.budget.size());
        w[1] = std::max(w[1], r.period.size());
        w[2] = std::max(w[2], r.amount.size());
        w[3] = std::max(w[3], r.spent.size());
        w[4] = std::max(w[4], r.committed.size());
    }
    for (const Row& r : rows) {
        auto pad = [](const std::string& s, size_t n) { return s + std::string(n - s.size() + 2, ' '); };
        out += pad(r.budget, w[0]) + pad(r.period, w[1]) + pad(r.amount, w[2]) + pad(r.spent, w[3]) +
               pad(r.committed, w[4]) + r.left + "\n";
    }
    return out;
}

}  // namespace stratus
