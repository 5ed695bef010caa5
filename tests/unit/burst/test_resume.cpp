// Resume with a scripted EC2 and Slurm (burst/resume.hpp): fail-over,
// avoidance, protected mode, job tags and reasons, addresses.
#include <algorithm>

#include "burst/fleet.hpp"
#include "burst/resume.hpp"
#include "burst_unit.hpp"
#include "hostlist.hpp"

using namespace burst_test;

namespace {

ResumeRequest nodes(const std::string& hostlist) { return resume_request_from_hostlist(hostlist); }

std::vector<std::string> types_of(const ec2::CreateFleetRequest& r) {
    std::vector<std::string> out;
    for (const ec2::FleetOverride& o : r.launch_template_configs.at(0).overrides)
        if (std::find(out.begin(), out.end(), o.instance_type) == out.end()) out.push_back(o.instance_type);
    return out;
}

std::string tag(const std::vector<ec2::Tag>& tags, const std::string& key) {
    for (const ec2::Tag& t : tags)
        if (t.key == key) return t.value;
    return "";
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& s : v) out += (out.empty() ? "" : " ") + s;
    return out;
}

}  // namespace

START_TEST(launch_skips_zones_without_the_type) {
    World w;
    w.ec2.subnet_zone_ids = {{"subnet-a", "use1-az3"}, {"subnet-b", "use1-az2"}};
    ResumeResult r = resume(*w.ctx, nodes("burst-1"));
    ck_assert_msg(r.failed.empty(), "%s", w.log.all().c_str());
    ck_assert_uint_eq(w.ec2.describe_subnets_calls, 1);
    for (const ec2::FleetOverride& o : w.ec2.fleets.at(0).launch_template_configs.at(0).overrides)
        EXPECT_STR(o.subnet_id, "subnet-b");
    ck_assert_msg(w.log.all().find("partition burst: not asking for c7g.large in subnet-a (use1-az3): us-east-1's zone "
                                   "does not offer it (instance catalog)") != std::string::npos,
                  "%s", w.log.all().c_str());
    EXPECT_STR(w.state().subnet_zones.at("subnet-a"), "use1-az3");  // kept: a subnet never changes zone
    resume(*w.ctx, nodes("burst-2"));
    ck_assert_uint_eq(w.ec2.describe_subnets_calls, 1);
    // Every subnet in a zone without the types: the nodes fail with the configuration error.
    w.ec2.subnet_zone_ids = {{"subnet-a", "use1-az3"}, {"subnet-b", "use1-az3"}};
    w.store->update([](BurstState& s) { s.subnet_zones.clear(); });
    r = resume(*w.ctx, nodes("burst-3"));
    ck_assert_uint_eq(r.failed.size(), 1);
    ck_assert_msg(r.failed[0].second.find("stratus: partition burst: no subnet is in a zone that offers") == 0, "%s",
                  r.failed[0].second.c_str());
    ck_assert_uint_eq(w.ec2.fleets.size(), 2);  // no call for it
}
END_TEST

START_TEST(launch_without_subnet_zones) {
    World w;
    w.ec2.subnets_error = "RequestLimitExceeded";
    ResumeResult r = resume(*w.ctx, nodes("burst-1"));
    ck_assert_msg(r.failed.empty(), "%s", w.log.all().c_str());
    ck_assert_uint_eq(w.ec2.fleets.at(0).launch_template_configs.at(0).overrides.size(), 4);  // unchecked
    ck_assert_msg(w.log.all().find("partition burst: DescribeSubnets failed (") != std::string::npos, "%s",
                  w.log.all().c_str());
    ck_assert(w.state().subnet_zones.empty());
}
END_TEST

