// Reconcile decisions (burst/reconcile.hpp) and suspend (burst/suspend.hpp).
#include <algorithm>

#include "burst/fleet.hpp"
#include "burst/reconcile.hpp"
#include "burst/resume.hpp"
#include "burst/suspend.hpp"
#include "burst_unit.hpp"

using namespace burst_test;

namespace {

// EC2 time of `seconds` after the World's start (2027-01-15T08:00:00Z).
std::string at(int seconds) {
    return aws::format_iso8601(aws::TimePoint(std::chrono::seconds(int64_t{1800000000} + seconds)));
}

ec2::Instance instance(const std::string& id, const std::string& state, int launched, const std::string& node = "") {
    ec2::Instance i;
    i.instance_id = id;
    i.instance_type = "c7g.large";
    i.state = state;
    i.launch_time = at(launched);
    i.tags = {{kTagCluster, "testcluster"}};
    if (!node.empty()) i.tags.push_back({kTagNode, node});
    return i;
}

NodeRecord record(const std::string& id, int64_t launched, const std::string& status = kNodeRunning) {
    NodeRecord r;
    r.partition = "burst";
    r.status = status;
    r.instance_id = id;
    r.instance_type = "c7g.large";
    r.launch_time = launched;
    return r;
}

BurstConfig config() {
    BurstConfig b;
    b.cluster_name = "testcluster";
    b.orphan_grace_s = 300;
    b.protected_cooldown_s = 1800;
    return b;
}

const int64_t T0 = 1800000000;

}  // namespace

START_TEST(orphans_after_grace) {
    BurstState s;
    s.nodes["burst-1"] = record("i-owned", T0);
    std::vector<ec2::Instance> list = {instance("i-owned", "running", 0, "burst-1"),
                                       instance("i-young", "running", 200, "burst-2"),
                                       instance("i-old", "running", 0, "burst-3"),
                                       instance("i-untagged-node", "pending", 0),
                                       instance("i-stopped", "stopped", 0),
                                       instance("i-dead", "terminated", 0)};
    ReconcilePlan p = plan_reconcile(s, list, std::vector<SlurmNode>{}, T0 + 400, config());
    std::vector<std::string> ids;
    for (const auto& t : p.terminate) ids.push_back(t.instance_id);
    std::sort(ids.begin(), ids.end());
    // i-young is 200 s old (< 300 s grace); i-owned belongs to burst-1; i-dead is gone.
    ck_assert_uint_eq(ids.size(), 3);
    EXPECT_STR(ids[0], "i-old");
    EXPECT_STR(ids[1], "i-stopped");
    EXPECT_STR(ids[2], "i-untagged-node");
    for (const auto& t : p.terminate) {
        EXPECT_STR(t.node, "");
        ck_assert(t.why.rfind("orphan: ", 0) == 0);
    }
    ck_assert(p.power_down.empty());
    // At 500 s the young one's time has come too.
    p = plan_reconcile(s, list, std::vector<SlurmNode>{}, T0 + 500, config());
    ck_assert_uint_eq(p.terminate.size(), 4);
}
END_TEST

START_TEST(vanished_instances) {
    BurstState s;
    s.nodes["burst-1"] = record("i-gone", T0);         // EC2 no longer lists it
    s.nodes["burst-2"] = record("i-reclaimed", T0);    // spot reclaim: terminated
    s.nodes["burst-3"] = record("i-stopped", T0);      // stopped: useless, terminate it
    s.nodes["burst-4"] = record("i-new", T0 + 590);     // just launched: EC2 may not list it yet
    s.nodes["burst-5"] = record("i-fine", T0);
    std::vector<ec2::Instance> list = {instance("i-reclaimed", "terminated", 0), instance("i-stopped", "stopped", 0),
                                       instance("i-fine", "running", 0)};
    ReconcilePlan p = plan_reconcile(s, list, std::vector<SlurmNode>{}, T0 + 600, config());
    ck_assert_uint_eq(p.power_down.size(), 3);
    std::map<std::string, std::string> why;
    for (const auto& d : p.power_down) why[d.node] = d.why;
    EXPECT_STR(why["burst-1"], "stratus: instance i-gone (c7g.large) of node burst-1 is no longer listed by EC2");
    EXPECT_STR(why["burst-2"], "stratus: instance i-reclaimed (c7g.large) of node burst-2 is terminated");
    ck_assert(why.count("burst-3"));
    ck_assert(!why.count("burst-4"));
    ck_assert_uint_eq(p.terminate.size(), 1);
    EXPECT_STR(p.terminate[0].instance_id, "i-stopped");
    EXPECT_STR(p.terminate[0].node, "burst-3");
}
END_TEST

