// Where the actual cost of a job is recorded: keys of its AdminComment JSON
// (written by stratus-jobcost when the job ends, next to the estimate keys
// of job_submit/stratus), and the finished jobs of the accounting store
// (slurmdbd) turned into cost records that reports and budgets add up.
// JSON through jansson; no Slurm headers. See stratus-jobcost(8).
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog.hpp"
#include "config.hpp"
#include "cost.hpp"

namespace stratus {

// ---- AdminComment -------------------------------------------------------------------
//
// Keys stratus-jobcost adds (or replaces) when a job ends; every other key
// stays as it was, in place:
//   actual_usd                the job's actual cost rounded to the cent (null: a price was unknown)
//   elapsed_s                 seconds from start to end
//   instance                  the nodes' instance type: a string when all nodes
//                             share it, else {"TYPE":"HOSTLIST",...}
//   capacity                  on-demand or spot (what the job ran as)
//   actual_usd_per_node_hour  the hourly price charged per node: a number when
//                             all nodes share it, else {"TYPE":PRICE,...}
//                             (null for an unknown price)
//   priced_as                 only when spot nodes were charged the on-demand
//                             price (no spot price known): "on-demand"
//   actual_price_basis        only when a spot price was the built-in
//                             snapshot's: "spot_snapshot_max" or "spot_snapshot_min"

struct AdminComment {
    bool present = false;  // non-empty text
    bool object = false;   // parses as a JSON object
    std::optional<Capacity> capacity;
    std::string cost_center;
    bool has_actual = false;              // actual_usd present (number or null)
    std::optional<int64_t> actual_cents;  // actual_usd as cents, when a number
    std::optional<int64_t> elapsed_s;
    std::string instance;  // when one type
    std::vector<std::pair<std::string, std::string>> instance_map;  // type -> hostlist
    std::optional<Micros> rate;  // actual_usd_per_node_hour when one number
    std::vector<std::pair<std::string, std::optional<Micros>>> rate_map;  // type -> price
    std::optional<Capacity> priced_as;
    std::string estimate_type;  // instance_type (the estimate's)
};

// Reads what Stratus needs; anything else (or text that is not JSON) is
// ignored. Never throws except std::bad_alloc.
AdminComment parse_admin_comment(std::string_view text);

// `admin_comment` with the actual-cost keys set from `job`, compact JSON.
// An empty comment becomes {"v":1,...}. Throws std::invalid_argument when
// `admin_comment` is not empty and not a JSON object (a site's own text is
// never overwritten).
std::string admin_comment_with_cost(std::string_view admin_comment, const JobCost& job);

// The capacity a job ran as: its comment's `capacity` (the job's
// --capacity, or what job_submit/stratus priced it at), else its
// partition's in stratus.conf, else DefaultCapacity.
Capacity job_capacity(const Config& cfg, std::string_view partition, const AdminComment& ac);

// The instance type `node` had per a parsed comment ("" when not recorded),
// and the price recorded for that type.
std::string recorded_node_type(const AdminComment& ac, std::string_view node);
std::optional<Micros> recorded_rate(const AdminComment& ac, std::string_view type);

// ---- the accounting store --------------------------------------------------------------

// A job as the accounting store returns it (filled by tools from slurmdbd).
struct AccountingJob {
    uint32_t job_id = 0;
    std::string job_label;  // as sacct shows it: "42", "42_7" (array task), "42+1" (het component)
    std::string user, account, partition;
    std::string nodelist;            // Slurm hostlist
    std::vector<std::string> nodes;  // nodelist expanded, in order
    std::time_t submit = 0, start = 0, end = 0;  // 0: not yet
    std::string admin_comment;
};

// The per-node breakdown of a job's recorded cost (instance, prices,
// elapsed_s, capacity from its AdminComment, nodes from the store); nullopt
// when the comment records no cost. Its cents equal actual_usd unless the
// comment was edited by hand.
std::optional<JobCost> recorded_job_cost(const AccountingJob& job, const AdminComment& ac);

// One instance type's part of a job's cost.
struct TypeShare {
    std::string instance_type;  // "unknown" when not recorded
    uint32_t nodes = 0;
    int64_t node_seconds = 0;
    int64_t cents = 0;  // shares of the job's cents: they add up to it exactly
};

// A finished job's recorded cost, ready to be added up.
struct JobCostRecord {
    uint32_t job_id = 0;
    std::string job_label, user, account, partition, cost_center;
    std::time_t start = 0, end = 0;
    int64_t elapsed_s = 0;
    uint32_t nodes = 0;
    Capacity capacity = Capacity::on_demand;
    bool priced = false;  // actual_usd recorded as a number; otherwise cents is 0
    int64_t cents = 0;
    std::vector<TypeShare> types;
};

// Turns a store job into a record. Capacity: the comment's, else the
// partition's in `cfg` (when given), else on-demand. The job's cents are
// split between instance types in proportion to their exact cost, largest
// remainder first, so the shares add up to the job's cents.
JobCostRecord cost_record(const AccountingJob& job, const Config* cfg);

// Splits `cents` in proportion to `weights` (largest remainder; ties to the
// earlier entry); all-zero weights put everything on the first entry.
std::vector<int64_t> split_cents(int64_t cents, const std::vector<int64_t>& weights);

}  // namespace stratus