START_TEST(launch_happy_path) {
    World w;
    ResumeResult r = resume(*w.ctx, nodes("burst-[1-2]"));
    ck_assert_msg(r.failed.empty(), "%s", w.log.all().c_str());
    EXPECT_STR(joined(r.started), "burst-1 burst-2");
    ck_assert_uint_eq(w.ec2.fleets.size(), 1);
    const ec2::CreateFleetRequest& f = w.ec2.fleets[0];
    EXPECT_STR(joined(types_of(f)), "c7g.large c7g.xlarge");  // price order
    ck_assert_uint_eq(f.total_target_capacity, 2);
    std::vector<ec2::Tag> tags = f.tag_specifications.at(0).tags;
    EXPECT_STR(tag(tags, kTagCluster), "testcluster");  // stratus.conf's ClusterName wins over slurm.conf's
    EXPECT_STR(tag(tags, kTagPartition), "burst");
    EXPECT_STR(tag(tags, kTagJobId), "");  // no exclusive job
    // The ClientToken is the one derived from the nodes' first generation.
    EXPECT_STR(f.client_token, fleet_client_token("testcluster", {{"burst-1", 1}, {"burst-2", 1}}, 0));
    // Each instance: tagged with its node, recorded, addressed in Slurm.
    BurstState s = w.state();
    for (std::string n : {"burst-1", "burst-2"}) {
        const NodeRecord& rec = s.nodes[n];
        EXPECT_STR(rec.status, kNodeRunning);
        EXPECT_STR(rec.instance_type, "c7g.large");
        EXPECT_STR(rec.partition, "burst");
        ck_assert(!rec.private_ip.empty());
        ck_assert_int_eq(rec.launch_time, 1800000000);  // EC2's LaunchTime
        EXPECT_STR(w.slurm.addresses[n].addr, rec.private_ip);
        EXPECT_STR(w.slurm.addresses[n].hostname, rec.private_dns);
        EXPECT_STR(w.slurm.instances[n].instance_id, rec.instance_id);  // Slurm 23.11+ shows it
        EXPECT_STR(w.slurm.instances[n].instance_type, "c7g.large");
        EXPECT_STR(tag(w.ec2.instances[rec.instance_id].tags, kTagNode), n);
        EXPECT_STR(tag(w.ec2.instances[rec.instance_id].tags, "Name"), n);
    }
    ck_assert(s.nodes["burst-1"].instance_id != s.nodes["burst-2"].instance_id);
    ck_assert_uint_eq(s.partitions["burst"].consecutive_failures, 0);
    ck_assert(w.log.has("launch: partition burst: 2 node(s) burst-[1-2] as c7g.large,c7g.xlarge (on-demand, 2 subnet(s))"));
    // Launching the same nodes again later: a new generation, a new token.
    w.ctx->node_addr_override = "127.0.0.1";
    resume(*w.ctx, nodes("burst-[1-2]"));
    EXPECT_STR(w.ec2.fleets[1].client_token, fleet_client_token("testcluster", {{"burst-1", 2}, {"burst-2", 2}}, 0));
    // The old instances were still recorded: terminated first.
    ck_assert_uint_eq(w.ec2.live(), 2);
    EXPECT_STR(w.slurm.addresses["burst-1"].addr, "127.0.0.1");
}
END_TEST

START_TEST(batches_of_resume_batch_size) {
    World w;  // ResumeBatchSize=3
    ResumeResult r = resume(*w.ctx, nodes("burst-[1-8]"));
    ck_assert_uint_eq(r.started.size(), 8);
    ck_assert_uint_eq(r.create_fleet_calls, 3);
    ck_assert_uint_eq(w.ec2.fleets[0].total_target_capacity, 3);
    ck_assert_uint_eq(w.ec2.fleets[2].total_target_capacity, 2);
    std::set<std::string> tokens;
    for (const auto& f : w.ec2.fleets) tokens.insert(f.client_token);
    ck_assert_uint_eq(tokens.size(), 3);
}
END_TEST

