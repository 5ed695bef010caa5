// Actual cost of finished jobs: what each node of a job cost for the time
// the job held it, at the hourly price of the node's instance type and
// capacity. Pure and clock-free (callers pass times); no Slurm headers.
//
// Money rules (one rounding, so every report adds up to the cent):
//   - prices are taken as whole micro-dollars per hour (1e-6 USD, rounded
//     half away from zero from the catalog's decimal price);
//   - a node's cost is price x elapsed seconds / 3600, rounded half up to the
//     micro-dollar; a job's cost is the sum of its nodes' costs;
//   - the job's recorded cost (AdminComment `actual_usd`) is that sum rounded
//     half up to the cent, once, when the job ends;
//   - reports and spend totals add recorded cents (integers) and never round
//     again, so a total is exactly the sum of its jobs.
// See stratus-cost(1) and stratus-jobcost(8).
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog.hpp"
#include "config.hpp"

namespace stratus {

// ---- money -----------------------------------------------------------------------

using Micros = int64_t;  // micro-dollars

// Dollars to whole micro-dollars, half away from zero; nullopt for
// non-finite or out of range (beyond +-9e12 USD).
std::optional<Micros> usd_to_micros(double usd) noexcept;
// Micro-dollars to cents, half away from zero (0.005 USD -> 1 cent).
int64_t micros_to_cents(Micros m) noexcept;
// "12.30", "-0.05": cents as a decimal number of dollars, two decimals.
std::string cents_decimal(int64_t cents);
// "$12.30", "-$0.05".
std::string cents_usd(int64_t cents);
// "1.683200": micro-dollars as dollars with `decimals` (0-6) decimals, rounded half away from zero.
std::string micros_decimal(Micros m, int decimals);

// ---- which instance type and price a node had ----------------------------------------

// The instance type of `node` of a job that ran in `partition`, from the
// best source known: the burst tools' record of the instance launched for
// the node (`launched_type`), else the node's Slurm features (the first that
// names a catalog type, as `stratus-catalog node-line` writes them), else
// the partition's only instance type in stratus.conf. nullptr when none says.
const InstanceType* resolve_node_type(const Config& cfg, std::string_view partition,
                                      const std::optional<std::string>& launched_type,
                                      const std::optional<std::string>& features);

// The hourly price a node of `type` bought as `capacity` is charged at:
// spot uses the catalog's spot price of the configured region when known,
// else the on-demand price (the most spot can cost); `priced_as` says which,
// and `spot_snapshot` whether the spot price is the built-in snapshot's.
struct NodePrice {
    std::optional<Micros> micros_per_hour;  // nullopt: no price known
    Capacity priced_as = Capacity::on_demand;
    bool spot_snapshot = false;
};
NodePrice node_price(const Config& cfg, const InstanceType& type, Capacity capacity);

// ---- one job -----------------------------------------------------------------------

struct NodeCost {
    std::string node;
    std::string instance_type;            // empty when unknown
    Capacity capacity = Capacity::on_demand;
    Capacity priced_as = Capacity::on_demand;
    std::optional<Micros> micros_per_hour;  // nullopt: unknown type or price
    std::optional<Micros> micros;           // price x elapsed, to the micro-dollar
};

struct JobCost {
    int64_t elapsed_s = 0;
    Capacity capacity = Capacity::on_demand;
    std::vector<NodeCost> nodes;  // in the job's node order
    // Sum over the nodes; nullopt when any node's cost is unknown (then
    // nothing is summed: a partial figure would read as a full one).
    std::optional<Micros> micros;
    std::optional<int64_t> cents;  // micros rounded to the cent: the recorded figure
    std::optional<Micros> micros_per_hour;  // sum of the nodes' hourly prices
    // "spot_snapshot_max" (or _min) when a node's spot price came from the
    // built-in snapshot (SpotSnapshotPrice=), else empty.
    std::string spot_snapshot_basis;
};

// Elapsed seconds between start and end (0 when either is unset or end < start).
int64_t elapsed_seconds(std::time_t start, std::time_t end) noexcept;

// Cost of one node: micros_per_hour x elapsed_s / 3600, half up to the
// micro-dollar (exact for any price below $1e6/h and elapsed below 290 years).
Micros node_cost_micros(Micros micros_per_hour, int64_t elapsed_s) noexcept;

// Fills micros, cents and micros_per_hour of `job` from its nodes (their
// micros are computed here from micros_per_hour and job.elapsed_s).
void total_job_cost(JobCost& job);

// Everything in one call: each node's type (`types[i]` for `nodes[i]`;
// nullptr = unknown), price at `capacity`, cost and the total.
JobCost compute_job_cost(const Config& cfg, const std::vector<std::string>& nodes,
                         const std::vector<const InstanceType*>& types, Capacity capacity, int64_t elapsed_s);

// ClusterName= of slurm.conf (lower case, as Slurm keeps it); nullopt when
// slurm.conf is unreadable or has none. Never throws except std::bad_alloc.
std::optional<std::string> slurm_cluster_name(const std::string& slurm_conf);

// ---- TRESBillingWeights -----------------------------------------------------------------

// Per partition: weights that make Slurm's `billing` TRES the hourly price
// in cents of what a job holds. A whole node of type T bills at least T's
// price in cents (Slurm truncates billing to an integer). When a partition
// mixes types, each weight is the largest over its types, so no type bills
// less than it costs (cheaper types bill more: see `types`).
struct TypeBilling {
    std::string instance_type;
    std::optional<Micros> micros_per_hour;  // the price weighed (partition capacity)
    uint64_t full_node_billing = 0;         // billing of one whole node with these weights
};

struct PartitionBilling {
    std::string partition;
    Capacity capacity = Capacity::on_demand;
    bool priced = false;  // false: no type of the partition has a price, no weights
    // Weights in 1/10000 of a cent per hour, rounded up:
    uint64_t cpu = 0;         // per CPU
    uint64_t mem_per_gib = 0; // per GiB of RealMemory (max_tres only)
    uint64_t gpu = 0;         // per GPU (max_tres only; 0 when no type has GPUs)
    std::vector<TypeBilling> types;
    std::vector<std::string> unpriced_types;  // types without a price at the capacity
};

// max_tres=false: CPU weights only (a job pays for the share of CPUs it
// holds; works with any PriorityFlags). max_tres=true: CPU, Mem and
// GRES/gpu weights, each pricing a whole node, meant for
// PriorityFlags=MAX_TRES (billing = the largest of them on a node, so a job
// holding all GPUs or all memory pays for the node).
std::vector<PartitionBilling> billing_weights(const Config& cfg, bool max_tres);

// The TRESBillingWeights value, e.g. "CPU=2.63" or "CPU=0.2867,Mem=0.1119G,GRES/gpu=6.88".
std::string billing_weights_value(const PartitionBilling& b, bool max_tres);

// The whole `stratus-cost slurm-conf` text: comments explaining the units,
// then one `PartitionName=NAME TRESBillingWeights="..."` line per priced
// partition (to merge into slurm.conf's partition lines).
std::string billing_conf_text(const Config& cfg, bool max_tres);

}  // namespace stratus