START_TEST(leaked_instances) {
    BurstState s;
    s.nodes["burst-1"] = record("i-leaked", T0);
    s.nodes["burst-2"] = record("i-booting", T0);
    s.nodes["burst-3"] = record("i-up", T0);
    std::vector<ec2::Instance> list = {instance("i-leaked", "running", 0), instance("i-booting", "running", 0),
                                       instance("i-up", "running", 0)};
    SlurmNode down{"burst-1", true, false, false, true, "ResumeTimeout reached"};
    SlurmNode booting{"burst-2", false, true, false, false, ""};
    SlurmNode up{"burst-3", false, false, false, false, ""};
    ReconcilePlan p = plan_reconcile(s, list, std::vector<SlurmNode>{down, booting, up}, T0 + 600, config());
    ck_assert_uint_eq(p.terminate.size(), 1);
    EXPECT_STR(p.terminate[0].instance_id, "i-leaked");
    EXPECT_STR(p.terminate[0].node, "burst-1");
    // Unknown Slurm state: leave them.
    p = plan_reconcile(s, list, std::nullopt, T0 + 600, config());
    ck_assert(p.terminate.empty());
}
END_TEST

START_TEST(failed_nodes_and_expiry) {
    BurstState s;
    NodeRecord due;
    due.partition = "burst";
    due.status = kNodeFailed;
    due.retry_at = T0 + 100;
    NodeRecord later = due;
    later.retry_at = T0 + 1000;
    NodeRecord never = due;
    never.retry_at = 0;  // only by hand
    NodeRecord blocked = due;
    blocked.partition = "locked";
    s.nodes["a"] = due;
    s.nodes["b"] = later;
    s.nodes["c"] = never;
    s.nodes["d"] = blocked;
    s.partitions["locked"] = PartitionHealth{10, T0, "x"};
    s.partitions["cooled"] = PartitionHealth{10, T0 - 2000, "x"};
    s.avoid["c7g.large"] = CapacityAvoid{"InsufficientInstanceCapacity", "", "", T0 - 700, T0 - 100};
    s.avoid["c7g.xlarge"] = CapacityAvoid{"InsufficientInstanceCapacity", "", "", T0, T0 + 600};
    ReconcilePlan p = plan_reconcile(s, {}, std::vector<SlurmNode>{}, T0 + 200, config());
    ck_assert_uint_eq(p.return_to_service.size(), 1);
    EXPECT_STR(p.return_to_service[0], "a");
    ck_assert_uint_eq(p.expired_avoid.size(), 1);
    EXPECT_STR(p.expired_avoid[0], "c7g.large");
    ck_assert_uint_eq(p.end_protected.size(), 1);
    EXPECT_STR(p.end_protected[0], "cooled");
}
END_TEST

START_TEST(reconcile_carries_out) {
    World w("OrphanGracePeriod=60\n");
    ck_assert(resume(*w.ctx, resume_request_from_hostlist("burst-[1-2]")).failed.empty());
    BurstState s = w.state();
    std::string owned = s.nodes["burst-1"].instance_id;
    std::string reclaimed = s.nodes["burst-2"].instance_id;
    // An orphan (a crashed launch), and a spot reclaim of burst-2.
    std::string orphan = w.ec2.add_instance("c7g.large", {{kTagCluster, "testcluster"}, {kTagNode, "burst-9"}}, at(0));
    std::string foreign = w.ec2.add_instance("c7g.large", {{kTagCluster, "othercluster"}}, at(0));
    w.ec2.instances[reclaimed].state = "terminated";
    w.now += 120;
    ReconcileResult r = reconcile(*w.ctx);
    ck_assert_msg(r.errors.empty(), "%s", w.log.all().c_str());
    ck_assert_uint_eq(r.terminated.size(), 1);
    EXPECT_STR(r.terminated[0], orphan);
    EXPECT_STR(w.ec2.instances[orphan].state, "terminated");
    EXPECT_STR(w.ec2.instances[foreign].state, "running");  // not ours
    EXPECT_STR(w.ec2.instances[owned].state, "pending");
    ck_assert(w.slurm.powered_down.count("burst-2"));
    s = w.state();
    ck_assert(!s.nodes["burst-2"].has_instance());
    EXPECT_STR(s.nodes["burst-1"].instance_id, owned);
    ck_assert(w.log.has("reconcile: terminating " + orphan + ": orphan: "));
    // Nothing left to do the second time.
    r = reconcile(*w.ctx);
    ck_assert(r.terminated.empty());
    ck_assert(r.plan.power_down.empty());
}
END_TEST

