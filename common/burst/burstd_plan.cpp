#include "burst/burstd_plan.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "policy.hpp"
#include "text.hpp"

namespace stratus::burstd {

const char* wait_name(Wait w) noexcept {
    switch (w) {
    case Wait::none: return "None";
    case Wait::priority: return "Priority";
    case Wait::resources: return "Resources";
    case Wait::node_down: return "NodeDown";
    case Wait::req_node_not_avail: return "ReqNodeNotAvail";
    case Wait::partition_node_limit: return "PartitionNodeLimit";
    case Wait::bad_constraints: return "BadConstraints";
    case Wait::held_admin: return "JobHeldAdmin";
    case Wait::held_user: return "JobHeldUser";
    case Wait::dependency: return "Dependency";
    case Wait::begin_time: return "BeginTime";
    case Wait::qos_limit: return "QOSLimit";
    case Wait::assoc_limit: return "AssocLimit";
    case Wait::licenses: return "Licenses";
    case Wait::reservation: return "Reservation";
    case Wait::partition_down: return "PartitionDown";
    case Wait::partition_time_limit: return "PartitionTimeLimit";
    case Wait::array_task_limit: return "JobArrayTaskLimit";
    case Wait::other: case Wait::count_: break;
    }
    return "Other";
}

bool wait_counts(Wait w) noexcept {
    switch (w) {
    case Wait::none: case Wait::priority: case Wait::resources: case Wait::node_down:
    case Wait::req_node_not_avail: case Wait::partition_node_limit: case Wait::bad_constraints:
        return true;
    default:
        return false;
    }
}

Wait classify_reason(std::string_view r) noexcept {
    struct Name { const char* name; Wait wait; };
    static const Name names[] = {
        {"None", Wait::none}, {"Priority", Wait::priority}, {"Resources", Wait::resources},
        {"NodeDown", Wait::node_down}, {"ReqNodeNotAvail", Wait::req_node_not_avail},
        {"PartitionNodeLimit", Wait::partition_node_limit}, {"BadConstraints", Wait::bad_constraints},
        {"JobHeldAdmin", Wait::held_admin}, {"JobHeldUser", Wait::held_user}, {"Dependency", Wait::dependency},
        {"DependencyNeverSatisfied", Wait::dependency}, {"BeginTime", Wait::begin_time},
        {"Licenses", Wait::licenses}, {"Reservation", Wait::reservation}, {"PartitionDown", Wait::partition_down},
        {"PartitionInactive", Wait::partition_down}, {"PartitionTimeLimit", Wait::partition_time_limit},
        {"JobArrayTaskLimit", Wait::array_task_limit}, {"InvalidQOS", Wait::qos_limit},
        {"AccountNotAllowed", Wait::assoc_limit}, {"InvalidAccount", Wait::assoc_limit}};
    for (const Name& n : names)
        if (r == n.name) return n.wait;
    if (r.substr(0, 3) == "QOS") return Wait::qos_limit;
    if (r.substr(0, 5) == "Assoc") return Wait::assoc_limit;
    return Wait::other;
}

const char* mode_name(Mode m) noexcept {
    switch (m) {
    case Mode::pcs: return "pcs";
    case Mode::self_managed: return "self-managed";
    case Mode::none: break;
    }
    return "none";
}

const char* action_name(Action a) noexcept {
    switch (a) {
    case Action::raise_min: return "raise-min";
    case Action::lower_min: return "lower-min";
    case Action::power_up: return "power-up";
    case Action::power_down: return "power-down";
    case Action::none: break;
    }
    return "none";
}

namespace {

constexpr size_t kMaxTypes = 64;  // a fit mask is one uint64_t

// Counted jobs of one partition that fit the same instance types and are
// cheapest on the same one: they compete for the same nodes.
struct Group {
    int cheapest = 0;    // index into the partition's types
    uint64_t mask = 0;   // bit i: type i fits
    uint64_t whole = 0;  // whole nodes (multi-node or exclusive jobs)
    double shared = 0;   // node fractions of single-node jobs that share nodes
    uint64_t nodes() const {
        return whole + static_cast<uint64_t>(std::ceil(shared - 1e-9));
    }
};

// The nodes of one partition, by instance type (index into its types; the
// last slot is "type unknown", which serves any job).
struct Supply {
    std::vector<uint32_t> idle, powering;
    std::vector<std::vector<size_t>> candidates;  // powered-down CLOUD nodes (indexes into in.nodes)
    std::vector<size_t> idle_nodes;                // indexes into in.nodes
    bool has_cloud = false;
    int64_t idle_last_busy = 0;
};

struct Work {
    std::vector<Group> groups;
    Supply supply;
};

std::string fmt_usd_h(double usd) { return "$" + format_fixed(usd, 4) + "/h"; }
std::string nodes_word(uint64_t n) { return std::to_string(n) + (n == 1 ? " node" : " nodes"); }
std::string jobs_word(uint64_t n) { return std::to_string(n) + (n == 1 ? " job" : " jobs"); }

// Fraction of one node of type `pt` a single-node job takes (CPUs, memory
// or GPUs, whichever is scarcest), at most 1.
double node_share(const JobRequest& r, const TypeNeed& n, const PartitionType& pt) {
    const InstanceType& t = *pt.type;
    uint64_t cpt = std::max<uint32_t>(1, r.cpus_per_task.value_or(1));
    uint64_t cpus = std::max<uint64_t>(n.cpus_per_node, uint64_t{r.num_tasks.value_or(1)} * cpt);
    cpus = std::max<uint64_t>(cpus, r.min_cpus.value_or(0));
    double share = t.vcpus ? static_cast<double>(cpus) / t.vcpus : 1.0;
    uint64_t mem = r.mem_per_cpu_mib ? *r.mem_per_cpu_mib * cpus : n.mem_per_node_mib;
    if (mem) share = std::max(share, pt.usable_memory_mib ? static_cast<double>(mem) / pt.usable_memory_mib : 1.0);
    uint64_t gpus = n.gpus_per_node;
    if (r.gpus.per_job) gpus = std::max<uint64_t>(gpus, *r.gpus.per_job);
    if (r.gpus.per_task) gpus = std::max<uint64_t>(gpus, uint64_t{*r.gpus.per_task} * r.num_tasks.value_or(1));
    if (gpus) share = std::max(share, t.gpus ? static_cast<double>(gpus) / t.gpus : 1.0);
    return std::min(share, 1.0);
}

int type_index(const PartitionConfig& p, const InstanceType* t) {
    if (t)
        for (size_t i = 0; i < p.types.size() && i < kMaxTypes; ++i)
            if (p.types[i].type == t) return static_cast<int>(i);
    return -1;
}

// Takes up to `want` from `pool` (counts by type; last slot = unknown type)
// for a group: its cheapest type first, then its other fitting types, then
// nodes of unknown type. Returns how many were taken.
uint64_t take(std::vector<uint32_t>& pool, const Group& g, uint64_t want) {
    uint64_t got = 0;
    auto grab = [&](size_t slot) {
        uint64_t n = std::min<uint64_t>(pool[slot], want - got);
        pool[slot] -= static_cast<uint32_t>(n);
        got += n;
    };
    size_t unknown = pool.size() - 1;
    grab(static_cast<size_t>(g.cheapest));
    for (size_t i = 0; i < unknown && got < want; ++i)
        if ((g.mask >> i) & 1) grab(i);
    if (got < want) grab(unknown);
    return got;
}

std::optional<double> price_of(const PartitionType& pt, Capacity c) { return pt.usd_per_hour[static_cast<int>(c)]; }

std::string reason_counts(const PartitionPlan& pp, bool counted) {
    std::string s;
    for (size_t i = 0; i < kWaitCount; ++i) {
        Wait w = static_cast<Wait>(i);
        if (!pp.by_reason[i] || wait_counts(w) != counted) continue;
        s += (s.empty() ? "" : ", ") + std::to_string(pp.by_reason[i]) + " " + wait_name(w);
    }
    return s;
}

}  // namespace

Plan plan(const Config& cfg, const PlanInput& in, const State& state) {
    const BurstConfig& b = cfg.burst;
    Plan out;
    out.now = in.now;
    out.max_spend = b.max_spend_per_hour;
    const size_t np = cfg.partitions.size();
    out.partitions.resize(np);
    std::vector<Work> work(np);
    std::unordered_map<std::string, size_t> index;
    index.reserve(np * 2);
    for (size_t i = 0; i < np; ++i) {
        const PartitionConfig& p = cfg.partitions[i];
        index.emplace(p.name, i);
        out.partitions[i].partition = p.name;
        size_t slots = std::min(p.types.size(), kMaxTypes) + 1;
        Supply& s = work[i].supply;
        s.idle.assign(slots, 0);
        s.powering.assign(slots, 0);
        s.candidates.assign(slots, {});
    }

    // ---- demand: what the pending jobs need, per partition -----------------
    std::vector<TypeNeed> needs;
    needs.reserve(kMaxTypes);
    size_t named[8];
    for (const PendingJob& job : in.jobs) {
        const uint64_t count = job.count ? job.count : 1;
        out.jobs_seen += count;
        // The job's partitions that stratus.conf manages, in the job's order.
        size_t nn = 0;
        const std::vector<std::string>& parts = job.req.partitions;
        if (parts.empty()) {
            auto it = index.find(cfg.default_partition);
            if (it != index.end()) named[nn++] = it->second;
        }
        for (const std::string& name : parts) {
            if (nn == sizeof named / sizeof named[0]) break;
            auto it = index.find(name);
            if (it != index.end()) named[nn++] = it->second;
        }
        if (nn == 0) {
            out.jobs_unmanaged += count;
            continue;
        }
        const size_t reason = static_cast<size_t>(job.reason);
        if (!wait_counts(job.reason)) {
            out.partitions[named[0]].jobs_not_counted += count;
            out.partitions[named[0]].by_reason[reason] += count;
            continue;
        }
        // The first partition of the job that can run it (routed jobs list
        // the cheapest first), on its cheapest instance type there, as
        // decide() prices it: nodes x price, a known price before unknown.
        bool placed = false;
        for (size_t k = 0; k < nn && !placed; ++k) {
            const size_t pi = named[k];
            const PartitionConfig& p = cfg.partitions[pi];
            fit_types(cfg, p, job.req, needs);
            const Capacity cap = job.req.capacity.value_or(p.capacity);
            int best = -1;
            double best_rate = HUGE_VAL;
            uint64_t mask = 0;
            for (size_t t = 0; t < needs.size() && t < kMaxTypes; ++t) {
                if (!needs[t].fits) continue;
                mask |= uint64_t{1} << t;
                std::optional<double> price = price_of(p.types[t], cap);
                double rate = price ? needs[t].nodes * *price : HUGE_VAL;
                if (best < 0 || rate < best_rate) {
                    best = static_cast<int>(t);
                    best_rate = rate;
                }
            }
            if (best < 0) continue;
            placed = true;
            PartitionPlan& pp = out.partitions[pi];
            pp.jobs_counted += count;
            pp.by_reason[reason] += count;
            Group* g = nullptr;
            for (Group& x : work[pi].groups)
                if (x.cheapest == best && x.mask == mask) g = &x;
            if (!g) {
                work[pi].groups.push_back(Group{best, mask, 0, 0});
                g = &work[pi].groups.back();
            }
            const TypeNeed& n = needs[static_cast<size_t>(best)];
            if (n.nodes == 1 && !job.exclusive) g->shared += node_share(job.req, n, p.types[static_cast<size_t>(best)]) * count;
            else g->whole += uint64_t{n.nodes} * count;
        }
        if (!placed) {
            out.partitions[named[0]].jobs_no_fit += count;
            out.partitions[named[0]].by_reason[reason] += count;
        }
    }

    // ---- supply: the partitions' nodes --------------------------------------
    for (size_t ni = 0; ni < in.nodes.size(); ++ni) {
        const NodeInfo& node = in.nodes[ni];
        for (const std::string& name : node.partitions) {
            auto it = index.find(name);
            if (it == index.end()) continue;
            const size_t pi = it->second;
            const PartitionConfig& p = cfg.partitions[pi];
            PartitionPlan& pp = out.partitions[pi];
            Supply& s = work[pi].supply;
            s.has_cloud = s.has_cloud || node.cloud;
            int t = type_index(p, node.type);
            size_t slot = t < 0 ? s.idle.size() - 1 : static_cast<size_t>(t);
            if (node.use == NodeUse::unavailable) ++pp.unavailable;
            else if (node.power == NodePower::powered_down || node.power == NodePower::powering_down) {
                if (!node.cloud) ++pp.unavailable;
                else {
                    ++pp.powered_down;
                    if (node.power == NodePower::powered_down) s.candidates[slot].push_back(ni);
                }
            } else if (node.power == NodePower::powering_up) {
                ++pp.powering_up;
                ++s.powering[slot];
            } else if (node.use == NodeUse::busy) {
                ++pp.busy;
            } else {
                ++pp.idle;
                ++s.idle[slot];
                s.idle_nodes.push_back(ni);
                s.idle_last_busy = std::max(s.idle_last_busy, node.last_busy);
            }
        }
    }

    // ---- decisions, partition by partition in stratus.conf order ------------
    std::vector<bool> picked(in.nodes.size(), false);
    double running = 0;  // $/h of everything burstd scales, as decided so far
    // First pass: the spend before any action.
    for (size_t pi = 0; pi < np; ++pi) {
        const PartitionConfig& p = cfg.partitions[pi];
        PartitionPlan& pp = out.partitions[pi];
        Work& w = work[pi];
        // On a PCS cluster (PcsCluster=) PCS owns every node: a partition
        // without PcsNodeGroup= is left to it, never powered up or down.
        if (!b.pcs_cluster.empty()) pp.mode = p.pcs_node_group.empty() ? Mode::none : Mode::pcs;
        else pp.mode = w.supply.has_cloud ? Mode::self_managed : Mode::none;
        // Price of one node: the cheapest fitting type of the pending jobs
        // (the dearest of those when they differ); no demand: the cheapest type.
        std::optional<double> price;
        bool unknown = false;
        for (const Group& g : w.groups) {
            if (g.nodes() == 0) continue;
            std::optional<double> gp = price_of(p.types[static_cast<size_t>(g.cheapest)], p.capacity);
            if (!gp) unknown = true;
            else price = std::max(price.value_or(0.0), *gp);
        }
        if (unknown) price.reset();
        else if (w.groups.empty())
            for (const PartitionType& pt : p.types)
                if (auto x = price_of(pt, p.capacity)) price = std::min(price.value_or(*x), *x);
        pp.node_usd_per_hour = price;
        for (const Group& g : w.groups) pp.demand += g.nodes();
        uint64_t up = uint64_t{pp.busy} + pp.idle + pp.powering_up;
        if (pp.mode == Mode::pcs) {
            pp.node_group = p.pcs_node_group;
            auto it = in.groups.find(p.name);
            if (it != in.groups.end() && it->second.error.empty()) up = std::max<uint64_t>(up, static_cast<uint64_t>(std::max<int64_t>(0, it->second.min)));
        }
        if (pp.mode != Mode::none) {
            if (price) pp.usd_before = static_cast<double>(up) * *price;
            else if (up) out.usd_partial = true;
            running += pp.usd_before.value_or(0);
        }
        pp.usd_after = pp.usd_before;
    }
    out.usd_before = running;

    for (size_t pi = 0; pi < np; ++pi) {
        const PartitionConfig& p = cfg.partitions[pi];
        PartitionPlan& pp = out.partitions[pi];
        Work& w = work[pi];
        Supply& s = w.supply;
        auto st_it = state.partitions.find(p.name);
        const PartitionState ps = st_it == state.partitions.end() ? PartitionState{} : st_it->second;

        // Match demand against idle and powering-up nodes.
        std::vector<uint64_t> residual(w.groups.size(), 0);
        std::vector<uint32_t> idle_pool = s.idle, powering_pool = s.powering;
        uint64_t idle_used = 0;
        for (size_t gi = 0; gi < w.groups.size(); ++gi) {
            uint64_t want = w.groups[gi].nodes();
            uint64_t got = take(idle_pool, w.groups[gi], want);
            idle_used += got;
            got += take(powering_pool, w.groups[gi], want - got);
            residual[gi] = want - got;
            pp.deficit += residual[gi];
        }
        const uint64_t up = uint64_t{pp.busy} + pp.idle + pp.powering_up;

        // Demand and supply, for the log.
        if (pp.jobs_counted) {
            pp.reasons.push_back("pending: " + jobs_word(pp.jobs_counted) + " (" + reason_counts(pp, true) + ") need " +
                                 nodes_word(pp.demand));
        } else {
            pp.reasons.push_back("pending: no job that a node would help");
        }
        if (pp.jobs_not_counted)
            pp.reasons.push_back("not counted: " + jobs_word(pp.jobs_not_counted) + " (" + reason_counts(pp, false) + ")");
        if (pp.jobs_no_fit)
            pp.reasons.push_back("not counted: " + jobs_word(pp.jobs_no_fit) + " no instance type of the partition can run");
        pp.reasons.push_back("nodes: " + std::to_string(pp.busy) + " busy, " + std::to_string(pp.idle) + " idle, " +
                             std::to_string(pp.powering_up) + " powering up, " + std::to_string(pp.powered_down) +
                             " powered down, " + std::to_string(pp.unavailable) + " unavailable");
        if (pp.demand) pp.reasons.push_back("deficit: " + nodes_word(pp.deficit));

        // How many nodes more the spend cap allows (beyond what runs now).
        auto spend_room = [&](uint64_t wanted, std::string& why) -> uint64_t {
            if (!b.max_spend_per_hour) return wanted;
            if (!pp.node_usd_per_hour) {
                why = "MaxSpendPerHour=" + format_usd(*b.max_spend_per_hour) + " cannot be checked: no " + cfg.region +
                      " price for the partition's instance type";
                return 0;
            }
            double left = *b.max_spend_per_hour - running;
            double per = *pp.node_usd_per_hour;
            uint64_t room = left <= 0 ? 0 : (per <= 0 ? wanted : static_cast<uint64_t>(std::floor(left / per + 1e-9)));
            if (room < wanted)
                why = "MaxSpendPerHour=" + format_usd(*b.max_spend_per_hour) + ": " + format_usd(std::max(0.0, left)) +
                      "/h left allows " + nodes_word(room) + " more at " + fmt_usd_h(per);
            return std::min(room, wanted);
        };
        auto gate = [&](bool pcs) -> std::string {
            if (pcs && state.pcs_retry_at > in.now)
                return "PCS is throttling burstd: retry in " + std::to_string(state.pcs_retry_at - in.now) + " s";
            if (ps.last_action && in.now - ps.last_action < static_cast<int64_t>(b.cooldown_s))
                return "BurstCooldown=" + std::to_string(b.cooldown_s) + ": " +
                       std::to_string(static_cast<int64_t>(b.cooldown_s) - (in.now - ps.last_action)) + " s left";
            return "";
        };
        // The idle clock of capacity above what is needed: last seen needed
        // by burstd, or last busy (a node that just went idle was needed).
        const int64_t idle_since = std::max(ps.last_needed, s.idle_last_busy);
        const int64_t idle_for = idle_since ? in.now - idle_since : std::numeric_limits<int32_t>::max();

        if (pp.mode == Mode::none) {
            pp.capacity_needed = true;
            if (pp.demand)
                pp.reasons.push_back(!b.pcs_cluster.empty() ? "no PcsNodeGroup on a PCS cluster: left to PCS"
                                     : p.pcs_node_group.empty() ? "no CLOUD nodes and no PcsNodeGroup: nothing to scale"
                                                                : "PcsNodeGroup set but no PcsCluster: nothing to scale");
            continue;
        }

        if (pp.mode == Mode::pcs) {
            auto it = in.groups.find(p.name);
            if (it == in.groups.end() || !it->second.error.empty()) {
                pp.capacity_needed = true;
                pp.hold = "node group " + p.pcs_node_group + " not read: " +
                          (it == in.groups.end() ? std::string("no answer") : it->second.error);
                continue;
            }
            const GroupInfo& g = it->second;
            pp.group_min = g.min;
            pp.group_max = g.max;
            pp.group_status = g.status;
            const bool active = g.status == "ACTIVE";
            pp.admin_changed = active && ps.pcs_set_min && *ps.pcs_set_min != g.min;
            const int64_t baseline = pp.admin_changed ? g.min : ps.pcs_baseline.value_or(g.min);
            pp.baseline = baseline;
            if (pp.admin_changed)
                pp.reasons.push_back("minInstanceCount is " + std::to_string(g.min) + ", not the " +
                                     std::to_string(*ps.pcs_set_min) + " burstd set: an admin changed it; it is the new baseline");
            pp.reasons.push_back("node group " + p.pcs_node_group + ": " + g.status + ", minInstanceCount " +
                                 std::to_string(g.min) + ", maxInstanceCount " + std::to_string(g.max) + ", baseline " +
                                 std::to_string(baseline));
            const int64_t want = static_cast<int64_t>(pp.busy + pp.demand);
            const int64_t running_now = std::max<int64_t>(static_cast<int64_t>(up), g.min);
            if (pp.deficit > 0 && want > g.min) {
                pp.capacity_needed = true;
                int64_t target = want;
                std::string why;
                if (target > g.max) {
                    target = g.max;
                    pp.reasons.push_back("limit: maxInstanceCount " + std::to_string(g.max));
                }
                if (p.max_nodes && target > static_cast<int64_t>(*p.max_nodes)) {
                    target = *p.max_nodes;
                    pp.reasons.push_back("limit: MaxNodes=" + std::to_string(*p.max_nodes));
                }
                if (target > running_now) {
                    uint64_t room = spend_room(static_cast<uint64_t>(target - running_now), why);
                    if (!why.empty()) {
                        target = running_now + static_cast<int64_t>(room);
                        pp.reasons.push_back("limit: " + why);
                    }
                }
                target = std::max(target, baseline);
                if (target > g.min) {
                    pp.wanted = Action::raise_min;
                    pp.min_from = g.min;
                    pp.min_to = target;
                    pp.add = std::max<int64_t>(0, target - running_now);
                } else {
                    pp.reasons.push_back("limits leave no room to raise minInstanceCount");
                }
            } else if (want >= g.min || baseline >= g.min) {
                pp.capacity_needed = true;
            } else {
                const int64_t target = std::max(baseline, want);
                pp.min_from = g.min;
                pp.min_to = target;
                pp.wanted = Action::lower_min;
                if (idle_for >= static_cast<int64_t>(b.scale_down_idle_s)) {
                    pp.release = std::max<int64_t>(0, running_now - std::max<int64_t>(static_cast<int64_t>(up), target));
                    pp.reasons.push_back("capacity above " + std::to_string(target) + " not needed for " +
                                         std::to_string(idle_for) + " s (ScaleDownIdleTime=" +
                                         std::to_string(b.scale_down_idle_s) + ")");
                } else {
                    pp.hold = "minInstanceCount " + std::to_string(g.min) + " is above the " + std::to_string(target) +
                              " needed, idle for " + std::to_string(idle_for) + " s of ScaleDownIdleTime=" +
                              std::to_string(b.scale_down_idle_s);
                }
            }
            if (pp.wanted != Action::none && pp.hold.empty()) {
                if (!active) pp.hold = "node group is " + g.status + ": waiting for the next cycle";
                else pp.hold = gate(true);
            }
        } else {  // self-managed: power CLOUD nodes up ahead of the scheduler
            if (pp.deficit > 0) {
                pp.capacity_needed = true;
                uint64_t add = pp.deficit;
                uint64_t available = 0;  // powered-down nodes no other partition picked this cycle
                for (const auto& c : s.candidates)
                    for (size_t ni : c) available += !picked[ni];
                if (add > available) {
                    add = available;
                    pp.reasons.push_back("limit: only " + nodes_word(available) + " powered down and available");
                }
                if (p.max_nodes) {
                    uint64_t room = *p.max_nodes > up ? *p.max_nodes - up : 0;
                    if (add > room) {
                        add = room;
                        pp.reasons.push_back("limit: MaxNodes=" + std::to_string(*p.max_nodes) + " with " +
                                             nodes_word(up) + " up");
                    }
                }
                std::string why;
                add = spend_room(add, why);
                if (!why.empty()) pp.reasons.push_back("limit: " + why);
                // Pick the nodes: per group, its cheapest type, then its other types, then unknown types.
                uint64_t left = add;
                const size_t unknown = s.candidates.size() - 1;
                for (size_t gi = 0; gi < w.groups.size() && left; ++gi) {
                    uint64_t need = std::min(residual[gi], left);
                    auto pick_from = [&](size_t slot) {
                        for (size_t ni : s.candidates[slot]) {
                            if (!need) return;
                            if (picked[ni]) continue;
                            picked[ni] = true;
                            pp.nodes.push_back(in.nodes[ni].name);
                            --need;
                            --left;
                        }
                    };
                    pick_from(static_cast<size_t>(w.groups[gi].cheapest));
                    for (size_t t = 0; t < unknown && need; ++t)
                        if ((w.groups[gi].mask >> t) & 1) pick_from(t);
                    pick_from(unknown);
                }
                if (!pp.nodes.empty()) {
                    pp.wanted = Action::power_up;
                    pp.add = static_cast<int64_t>(pp.nodes.size());
                    if (pp.nodes.size() < add) pp.reasons.push_back("limit: no powered-down node of a fitting type left");
                } else {
                    pp.reasons.push_back("limits leave no room to power nodes up");
                }
            } else {
                // Release nodes burstd powered up that no job took.
                uint64_t surplus = pp.idle > idle_used ? pp.idle - idle_used : 0;
                pp.capacity_needed = surplus == 0;
                int64_t youngest = -1;
                for (size_t ni : s.idle_nodes) {
                    if (!surplus) break;
                    const NodeInfo& node = in.nodes[ni];
                    auto pw = ps.prewarmed.find(node.name);
                    if (pw == ps.prewarmed.end() || picked[ni]) continue;
                    int64_t since = std::max(pw->second, node.last_busy);
                    int64_t idle = in.now - since;
                    if (idle >= static_cast<int64_t>(b.scale_down_idle_s)) {
                        picked[ni] = true;
                        pp.nodes.push_back(node.name);
                        --surplus;
                    } else {
                        youngest = std::max(youngest, idle);
                    }
                }
                if (!pp.nodes.empty()) {
                    pp.wanted = Action::power_down;
                    pp.release = static_cast<int64_t>(pp.nodes.size());
                    pp.reasons.push_back(nodes_word(pp.nodes.size()) + " burstd powered up stayed idle for ScaleDownIdleTime=" +
                                         std::to_string(b.scale_down_idle_s) + " s");
                } else if (youngest >= 0) {
                    pp.reasons.push_back("nodes burstd powered up are idle, for " + std::to_string(youngest) +
                                         " s of ScaleDownIdleTime=" + std::to_string(b.scale_down_idle_s));
                }
            }
            if (pp.wanted != Action::none) pp.hold = gate(false);
        }

        if (pp.wanted != Action::none && pp.hold.empty()) {
            pp.action = pp.wanted;
            if (pp.node_usd_per_hour) {
                double delta = static_cast<double>(pp.add - pp.release) * *pp.node_usd_per_hour;
                pp.usd_after = pp.usd_before.value_or(0) + delta;
                running += delta;
            }
        }
    }
    out.usd_after = running;
    return out;
}

void observe(State& state, const Plan& plan, const PlanInput& in) {
    std::unordered_map<std::string, const NodeInfo*> by_name;
    by_name.reserve(in.nodes.size());
    for (const NodeInfo& n : in.nodes) by_name.emplace(n.name, &n);
    for (const PartitionPlan& pp : plan.partitions) {
        PartitionState& ps = state.partitions[pp.partition];
        if (pp.capacity_needed) ps.last_needed = plan.now;
        if (pp.admin_changed) {
            ps.pcs_baseline.reset();
            ps.pcs_set_min.reset();
        }
        // Prewarmed nodes that a job took, or that went down, are Slurm's again.
        for (auto it = ps.prewarmed.begin(); it != ps.prewarmed.end();) {
            auto n = by_name.find(it->first);
            bool forget = n == by_name.end() || n->second->use != NodeUse::idle ||
                          n->second->power == NodePower::powered_down || n->second->power == NodePower::powering_down;
            it = forget ? ps.prewarmed.erase(it) : std::next(it);
        }
    }
}

void record(State& state, const PartitionPlan& p, Outcome outcome, int64_t now, int64_t retry_after_s) {
    PartitionState& ps = state.partitions[p.partition];
    switch (outcome) {
    case Outcome::done:
        ps.last_action = now;
        switch (p.action) {
        case Action::raise_min:
            if (!ps.pcs_baseline) ps.pcs_baseline = p.min_from;
            ps.pcs_set_min = p.min_to;
            break;
        case Action::lower_min:
            if (p.min_to <= ps.pcs_baseline.value_or(p.min_to)) {
                ps.pcs_baseline.reset();
                ps.pcs_set_min.reset();
            } else {
                ps.pcs_set_min = p.min_to;
            }
            break;
        case Action::power_up:
            for (const std::string& n : p.nodes) ps.prewarmed[n] = now;
            break;
        case Action::power_down:
            for (const std::string& n : p.nodes) ps.prewarmed.erase(n);
            break;
        case Action::none: break;
        }
        break;
    case Outcome::throttled:
        state.pcs_retry_at = now + std::max<int64_t>(1, retry_after_s);
        break;
    case Outcome::conflict:  // the group is being updated: the next cycle looks again
    case Outcome::failed:
        break;
    }
}

std::string describe(const PartitionPlan& p) {
    std::string s = "partition " + p.partition + " (" + mode_name(p.mode) + "): ";
    Action a = p.action != Action::none ? p.action : p.wanted;
    std::string what;
    switch (a) {
    case Action::raise_min:
    case Action::lower_min:
        what = std::string(a == Action::raise_min ? "raise" : "lower") + " minInstanceCount of " + p.node_group + " " +
               std::to_string(p.min_from) + " -> " + std::to_string(p.min_to);
        break;
    case Action::power_up:
    case Action::power_down: {
        what = std::string(a == Action::power_up ? "power up " : "power down ") + nodes_word(p.nodes.size()) + " (";
        for (size_t i = 0; i < p.nodes.size(); ++i) what += (i ? "," : "") + p.nodes[i];
        what += ")";
        break;
    }
    case Action::none: what = "no change"; break;
    }
    s += p.hold.empty() ? what : "hold (" + what + "): " + p.hold;
    for (const std::string& r : p.reasons) s += "; " + r;
    if (p.usd_before || p.usd_after) {
        s += "; $/h " + (p.usd_before ? format_fixed(*p.usd_before, 2) : std::string("?")) + " -> " +
             (p.usd_after ? format_fixed(*p.usd_after, 2) : std::string("?"));
    }
    return s;
}

}  // namespace stratus::burstd
