// Hostlists (common/hostlist.hpp), SLURM_RESUME_FILE (burst/resume_file.hpp),
// node -> partition and instance types (burst/node_map.hpp).
#include <algorithm>

#include "burst/node_map.hpp"
#include "burst/resume_file.hpp"
#include "burst_unit.hpp"
#include "hostlist.hpp"

using namespace burst_test;

namespace {

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& s : v) out += (out.empty() ? "" : " ") + s;
    return out;
}

template <class F>
std::string hostlist_error(F&& f) {
    try {
        f();
    } catch (const HostlistError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

// ---- hostlists -------------------------------------------------------------------

START_TEST(expand_simple) {
    EXPECT_STR(joined(hostlist_expand("n1")), "n1");
    EXPECT_STR(joined(hostlist_expand("burst-[1-4]")), "burst-1 burst-2 burst-3 burst-4");
    EXPECT_STR(joined(hostlist_expand("gpu-[1-2,7],login1")), "gpu-1 gpu-2 gpu-7 login1");
    EXPECT_STR(joined(hostlist_expand("a, b c")), "a b c");
    EXPECT_STR(joined(hostlist_expand("")), "");
}
END_TEST

START_TEST(expand_padding_and_groups) {
    EXPECT_STR(joined(hostlist_expand("cpu-[08-11]")), "cpu-08 cpu-09 cpu-10 cpu-11");
    EXPECT_STR(joined(hostlist_expand("n[001-2]")), "n001 n002");
    EXPECT_STR(joined(hostlist_expand("r[1-2]n[1-2]")), "r1n1 r1n2 r2n1 r2n2");
    EXPECT_STR(joined(hostlist_expand("q-dy-c7g-[1-2]x")), "q-dy-c7g-1x q-dy-c7g-2x");
    // Duplicates: first occurrence wins.
    EXPECT_STR(joined(hostlist_expand("n[1-3],n2,n1")), "n1 n2 n3");
    ck_assert_uint_eq(hostlist_expand("burst-[1-1000]").size(), 1000);
}
END_TEST

START_TEST(expand_errors) {
    ck_assert(hostlist_error([] { hostlist_expand("n[1-3"); }).find("'[' without ']'") != std::string::npos);
    ck_assert(hostlist_error([] { hostlist_expand("n1-3]"); }).find("']' without '['") != std::string::npos);
    ck_assert(hostlist_error([] { hostlist_expand("n[3-1]"); }).find("runs backwards") != std::string::npos);
    ck_assert(hostlist_error([] { hostlist_expand("n[a-b]"); }).find("not a number") != std::string::npos);
    ck_assert(hostlist_error([] { hostlist_expand("n[]"); }).find("empty brackets") != std::string::npos);
    ck_assert(hostlist_error([] { hostlist_expand("n[1-2000000]"); }).find("more than") != std::string::npos);
    ck_assert(hostlist_error([] { hostlist_expand("a[1-1000]b[1-1001]"); }).find("more than") != std::string::npos);
}
END_TEST

START_TEST(compress_round_trip) {
    EXPECT_STR(hostlist_compress({"burst-1", "burst-2", "burst-3", "burst-7"}), "burst-[1-3,7]");
    EXPECT_STR(hostlist_compress({"burst-3", "burst-1", "burst-2", "burst-1"}), "burst-[1-3]");
    EXPECT_STR(hostlist_compress({"n1"}), "n1");
    EXPECT_STR(hostlist_compress({"login", "gpu-2", "gpu-1", "cpu-09", "cpu-08"}), "login,gpu-[1-2],cpu-[08-09]");
    EXPECT_STR(hostlist_compress({}), "");
    std::vector<std::string> many = hostlist_expand("a-[1-500],b-[001-250],c");
    std::vector<std::string> back = hostlist_expand(hostlist_compress(many));
    std::sort(many.begin(), many.end());
    std::sort(back.begin(), back.end());
    ck_assert(many == back);
}
END_TEST

START_TEST(contains_still_works) {
    ck_assert(hostlist_contains("gpu-[1-4]", "gpu-3"));
    ck_assert(!hostlist_contains("gpu-[1-4]", "gpu-5"));
    ck_assert(hostlist_contains("login1,cpu-[01-10]", "cpu-09"));
}
END_TEST

Suite* hostlist_suite() {
    Suite* s = suite_create("hostlist");
    TCase* tc = make_tcase("hostlist");
    tcase_add_test(tc, expand_simple);
    tcase_add_test(tc, expand_padding_and_groups);
    tcase_add_test(tc, expand_errors);
    tcase_add_test(tc, compress_round_trip);
    tcase_add_test(tc, contains_still_works);
    suite_add_tcase(s, tc);
    return s;
}

// ---- SLURM_RESUME_FILE ---------------------------------------------------------------

START_TEST(resume_file_22_05) {
    // As slurmctld 22.05.8 writes it (measured).
    ResumeRequest r = parse_resume_file(R"({"jobs":[{"job_id":1,"nodes":"burst-[1-2]"},{"job_id":7,"nodes":"burst-3"}],"all_nodes":"burst-[1-3]"})");
    ck_assert(r.from_file);
    EXPECT_STR(joined(r.nodes), "burst-1 burst-2 burst-3");
    ck_assert_uint_eq(r.jobs.size(), 2);
    ck_assert_uint_eq(r.jobs[0].job_id, 1);
    EXPECT_STR(joined(r.jobs[0].nodes), "burst-1 burst-2");
    ck_assert(!r.jobs[0].exclusive.has_value());
    EXPECT_STR(joined(r.jobs[1].nodes), "burst-3");
}
END_TEST

START_TEST(resume_file_later_versions) {
    ResumeRequest r = parse_resume_file(
        R"({"all_nodes_resume":"cloud[1-3]","jobs":[{"extra":"x","features":"c1&c2","job_id":140814,)"
        R"("nodes_alloc":"cloud[1-4]","nodes_resume":"cloud[1-3]","oversubscribe":"NO","partition":"cloud",)"
        R"("reservation":"resv_1234"},{"job_id":5,"nodes_resume":"cloud9","oversubscribe":"OK"}]})");
    EXPECT_STR(joined(r.nodes), "cloud1 cloud2 cloud3 cloud9");  // job nodes missing from all_nodes are added
    ck_assert_uint_eq(r.jobs[0].job_id, 140814);
    EXPECT_STR(r.jobs[0].partition, "cloud");
    EXPECT_STR(r.jobs[0].features, "c1&c2");
    EXPECT_STR(joined(r.jobs[0].nodes_alloc), "cloud1 cloud2 cloud3 cloud4");
    ck_assert(r.jobs[0].exclusive.value());
    ck_assert(!r.jobs[1].exclusive.value());
}
END_TEST

START_TEST(resume_file_bad) {
    ck_assert_msg([] {
        try {
            parse_resume_file("not json");
        } catch (const ResumeFileError& e) {
            return std::string(e.what()).find("not a JSON object") != std::string::npos;
        }
        return false;
    }(), "non-JSON accepted");
    ck_assert([] {
        try {
            parse_resume_file(R"({"all_nodes":"n[1-"})");
        } catch (const ResumeFileError& e) {
            return std::string(e.what()).find("all_nodes") != std::string::npos;
        }
        return false;
    }());
    // Odd members are skipped, not fatal.
    ResumeRequest r = parse_resume_file(R"({"all_nodes":"n1","jobs":[3,{"job_id":-1},{"job_id":"x"},{"job_id":2}]})");
    ck_assert_uint_eq(r.jobs.size(), 1);
    ck_assert_uint_eq(r.jobs[0].job_id, 2);
    r = resume_request_from_hostlist("n[1-2]");
    ck_assert(!r.from_file);
    EXPECT_STR(joined(r.nodes), "n1 n2");
    ck_assert(!read_resume_file("").has_value());
    std::string dir = test_dir();
    write_file(dir + "/resume.json", R"({"all_nodes":"n1"})");
    EXPECT_STR(*read_resume_file(dir + "/resume.json"), R"({"all_nodes":"n1"})");
    ck_assert([&] {
        try {
            read_resume_file(dir + "/missing");
        } catch (const ResumeFileError&) {
            return true;
        }
        return false;
    }());
}
END_TEST

Suite* resume_file_suite() {
    Suite* s = suite_create("resume_file");
    TCase* tc = make_tcase("resume_file");
    tcase_add_test(tc, resume_file_22_05);
    tcase_add_test(tc, resume_file_later_versions);
    tcase_add_test(tc, resume_file_bad);
    suite_add_tcase(s, tc);
    return s;
}

// ---- node -> partition and types -----------------------------------------------------

START_TEST(price_order) {
    World w;
    const PartitionConfig* p = w.config.find_partition("burst");
    // Written c7g.xlarge,c7g.large; c7g.large is cheaper.
    EXPECT_STR(joined(types_in_price_order(w.config, *p, Capacity::on_demand)), "c7g.large c7g.xlarge");
    // No spot prices in the built-in catalog: on-demand prices order spot too.
    EXPECT_STR(joined(types_in_price_order(w.config, *p, Capacity::spot)), "c7g.large c7g.xlarge");
}
END_TEST

START_TEST(price_order_unknown_last) {
    std::string dir = test_dir();
    write_file(dir + "/prices.csv",
               "instance_type,arch,vcpus,memory_mib,region,ondemand_usd_per_hour,spot_usd_per_hour\n"
               "x9.small,arm64,2,4096,us-east-1,,\n"
               "c7g.xlarge,,,,us-east-1,,0.01\n");
    World w("InstanceCatalog=" + dir + "/prices.csv\n"
            "PartitionName=mixed InstanceTypes=x9.small,c7g.xlarge,c7g.large LaunchTemplate=lt-2\n");
    const PartitionConfig* p = w.config.find_partition("mixed");
    EXPECT_STR(joined(types_in_price_order(w.config, *p, Capacity::on_demand)), "c7g.large c7g.xlarge x9.small");
    // Spot: c7g.xlarge's spot price (0.01) beats c7g.large's on-demand fallback.
    EXPECT_STR(joined(types_in_price_order(w.config, *p, Capacity::spot)), "c7g.xlarge c7g.large x9.small");
}
END_TEST

START_TEST(plan_nodes) {
    World w;
    SlurmNodeFeatures f = SlurmNodeFeatures::load(w.dir + "/slurm.conf");
    NodePlan p = plan_node(w.config, f, "burst-3");
    ck_assert(p.partition != nullptr);
    EXPECT_STR(p.partition->name, "burst");
    EXPECT_STR(joined(p.types), "c7g.large c7g.xlarge");
    ck_assert(!p.pinned);
    // Features name the type: only that one, whatever the partition's order.
    p = plan_node(w.config, f, "pin-1");
    EXPECT_STR(p.partition->name, "pinned");
    EXPECT_STR(joined(p.types), "c7g.xlarge");
    ck_assert(p.pinned);
    p = plan_node(w.config, f, "pin-2");
    EXPECT_STR(joined(p.types), "c7g.large");
    // Not in any Stratus partition (static partition, unknown node).
    ck_assert(plan_node(w.config, f, "other-1").partition == nullptr);
    ck_assert(plan_node(w.config, f, "nowhere-1").partition == nullptr);
    // The job's partition is preferred only when it lists the node.
    p = plan_node(w.config, f, "burst-1", "pinned");
    EXPECT_STR(p.partition->name, "burst");
    ck_assert(f.features("pin-1").value() == "c7g.xlarge,arm64");
    ck_assert(!f.features("nowhere").has_value());
}
END_TEST

Suite* node_map_suite() {
    Suite* s = suite_create("node_map");
    TCase* tc = make_tcase("node_map");
    tcase_add_test(tc, price_order);
    tcase_add_test(tc, price_order_unknown_last);
    tcase_add_test(tc, plan_nodes);
    suite_add_tcase(s, tc);
    return s;
}