START_TEST(reconcile_returns_failed_nodes) {
    World w;
    w.ec2.ice = {"c7g.large", "c7g.xlarge"};
    resume(*w.ctx, resume_request_from_hostlist("burst-1"));
    ck_assert(w.slurm.failed.count("burst-1"));
    reconcile(*w.ctx);
    ck_assert(w.slurm.returned.empty());
    w.now += 600;
    ReconcileResult r = reconcile(*w.ctx);
    ck_assert_uint_eq(w.slurm.returned.size(), 1);
    EXPECT_STR(w.slurm.returned[0], "burst-1");
    BurstState s = w.state();
    EXPECT_STR(s.nodes["burst-1"].status, kNodeIdle);
    ck_assert(s.avoid.empty());
}
END_TEST

START_TEST(reconcile_needs_listing) {
    World w("OrphanGracePeriod=0\n");
    w.ec2.add_instance("c7g.large", {{kTagCluster, "testcluster"}}, at(0));
    struct Broken : public ForwardingEc2 {
        using ForwardingEc2::ForwardingEc2;
        std::vector<ec2::Instance> describe_instances(const std::vector<std::string>&, const std::vector<ec2::Filter>&) override {
            throw aws_error("RequestLimitExceeded", 503);
        }
    } broken(w.ec2);
    BurstContext ctx(w.config, broken, w.slurm, *w.store, w.log);
    ReconcileResult r = reconcile(ctx);
    ck_assert_uint_eq(r.errors.size(), 1);
    ck_assert_uint_eq(w.ec2.live(), 1);  // nothing terminated on a failed listing
}
END_TEST

// A recorded instance that the tag listing misses (moto does not tag fleet
// instances; on EC2 a tag removed by hand or a changed ClusterName) is
// looked up by id: while EC2 runs it, it keeps its record and its node.
START_TEST(reconcile_looks_up_untagged_instances) {
    World w("OrphanGracePeriod=60\n");
    ck_assert(resume(*w.ctx, resume_request_from_hostlist("burst-[1-3]")).failed.empty());
    BurstState s = w.state();
    std::string untagged = s.nodes["burst-1"].instance_id;
    std::string forgotten = s.nodes["burst-2"].instance_id;
    std::string tagged = s.nodes["burst-3"].instance_id;
    w.ec2.instances[untagged].tags.clear();
    w.ec2.instances[untagged].state = "running";
    w.ec2.instances.erase(forgotten);  // EC2 no longer knows it at all
    w.now += 120;
    unsigned before = w.ec2.describe_calls;
    ReconcileResult r = reconcile(*w.ctx);
    ck_assert_msg(r.errors.empty(), "%s", w.log.all().c_str());
    ck_assert_msg(!w.slurm.powered_down.count("burst-1"), "%s", w.log.all().c_str());
    s = w.state();
    EXPECT_STR(s.nodes["burst-1"].instance_id, untagged);
    ck_assert(r.terminated.empty());
    EXPECT_STR(w.ec2.instances[untagged].state, "running");
    // The tag listing, then both ids at once (NotFound: one is unknown), then by filter.
    ck_assert_uint_eq(w.ec2.describe_calls - before, 3);
    ck_assert(w.log.has(untagged + " (running) of node burst-1 is not listed by its tag stratus:cluster=testcluster"));
    // The unknown one is gone as before; the tagged one is left alone.
    ck_assert(w.slurm.powered_down.count("burst-2"));
    ck_assert(!s.nodes["burst-2"].has_instance());
    EXPECT_STR(s.nodes["burst-3"].instance_id, tagged);
    ck_assert(!w.slurm.powered_down.count("burst-3"));
    // Found by id, it is under the rules for live instances: slurmctld gave
    // up on burst-1, so it is a leaked one and terminated.
    w.slurm.node_list = std::vector<SlurmNode>{{"burst-1", true, false, false, true, "ResumeTimeout reached"}};
    w.now += 600;
    r = reconcile(*w.ctx);
    ck_assert_uint_eq(r.terminated.size(), 1);
    EXPECT_STR(r.terminated[0], untagged);
    EXPECT_STR(w.ec2.instances[untagged].state, "terminated");
    ck_assert(!w.state().nodes["burst-1"].has_instance());
}
END_TEST

