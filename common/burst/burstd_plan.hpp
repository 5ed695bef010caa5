// stratus-burstd's planner: from the pending queue, the nodes and (PCS mode)
// the compute node groups, what to scale in each partition, within the
// admin's limits. Pure: plain structs in, a Plan out; no Slurm headers, no
// I/O, no clock (the caller passes `now`). The daemon (tools/stratus-burstd)
// fills the inputs from libslurm and PCS, runs the actions and reports their
// outcome back with record().
//
// "Fits" means what job_submit/stratus means: fit_types() of the policy core.
// Cost: O(jobs x partitions named x instance types) plus O(nodes); no
// allocation per job beyond the fit scratch vector (see make bench).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "request.hpp"

namespace stratus::burstd {

// Why a job is pending, as squeue's REASON column names it. The daemon maps
// Slurm's enum job_state_reason onto these.
enum class Wait : uint8_t {
    none,                  // None: not evaluated yet (just submitted)
    priority,              // Priority
    resources,             // Resources
    node_down,             // NodeDown
    req_node_not_avail,    // ReqNodeNotAvail
    partition_node_limit,  // PartitionNodeLimit
    bad_constraints,       // BadConstraints
    held_admin,            // JobHeldAdmin (or priority 0)
    held_user,             // JobHeldUser
    dependency,            // Dependency, DependencyNeverSatisfied
    begin_time,            // BeginTime
    qos_limit,             // QOS*: QOS limits and thresholds
    assoc_limit,           // Assoc*: association limits, AccountNotAllowed
    licenses,              // Licenses
    reservation,           // Reservation
    partition_down,        // PartitionDown, PartitionInactive
    partition_time_limit,  // PartitionTimeLimit
    array_task_limit,      // JobArrayTaskLimit
    other,                 // anything else (BurstBuffer*, Cleaning, Prolog, ...)
    count_
};
constexpr size_t kWaitCount = static_cast<size_t>(Wait::count_);
const char* wait_name(Wait w) noexcept;
// True for the reasons a node more would cure: None, Priority, Resources,
// NodeDown, ReqNodeNotAvail, PartitionNodeLimit, BadConstraints. Held jobs,
// dependencies, begin times, QOS/association limits, licenses,
// reservations and down partitions wait for something else.
bool wait_counts(Wait w) noexcept;

// Slurm's reason name (what squeue prints, e.g. "Resources",
// "QOSMaxJobsPerUserLimit") as a Wait: QOS* and InvalidQOS are qos_limit,
// Assoc*, AccountNotAllowed and InvalidAccount are assoc_limit, unknown
// names are `other`.
Wait classify_reason(std::string_view slurm_reason) noexcept;

struct PendingJob {
    uint32_t job_id = 0;
    uint32_t count = 1;  // jobs this record stands for (pending array tasks)
    Wait reason = Wait::none;
    bool exclusive = false;  // --exclusive: one node per node the job needs, shared with nobody
    JobRequest req;          // what it asks; req.partitions: where it may run, in order
};

enum class NodeUse : uint8_t {
    idle,         // can start a job now (or once powered up)
    busy,         // allocated, mixed or completing
    unavailable,  // down, drained, failed, not responding
};
enum class NodePower : uint8_t { up, powering_up, powered_down, powering_down };

struct NodeInfo {
    std::string name;
    std::vector<std::string> partitions;  // the Slurm partitions holding it
    NodeUse use = NodeUse::idle;
    NodePower power = NodePower::up;
    bool cloud = false;                   // State=CLOUD in slurm.conf
    int64_t last_busy = 0;                // when it last ran a job (epoch s; 0 unknown)
    const InstanceType* type = nullptr;   // from its features; nullptr: unknown
};

// A PCS compute node group as GetComputeNodeGroup returned it.
struct GroupInfo {
    std::string error;   // non-empty: the call failed (and why); the rest is unset
    std::string status;  // ACTIVE, UPDATING, ...
    int64_t min = 0, max = 0;
};

struct PlanInput {
    int64_t now = 0;  // epoch seconds
    std::vector<PendingJob> jobs;
    std::vector<NodeInfo> nodes;
    std::map<std::string, GroupInfo> groups;  // by partition name, PCS partitions only
};

// What burstd remembers between cycles (StateDir/burstd.status).
struct PartitionState {
    int64_t last_action = 0;  // when burstd last scaled the partition
    int64_t last_needed = 0;  // when it last saw all of the current capacity needed
    std::optional<int64_t> pcs_baseline;  // minInstanceCount before burstd first raised it
    std::optional<int64_t> pcs_set_min;   // what burstd last set it to
    std::map<std::string, int64_t> prewarmed;  // nodes burstd powered up -> when
};
struct State {
    std::map<std::string, PartitionState> partitions;
    int64_t pcs_retry_at = 0;  // PCS throttled burstd: no PCS call before this
};

enum class Mode : uint8_t { none, pcs, self_managed };
const char* mode_name(Mode m) noexcept;
enum class Action : uint8_t { none, raise_min, lower_min, power_up, power_down };
const char* action_name(Action a) noexcept;

struct PartitionPlan {
    std::string partition;
    Mode mode = Mode::none;
    // Jobs by why they wait: counted (fit, and a node would help),
    // not counted (wait for something else), no_fit (no instance type of
    // any partition they name can run them).
    uint64_t jobs_counted = 0, jobs_not_counted = 0, jobs_no_fit = 0;
    std::array<uint64_t, kWaitCount> by_reason{};  // counted and not counted, by reason
    uint64_t demand = 0;  // nodes the counted jobs need
    uint32_t busy = 0, idle = 0, powering_up = 0, powered_down = 0, unavailable = 0;
    uint64_t deficit = 0;  // demand that idle and powering-up nodes cannot take
    std::optional<double> node_usd_per_hour;  // price of one node (cheapest fitting type)
    std::optional<double> usd_before, usd_after;  // $/h of its nodes (PCS: max(up, minInstanceCount))
    // PCS mode: the node group.
    std::string node_group;
    std::optional<int64_t> group_min, group_max;
    std::string group_status;
    int64_t baseline = 0;  // the minInstanceCount to come back to
    // The decision.
    Action action = Action::none;
    int64_t min_from = 0, min_to = 0;  // raise_min / lower_min
    std::vector<std::string> nodes;    // power_up / power_down
    int64_t add = 0, release = 0;      // nodes added / released by the action
    std::vector<std::string> reasons;  // why: demand, supply, each limit that bound
    Action wanted = Action::none;      // what burstd would do without the hold below
    std::string hold;                  // why `wanted` is not done now (cooldown, UPDATING, throttled)
    // For observe(): all current capacity is needed (resets the idle clock),
    // and an admin changed minInstanceCount (burstd forgets its baseline).
    bool capacity_needed = false, admin_changed = false;
};

struct Plan {
    int64_t now = 0;
    uint64_t jobs_seen = 0, jobs_unmanaged = 0;  // unmanaged: no partition of the job is in stratus.conf
    std::optional<double> max_spend;             // MaxSpendPerHour
    double usd_before = 0, usd_after = 0;        // total over partitions with a known price
    bool usd_partial = false;                    // some partition's price is unknown
    std::vector<PartitionPlan> partitions;       // in stratus.conf order
};

// Plans one cycle. Only std::bad_alloc escapes.
Plan plan(const Config& cfg, const PlanInput& in, const State& state);

// Folds what the cycle observed into the state (last_needed, forgotten
// prewarmed nodes, a minInstanceCount an admin changed). Call once per
// cycle after plan(), whether or not actions run.
void observe(State& state, const Plan& plan, const PlanInput& in);

enum class Outcome : uint8_t { done, conflict, throttled, failed };
// Records the outcome of a partition's action. `retry_after_s`: for
// `throttled`, the wait PCS asked for (at least 1 s is used).
void record(State& state, const PartitionPlan& p, Outcome outcome, int64_t now, int64_t retry_after_s = 0);

// One line per partition for logs: "partition hpc: raise minInstanceCount
// 0 -> 16: pending 17 nodes (...); ...".
std::string describe(const PartitionPlan& p);

}  // namespace stratus::burstd
