// CreateFleet requests, ClientTokens, batching, failure reasons
// (burst/fleet.hpp, burst/sha256.hpp) and the state store (burst/state.hpp).
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include "burst/fleet.hpp"
#include "burst/job_comment.hpp"
#include "burst/sha256.hpp"
#include "burst/state.hpp"
#include "burst_unit.hpp"

using namespace burst_test;

START_TEST(sha256_vectors) {
    EXPECT_STR(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_STR(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_STR(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
               "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_STR(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

START_TEST(client_token_determinism) {
    std::string t = fleet_client_token("c", {{"n1", 1}, {"n2", 1}}, 0);
    EXPECT_STR(t.substr(0, 8), "stratus-");
    ck_assert_uint_eq(t.size(), 56);
    ck_assert(t.size() <= 64);
    // Same nodes, generations and attempt: the same token, in any order.
    EXPECT_STR(fleet_client_token("c", {{"n2", 1}, {"n1", 1}}, 0), t);
    // Anything else: another token.
    ck_assert(fleet_client_token("c", {{"n1", 1}, {"n2", 1}}, 1) != t);   // next fail-over attempt
    ck_assert(fleet_client_token("c", {{"n1", 2}, {"n2", 1}}, 0) != t);   // next launch of n1
    ck_assert(fleet_client_token("c", {{"n1", 1}}, 0) != t);              // other nodes
    ck_assert(fleet_client_token("d", {{"n1", 1}, {"n2", 1}}, 0) != t);   // other cluster
    ck_assert(fleet_client_token("c", {{"n1", 12}}, 0) != fleet_client_token("c", {{"n11", 2}}, 0));
}
END_TEST

START_TEST(batching) {
    std::vector<int> v(1000);
    auto b = batches(v, 500);
    ck_assert_uint_eq(b.size(), 2);
    ck_assert_uint_eq(b[0].size(), 500);
    b = batches(std::vector<int>(1001), 500);
    ck_assert_uint_eq(b.size(), 3);
    ck_assert_uint_eq(b[2].size(), 1);
    ck_assert_uint_eq(batches(std::vector<int>(), 5).size(), 0);
    ck_assert_uint_eq(batches(std::vector<int>(3), 0).size(), 3);
}
END_TEST

START_TEST(fleet_request) {
    World w;
    FleetSpec spec{w.config.find_partition("burst"), {"c7g.large", "c7g.xlarge"}, Capacity::on_demand,
                   {{kTagCluster, "testcluster"}, {kTagPartition, "burst"}}, "us-east-1", {}};
    ec2::CreateFleetRequest r = build_fleet_request(spec, 7, "tok");
    ck_assert_uint_eq(r.total_target_capacity, 7);
    ck_assert_uint_eq(*r.on_demand_target_capacity, 7);
    ck_assert(r.default_target_capacity_type == ec2::CapacityType::on_demand);
    ck_assert(!r.on_demand_options.has_value());  // no AllocationStrategy: EC2's default
    EXPECT_STR(r.client_token, "tok");
    const auto& lt = r.launch_template_configs.at(0);
    EXPECT_STR(lt.launch_template.id, "lt-0123456789abcdef0");
    // Overrides: types in price order x subnets, priority = type rank.
    ck_assert_uint_eq(lt.overrides.size(), 4);
    EXPECT_STR(lt.overrides[0].instance_type + "/" + lt.overrides[0].subnet_id, "c7g.large/subnet-a");
    EXPECT_STR(lt.overrides[1].instance_type + "/" + lt.overrides[1].subnet_id, "c7g.large/subnet-b");
    EXPECT_STR(lt.overrides[3].instance_type + "/" + lt.overrides[3].subnet_id, "c7g.xlarge/subnet-b");
    ck_assert_double_eq(*lt.overrides[0].priority, 0);
    ck_assert_double_eq(*lt.overrides[2].priority, 1);
    ck_assert_uint_eq(r.tag_specifications.size(), 1);
    EXPECT_STR(r.tag_specifications[0].resource_type, "instance");
    // A launch template name, a version, no subnets, spot with a strategy.
    spec.partition = w.config.find_partition("pinned");
    r = build_fleet_request(spec, 1, "t");
    EXPECT_STR(r.launch_template_configs[0].launch_template.name, "burst-template");
    EXPECT_STR(r.launch_template_configs[0].launch_template.version, "3");
    ck_assert_uint_eq(r.launch_template_configs[0].overrides.size(), 2);
    EXPECT_STR(r.launch_template_configs[0].overrides[0].subnet_id, "");
    spec.partition = w.config.find_partition("spot");
    spec.capacity = Capacity::spot;
    r = build_fleet_request(spec, 2, "t");
    ck_assert(r.default_target_capacity_type == ec2::CapacityType::spot);
    ck_assert_uint_eq(*r.spot_target_capacity, 2);
    EXPECT_STR(r.spot_options->allocation_strategy, "price-capacity-optimized");
    // Serializes as EC2 expects.
    aws::QueryParams q = ec2::serialize_create_fleet(r);
    std::string body = q.encode();
    ck_assert_msg(body.find("Type=instant") != std::string::npos, "%s", body.c_str());
}
END_TEST

START_TEST(fleet_request_zones) {
    World w;
    // c7g is offered in use1-az1, az2, az4, az5 and az6 (the built-in catalog), not in use1-az3.
    FleetSpec spec{w.config.find_partition("burst"), {"c7g.large", "c7g.xlarge"}, Capacity::on_demand, {}, "us-east-1",
                   {{"subnet-a", "use1-az3"}, {"subnet-b", "use1-az1"}}};
    std::vector<ZoneSkip> skips = zone_skips(spec);
    ck_assert_uint_eq(skips.size(), 2);
    EXPECT_STR(skips[0].instance_type + "/" + skips[0].subnet + "/" + skips[0].zone_id, "c7g.large/subnet-a/use1-az3");
    EXPECT_STR(skips[1].instance_type + "/" + skips[1].subnet, "c7g.xlarge/subnet-a");
    ec2::CreateFleetRequest r = build_fleet_request(spec, 1, "t");
    const auto& ov = r.launch_template_configs.at(0).overrides;
    ck_assert_uint_eq(ov.size(), 2);
    EXPECT_STR(ov[0].instance_type + "/" + ov[0].subnet_id, "c7g.large/subnet-b");
    EXPECT_STR(ov[1].instance_type + "/" + ov[1].subnet_id, "c7g.xlarge/subnet-b");
    ck_assert_double_eq(*ov[1].priority, 1);  // ranks stay the types' ranks
    // Zones unknown (DescribeSubnets not answered): nothing skipped.
    spec.subnet_zones = {};
    ck_assert_uint_eq(build_fleet_request(spec, 1, "t").launch_template_configs[0].overrides.size(), 4);
    // No subnet in a zone that offers a type: a configuration error, said before any call.
    spec.subnet_zones = {{"subnet-a", "use1-az3"}, {"subnet-b", "use1-az3"}};
    std::string what;
    try {
        build_fleet_request(spec, 1, "t");
    } catch (const std::invalid_argument& e) {
        what = e.what();
    }
    EXPECT_STR(what, "partition burst: no subnet is in a zone that offers c7g.large, c7g.xlarge (subnet-a in use1-az3, "
                     "subnet-b in use1-az3); fix Subnets= in stratus.conf");
}
END_TEST

START_TEST(state_subnet_zones) {
    BurstState s;
    s.subnet_zones["subnet-a"] = "use1-az6";
    BurstState back = parse_state(serialize_state(s));
    EXPECT_STR(back.subnet_zones.at("subnet-a"), "use1-az6");
    ck_assert([] {
        try {
            parse_state("{\"version\":1,\"subnet_zones\":{\"subnet-a\":3}}");
        } catch (const StateError&) {
            return true;
        }
        return false;
    }());
}
END_TEST

START_TEST(fleet_request_no_template) {
    World w("PartitionName=bare InstanceTypes=c7g.large\n");
    FleetSpec spec{w.config.find_partition("bare"), {"c7g.large"}, Capacity::on_demand, {}, "us-east-1", {}};
    ck_assert([&] {
        try {
            build_fleet_request(spec, 1, "t");
        } catch (const std::invalid_argument& e) {
            return std::string(e.what()) == "partition bare has no LaunchTemplate in stratus.conf";
        }
        return false;
    }());
}
END_TEST

START_TEST(reasons) {
    ec2::FleetError e;
    e.code = "InsufficientInstanceCapacity";
    e.instance_type = "hpc7a.96xlarge";
    e.message = "We currently do not have sufficient hpc7a.96xlarge capacity in the Availability Zone you requested (us-east-2b). Our system will be working on provisioning additional capacity.";
    LaunchError l = launch_error(e);
    EXPECT_STR(l.availability_zone, "us-east-2b");
    EXPECT_STR(failure_reason({l}), "stratus: InsufficientInstanceCapacity for hpc7a.96xlarge in us-east-2b");
    LaunchError l2{"InsufficientInstanceCapacity", "", "c7g.xlarge", "us-east-1a"};
    LaunchError l3{"VcpuLimitExceeded", "You have requested more vCPU capacity", "c7g.large", ""};
    EXPECT_STR(failure_reason({l, l2, l, l3}),
               "stratus: InsufficientInstanceCapacity for hpc7a.96xlarge in us-east-2b, c7g.xlarge in us-east-1a; "
               "VcpuLimitExceeded for c7g.large");
    EXPECT_STR(failure_reason({LaunchError{"UnauthorizedOperation", "You are not authorized.", "", ""}}),
               "stratus: UnauthorizedOperation: You are not authorized.");
    EXPECT_STR(failure_reason({}), "stratus: launch failed");
    ck_assert(failure_reason({LaunchError{"X", std::string(500, 'm'), "", ""}}).size() <= 240);
    EXPECT_STR(zone_in_text("capacity in ap-southeast-2c right now"), "ap-southeast-2c");
    EXPECT_STR(zone_in_text("on-demand capacity"), "");
    EXPECT_STR(zone_in_text("us-east-1"), "");
    EXPECT_STR(zone_in_text("use1-az4"), "");
}
END_TEST

START_TEST(admin_comment_json) {
    std::string c = R"({"v":1,"partition":"burst","capacity":"spot","cost_center":"proj-42"})";
    EXPECT_STR(comment_cost_center(c), "proj-42");
    ck_assert(comment_capacity(c) == Capacity::spot);
    EXPECT_STR(*comment_with_wait_reason(c, "stratus: no capacity"),
               R"({"v":1,"partition":"burst","capacity":"spot","cost_center":"proj-42","wait_reason":"stratus: no capacity"})");
    EXPECT_STR(*comment_with_wait_reason("", "why"), R"({"wait_reason":"why"})");
    EXPECT_STR(*comment_with_wait_reason(R"({"wait_reason":"old"})", "new"), R"({"wait_reason":"new"})");
    // Other members are kept as written (numbers, nesting, escapes, blanks between members).
    EXPECT_STR(*comment_with_wait_reason(R"( {"usd":0.0725, "wait_reason":"old \"x\"" ,"p":["a,}",{"b":1}],"q":null} )", "new"),
               R"({"usd":0.0725,"p":["a,}",{"b":1}],"q":null,"wait_reason":"new"})");
    EXPECT_STR(*comment_with_wait_reason("{}", "why"), R"({"wait_reason":"why"})");
    EXPECT_STR(*comment_with_wait_reason("{}", "quote \" and \\"), R"({"wait_reason":"quote \" and \\"})");
    ck_assert(!comment_with_wait_reason("hand-written note", "why").has_value());
    EXPECT_STR(comment_cost_center("not json"), "");
    ck_assert(!comment_capacity(R"({"capacity":"any"})").has_value());
}
END_TEST

Suite* fleet_suite() {
    Suite* s = suite_create("fleet");
    TCase* tc = make_tcase("fleet");
    tcase_add_test(tc, sha256_vectors);
    tcase_add_test(tc, client_token_determinism);
    tcase_add_test(tc, batching);
    tcase_add_test(tc, fleet_request);
    tcase_add_test(tc, fleet_request_no_template);
    tcase_add_test(tc, fleet_request_zones);
    tcase_add_test(tc, state_subnet_zones);
    tcase_add_test(tc, reasons);
    tcase_add_test(tc, admin_comment_json);
    suite_add_tcase(s, tc);
    return s;
}

// ---- the state store ---------------------------------------------------------------------

START_TEST(state_round_trip) {
    BurstState s;
    NodeRecord& r = s.nodes["burst-1"];
    r.partition = "burst";
    r.status = kNodeRunning;
    r.instance_id = "i-0123456789abcdef0";
    r.instance_type = "c7g.large";
    r.private_ip = "10.0.0.5";
    r.private_dns = "ip-10-0-0-5.ec2.internal";
    r.availability_zone = "us-east-1a";
    r.lifecycle = "spot";
    r.launch_time = 1800000000;
    r.job_id = 42;
    r.generation = 7;
    s.nodes["burst-2"].status = kNodeFailed;
    s.nodes["burst-2"].reason = "stratus: \"quoted\" reason";
    s.nodes["burst-2"].retry_at = 5;
    s.avoid["c7g.xlarge"] = CapacityAvoid{"InsufficientInstanceCapacity", "msg", "us-east-1a", 10, 610};
    s.partitions["burst"] = PartitionHealth{4, 99, "last"};
    BurstState t = parse_state(serialize_state(s));
    EXPECT_STR(serialize_state(t), serialize_state(s));
    EXPECT_STR(t.nodes["burst-1"].instance_id, "i-0123456789abcdef0");
    ck_assert_uint_eq(t.nodes["burst-1"].generation, 7);
    ck_assert_uint_eq(t.nodes["burst-1"].job_id, 42);
    EXPECT_STR(t.nodes["burst-2"].reason, "stratus: \"quoted\" reason");
    ck_assert_int_eq(t.avoid["c7g.xlarge"].until, 610);
    ck_assert_uint_eq(t.partitions["burst"].consecutive_failures, 4);
    EXPECT_STR(*t.owner_of("i-0123456789abcdef0"), "burst-1");
    ck_assert(t.owner_of("i-1") == nullptr);
    ck_assert(t.avoided("c7g.xlarge", 609));
    ck_assert(!t.avoided("c7g.xlarge", 610));
    ck_assert(!t.avoided("c7g.large", 0));
}
END_TEST

START_TEST(state_corrupt_is_an_error) {
    std::string dir = test_dir();
    StateStore store(dir + "/sub/state");  // created on first use
    ck_assert_uint_eq(store.load().nodes.size(), 0);  // missing: empty
    write_file(store.path(), "{\"nodes\": [");
    std::string what;
    try {
        store.load();
    } catch (const StateError& e) {
        what = e.what();
    }
    ck_assert_msg(what.find("not a JSON object") != std::string::npos, "%s", what.c_str());
    // update() refuses too, and leaves the file as it was.
    bool threw = false;
    try {
        store.update([](BurstState&) {});
    } catch (const StateError&) {
        threw = true;
    }
    ck_assert(threw);
    EXPECT_STR(read_file(store.path()), "{\"nodes\": [");
    // Not a regular file (stratus-resume and stratus-suspend must not hang on a FIFO).
    ck_assert_int_eq(::unlink(store.path().c_str()), 0);
    ck_assert_int_eq(::mkfifo(store.path().c_str(), 0600), 0);
    what.clear();
    try {
        store.load();
    } catch (const StateError& e) {
        what = e.what();
    }
    EXPECT_STR(what, "cannot read " + store.path() + ": not a regular file (a FIFO)");
    ck_assert_int_eq(::unlink(store.path().c_str()), 0);
    write_file(store.path(), "{\"version\": 2}");
    ck_assert([&] {
        try {
            store.load();
        } catch (const StateError& e) {
            return std::string(e.what()).find("unknown version 2") != std::string::npos;
        }
        return false;
    }());
}
END_TEST

START_TEST(state_update_atomic) {
    std::string dir = test_dir();
    StateStore store(dir);
    store.update([](BurstState& s) { s.nodes["a"].generation = 1; });
    // A failing update writes nothing.
    try {
        store.update([](BurstState& s) {
            s.nodes["a"].generation = 99;
            throw std::runtime_error("boom");
        });
    } catch (const std::runtime_error&) {
    }
    ck_assert_uint_eq(store.load().nodes["a"].generation, 1);
    // No temporary files left behind.
    DIR* d = opendir(dir.c_str());
    ck_assert(d != nullptr);
    std::vector<std::string> names;
    while (dirent* e = readdir(d)) names.push_back(e->d_name);
    closedir(d);
    for (const std::string& n : names) ck_assert_msg(n.find(".tmp") == std::string::npos, "left behind: %s", n.c_str());
    struct stat st;
    ck_assert(stat(store.path().c_str(), &st) == 0);
    ck_assert_int_eq(st.st_mode & 0777, 0644);
}
END_TEST

// Several processes updating at once lose nothing; a reader always sees a
// whole file (old or new).
START_TEST(state_concurrent_processes) {
    std::string dir = test_dir();
    StateStore store(dir);
    const int kProcs = 4, kRounds = 40;
    std::vector<pid_t> pids;
    for (int p = 0; p < kProcs; ++p) {
        pid_t pid = fork();
        if (pid == 0) {
            StateStore mine(dir);
            for (int i = 0; i < kRounds; ++i)
                mine.update([&](BurstState& s) {
                    s.nodes["shared"].generation += 1;
                    // Big enough that a torn write would show.
                    s.nodes["p" + std::to_string(p) + "-" + std::to_string(i)].reason = std::string(2000, 'x');
                });
            _exit(0);
        }
        pids.push_back(pid);
    }
    // A reader that bypasses the lock: the file on disk is always whole.
    pid_t reader = fork();
    if (reader == 0) {
        for (int i = 0; i < 300; ++i) {
            std::string text = read_file(dir + "/state.json");
            if (text.empty()) continue;  // not written yet
            try {
                parse_state(text);
            } catch (const StateError&) {
                _exit(1);
            }
        }
        _exit(0);
    }
    for (pid_t pid : pids) {
        int status = 0;
        waitpid(pid, &status, 0);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    int status = 0;
    waitpid(reader, &status, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a reader saw a partial state file");
    BurstState s = store.load();
    ck_assert_uint_eq(s.nodes["shared"].generation, kProcs * kRounds);
    ck_assert_uint_eq(s.nodes.size(), 1 + kProcs * kRounds);
}
END_TEST

Suite* state_suite() {
    Suite* s = suite_create("state");
    TCase* tc = make_tcase("state");
    tcase_add_test(tc, state_round_trip);
    tcase_add_test(tc, state_corrupt_is_an_error);
    tcase_add_test(tc, state_update_atomic);
    tcase_add_test(tc, state_concurrent_processes);
    suite_add_tcase(s, tc);
    return s;
}