START_TEST(ice_first_type_fails_over) {
    World w;
    w.ec2.ice = {"c7g.large"};
    ResumeResult r = resume(*w.ctx, nodes("burst-[1-2]"));
    ck_assert_msg(r.failed.empty(), "%s", w.log.all().c_str());
    BurstState s = w.state();
    EXPECT_STR(s.nodes["burst-1"].instance_type, "c7g.xlarge");
    ck_assert(s.avoided("c7g.large", w.now + 1));
    EXPECT_STR(s.avoid["c7g.large"].code, "InsufficientInstanceCapacity");
    EXPECT_STR(s.avoid["c7g.large"].availability_zone, "us-east-1a");
    ck_assert_int_eq(s.avoid["c7g.large"].until, w.now + 600);
    ck_assert(w.log.has("capacity: InsufficientInstanceCapacity for c7g.large in us-east-1a (partition burst): avoiding c7g.large for 600 s"));
    // Next launch within CapacityAvoidTime: c7g.large is not even asked for.
    w.ec2.ice.clear();
    resume(*w.ctx, nodes("burst-3"));
    EXPECT_STR(joined(types_of(w.ec2.fleets.back())), "c7g.xlarge");
    ck_assert(w.log.has("skipping c7g.large: InsufficientInstanceCapacity"));
    // After it: both again, cheapest first.
    w.now += 601;
    resume(*w.ctx, nodes("burst-4"));
    EXPECT_STR(joined(types_of(w.ec2.fleets.back())), "c7g.large c7g.xlarge");
}
END_TEST

START_TEST(ice_when_ec2_does_not_fall_back) {
    // An EC2 that launches nothing once an override fails: Stratus retries
    // the same nodes at once with the types left.
    World w;
    w.ec2.ice = {"c7g.large"};
    w.ec2.no_fallback = true;
    ResumeResult r = resume(*w.ctx, nodes("burst-[1-2]"));
    ck_assert_msg(r.failed.empty(), "%s", w.log.all().c_str());
    ck_assert_uint_eq(w.ec2.fleets.size(), 2);
    EXPECT_STR(joined(types_of(w.ec2.fleets[0])), "c7g.large c7g.xlarge");
    EXPECT_STR(joined(types_of(w.ec2.fleets[1])), "c7g.xlarge");
    ck_assert_uint_eq(w.ec2.fleets[1].total_target_capacity, 2);
    // Same nodes, same generation, next attempt: another token.
    EXPECT_STR(w.ec2.fleets[0].client_token, fleet_client_token("testcluster", {{"burst-1", 1}, {"burst-2", 1}}, 0));
    EXPECT_STR(w.ec2.fleets[1].client_token, fleet_client_token("testcluster", {{"burst-1", 1}, {"burst-2", 1}}, 1));
    EXPECT_STR(w.state().nodes["burst-2"].instance_type, "c7g.xlarge");
    ck_assert(w.state().avoided("c7g.large", w.now));
    ck_assert(w.log.has("partition burst: 2 node(s) burst-[1-2] not launched; trying the next instance type"));
}
END_TEST

START_TEST(partial_launch_fails_over) {
    World w;
    w.ec2.max_per_call = 1;  // one instance per override, the rest reported as capacity errors
    ResumeResult r = resume(*w.ctx, nodes("burst-[1-3]"));
    // Call 1: c7g.large gives 1; call 2: c7g.xlarge gives 1; nothing left for the third.
    ck_assert_uint_eq(w.ec2.fleets.size(), 2);
    EXPECT_STR(joined(r.started), "burst-1 burst-2");
    BurstState s = w.state();
    EXPECT_STR(s.nodes["burst-1"].instance_type, "c7g.large");
    EXPECT_STR(s.nodes["burst-2"].instance_type, "c7g.xlarge");
    ck_assert_uint_eq(r.failed.size(), 1);
    EXPECT_STR(w.slurm.failed["burst-3"], "stratus: InsufficientInstanceCapacity for c7g.large, c7g.xlarge");
    // Partly launched counts as a failure of the partition (a node is left without capacity).
    ck_assert_uint_eq(s.partitions["burst"].consecutive_failures, 1);
    ck_assert_uint_eq(w.ec2.live(), 2);
}
END_TEST

