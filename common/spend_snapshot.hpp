// The spend snapshot: what each account and cost center has actually spent
// in each budget period, written by a separate process (`stratus-spend
// snapshot`, from a systemd timer or cron) and read by job_submit/stratus
// through its ConfigStore watcher, so that no submission ever queries a
// database. The file is JSON, replaced by atomic rename:
//
//   {"v":1,"generated_at":"2026-11-28T07:00:00Z",
//    "periods":[{"first":"2026-11-01","last":"2026-11-30",
//                "accounts":{"chem":4958.80},"cost_centers":{"proj-x":311.5}}],
//    "default_accounts":{"1000":"chem"}}
//
// `first`/`last` are inclusive UTC days (a budget's period window); amounts
// are US dollars; an account or cost center absent from a period spent
// nothing in it. `default_accounts` (optional) maps a uid to the Slurm
// default account of that user, for jobs submitted without --account.
// Optional, together: `jobs_read_at`, when slurmctld's pending and running
// jobs were read, and `committed`, what they may still cost (their
// remaining estimates) per account and cost center:
//
//    "jobs_read_at":"2026-11-28T07:00:00Z",
//    "committed":{"accounts":{"chem":96.32},"cost_centers":{}}
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "budget.hpp"

namespace stratus {

struct Config;

// Every amount of a snapshot, and every account's or cost center's total
// in one period, lies within +/-$10^12: a trillion dollars is beyond any
// bill, and the bound keeps sums and budget arithmetic (budgets go up to
// $10^13) far from int64's limits.
constexpr int64_t kMaxSpendCents = 100000000000000;

struct SpendPeriod {
    PeriodWindow window;
    std::map<std::string, int64_t> account_cents;      // keys lower case (Slurm accounts are case-insensitive)
    std::map<std::string, int64_t> cost_center_cents;  // keys as written
};

// What an account or cost center owes and may still spend, in cents.
struct SpendTotals {
    std::map<std::string, int64_t> account_cents;
    std::map<std::string, int64_t> cost_center_cents;
};

struct SpendSnapshot {
    std::time_t generated_at = 0;
    std::vector<SpendPeriod> periods;
    std::map<uint32_t, std::string> default_accounts;  // uid -> account
    // Commitments: set when the writer read slurmctld's jobs (accounts lower case).
    std::optional<std::time_t> jobs_read_at;
    SpendTotals committed;

    const SpendPeriod* find(const PeriodWindow& w) const noexcept;
};

// Parses the JSON above. Throws std::runtime_error (JsonParseError included)
// saying what is wrong, also for an amount or a total (repeated names, and
// account names equal but for case, add up) beyond kMaxSpendCents; unknown
// members are ignored (newer writers).
SpendSnapshot parse_spend_snapshot(std::string_view json);
std::string spend_snapshot_json(const SpendSnapshot& s);  // compact, one line

// Reads and parses `path`. Throws std::system_error when it cannot be read
// (errno ENOENT for a missing file), FileReadError (file.hpp) when it is
// not a regular file or holds more than kMaxFileBytes, and
// std::runtime_error ("PATH: ...") when it does not parse.
SpendSnapshot read_spend_snapshot(const std::string& path);

// Writes `s` to `path` atomically: a temporary file in the same directory,
// fsync, rename over `path` (mode 0644: sbatch reads it too). Throws
// std::system_error naming the path.
void write_spend_snapshot(const std::string& path, const SpendSnapshot& s);

// ---- building one --------------------------------------------------------------

// What accounting spent in [start, end) (UTC seconds): actual cost per
// account and per cost center of the jobs it charges to that window. The
// accounting side (`stratus-cost`, common/cost*) provides it.
using SpendSource = std::function<SpendTotals(std::time_t start, std::time_t end)>;

// The period windows a snapshot must cover at `now`: the current calendar
// month always, plus every date-range budget that is running; no duplicates.
std::vector<PeriodWindow> snapshot_windows(const Config& cfg, std::time_t now);

// Asks `source` once per window of snapshot_windows() and assembles the
// snapshot (generated_at = now). Exceptions from `source` propagate; a
// total beyond kMaxSpendCents throws std::runtime_error (the snapshot
// would not be read).
SpendSnapshot build_spend_snapshot(const Config& cfg, std::time_t now, const SpendSource& source,
                                   std::map<uint32_t, std::string> default_accounts = {});

// A pending or running job as slurmctld holds it, for its commitment.
struct LiveJobCost {
    std::string account;        // the job's (Slurm fills the default account in)
    std::string admin_comment;  // job_submit/stratus' estimate (job_estimate.hpp)
    bool running = false;
    uint32_t tasks = 1;         // tasks this record stands for (a pending array's still pending)
    std::time_t start = 0;      // running jobs
    std::optional<uint32_t> time_limit_min;
};

// What the jobs may still cost, per account and cost center: each task its
// highest estimate (est_usd_max over est_usd, divided among the array's
// tasks); a running one the part of it its time limit has left. Jobs with
// no Stratus estimate count nothing. Sums are bounded by kMaxSpendCents.
SpendTotals committed_spend(const std::vector<LiveJobCost>& jobs, std::time_t now);

// ---- the loaded snapshot, as the plugins see it ------------------------------

// The last snapshot read successfully (null: none yet) and, when the file
// could not be read or parsed since, why. Immutable once published.
struct SpendState {
    std::string path;
    std::shared_ptr<const SpendSnapshot> snapshot;
    std::string problem;  // empty when the file read last is `snapshot`
};

// Reads `path` into a new state; on failure keeps `previous`'s snapshot and
// records the problem. Never throws except std::bad_alloc.
SpendState load_spend_state(const std::string& path, const SpendState* previous);

// Staleness at `now`: age of the snapshot (negative ages, from clock skew, count as 0).
bool spend_snapshot_stale(const SpendSnapshot& s, std::time_t now, uint32_t max_age_s) noexcept;

}  // namespace stratus