// When the lookup by id fails, nothing is decided about any record.
START_TEST(reconcile_needs_lookup) {
    World w;
    resume(*w.ctx, resume_request_from_hostlist("burst-1"));
    std::string id = w.state().nodes["burst-1"].instance_id;
    w.ec2.instances[id].tags.clear();
    struct Throttled : public ForwardingEc2 {
        using ForwardingEc2::ForwardingEc2;
        std::vector<ec2::Instance> describe_instances(const std::vector<std::string>& ids,
                                                      const std::vector<ec2::Filter>& f) override {
            if (!ids.empty()) throw aws_error("RequestLimitExceeded", 503);
            return inner.describe_instances(ids, f);
        }
    } throttled(w.ec2);
    BurstContext ctx(w.config, throttled, w.slurm, *w.store, w.log);
    ctx.clock = w.ctx->clock;
    w.now += 600;
    ReconcileResult r = reconcile(ctx);
    ck_assert_uint_eq(r.errors.size(), 1);
    ck_assert(r.errors[0].find("RequestLimitExceeded") != std::string::npos);
    ck_assert(w.slurm.powered_down.empty());
    EXPECT_STR(w.state().nodes["burst-1"].instance_id, id);
}
END_TEST

// A stopped instance keeps its record until EC2 accepts its termination.
START_TEST(reconcile_forgets_stopped_only_when_terminated) {
    World w;
    resume(*w.ctx, resume_request_from_hostlist("burst-1"));
    std::string id = w.state().nodes["burst-1"].instance_id;
    w.ec2.instances[id].state = "stopped";
    TerminateFailsEc2 failing(w.ec2, "UnauthorizedOperation", 403);
    BurstContext ctx(w.config, failing, w.slurm, *w.store, w.log);
    ctx.clock = w.ctx->clock;
    w.now += 120;
    ReconcileResult r = reconcile(ctx);
    ck_assert_msg(r.errors.size() == 1, "%s", w.log.all().c_str());
    ck_assert(w.slurm.powered_down.count("burst-1"));
    EXPECT_STR(w.state().nodes["burst-1"].instance_id, id);
    r = reconcile(*w.ctx);
    ck_assert_uint_eq(r.terminated.size(), 1);
    EXPECT_STR(w.ec2.instances[id].state, "terminated");
    ck_assert(!w.state().nodes["burst-1"].has_instance());
}
END_TEST

START_TEST(suspend_terminates_and_clears) {
    World w;
    resume(*w.ctx, resume_request_from_hostlist("burst-[1-3]"));
    BurstState s = w.state();
    std::string id1 = s.nodes["burst-1"].instance_id;
    // Someone terminated burst-3's instance and forgot it: EC2 no longer knows the id.
    std::string id3 = s.nodes["burst-3"].instance_id;
    w.ec2.instances.erase(id3);
    // A crashed launch left an unrecorded instance tagged for burst-4 (whose record holds none).
    std::string stray = w.ec2.add_instance("c7g.large", {{kTagCluster, "testcluster"}, {kTagNode, "burst-4"}}, at(0));
    // A stray of burst-2, which has its own instance: reconcile's, not suspend's.
    std::string stray2 = w.ec2.add_instance("c7g.large", {{kTagCluster, "testcluster"}, {kTagNode, "burst-2"}}, at(0));
    SuspendResult r = suspend(*w.ctx, {"burst-1", "burst-2", "burst-3", "burst-4"});
    ck_assert_msg(r.errors.empty(), "%s", w.log.all().c_str());
    EXPECT_STR(w.ec2.instances[id1].state, "terminated");
    EXPECT_STR(w.ec2.instances[stray].state, "terminated");
    EXPECT_STR(w.ec2.instances[stray2].state, "running");
    ck_assert_uint_eq(w.ec2.live(), 1);
    for (std::string n : {"burst-1", "burst-2", "burst-3"}) {
        EXPECT_STR(w.slurm.addresses[n].addr, n);
        EXPECT_STR(w.slurm.addresses[n].hostname, n);
        ck_assert(w.slurm.instances.count(n));
        EXPECT_STR(w.slurm.instances[n].instance_id, "");  // cleared
        ck_assert(!w.state().nodes[n].has_instance());
        EXPECT_STR(w.state().nodes[n].status, kNodeIdle);
    }
    ck_assert(w.log.has(id3 + ": EC2 no longer lists it"));
    ck_assert(w.log.has("is tagged for it but not recorded; terminating it too"));
    // Generations survive a suspend (the next launch gets a new ClientToken).
    ck_assert_uint_eq(w.state().nodes["burst-1"].generation, 1);
}
END_TEST

