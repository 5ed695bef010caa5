// Unit tests (Check) of stratus-burstd's planner and status file
// (common/burst/burstd_plan.hpp, burstd_status.hpp): demand per partition,
// which jobs count, idle and powering-up nodes, PCS min/max clamping,
// MaxNodes, MaxSpendPerHour, BurstCooldown, ScaleDownIdleTime, conflicts
// and throttling, self-managed power-up/down, and the status round trip.

#include <cstdio>
#include <functional>
#include <initializer_list>
#include <string>

#include "burst/burstd_plan.hpp"
#include "burst/burstd_status.hpp"
#include "config.hpp"
#include "expect.hpp"
#include "support.hpp"
#include "policy.hpp"

using namespace stratus;
using namespace stratus::burstd;

namespace {

// Round prices make the spend arithmetic readable: hpc7g $1/h, c7gn $2/h,
// c7g.large $0.10/h, c7g.4xlarge $0.50/h; hpc7a.96xlarge keeps no price.
const char* const kPrices =
    "instance_type,region,ondemand_usd_per_hour,spot_usd_per_hour\n"
    "hpc7g.16xlarge,us-east-1,1.00,\n"
    "c7gn.16xlarge,us-east-1,2.00,\n"
    "c7g.large,us-east-1,0.10,\n"
    "c7g.4xlarge,us-east-1,0.50,\n";

const char* const kBase =
    "Region=us-east-1\n"
    "InstanceCatalog=prices.csv\n"
    "BurstCooldown=60\n"
    "ScaleDownIdleTime=600\n";

const char* const kPartitions =
    "PartitionName=graviton InstanceTypes=hpc7g.16xlarge,c7gn.16xlarge PcsNodeGroup=ng-graviton\n"
    "PartitionName=hpc InstanceTypes=hpc7a.96xlarge\n"
    "PartitionName=cloud InstanceTypes=c7g.large,c7g.4xlarge\n";

// stratus.conf = kBase + extra globals + partitions (or `partitions`).
Config conf(const std::string& extra = "PcsCluster=demo\n", const std::string& partitions = kPartitions) {
    std::string tmpl = test_dir();
    write_file(tmpl + "/prices.csv", kPrices);
    write_file(tmpl + "/stratus.conf", std::string(kBase) + extra + partitions);
    return load_config(tmpl + "/stratus.conf", tmpl + "/slurm.conf");
}

constexpr int64_t kNow = 1800000000;

PendingJob job(std::initializer_list<const char*> parts, Wait w = Wait::resources,
               const std::function<void(PendingJob&)>& f = {}) {
    PendingJob j;
    for (const char* p : parts) j.req.partitions.push_back(p);
    j.reason = w;
    if (f) f(j);
    return j;
}
// A job that takes a whole node: --exclusive.
PendingJob excl(std::initializer_list<const char*> parts, Wait w = Wait::resources) {
    return job(parts, w, [](PendingJob& j) { j.exclusive = true; });
}

NodeInfo node(const std::string& name, const char* part, NodeUse use = NodeUse::idle, NodePower power = NodePower::up,
              bool cloud = false, const InstanceType* type = nullptr) {
    NodeInfo n;
    n.name = name;
    n.partitions.push_back(part);
    n.use = use;
    n.power = power;
    n.cloud = cloud;
    n.type = type;
    return n;
}

GroupInfo group(int64_t min, int64_t max, const char* status = "ACTIVE") {
    GroupInfo g;
    g.status = status;
    g.min = min;
    g.max = max;
    return g;
}

// (The name is a C string: a std::string temporary would look to g++ 14
// like the referent of the result, -Wdangling-reference.)
const PartitionPlan& part(const Plan& p, const char* name) {
    for (const PartitionPlan& pp : p.partitions)
        if (pp.partition == name) return pp;
    ck_abort_msg("no partition %s in the plan", name);
    return p.partitions.front();
}

bool has_reason(const PartitionPlan& p, const std::string& needle) {
    for (const std::string& r : p.reasons)
        if (r.find(needle) != std::string::npos) return true;
    return false;
}

#define EXPECT_REASON(pp, needle) \
    ck_assert_msg(has_reason(pp, needle), "no reason containing \"%s\" in: %s", std::string(needle).c_str(), describe(pp).c_str())
#define EXPECT_HOLD(pp, needle)                                                                            \
    ck_assert_msg((pp).hold.find(needle) != std::string::npos, "hold \"%s\" lacks \"%s\" (%s)", (pp).hold.c_str(), \
                  std::string(needle).c_str(), describe(pp).c_str())

PlanInput input(std::vector<PendingJob> jobs = {}, std::vector<NodeInfo> nodes = {}) {
    PlanInput in;
    in.now = kNow;
    in.jobs = std::move(jobs);
    in.nodes = std::move(nodes);
    return in;
}

std::vector<PendingJob> many(size_t n, const PendingJob& j) { return std::vector<PendingJob>(n, j); }

// ---- reasons and arrays ---------------------------------------------------------

START_TEST(reasons_classified) {
    ck_assert(classify_reason("Resources") == Wait::resources);
    ck_assert(classify_reason("Priority") == Wait::priority);
    ck_assert(classify_reason("None") == Wait::none);
    ck_assert(classify_reason("PartitionNodeLimit") == Wait::partition_node_limit);
    ck_assert(classify_reason("NodeDown") == Wait::node_down);
    ck_assert(classify_reason("JobHeldUser") == Wait::held_user);
    ck_assert(classify_reason("JobHeldAdmin") == Wait::held_admin);
    ck_assert(classify_reason("DependencyNeverSatisfied") == Wait::dependency);
    ck_assert(classify_reason("BeginTime") == Wait::begin_time);
    ck_assert(classify_reason("QOSMaxJobsPerUserLimit") == Wait::qos_limit);
    ck_assert(classify_reason("InvalidQOS") == Wait::qos_limit);
    ck_assert(classify_reason("AssocGrpCpuLimit") == Wait::assoc_limit);
    ck_assert(classify_reason("AssociationJobLimit") == Wait::assoc_limit);
    ck_assert(classify_reason("BurstBufferResources") == Wait::other);
    ck_assert(classify_reason("") == Wait::other);
    for (Wait w : {Wait::none, Wait::priority, Wait::resources, Wait::node_down, Wait::req_node_not_avail,
                   Wait::partition_node_limit, Wait::bad_constraints})
        ck_assert_msg(wait_counts(w), "%s should count", wait_name(w));
    for (Wait w : {Wait::held_admin, Wait::held_user, Wait::dependency, Wait::begin_time, Wait::qos_limit,
                   Wait::assoc_limit, Wait::licenses, Wait::reservation, Wait::partition_down,
                   Wait::partition_time_limit, Wait::array_task_limit, Wait::other})
        ck_assert_msg(!wait_counts(w), "%s should not count", wait_name(w));
    EXPECT_STR(wait_name(Wait::resources), "Resources");
}
END_TEST


// ---- fit_types: the same "fits" as decide() ------------------------------------

START_TEST(fit_types_agrees_with_decide) {
    Config cfg = conf();
    const PartitionConfig& g = *cfg.find_partition("graviton");
    std::vector<TypeNeed> needs;
    struct Case { const char* what; std::function<void(JobRequest&)> f; };
    const Case cases[] = {
        {"1 task", [](JobRequest&) {}},
        {"64 CPUs per task", [](JobRequest& r) { r.cpus_per_task = 64; }},
        {"65 CPUs per task", [](JobRequest& r) { r.cpus_per_task = 65; }},
        {"200 tasks", [](JobRequest& r) { r.num_tasks = 200; }},
        {"200 tasks on at most 2 nodes", [](JobRequest& r) { r.num_tasks = 200; r.max_nodes = 2; }},
        {"x86_64 constraint", [](JobRequest& r) { r.constraint = "x86_64"; }},
        {"c7gn constraint", [](JobRequest& r) { r.constraint = "c7gn"; r.min_nodes = 3; }},
        {"1 GPU", [](JobRequest& r) { r.gpus.per_node = 1; }},
        {"500 GiB", [](JobRequest& r) { r.mem_per_node_mib = 512000; }},
        {"120 GiB", [](JobRequest& r) { r.mem_per_node_mib = 122880; }},
    };
    for (const Case& c : cases) {
        JobRequest r;
        r.partitions = {"graviton"};
        c.f(r);
        Decision d = decide(cfg, r);
        fit_types(cfg, g, r, needs);
        ck_assert_uint_eq(needs.size(), 2);
        bool any = needs[0].fits || needs[1].fits;
        ck_assert_msg(any == (d.verdict == Verdict::accept), "%s: fit_types says %d, decide %d (%s)", c.what, any,
                      static_cast<int>(d.verdict), d.message.c_str());
        if (any) {
            const TypeNeed& n = needs[0].fits ? needs[0] : needs[1];
            ck_assert_msg(d.estimate && d.estimate->type == n.type->type, "%s: cheapest type differs", c.what);
            ck_assert_uint_eq(d.estimate->nodes, n.nodes);
        }
    }
}
END_TEST

// ---- demand ---------------------------------------------------------------------

START_TEST(demand_per_partition) {
    Config cfg = conf("");
    std::vector<PendingJob> jobs = many(3, excl({"graviton"}));
    jobs.push_back(job({"graviton"}, Wait::resources, [](PendingJob& j) { j.req.min_nodes = 4; }));  // 4 whole nodes
    // 8 single-node jobs of 16 CPUs share 64-CPU nodes: 2 nodes.
    for (int i = 0; i < 8; ++i)
        jobs.push_back(job({"graviton"}, Wait::priority, [](PendingJob& j) { j.req.cpus_per_task = 16; }));
    jobs.push_back(excl({"cloud"}));
    jobs.push_back(excl({"nowhere"}));                      // not managed
    jobs.push_back(excl({"nowhere", "cloud"}));             // first managed partition of its list
    jobs.push_back(job({"cloud"}, Wait::resources, [](PendingJob& j) { j.count = 5; j.exclusive = true; }));  // an array
    Plan p = plan(cfg, input(jobs), State{});
    const PartitionPlan& g = part(p, "graviton");
    ck_assert_uint_eq(g.jobs_counted, 12);
    ck_assert_uint_eq(g.demand, 3 + 4 + 2);
    ck_assert_uint_eq(g.by_reason[static_cast<size_t>(Wait::priority)], 8);
    const PartitionPlan& c = part(p, "cloud");
    ck_assert_uint_eq(c.jobs_counted, 7);
    ck_assert_uint_eq(c.demand, 7);
    ck_assert_uint_eq(p.jobs_unmanaged, 1);
    ck_assert_uint_eq(p.jobs_seen, 12 + 1 + 1 + 1 + 5);
    EXPECT_REASON(g, "pending: 12 jobs (8 Priority, 4 Resources) need 9 nodes");
}
END_TEST

START_TEST(demand_fit_filtering) {
    Config cfg = conf("");
    std::vector<PendingJob> jobs;
    // 65 CPUs per node fit no graviton type: not counted anywhere.
    jobs.push_back(job({"graviton"}, Wait::resources, [](PendingJob& j) { j.req.cpus_per_task = 65; }));
    // Fits hpc (192 CPUs) but not graviton: counted in hpc, the first that fits.
    jobs.push_back(job({"graviton", "hpc"}, Wait::resources, [](PendingJob& j) { j.req.cpus_per_task = 100; }));
    // A c7gn-only constraint: demand on c7gn.16xlarge, priced at $2.
    jobs.push_back(job({"graviton"}, Wait::resources, [](PendingJob& j) {
        j.req.constraint = "c7gn";
        j.exclusive = true;
    }));
    Plan p = plan(cfg, input(jobs), State{});
    const PartitionPlan& g = part(p, "graviton");
    ck_assert_uint_eq(g.jobs_no_fit, 1);
    ck_assert_uint_eq(g.jobs_counted, 1);
    ck_assert_uint_eq(g.demand, 1);
    ck_assert(g.node_usd_per_hour && *g.node_usd_per_hour == 2.0);
    EXPECT_REASON(g, "1 job no instance type of the partition can run");
    const PartitionPlan& h = part(p, "hpc");
    ck_assert_uint_eq(h.jobs_counted, 1);
    ck_assert_uint_eq(h.demand, 1);
    ck_assert(!h.node_usd_per_hour);  // hpc7a.96xlarge has no price
}
END_TEST

START_TEST(demand_reason_filtering) {
    Config cfg = conf("");
    std::vector<PendingJob> jobs;
    for (Wait w : {Wait::resources, Wait::priority, Wait::node_down, Wait::partition_node_limit, Wait::none})
        jobs.push_back(excl({"graviton"}, w));
    for (Wait w : {Wait::held_user, Wait::held_admin, Wait::dependency, Wait::begin_time, Wait::qos_limit,
                   Wait::assoc_limit, Wait::licenses})
        jobs.push_back(excl({"graviton"}, w));
    Plan p = plan(cfg, input(jobs), State{});
    const PartitionPlan& g = part(p, "graviton");
    ck_assert_uint_eq(g.jobs_counted, 5);
    ck_assert_uint_eq(g.jobs_not_counted, 7);
    ck_assert_uint_eq(g.demand, 5);
    EXPECT_REASON(g, "not counted: 7 jobs (1 JobHeldAdmin, 1 JobHeldUser, 1 Dependency, 1 BeginTime, 1 QOSLimit, 1 AssocLimit, 1 Licenses)");
}
END_TEST

START_TEST(deficit_minus_idle_and_powering) {
    Config cfg = conf("");
    std::vector<NodeInfo> nodes = {
        node("c1", "cloud", NodeUse::idle, NodePower::up, true),
        node("c2", "cloud", NodeUse::idle, NodePower::up, true),
        node("c3", "cloud", NodeUse::idle, NodePower::powering_up, true),
        node("c4", "cloud", NodeUse::busy, NodePower::up, true),
        node("c5", "cloud", NodeUse::unavailable, NodePower::up, true),
    };
    for (int i = 6; i <= 9; ++i) nodes.push_back(node("c" + std::to_string(i), "cloud", NodeUse::idle, NodePower::powered_down, true));
    Plan p = plan(cfg, input(many(5, excl({"cloud"})), nodes), State{});
    const PartitionPlan& c = part(p, "cloud");
    ck_assert(c.mode == Mode::self_managed);
    ck_assert_uint_eq(c.demand, 5);
    ck_assert_uint_eq(c.idle, 2);
    ck_assert_uint_eq(c.powering_up, 1);
    ck_assert_uint_eq(c.busy, 1);
    ck_assert_uint_eq(c.unavailable, 1);
    ck_assert_uint_eq(c.powered_down, 4);
    ck_assert_uint_eq(c.deficit, 2);
    ck_assert(c.action == Action::power_up);
    ck_assert_uint_eq(c.nodes.size(), 2);
    EXPECT_STR(c.nodes[0], "c6");
    EXPECT_STR(c.nodes[1], "c7");
}
END_TEST

// ---- PCS mode -------------------------------------------------------------------

START_TEST(pcs_raise_to_busy_plus_demand) {
    Config cfg = conf();
    PlanInput in = input(many(5, excl({"graviton"})), {node("g1", "graviton", NodeUse::busy), node("g2", "graviton", NodeUse::busy)});
    in.groups["graviton"] = group(0, 16);
    Plan p = plan(cfg, in, State{});
    const PartitionPlan& g = part(p, "graviton");
    ck_assert(g.mode == Mode::pcs);
    ck_assert(g.action == Action::raise_min);
    ck_assert_int_eq(g.min_from, 0);
    ck_assert_int_eq(g.min_to, 7);
    ck_assert_int_eq(g.add, 5);
    ck_assert(g.usd_before && *g.usd_before == 2.0);
    ck_assert(g.usd_after && *g.usd_after == 7.0);
    EXPECT_STR(g.node_group, "ng-graviton");
}
END_TEST

START_TEST(pcs_clamped_to_max_instance_count) {
    Config cfg = conf();
    PlanInput in = input(many(20, excl({"graviton"})));
    in.groups["graviton"] = group(2, 16);
    Plan p = plan(cfg, in, State{});
    const PartitionPlan& g = part(p, "graviton");
    ck_assert(g.action == Action::raise_min);
    ck_assert_int_eq(g.min_to, 16);
    EXPECT_REASON(g, "limit: maxInstanceCount 16");
    // Already at the maximum: nothing to do, and it says why.
    in.groups["graviton"] = group(16, 16);
    Plan q = plan(cfg, in, State{});
    ck_assert(part(q, "graviton").action == Action::none);
    EXPECT_REASON(part(q, "graviton"), "limits leave no room");
}
END_TEST

START_TEST(pcs_clamped_to_max_nodes) {
    Config cfg = conf("PcsCluster=demo\n",
                      "PartitionName=graviton InstanceTypes=hpc7g.16xlarge PcsNodeGroup=ng MaxNodes=6\n");
    PlanInput in = input(many(20, excl({"graviton"})));
    in.groups["graviton"] = group(0, 100);
    const PartitionPlan g = part(plan(cfg, in, State{}), "graviton");
    ck_assert_int_eq(g.min_to, 6);
    EXPECT_REASON(g, "limit: MaxNodes=6");
}
END_TEST

START_TEST(pcs_spend_cap) {
    // $1/h nodes, 3 busy ($3/h): $7.50 leaves room for 4 more.
    Config cfg = conf("PcsCluster=demo\nMaxSpendPerHour=7.50\n");
    PlanInput in = input(many(10, excl({"graviton"})),
                         {node("g1", "graviton", NodeUse::busy), node("g2", "graviton", NodeUse::busy),
                          node("g3", "graviton", NodeUse::busy)});
    in.groups["graviton"] = group(0, 100);
    Plan p = plan(cfg, in, State{});
    const PartitionPlan& g = part(p, "graviton");
    ck_assert_int_eq(g.min_to, 7);
    ck_assert_int_eq(g.add, 4);
    EXPECT_REASON(g, "limit: MaxSpendPerHour=$7.50: $4.50/h left allows 4 nodes more at $1.0000/h");
    ck_assert(p.usd_after == 7.0);
    ck_assert(p.usd_after <= *p.max_spend);
}
END_TEST

START_TEST(spend_cap_spans_partitions) {
    // graviton ($1 a node) takes 4 of the $5; cloud ($0.10) gets the last $1: 10 nodes.
    Config cfg = conf("PcsCluster=demo\nMaxSpendPerHour=5\n",
                      "PartitionName=graviton InstanceTypes=hpc7g.16xlarge PcsNodeGroup=ng-graviton\n"
                      "PartitionName=cloud InstanceTypes=c7g.large PcsNodeGroup=ng-cloud\n");
    std::vector<PendingJob> jobs = many(4, excl({"graviton"}));
    for (const PendingJob& j : many(30, excl({"cloud"}))) jobs.push_back(j);
    PlanInput in = input(jobs);
    in.groups["graviton"] = group(0, 100);
    in.groups["cloud"] = group(0, 100);
    Plan p = plan(cfg, in, State{});
    ck_assert_int_eq(part(p, "graviton").min_to, 4);
    ck_assert_int_eq(part(p, "cloud").min_to, 10);
    EXPECT_REASON(part(p, "cloud"), "MaxSpendPerHour=$5.00");
}
END_TEST

START_TEST(spend_cap_unknown_price) {
    Config cfg = conf("MaxSpendPerHour=100\n", "PartitionName=hpc InstanceTypes=hpc7a.96xlarge\n");
    PlanInput in = input(many(2, excl({"hpc"})), {node("h1", "hpc", NodeUse::idle, NodePower::powered_down, true),
                                                   node("h2", "hpc", NodeUse::idle, NodePower::powered_down, true)});
    const PartitionPlan h = part(plan(cfg, in, State{}), "hpc");
    ck_assert(h.action == Action::none);
    EXPECT_REASON(h, "cannot be checked: no us-east-1 price");
}
END_TEST

START_TEST(pcs_no_raise_when_idle_nodes_suffice) {
    Config cfg = conf();
    PlanInput in = input(many(2, excl({"graviton"})), {node("g1", "graviton"), node("g2", "graviton")});
    in.groups["graviton"] = group(0, 16);
    const PartitionPlan g = part(plan(cfg, in, State{}), "graviton");
    ck_assert_uint_eq(g.deficit, 0);
    ck_assert(g.action == Action::none);
    ck_assert(g.wanted == Action::none);
}
END_TEST

START_TEST(pcs_updating_and_conflict) {
    Config cfg = conf();
    PlanInput in = input(many(5, excl({"graviton"})));
    in.groups["graviton"] = group(0, 16, "UPDATING");
    Plan p = plan(cfg, in, State{});
    const PartitionPlan& g = part(p, "graviton");
    ck_assert(g.action == Action::none);
    ck_assert(g.wanted == Action::raise_min);
    EXPECT_HOLD(g, "node group is UPDATING: waiting for the next cycle");

    // A ConflictException: nothing remembered, the next cycle tries again at once.
    in.groups["graviton"] = group(0, 16);
    State s;
    Plan p1 = plan(cfg, in, s);
    ck_assert(part(p1, "graviton").action == Action::raise_min);
    record(s, part(p1, "graviton"), Outcome::conflict, kNow);
    ck_assert_int_eq(s.partitions["graviton"].last_action, 0);
    ck_assert(!s.partitions["graviton"].pcs_baseline);
    in.now = kNow + 10;
    Plan p2 = plan(cfg, in, s);
    ck_assert(part(p2, "graviton").action == Action::raise_min);
}
END_TEST

START_TEST(pcs_throttled) {
    Config cfg = conf();
    PlanInput in = input(many(5, excl({"graviton"})));
    in.groups["graviton"] = group(0, 16);
    State s;
    Plan p1 = plan(cfg, in, s);
    record(s, part(p1, "graviton"), Outcome::throttled, kNow, 30);
    ck_assert_int_eq(s.pcs_retry_at, kNow + 30);
    in.now = kNow + 10;
    const PartitionPlan g = part(plan(cfg, in, s), "graviton");
    ck_assert(g.action == Action::none);
    EXPECT_HOLD(g, "PCS is throttling burstd: retry in 20 s");
    in.now = kNow + 30;
    ck_assert(part(plan(cfg, in, s), "graviton").action == Action::raise_min);
    // A throttle without retryAfterSeconds still waits a second.
    record(s, part(p1, "graviton"), Outcome::throttled, kNow, 0);
    ck_assert_int_eq(s.pcs_retry_at, kNow + 1);
}
END_TEST

START_TEST(cooldown_between_actions) {
    Config cfg = conf();
    PlanInput in = input(many(5, excl({"graviton"})));
    in.groups["graviton"] = group(0, 16);
    State s;
    Plan p1 = plan(cfg, in, s);
    observe(s, p1, in);
    record(s, part(p1, "graviton"), Outcome::done, kNow);
    ck_assert_int_eq(s.partitions["graviton"].last_action, kNow);
    ck_assert_int_eq(*s.partitions["graviton"].pcs_baseline, 0);
    ck_assert_int_eq(*s.partitions["graviton"].pcs_set_min, 5);
    // More jobs 10 s later: wanted, but BurstCooldown=60 holds it.
    in.jobs = many(9, excl({"graviton"}));
    in.groups["graviton"] = group(5, 16);
    in.now = kNow + 10;
    const PartitionPlan g = part(plan(cfg, in, s), "graviton");
    ck_assert(g.action == Action::none);
    ck_assert(g.wanted == Action::raise_min);
    EXPECT_HOLD(g, "BurstCooldown=60: 50 s left");
    in.now = kNow + 60;
    const PartitionPlan h = part(plan(cfg, in, s), "graviton");
    ck_assert(h.action == Action::raise_min);
    ck_assert_int_eq(h.min_to, 9);
}
END_TEST

START_TEST(pcs_idle_release) {
    Config cfg = conf();
    State s;
    s.partitions["graviton"].pcs_baseline = 1;
    s.partitions["graviton"].pcs_set_min = 8;
    s.partitions["graviton"].last_action = kNow - 3600;
    s.partitions["graviton"].last_needed = kNow - 300;
    // The queue drained; 8 nodes idle, the last one busy 100 s ago.
    std::vector<NodeInfo> nodes;
    for (int i = 0; i < 8; ++i) {
        nodes.push_back(node("g" + std::to_string(i), "graviton"));
        nodes.back().last_busy = kNow - 100 - i;
    }
    PlanInput in = input({}, nodes);
    in.groups["graviton"] = group(8, 16);
    Plan p = plan(cfg, in, s);
    const PartitionPlan& g = part(p, "graviton");
    ck_assert(g.action == Action::none);
    ck_assert(g.wanted == Action::lower_min);
    EXPECT_HOLD(g, "idle for 100 s of ScaleDownIdleTime=600");
    ck_assert(!g.capacity_needed);
    observe(s, p, in);
    ck_assert_int_eq(s.partitions["graviton"].last_needed, kNow - 300);  // the idle clock keeps running

    in.now = kNow + 500;
    Plan q = plan(cfg, in, s);
    const PartitionPlan& h = part(q, "graviton");
    ck_assert(h.action == Action::lower_min);
    ck_assert_int_eq(h.min_from, 8);
    ck_assert_int_eq(h.min_to, 1);  // back to the baseline, not below
    EXPECT_REASON(h, "capacity above 1 not needed for 600 s (ScaleDownIdleTime=600)");
    record(s, h, Outcome::done, in.now);
    ck_assert(!s.partitions["graviton"].pcs_baseline);
    ck_assert(!s.partitions["graviton"].pcs_set_min);
}
END_TEST

START_TEST(pcs_partial_release_keeps_what_runs) {
    Config cfg = conf();
    State s;
    s.partitions["graviton"].pcs_baseline = 0;
    s.partitions["graviton"].pcs_set_min = 10;
    s.partitions["graviton"].last_needed = kNow - 1000;
    PlanInput in = input(many(2, excl({"graviton"})),
                         {node("g1", "graviton", NodeUse::busy), node("g2", "graviton", NodeUse::busy),
                          node("g3", "graviton", NodeUse::busy)});
    in.groups["graviton"] = group(10, 16);
    const PartitionPlan g = part(plan(cfg, in, s), "graviton");
    ck_assert(g.action == Action::lower_min);
    ck_assert_int_eq(g.min_to, 5);  // 3 busy + 2 pending
}
END_TEST

START_TEST(pcs_admin_changed_min) {
    Config cfg = conf();
    State s;
    s.partitions["graviton"].pcs_baseline = 0;
    s.partitions["graviton"].pcs_set_min = 8;
    s.partitions["graviton"].last_needed = kNow - 10000;
    PlanInput in = input();
    in.groups["graviton"] = group(4, 16);  // an admin set 4
    Plan p = plan(cfg, in, s);
    const PartitionPlan& g = part(p, "graviton");
    ck_assert(g.admin_changed);
    ck_assert_int_eq(g.baseline, 4);
    ck_assert(g.wanted == Action::none);  // 4 is the admin's: not lowered
    EXPECT_REASON(g, "an admin changed it");
    observe(s, p, in);
    ck_assert(!s.partitions["graviton"].pcs_baseline);
    ck_assert(!s.partitions["graviton"].pcs_set_min);
}
END_TEST

START_TEST(pcs_group_unreadable) {
    Config cfg = conf();
    PlanInput in = input(many(3, excl({"graviton"})));
    GroupInfo bad;
    bad.error = "pcs GetComputeNodeGroup: ResourceNotFoundException: no such node group";
    in.groups["graviton"] = bad;
    const PartitionPlan g = part(plan(cfg, in, State{}), "graviton");
    ck_assert(g.action == Action::none);
    EXPECT_HOLD(g, "ResourceNotFoundException");
    // Without PcsCluster the partition is not in PCS mode.
    Config no_cluster = conf("");
    ck_assert(part(plan(no_cluster, in, State{}), "graviton").mode == Mode::none);
}
END_TEST

// ---- self-managed mode ----------------------------------------------------------

START_TEST(self_managed_limits_and_types) {
    Config cfg = conf("", "PartitionName=cloud InstanceTypes=c7g.large,c7g.4xlarge MaxNodes=4\n");
    const InstanceType* large = cfg.catalog->find("c7g.large");
    const InstanceType* xl4 = cfg.catalog->find("c7g.4xlarge");
    std::vector<NodeInfo> nodes = {
        node("x1", "cloud", NodeUse::idle, NodePower::powered_down, true, xl4),
        node("l1", "cloud", NodeUse::idle, NodePower::powered_down, true, large),
        node("l2", "cloud", NodeUse::idle, NodePower::powered_down, true, large),
        node("x2", "cloud", NodeUse::idle, NodePower::powered_down, true, xl4),
        node("l3", "cloud", NodeUse::idle, NodePower::powered_down, true, large),
        node("b1", "cloud", NodeUse::busy, NodePower::up, true, large),
    };
    // 2 jobs of 8 CPUs (only c7g.4xlarge fits), 5 small ones (c7g.large is cheapest).
    std::vector<PendingJob> jobs = many(2, job({"cloud"}, Wait::resources, [](PendingJob& j) {
        j.req.cpus_per_task = 8;
        j.exclusive = true;
    }));
    for (const PendingJob& j : many(5, excl({"cloud"}))) jobs.push_back(j);
    const PartitionPlan c = part(plan(cfg, input(jobs, nodes), State{}), "cloud");
    ck_assert_uint_eq(c.demand, 7);
    ck_assert(c.action == Action::power_up);
    // MaxNodes=4 with 1 up: 3 more; the 4xlarge jobs come first, on x nodes.
    ck_assert_uint_eq(c.nodes.size(), 3);
    EXPECT_STR(c.nodes[0], "x1");
    EXPECT_STR(c.nodes[1], "x2");
    EXPECT_STR(c.nodes[2], "l1");
    EXPECT_REASON(c, "limit: MaxNodes=4 with 1 node up");
}
END_TEST

START_TEST(self_managed_release_prewarmed) {
    Config cfg = conf("");
    State s;
    std::vector<NodeInfo> nodes = {node("c1", "cloud", NodeUse::idle, NodePower::powered_down, true),
                                   node("c2", "cloud", NodeUse::idle, NodePower::powered_down, true)};
    PlanInput in = input(many(2, excl({"cloud"})), nodes);
    Plan p = plan(cfg, in, s);
    record(s, part(p, "cloud"), Outcome::done, kNow);
    ck_assert_uint_eq(s.partitions["cloud"].prewarmed.size(), 2);

    // c1 took a job (it is Slurm's again); c2 stayed idle and the queue drained.
    in.jobs.clear();
    in.nodes = {node("c1", "cloud", NodeUse::busy, NodePower::up, true), node("c2", "cloud", NodeUse::idle, NodePower::up, true)};
    in.nodes[1].last_busy = 0;
    in.now = kNow + 100;
    Plan q = plan(cfg, in, s);
    observe(s, q, in);
    ck_assert_uint_eq(s.partitions["cloud"].prewarmed.count("c1"), 0);
    ck_assert_uint_eq(s.partitions["cloud"].prewarmed.count("c2"), 1);
    ck_assert(part(q, "cloud").action == Action::none);
    EXPECT_REASON(part(q, "cloud"), "idle, for 100 s of ScaleDownIdleTime=600");

    in.now = kNow + 600;
    Plan r = plan(cfg, in, s);
    const PartitionPlan& c = part(r, "cloud");
    ck_assert(c.action == Action::power_down);
    ck_assert_uint_eq(c.nodes.size(), 1);
    EXPECT_STR(c.nodes[0], "c2");
    record(s, c, Outcome::done, in.now);
    ck_assert(s.partitions["cloud"].prewarmed.empty());
}
END_TEST

START_TEST(self_managed_no_cloud_nodes) {
    Config cfg = conf("");
    PlanInput in = input(many(2, excl({"hpc"})), {node("h1", "hpc", NodeUse::busy)});
    const PartitionPlan h = part(plan(cfg, in, State{}), "hpc");
    ck_assert(h.mode == Mode::none);
    ck_assert(h.action == Action::none);
    EXPECT_REASON(h, "no CLOUD nodes and no PcsNodeGroup");
}
END_TEST

// On a PCS cluster every node is PCS's: a partition without a node group
// is not powered up or down even though its nodes are CLOUD nodes.
START_TEST(pcs_cluster_leaves_other_partitions_alone) {
    Config cfg = conf("PcsCluster=demo\n");
    std::vector<NodeInfo> nodes;
    for (int i = 1; i <= 4; ++i) nodes.push_back(node("c" + std::to_string(i), "cloud", NodeUse::idle, NodePower::powered_down, true));
    const PartitionPlan c = part(plan(cfg, input(many(3, excl({"cloud"})), nodes), State{}), "cloud");
    ck_assert(c.mode == Mode::none);
    ck_assert(c.action == Action::none);
    ck_assert(c.nodes.empty());
    EXPECT_REASON(c, "no PcsNodeGroup on a PCS cluster: left to PCS");
}
END_TEST

START_TEST(node_in_two_partitions_picked_once) {
    Config cfg = conf("", "PartitionName=a InstanceTypes=c7g.large\nPartitionName=b InstanceTypes=c7g.large\n");
    NodeInfo n = node("c1", "a", NodeUse::idle, NodePower::powered_down, true);
    n.partitions.push_back("b");
    std::vector<PendingJob> jobs = {excl({"a"}), excl({"b"})};
    Plan p = plan(cfg, input(jobs, {n}), State{});
    ck_assert_uint_eq(part(p, "a").nodes.size(), 1);
    ck_assert_uint_eq(part(p, "b").nodes.size(), 0);
    EXPECT_REASON(part(p, "b"), "limit: only 0 nodes powered down and available");
}
END_TEST

// ---- status file ----------------------------------------------------------------

START_TEST(status_round_trip) {
    Config cfg = conf();
    PlanInput in = input(many(5, excl({"graviton"})));
    in.groups["graviton"] = group(0, 16);
    State s;
    s.pcs_retry_at = 7;
    Plan p = plan(cfg, in, s);
    observe(s, p, in);
    s.partitions["cloud"].prewarmed["c9"] = 12345;  // (observe() forgets nodes Slurm does not list)
    record(s, part(p, "graviton"), Outcome::done, kNow);
    StatusInfo info;
    info.pid = 42;
    info.run = "once";
    info.cycle = 1;
    info.interval_s = 10;
    info.outcomes = {"done", "", ""};
    std::string text = status_json(info, &p, s);
    State back = parse_state(text);
    ck_assert_int_eq(back.pcs_retry_at, 7);
    ck_assert_int_eq(back.partitions["graviton"].last_action, kNow);
    ck_assert_int_eq(*back.partitions["graviton"].pcs_baseline, 0);
    ck_assert_int_eq(*back.partitions["graviton"].pcs_set_min, 5);
    ck_assert_int_eq(back.partitions["cloud"].prewarmed["c9"], 12345);
    ck_assert(!back.partitions["hpc"].pcs_baseline);
    std::string shown = format_status(text, kNow + 5);
    ck_assert_msg(shown.find("partition graviton (pcs)") != std::string::npos, "%s", shown.c_str());
    ck_assert_msg(shown.find("raise-min 0 -> 5: done") != std::string::npos, "%s", shown.c_str());
    ck_assert_msg(shown.find("(5 s ago)") != std::string::npos, "%s", shown.c_str());
    ck_assert_msg(shown.find("baseline minInstanceCount 0; burstd set 5") != std::string::npos, "%s", shown.c_str());
    // Garbage is an error; an empty object is an empty state.
    bool threw = false;
    try {
        parse_state("not json");
    } catch (const std::exception&) {
        threw = true;
    }
    ck_assert(threw);
    ck_assert(parse_state("{}").partitions.empty());
}
END_TEST

START_TEST(describe_says_why) {
    Config cfg = conf();
    PlanInput in = input(many(20, excl({"graviton"})));
    in.groups["graviton"] = group(0, 16);
    std::string line = describe(part(plan(cfg, in, State{}), "graviton"));
    EXPECT_STR(line.substr(0, line.find(';')),
               "partition graviton (pcs): raise minInstanceCount of ng-graviton 0 -> 16");
    ck_assert_msg(line.find("pending: 20 jobs (20 Resources) need 20 nodes") != std::string::npos, "%s", line.c_str());
    ck_assert_msg(line.find("limit: maxInstanceCount 16") != std::string::npos, "%s", line.c_str());
    ck_assert_msg(line.find("$/h 0.00 -> 16.00") != std::string::npos, "%s", line.c_str());
}
END_TEST

Suite* burstd_suite() {
    Suite* s = suite_create("burstd");
    TCase* tc = make_tcase("plan", 30);
    tcase_add_test(tc, reasons_classified);
    tcase_add_test(tc, fit_types_agrees_with_decide);
    tcase_add_test(tc, demand_per_partition);
    tcase_add_test(tc, demand_fit_filtering);
    tcase_add_test(tc, demand_reason_filtering);
    tcase_add_test(tc, deficit_minus_idle_and_powering);
    tcase_add_test(tc, pcs_raise_to_busy_plus_demand);
    tcase_add_test(tc, pcs_clamped_to_max_instance_count);
    tcase_add_test(tc, pcs_clamped_to_max_nodes);
    tcase_add_test(tc, pcs_spend_cap);
    tcase_add_test(tc, spend_cap_spans_partitions);
    tcase_add_test(tc, spend_cap_unknown_price);
    tcase_add_test(tc, pcs_no_raise_when_idle_nodes_suffice);
    tcase_add_test(tc, pcs_updating_and_conflict);
    tcase_add_test(tc, pcs_throttled);
    tcase_add_test(tc, cooldown_between_actions);
    tcase_add_test(tc, pcs_idle_release);
    tcase_add_test(tc, pcs_partial_release_keeps_what_runs);
    tcase_add_test(tc, pcs_admin_changed_min);
    tcase_add_test(tc, pcs_group_unreadable);
    tcase_add_test(tc, self_managed_limits_and_types);
    tcase_add_test(tc, self_managed_release_prewarmed);
    tcase_add_test(tc, self_managed_no_cloud_nodes);
    tcase_add_test(tc, pcs_cluster_leaves_other_partitions_alone);
    tcase_add_test(tc, node_in_two_partitions_picked_once);
    tcase_add_test(tc, status_round_trip);
    tcase_add_test(tc, describe_says_why);
    suite_add_tcase(s, tc);
    return s;
}

}  // namespace

int main() { return run_suites("burstd", {burstd_suite()}); }