START_TEST(ice_on_all_types) {
    World w;
    w.ec2.ice = {"c7g.large", "c7g.xlarge"};
    w.slurm.jobs[12] = JobInfo{12, "burst", "alice", "physics", R"({"v":1,"est_usd":0.01})", false};
    ResumeRequest req = parse_resume_file(R"({"jobs":[{"job_id":12,"nodes":"burst-[1-2]"}],"all_nodes":"burst-[1-2]"})");
    ResumeResult r = resume(*w.ctx, req);
    ck_assert_uint_eq(r.started.size(), 0);
    ck_assert_uint_eq(r.failed.size(), 2);
    std::string reason = "stratus: InsufficientInstanceCapacity for c7g.large in us-east-1a, c7g.xlarge in us-east-1a";
    EXPECT_STR(w.slurm.failed["burst-1"], reason);
    EXPECT_STR(w.slurm.failed["burst-2"], reason);
    ck_assert_uint_eq(w.ec2.live(), 0);
    // The job is told, in its AdminComment and by slurm_notify_job.
    EXPECT_STR(w.slurm.comments[12], std::string(R"({"v":1,"est_usd":0.01,"wait_reason":")") + reason +
                                         R"( (nodes burst-[1-2]); Slurm requeues the job"})");
    ck_assert(w.slurm.notes[12].find(reason) != std::string::npos);
    BurstState s = w.state();
    EXPECT_STR(s.nodes["burst-1"].status, kNodeFailed);
    EXPECT_STR(s.nodes["burst-1"].reason, reason);
    ck_assert_int_eq(s.nodes["burst-1"].retry_at, w.now + 600);
    ck_assert_uint_eq(s.partitions["burst"].consecutive_failures, 1);
    // Again at once: both types avoided, no CreateFleet, the same reason.
    size_t calls = w.ec2.fleets.size();
    r = resume(*w.ctx, nodes("burst-3"));
    ck_assert_uint_eq(w.ec2.fleets.size(), calls);
    EXPECT_STR(w.slurm.failed["burst-3"], reason);
}
END_TEST

START_TEST(protected_mode) {
    World w;  // ProtectedModeFailures=3, ProtectedModeCooldown=1800
    w.ec2.create_error = "InvalidLaunchTemplateId.NotFound";
    for (int i = 1; i <= 3; ++i) {
        resume(*w.ctx, nodes("burst-" + std::to_string(i)));
        ck_assert_uint_eq(w.state().partitions["burst"].consecutive_failures, i);
    }
    EXPECT_STR(w.slurm.failed["burst-1"], "stratus: InvalidLaunchTemplateId.NotFound: InvalidLaunchTemplateId.NotFound (scripted)");
    BurstState s = w.state();
    ck_assert_int_eq(s.partitions["burst"].protected_since, w.now);
    ck_assert(w.log.has("PROTECTED MODE: partition burst: 3 consecutive launch failures"));
    // In protected mode: no launch, a reason that says so.
    size_t calls = w.ec2.fleets.size();
    w.ec2.create_error.reset();
    resume(*w.ctx, nodes("burst-4"));
    ck_assert_uint_eq(w.ec2.fleets.size(), calls);
    EXPECT_STR(w.slurm.failed["burst-4"],
               "stratus: partition burst in protected mode after 3 consecutive launch failures; "
               "stratus-resume --reset-protected burst");
    // Other partitions still launch.
    ck_assert(resume(*w.ctx, nodes("pin-1")).failed.empty());
    // The administrator ends it: failed nodes back in service, launches work.
    std::string msg = reset_protected(*w.ctx, "burst");
    ck_assert_msg(msg.find("protected mode ended by an administrator") != std::string::npos, "%s", msg.c_str());
    std::sort(w.slurm.returned.begin(), w.slurm.returned.end());
    EXPECT_STR(joined(w.slurm.returned), "burst-1 burst-2 burst-3 burst-4");
    ck_assert(resume(*w.ctx, nodes("burst-5")).failed.empty());
    ck_assert_uint_eq(w.state().partitions["burst"].consecutive_failures, 0);
}
END_TEST