// While TerminateInstances runs, no record holds the instance any more:
// a reconcile running then cannot take it for a vanished one.
START_TEST(suspend_clears_records_first) {
    World w;
    resume(*w.ctx, resume_request_from_hostlist("burst-1"));
    std::string id = w.state().nodes["burst-1"].instance_id;
    struct Watching : public ForwardingEc2 {
        World& w;
        bool owned_during_terminate = true;
        explicit Watching(World& world) : ForwardingEc2(world.ec2), w(world) {}
        std::vector<ec2::InstanceStateChange> terminate_instances(const std::vector<std::string>& ids) override {
            owned_during_terminate = w.state().owner_of(ids.at(0)) != nullptr;
            return inner.terminate_instances(ids);
        }
    } watching(w);
    BurstContext ctx(w.config, watching, w.slurm, *w.store, w.log);
    SuspendResult r = suspend(ctx, {"burst-1"});
    ck_assert_uint_eq(r.terminated.size(), 1);
    ck_assert(!watching.owned_during_terminate);
    EXPECT_STR(w.ec2.instances[id].state, "terminated");
    // Termination fails: the instance is an orphan for reconcile.
    World w2("OrphanGracePeriod=60\n");
    resume(*w2.ctx, resume_request_from_hostlist("burst-1"));
    std::string id2 = w2.state().nodes["burst-1"].instance_id;
    TerminateFailsEc2 failing(w2.ec2, "InternalError", 500);
    BurstContext ctx2(w2.config, failing, w2.slurm, *w2.store, w2.log);
    r = suspend(ctx2, {"burst-1"});
    ck_assert_uint_eq(r.errors.size(), 1);
    ck_assert(!w2.state().nodes["burst-1"].has_instance());
    w2.now += 120;
    ReconcileResult rr = reconcile(*w2.ctx);
    ck_assert_uint_eq(rr.terminated.size(), 1);
    EXPECT_STR(rr.terminated[0], id2);
    ck_assert(rr.plan.power_down.empty());
}
END_TEST

START_TEST(suspend_batches_of_1000) {
    World w("ResumeBatchSize=1000\nPartitionName=big InstanceTypes=c7g.large LaunchTemplate=lt-5\n");
    // 1200 records with instances, written directly.
    std::vector<std::string> names;
    w.store->update([&](BurstState& st) {
        for (int i = 1; i <= 1200; ++i) {
            std::string n = "big-" + std::to_string(i);
            std::string id = w.ec2.add_instance("c7g.large", {{kTagCluster, "testcluster"}}, at(0));
            st.nodes[n] = record(id, T0);
            names.push_back(n);
        }
    });
    size_t before = w.ec2.terminate_calls.size();
    SuspendResult r = suspend(*w.ctx, names);
    ck_assert_uint_eq(r.terminated.size(), 1200);
    ck_assert_uint_eq(w.ec2.terminate_calls.size() - before, 2);
    ck_assert_uint_eq(w.ec2.terminate_calls[before].size(), 1000);
    ck_assert_uint_eq(w.ec2.live(), 0);
}
END_TEST

START_TEST(suspend_keeps_failed_status) {
    World w;
    w.ec2.ice = {"c7g.large", "c7g.xlarge"};
    resume(*w.ctx, resume_request_from_hostlist("burst-1"));
    // slurmctld powers the DOWN node down and calls SuspendProgram.
    suspend(*w.ctx, {"burst-1"});
    EXPECT_STR(w.state().nodes["burst-1"].status, kNodeFailed);
}
END_TEST

Suite* reconcile_suite() {
    Suite* s = suite_create("reconcile");
    TCase* tc = make_tcase("reconcile");
    tcase_add_test(tc, orphans_after_grace);
    tcase_add_test(tc, vanished_instances);
    tcase_add_test(tc, leaked_instances);
    tcase_add_test(tc, failed_nodes_and_expiry);
    tcase_add_test(tc, reconcile_carries_out);
    tcase_add_test(tc, reconcile_returns_failed_nodes);
    tcase_add_test(tc, reconcile_needs_listing);
    tcase_add_test(tc, reconcile_looks_up_untagged_instances);
    tcase_add_test(tc, reconcile_needs_lookup);
    tcase_add_test(tc, reconcile_forgets_stopped_only_when_terminated);
    tcase_add_test(tc, suspend_terminates_and_clears);
    tcase_add_test(tc, suspend_clears_records_first);
    tcase_add_test(tc, suspend_batches_of_1000);
    tcase_add_test(tc, suspend_keeps_failed_status);
    suite_add_tcase(s, tc);
    return s;
}
