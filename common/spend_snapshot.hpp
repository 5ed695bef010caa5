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

struct SpendPeriod {
    PeriodWindow window;
    std::map<std::string, int64_t> account_cents;      // keys lower case (Slurm accounts are case-insensitive)
    std::map<std::string, int64_t> cost_center_cents;  // keys as written
};

struct SpendSnapshot {
    std::time_t generated_at = 0;
    std::vector<SpendPeriod> periods;
    std::map<uint32_t, std::string> default_accounts;  // uid -> account

    const SpendPeriod* find(const PeriodWindow& w) const noexcept;
};

// Parses the JSON above. Throws std::runtime_error (JsonParseError included)
// saying what is wrong; unknown members are ignored (newer writers).
SpendSnapshot parse_spend_snapshot(std::string_view json);
std::string spend_snapshot_json(const SpendSnapshot& s);  // compact, one line

// Reads and parses `path`. Throws std::system_error when it cannot be read
// (errno ENOENT for a missing file) and std::runtime_error ("PATH: ...")
// when it does not parse.
SpendSnapshot read_spend_snapshot(const std::string& path);

// Writes `s` to `path` atomically: a temporary file in the same directory,
// fsync, rename over `path` (mode 0644: sbatch reads it too). Throws
// std::system_error naming the path.
void write_spend_snapshot(const std::string& path, const SpendSnapshot& s);

// ---- building one --------------------------------------------------------------

// What accounting spent in [start, end) (UTC seconds): actual cost per
// account and per cost center of the jobs it charges to that window. The
// accounting side (`stratus-cost`, common/cost*) provides it.
struct SpendTotals {
    std::map<std::string, int64_t> account_cents;
    std::map<std::string, int64_t> cost_center_cents;
};
using SpendSource = std::function<SpendTotals(std::time_t start, std::time_t end)>;

// The period windows a snapshot must cover at `now`: the current calendar
// month always, plus every date-range budget that is running; no duplicates.
std::vector<PeriodWindow> snapshot_windows(const Config& cfg, std::time_t now);

// Asks `source` once per window of snapshot_windows() and assembles the
// snapshot (generated_at = now). Exceptions from `source` propagate.
SpendSnapshot build_spend_snapshot(const Config& cfg, std::time_t now, const SpendSource& source,
                                   std::map<uint32_t, std::string> default_accounts = {});

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