START_TEST(protected_mode_cooldown) {
    World w;
    w.ec2.create_error = "UnauthorizedOperation";
    for (int i = 1; i <= 3; ++i) resume(*w.ctx, nodes("burst-" + std::to_string(i)));
    ck_assert(w.state().partitions["burst"].protected_since != 0);
    // Failed nodes come back when protected mode ends, not before.
    ck_assert_int_eq(w.state().nodes["burst-3"].retry_at, w.now + 1800);
    w.ec2.create_error.reset();
    w.now += 1799;
    ck_assert(!resume(*w.ctx, nodes("burst-4")).failed.empty());
    w.now += 1;
    ck_assert(resume(*w.ctx, nodes("burst-5")).failed.empty());
    ck_assert(w.log.has("partition burst: protected mode ends after ProtectedModeCooldown (1800 s)"));
}
END_TEST

START_TEST(success_resets_failures) {
    World w;
    w.ec2.create_error = "UnauthorizedOperation";
    resume(*w.ctx, nodes("burst-1"));
    resume(*w.ctx, nodes("burst-2"));
    ck_assert_uint_eq(w.state().partitions["burst"].consecutive_failures, 2);
    w.ec2.create_error.reset();
    resume(*w.ctx, nodes("burst-3"));
    ck_assert_uint_eq(w.state().partitions["burst"].consecutive_failures, 0);
    ck_assert(w.log.has("partition burst: launches work again after 2 consecutive failure(s)"));
}
END_TEST

START_TEST(throttling_retried_same_token) {
    World w;
    w.ec2.throttle = 2;  // after the client's own retries
    ResumeResult r = resume(*w.ctx, nodes("burst-1"));
    ck_assert_msg(r.failed.empty(), "%s", w.log.all().c_str());
    ck_assert_uint_eq(w.ec2.fleets.size(), 3);
    EXPECT_STR(w.ec2.fleets[0].client_token, w.ec2.fleets[2].client_token);
    ck_assert_int_eq(w.slept_ms, 2000 + 4000);
    // Throttled for good: the nodes fail with EC2's code.
    World w2;
    w2.ec2.throttle = 100;
    r = resume(*w2.ctx, nodes("burst-1"));
    EXPECT_STR(w2.slurm.failed["burst-1"], "stratus: RequestLimitExceeded: Request limit exceeded.");
    ck_assert_uint_eq(w2.ec2.fleets.size(), 4);
}
END_TEST

START_TEST(exclusive_job_tags) {
    World w;
    w.slurm.jobs[77] = JobInfo{77, "burst", "alice", "physics",
                               R"({"v":1,"cost_center":"proj-42","capacity":"on-demand"})", true};
    w.slurm.jobs[78] = JobInfo{78, "burst", "bob", "chem", "", false};
    ResumeRequest req = parse_resume_file(
        R"({"jobs":[{"job_id":77,"nodes":"burst-[1-2]"},{"job_id":78,"nodes":"burst-3"}],"all_nodes":"burst-[1-3]"})");
    ResumeResult r = resume(*w.ctx, req);
    ck_assert(r.failed.empty());
    ck_assert_uint_eq(w.ec2.fleets.size(), 2);  // the exclusive job's nodes launch on their own
    const std::vector<ec2::Tag>* job_tags = nullptr;
    const std::vector<ec2::Tag>* other_tags = nullptr;
    for (const auto& f : w.ec2.fleets) {
        const auto& tags = f.tag_specifications.at(0).tags;
        if (tag(tags, kTagJobId) == "77") job_tags = &tags;
        else other_tags = &tags;
    }
    ck_assert(job_tags && other_tags);
    EXPECT_STR(tag(*job_tags, kTagUser), "alice");
    EXPECT_STR(tag(*job_tags, kTagAccount), "physics");
    EXPECT_STR(tag(*job_tags, kTagCostCenter), "proj-42");
    EXPECT_STR(tag(*other_tags, kTagJobId), "");
    EXPECT_STR(tag(*other_tags, kTagUser), "");
    ck_assert_uint_eq(w.state().nodes["burst-1"].job_id, 77);
}
END_TEST

