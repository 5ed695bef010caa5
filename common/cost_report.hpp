// Reports of actual cost (stratus-cost report) and spend totals for budgets
// (the spend snapshot, common/spend_snapshot.hpp), both from the cost
// records of finished jobs (cost_record.hpp). Pure; no Slurm headers.
//
// A job's cost belongs to the window its END falls in: [since, until).
// Totals add the cents recorded on each job and never round again, so every
// total is exactly the sum of its jobs. See stratus-cost(1).
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cost_record.hpp"
#include "spend_snapshot.hpp"

namespace stratus {

enum class GroupBy { user, account, cost_center, partition, instance_type };
// "user", "account", "cost-center" (or cost_center), "partition", "instance-type" (or instance_type).
std::optional<GroupBy> parse_group_by(std::string_view s) noexcept;
const char* group_by_name(GroupBy g) noexcept;  // "user", "account", "cost-center", ...

enum class ReportFormat { table, csv, json };
std::optional<ReportFormat> parse_report_format(std::string_view s) noexcept;

struct CostRow {
    std::string key;           // the user, account, ...; "-" when the job has none (no cost center)
    uint64_t jobs = 0;          // jobs with a part in this row (a mixed-type job counts in each of its types)
    uint64_t unpriced_jobs = 0; // of those, jobs without a recorded cost (counted as $0)
    int64_t node_seconds = 0;
    int64_t cents = 0;
    int64_t on_demand_cents = 0;
    int64_t spot_cents = 0;
};

struct CostReport {
    GroupBy by = GroupBy::account;
    std::time_t since = 0, until = 0;
    std::vector<CostRow> rows;  // most expensive first, then by key
    CostRow total;              // key "total"; jobs counted once
};

// True when the job ended in [since, until) (jobs that never started, or
// are still running, are charged nowhere).
bool charged_in(const JobCostRecord& r, std::time_t since, std::time_t until) noexcept;

CostReport build_cost_report(const std::vector<JobCostRecord>& records, GroupBy by, std::time_t since,
                             std::time_t until);

// Readable table with a TOTAL line and a note about unpriced jobs.
std::string report_table(const CostReport& r);
// CSV, header:
//   row,KEY,jobs,unpriced_jobs,node_hours,usd,on_demand_usd,spot_usd,spot_percent
// KEY is the grouping (user, account, cost_center, partition,
// instance_type); `row` is "group" for each group and "total" for the last
// line (whose KEY is empty). Money with two decimals; node_hours with two;
// spot_percent = spot_usd / usd x 100 with one decimal, empty when usd is 0.
std::string report_csv(const CostReport& r);
// JSON: {"by":"account","since":"...Z","until":"...Z","currency":"USD",
//        "groups":[{"key":...,"jobs":N,"unpriced_jobs":N,"node_hours":N,"usd":N,
//                   "on_demand_usd":N,"spot_usd":N,"spot_percent":N|null}],
//        "total":{same keys but "key"}}
std::string report_json(const CostReport& r);

// ---- one job -----------------------------------------------------------------------

// `stratus-cost job`: one job's per-node breakdown.
struct JobBreakdown {
    AccountingJob job;
    JobCost cost;
    // true: from what stratus-jobcost recorded (AdminComment); false:
    // computed now from the catalog (the job runs, or nothing was recorded).
    bool recorded = false;
    std::optional<int64_t> recorded_cents;  // actual_usd as recorded
    std::string cost_center;
    std::string state;  // Slurm's job state name, when known
};

// The job's cost in cents as shown: the recorded figure when there is one.
std::optional<int64_t> breakdown_cents(const JobBreakdown& b) noexcept;
// Readable: a header line, one line per node, a TOTAL line.
std::string job_table(const JobBreakdown& b);
// CSV, header:
//   row,job,node,instance_type,capacity,priced_as,elapsed_s,usd_per_hour,usd
// one "node" row per node (usd to the micro-dollar, 6 decimals; empty when
// unknown) and a "total" row (node and instance_type empty, usd_per_hour the
// sum, usd the job's cost in cents, 2 decimals).
std::string job_csv(const JobBreakdown& b);
// JSON: {"job":"42","user":..,"account":..,"partition":..,"cost_center":..,
//        "start":"..Z","end":"..Z"|null,"elapsed_s":N,"capacity":..,"recorded":true|false,
//        "usd":N|null,"usd_per_hour":N|null,
//        "nodes":[{"node":..,"instance_type":..|null,"capacity":..,"priced_as":..,
//                  "usd_per_hour":N|null,"usd":N|null}]}
std::string job_json(const JobBreakdown& b);

// ---- budgets ---------------------------------------------------------------------

// What accounts and cost centers actually spent in [start, end): the sum of
// the recorded cents of the jobs that ended in the window, per account
// (lower case, as Slurm keeps accounts) and per cost center (jobs without
// one are in no cost center). Unpriced jobs add nothing. This is the
// SpendSource of the spend snapshot: the budget tools fetch the records
// from slurmdbd (tools/accounting.hpp: fetch_cost_records) and call this.
SpendTotals sum_actual_spend(const std::vector<JobCostRecord>& records, std::time_t start, std::time_t end);

// ---- times -------------------------------------------------------------------------

// A report bound, in UTC: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]" (a trailing
// 'Z' allowed), "now", or "@SECONDS" since the epoch. nullopt otherwise.
std::optional<std::time_t> parse_report_time(std::string_view s, std::time_t now) noexcept;
// 00:00:00 UTC on the first day of the month `now` falls in.
std::time_t start_of_month_utc(std::time_t now) noexcept;

}  // namespace stratus
