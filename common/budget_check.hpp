// The budget step of the policy, run after decide() on an accepted job:
// refuses a job whose highest estimate (Decision::max_usd, over every
// partition it may run in) is more than what is left of a budget that
// covers its account or cost center, according to the spend snapshot in
// memory. Same guarantees as decide(): in-memory only, bounded, no files,
// network or clocks (the caller passes `now`); only std::bad_alloc escapes.
#pragma once

#include <cstdint>
#include <ctime>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "policy.hpp"
#include "request.hpp"
#include "spend_snapshot.hpp"

namespace stratus {

// What job_submit/stratus has accepted since the spend snapshot last read
// slurmctld's jobs (its `jobs_read_at`): each accepted job's highest
// estimate, and each accepted update's increase, held against its account
// and cost center until a snapshot whose commitments include it is loaded
// (prune()). So any number of jobs submitted at once fit the budget
// together. Thread-safe: slurmctld runs job_submit in several threads at
// once under read locks; a check and its hold are one step.
class SpendLedger {
public:
    struct Entry {
        std::time_t at = 0;
        std::string account;  // lower case; empty: none
        std::string cost_center;
        int64_t cents = 0;
    };

    // Runs f(ledger) with the ledger locked (check, then hold).
    template <class F>
    auto locked(F f) {
        std::lock_guard<std::mutex> guard(mutex_);
        return f(*this);
    }
    // These need the lock (locked()):
    int64_t account_cents(const std::string& account) const;
    int64_t cost_center_cents(const std::string& cost_center) const;
    void hold(Entry e);

    // Drops what was accepted before `t` (a newer snapshot counts it).
    void prune(std::time_t t);
    size_t size() const;
    // The entries as JSON, and back (the watcher keeps a copy in StateDir
    // so that a restarted slurmctld holds them again). load() replaces the
    // entries; throws std::runtime_error for text it did not write.
    std::string json() const;
    void load(std::string_view json);

private:
    void add(const Entry& e, int sign);
    mutable std::mutex mutex_;
    std::deque<Entry> entries_;  // in the order held (times ascending)
    std::map<std::string, int64_t> by_account_, by_cost_center_;
};

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
//
// What is left of a budget = its amount - what the snapshot says was spent
// in the period - its commitments (pending and running jobs when the
// snapshot read them, if it did) - what `ledger` holds (may be null: the
// SPANK client has none). An accepted job's cost is then held in `ledger`
// (when the snapshot has commitments, so that the hold ends once one
// counts the job). A job whose cost equals what is left is accepted.
BudgetOutcome apply_budgets(const Config& cfg, const JobRequest& req, const SpendState* spend, SpendLedger* ledger,
                            std::time_t now, std::optional<uint32_t> uid, Decision& d);

// The same check for `cents` more (an update that raises a job's estimate)
// against the budgets of `account` and `cost_center`; returns the refusal
// message, or nullopt after holding `cents` in `ledger`.
std::optional<std::string> charge_budgets(const Config& cfg, const std::string& account, const std::string& cost_center,
                                          int64_t cents, const SpendState* spend, SpendLedger* ledger, std::time_t now,
                                          BudgetOutcome& out);

// Holds `cents` in `ledger` (locked by the caller) when the snapshot has
// commitments, which will count the job once a newer one is written.
void hold_spend(SpendLedger* ledger, const SpendState* spend, std::time_t now, const std::string& account,
                const std::string& cost_center, int64_t cents);

// The account a job is charged to: the one it names, else the submitting
// user's default account in the snapshot (empty when neither is known).
std::string charged_account(const JobRequest& req, const SpendState* spend, std::optional<uint32_t> uid);

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