// Releases after 22.05 say each job's partition and sharing in the resume file:
// slurmctld is asked only about the job that has whole nodes to itself.
START_TEST(resume_file_fields_spare_rpcs) {
    World w;
    w.slurm.jobs[77] = JobInfo{77, "burst", "alice", "physics", R"({"v":1,"cost_center":"proj-42"})", true};
    ResumeRequest req = parse_resume_file(
        R"({"all_nodes_resume":"burst-[1-3]","jobs":[)"
        R"({"job_id":77,"nodes_resume":"burst-[1-2]","nodes_alloc":"burst-[1-2]","partition":"burst","oversubscribe":"NO"},)"
        R"({"job_id":78,"nodes_resume":"burst-3","nodes_alloc":"burst-3","partition":"burst","oversubscribe":"OK"}]})");
    ResumeResult r = resume(*w.ctx, req);
    ck_assert_msg(r.failed.empty(), "%s", w.log.all().c_str());
    ck_assert_int_eq(w.slurm.load_job_calls, 1);  // job 77 only
    ck_assert_uint_eq(w.state().nodes["burst-1"].job_id, 77);
    ck_assert_uint_eq(w.state().nodes["burst-3"].job_id, 0);
    bool tagged = false;
    for (const auto& f : w.ec2.fleets) tagged |= tag(f.tag_specifications.at(0).tags, kTagUser) == "alice";
    ck_assert(tagged);
}
END_TEST

START_TEST(exclusive_job_spot) {
    World w;
    w.slurm.jobs[5] = JobInfo{5, "burst", "alice", "a", R"({"capacity":"spot"})", true};
    resume(*w.ctx, parse_resume_file(R"({"jobs":[{"job_id":5,"nodes":"burst-1"}],"all_nodes":"burst-1"})"));
    ck_assert(w.ec2.fleets.at(0).default_target_capacity_type == ec2::CapacityType::spot);
    EXPECT_STR(w.state().nodes["burst-1"].lifecycle, "spot");
}
END_TEST

START_TEST(pinned_and_unknown_nodes) {
    World w;
    ResumeResult r = resume(*w.ctx, nodes("pin-[1-2],other-1,nowhere"));
    ck_assert_uint_eq(r.started.size(), 2);
    ck_assert_uint_eq(w.ec2.fleets.size(), 2);  // one per pinned type
    EXPECT_STR(joined(types_of(w.ec2.fleets[0])) + "|" + joined(types_of(w.ec2.fleets[1])), "c7g.xlarge|c7g.large");
    EXPECT_STR(w.ec2.fleets[0].launch_template_configs[0].launch_template.name, "burst-template");
    EXPECT_STR(w.slurm.failed["other-1"], "stratus: node is in no partition of stratus.conf");
    EXPECT_STR(w.slurm.failed["nowhere"], "stratus: node is in no partition of stratus.conf");
    // Not a launch failure of any partition.
    ck_assert_uint_eq(w.state().partitions["pinned"].consecutive_failures, 0);
}
END_TEST

