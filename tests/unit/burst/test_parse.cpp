// Hostlists (common/hostlist.hpp), SLURM_RESUME_FILE (burst/resume_file.hpp),
// node -> partition and instance types (burst/node_map.hpp).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "bench/rng.hpp"
#include "burst/node_map.hpp"
#include "burst/resume_file.hpp"
#include "burst_unit.hpp"
#include "hostlist.hpp"
#include "../hostlist_oracle.hpp"

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

template <class F>
std::string resume_file_error(F&& f) {
    try {
        f();
    } catch (const ResumeFileError& e) {
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

START_TEST(contains_and_expand_agree) {
    // One syntax: blanks separate items for both.
    EXPECT_STR(joined(hostlist_expand("a b,c\td\ne")), "a b c d e");
    for (const char* host : {"a", "b", "c", "d", "e"})
        ck_assert_msg(hostlist_contains("a b,c\td\ne", host), "%s", host);
    ck_assert(!hostlist_contains("a b", "a b"));
    // Blanks inside brackets are ignored by both.
    EXPECT_STR(joined(hostlist_expand("n[1 - 2, 4]")), "n1 n2 n4");
    ck_assert(hostlist_contains("n[1 - 2, 4]", "n4"));
    // Padding: a number longer than LO's width has no leading zeros.
    EXPECT_STR(joined(hostlist_expand("n[098-100]")), "n098 n099 n100");
    ck_assert(hostlist_contains("n[098-100]", "n100"));
    ck_assert(!hostlist_contains("n[098-100]", "n0100"));
    ck_assert(!hostlist_contains("n[098-100]", "n99"));
    ck_assert(!hostlist_contains("n[0-1]", "n00"));
    // A group's number followed by digits.
    ck_assert(hostlist_contains("n[1-2]0", "n20"));
    ck_assert(!hostlist_contains("n[1-2]0", "n30"));
    ck_assert(hostlist_contains("n[1-12][0-9]", "n123"));
    ck_assert(!hostlist_contains("n[1-12][0-9]", "n1010"));
    // A malformed expression names no host, even beside a good item.
    ck_assert(!hostlist_contains("n1,m[3-1]", "n1"));
    ck_assert(!hostlist_contains("n1,m[1-99999999999999999999]", "n1"));
    ck_assert(!hostlist_contains("n1,m]", "n1"));
    // Contains needs no expansion: lists too large to expand still match.
    ck_assert(hostlist_contains("n[1-2000000]", "n1999999"));
    ck_assert(hostlist_contains("n[1-1000]b[1-1001]", "n1000b1001"));
}
END_TEST

START_TEST(huge_numbers) {
    // The largest 64-bit number is a number; one more is not.
    EXPECT_STR(joined(hostlist_expand("n[18446744073709551614-18446744073709551615]")),
               "n18446744073709551614 n18446744073709551615");
    ck_assert(hostlist_contains("n[0-18446744073709551615]", "n18446744073709551615"));
    ck_assert(!hostlist_contains("n[0-18446744073709551615]", "n18446744073709551616"));
    ck_assert(!hostlist_contains("n[0-18446744073709551615]", "n99999999999999999999999"));
    std::string why = hostlist_error([] { hostlist_expand("n[1-18446744073709551616]"); });
    ck_assert_msg(why.find("not a number") != std::string::npos, "%s", why.c_str());
    ck_assert(!hostlist_contains("n[1-18446744073709551616]", "n1"));
    // Sizes saturate instead of wrapping around to something small.
    HostlistSize all = hostlist_size("n[0-18446744073709551615]");
    ck_assert_uint_eq(all.hosts, UINT64_MAX);
    ck_assert_uint_eq(all.bytes, UINT64_MAX);
    all = hostlist_size("[0-4294967295][0-4294967295][1-2]");
    ck_assert_uint_eq(all.hosts, UINT64_MAX);
    why = hostlist_error([] { hostlist_expand("[0-4294967295][0-4294967295][1-2]"); });
    ck_assert_msg(why.find("more than 1000000 hosts") != std::string::npos, "%s", why.c_str());
    HostlistSize some = hostlist_size("n[1-10],m,n[1-10]");
    ck_assert_uint_eq(some.hosts, 21);          // duplicates counted
    ck_assert_uint_eq(some.bytes, 20 * 3 + 1);  // each name as long as the item's longest
}
END_TEST

// Input found by fuzzing: each case answers at once (its TCase has a short
// timeout), where the code before took minutes or gigabytes.
START_TEST(contains_does_not_backtrack) {
    // Ten groups that each may take 1 to 19 digits of a long digit run:
    // trying every split of 200 digits did not finish in a minute.
    std::string expr = "n";
    for (int i = 0; i < 10; ++i) expr += "[1-9999999999999999999]";
    ck_assert(!hostlist_contains(expr, "n" + std::string(200, '1')));
    ck_assert(!hostlist_contains(expr, "n" + std::string(180, '1') + "x"));
    ck_assert(hostlist_contains(expr, "n" + std::string(190, '1')));
    ck_assert(hostlist_contains(expr, "n" + std::string(10, '7')));
    ck_assert(!hostlist_contains(expr, "n" + std::string(9, '7')));
}
END_TEST

START_TEST(expand_bounds_bytes) {
    // A million names of 2 KB each, 2 GB, from 2 KB of text.
    std::string bomb = std::string(2000, 'x') + "[1-1000][1-1000]";
    std::string why = hostlist_error([&] { hostlist_expand(bomb); });
    ck_assert_msg(why.find("more than 32 MiB of host names") != std::string::npos, "%s", why.c_str());
    ck_assert_msg(why.size() < 300, "quotes all of the expression: %zu bytes", why.size());
    ck_assert(hostlist_contains(bomb, std::string(2000, 'x') + "1000999"));
    // Up to the bounds it expands.
    ck_assert_uint_eq(hostlist_expand(std::string(2000, 'x') + "[1-16000]").size(), 16000);
    std::string longest(kMaxHostlistLength, 'x');
    ck_assert_uint_eq(hostlist_expand(longest).size(), 1);
    ck_assert(hostlist_contains(longest, longest));
    // Beyond the bound on length, malformed for both.
    std::string too_long = longest + "x";
    why = hostlist_error([&] { hostlist_expand(too_long); });
    ck_assert_msg(why.find("longer than 1048576 bytes") != std::string::npos, "%s", why.c_str());
    ck_assert(!hostlist_contains(too_long, too_long));
    // 200000 groups in one item overflowed the stack of the recursive expansion.
    std::string groups = "n";
    for (int i = 0; i < 200000; ++i) groups += "[1]";
    ck_assert_uint_eq(hostlist_expand(groups).at(0).size(), 200001);
}
END_TEST

// The differential oracle (tests/unit/hostlist_oracle.hpp) on random small
// expressions, with names from their expansion, near misses and noise.
START_TEST(random_expressions_agree) {
    const std::vector<std::string> pieces = {
        "n", "a", "-", "0", "1", "9", "00", "[0-3]", "[8-11]", "[08-11]", "[1,3]", "[0]", "[007-9]",
        "[9-10]", "[1-12]", "[0-10]", "[1-2,2-3]", "[ 2 - 4 ]", ",", " ", "\t"};
    const std::vector<std::string> malformed = {"[", "]", "[]", "[3-1]", "[x]", "[1-]"};
    const std::vector<std::string> noise = {"n", "a", "0", "1", "9", "-", "00", "10"};
    stratus::bench::Rng rng(20240611);
    for (int checked = 0; checked < 3000;) {
        std::string expr;
        for (uint32_t k = 1 + rng.below(6); k > 0; --k) expr += rng.pick(rng.chance(5) ? malformed : pieces);
        std::vector<std::string> names = hostlist_names(expr);
        if (names.size() > 256) continue;  // the oracle looks up every name
        ++checked;
        std::string host;
        if (!names.empty() && rng.chance(70)) {
            host = rng.pick(names);
            if (rng.chance(50)) {
                size_t at = rng.below(static_cast<uint32_t>(host.size() + 1));
                if (rng.chance(50) && at < host.size()) host.erase(at, 1);
                else host.insert(at, rng.pick(noise));
            }
        } else {
            for (uint32_t k = rng.below(5); k > 0; --k) host += rng.pick(noise);
        }
        std::string why = hostlist_oracle::disagreement(expr, host);
        ck_assert_msg(why.empty(), "\"%s\" and \"%s\": %s", expr.c_str(), host.c_str(), why.c_str());
    }
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
    tcase_add_test(tc, contains_and_expand_agree);
    tcase_add_test(tc, huge_numbers);
    tcase_add_test(tc, random_expressions_agree);
    suite_add_tcase(s, tc);
    TCase* hostile = make_tcase("hostlist_hostile");
    tcase_set_timeout(hostile, 10);
    tcase_add_test(hostile, contains_does_not_backtrack);
    tcase_add_test(hostile, expand_bounds_bytes);
    suite_add_tcase(s, hostile);
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
    ck_assert_int_eq(mkfifo((dir + "/fifo").c_str(), 0600), 0);
    std::string what;
    try {
        read_resume_file(dir + "/fifo");
    } catch (const ResumeFileError& e) {
        what = e.what();
    }
    EXPECT_STR(what, "cannot read SLURM_RESUME_FILE " + dir + "/fifo: not a regular file (a FIFO)");
}
END_TEST

// Files found by fuzzing: each is refused at once (its TCase has a short
// timeout), where the code before took minutes or gigabytes.
START_TEST(resume_file_bounded) {
    // 80 jobs of a million nodes: 2.9 KB asking for 80 million names.
    std::string json = R"({"all_nodes":"n[0-999999]","jobs":[)";
    for (int id = 1; id <= 80; ++id)
        json += (id > 1 ? "," : "") + std::string(R"({"job_id":)") + std::to_string(id) + R"(,"nodes":"n[0-999999]"})";
    json += "]}";
    ck_assert_uint_lt(json.size(), 3000);
    std::string why = resume_file_error([&] { parse_resume_file(json); });
    ck_assert_msg(why.find("more than 1000000 hosts") != std::string::npos, "%s", why.c_str());
    // Bytes too: two lists of 20 MB of names each.
    std::string wide = std::string(1000, 'x') + "[1-20000]";
    why = resume_file_error([&] {
        parse_resume_file(R"({"all_nodes":")" + wide + R"(","jobs":[{"job_id":1,"nodes":")" + wide + R"("}]})");
    });
    ck_assert_msg(why.find("more than 32 MiB of host names") != std::string::npos, "%s", why.c_str());
    // nodes_alloc counts as well.
    why = resume_file_error([&] {
        parse_resume_file(R"({"jobs":[{"job_id":1,"nodes":"n1","nodes_alloc":"n[1-600000]"},)"
                          R"({"job_id":2,"nodes":"n2","nodes_alloc":"n[1-600000]"}]})");
    });
    ck_assert_msg(why.find("more than 1000000 hosts") != std::string::npos, "%s", why.c_str());
}
END_TEST

START_TEST(resume_file_read_bounded) {
    std::string dir = test_dir();
    // A FIFO in its place would block until a writer came.
    std::string fifo = dir + "/fifo";
    ck_assert(::mkfifo(fifo.c_str(), 0600) == 0);
    std::string why = resume_file_error([&] { read_resume_file(fifo); });
    ck_assert_msg(why.find("not a regular file") != std::string::npos, "%s", why.c_str());
    why = resume_file_error([&] { read_resume_file(dir); });
    ck_assert_msg(why.find("not a regular file") != std::string::npos, "%s", why.c_str());
    // Sparse files: nothing written to disk.
    std::string big = dir + "/big.json";
    write_file(big, "");
    ck_assert(::truncate(big.c_str(), static_cast<off_t>(kMaxResumeFileSize) + 1) == 0);
    why = resume_file_error([&] { read_resume_file(big); });
    ck_assert_msg(why.find("larger than 16 MiB") != std::string::npos, "%s", why.c_str());
    ck_assert(::truncate(big.c_str(), static_cast<off_t>(kMaxResumeFileSize)) == 0);
    ck_assert_uint_eq(read_resume_file(big)->size(), kMaxResumeFileSize);
}
END_TEST

Suite* resume_file_suite() {
    Suite* s = suite_create("resume_file");
    TCase* tc = make_tcase("resume_file");
    tcase_add_test(tc, resume_file_22_05);
    tcase_add_test(tc, resume_file_later_versions);
    tcase_add_test(tc, resume_file_bad);
    suite_add_tcase(s, tc);
    TCase* hostile = make_tcase("resume_file_hostile");
    tcase_set_timeout(hostile, 10);
    tcase_add_test(hostile, resume_file_bounded);
    tcase_add_test(hostile, resume_file_read_bounded);
    suite_add_tcase(s, hostile);
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