START_TEST(eventual_consistency) {
    World w;
    w.ec2.hide_describes = 3;  // EC2 does not list the new instances at first
    ResumeResult r = resume(*w.ctx, nodes("burst-1"));
    ck_assert_msg(r.failed.empty(), "%s", w.log.all().c_str());
    ck_assert_uint_eq(w.ec2.describe_calls, 4);
    ck_assert_int_eq(w.slept_ms, 500 + 1000 + 2000);
    // EC2 refuses an id it does not know yet: the same call by filter.
    World w3;
    w3.ec2.ids_not_found = 1;
    r = resume(*w3.ctx, nodes("burst-[1-2]"));
    ck_assert_msg(r.failed.empty(), "%s", w3.log.all().c_str());
    ck_assert_uint_eq(w3.ec2.describe_calls, 2);
    ck_assert_int_eq(w3.slept_ms, 0);
    // Never listed: bounded, the node fails and its instance is terminated.
    World w2;
    w2.ec2.hide_describes = 1000;
    r = resume(*w2.ctx, nodes("burst-1"));
    ck_assert_uint_eq(r.failed.size(), 1);
    ck_assert_uint_eq(w2.ec2.describe_calls, 8);
    ck_assert(w2.slurm.failed["burst-1"].find("no private IP for i-") != std::string::npos);
    ck_assert_uint_eq(w2.ec2.live(), 0);
}
END_TEST

START_TEST(deadline) {
    World w;
    w.ctx->deadline = w.now;  // already past
    ResumeResult r = resume(*w.ctx, nodes("burst-1"));
    EXPECT_STR(w.slurm.failed["burst-1"], "stratus: gave up: no instance before the time limit (ResumeTimeout)");
    ck_assert_uint_eq(w.ec2.fleets.size(), 0);
}
END_TEST

START_TEST(slurm_refuses_addresses) {
    World w;
    w.slurm.set_addresses_error = "Invalid node name specified";
    ResumeResult r = resume(*w.ctx, nodes("burst-1"));
    ck_assert_uint_eq(r.failed.size(), 1);
    ck_assert_uint_eq(w.ec2.live(), 0);
    EXPECT_STR(w.state().nodes["burst-1"].status, kNodeFailed);
}
END_TEST

START_TEST(checkpoint_after_create_fleet) {
    // The test hook STRATUS_TEST_EXIT_AFTER stops right here: instances exist, no record holds them.
    World w;
    w.ctx->checkpoint = [](const char* at) {
        if (std::string(at) == "create_fleet") throw std::runtime_error("killed");
    };
    ck_assert([&] {
        try {
            resume(*w.ctx, nodes("burst-1"));
        } catch (const std::runtime_error&) {
            return true;
        }
        return false;
    }());
    ck_assert_uint_eq(w.ec2.live(), 1);
    ck_assert(!w.state().nodes["burst-1"].has_instance());
}
END_TEST

Suite* resume_suite() {
    Suite* s = suite_create("resume");
    TCase* tc = make_tcase("resume");
    tcase_add_test(tc, launch_happy_path);
    tcase_add_test(tc, launch_skips_zones_without_the_type);
    tcase_add_test(tc, launch_without_subnet_zones);
    tcase_add_test(tc, batches_of_resume_batch_size);
    tcase_add_test(tc, ice_first_type_fails_over);
    tcase_add_test(tc, ice_when_ec2_does_not_fall_back);
    tcase_add_test(tc, partial_launch_fails_over);
    tcase_add_test(tc, ice_on_all_types);
    tcase_add_test(tc, protected_mode);
    tcase_add_test(tc, protected_mode_cooldown);
    tcase_add_test(tc, success_resets_failures);
    tcase_add_test(tc, throttling_retried_same_token);
    tcase_add_test(tc, exclusive_job_tags);
    tcase_add_test(tc, resume_file_fields_spare_rpcs);
    tcase_add_test(tc, exclusive_job_spot);
    tcase_add_test(tc, pinned_and_unknown_nodes);
    tcase_add_test(tc, eventual_consistency);
    tcase_add_test(tc, deadline);
    tcase_add_test(tc, slurm_refuses_addresses);
    tcase_add_test(tc, checkpoint_after_create_fleet);
    suite_add_tcase(s, tc);
    return s;
}
