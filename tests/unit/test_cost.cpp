// common/cost*.{hpp,cpp}: actual cost per job (prices, rounding, mixed
// instance types, spot), the AdminComment keys, cost records, reports and
// their formats, spend totals for budgets, and TRESBillingWeights.

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "config.hpp"
#include "cost.hpp"
#include "cost_record.hpp"
#include "cost_report.hpp"
#include "expect.hpp"
#include "support.hpp"

using namespace stratus;

namespace {

// stratus.conf of the sandbox, plus spot prices for hpc7g and g6e.
Config sandbox_config(bool spot_prices = true, const std::string& extra = "") {
    std::string dir = test_dir();
    std::string cat = dir + "/spot.csv";
    write_file(cat, "instance_type,region,spot_usd_per_hour\nhpc7g.16xlarge,us-east-1,0.5493\ng6e.12xlarge,us-east-1,4.12\n");
    std::string conf = "Region=us-east-1\n";
    if (spot_prices) conf += "InstanceCatalog=" + cat + "\n";
    conf += "PartitionName=graviton InstanceTypes=hpc7g.16xlarge,c7gn.16xlarge\n"
            "PartitionName=hpc InstanceTypes=hpc7a.96xlarge\n"
            "PartitionName=gpu InstanceTypes=g6e.12xlarge,p5.48xlarge\n"
            "PartitionName=single InstanceTypes=hpc7g.16xlarge Capacity=spot\n" +
            extra;
    write_file(dir + "/stratus.conf", conf);
    return load_config(dir + "/stratus.conf", dir + "/no-slurm.conf");
}

const InstanceType* type(const Config& c, const char* name) {
    const InstanceType* t = c.catalog->find(name);
    ck_assert_msg(t != nullptr, "no type %s", name);
    return t;
}

AccountingJob store_job(uint32_t id, const std::string& account, const std::string& admin_comment,
                        std::vector<std::string> nodes, std::time_t start, std::time_t end) {
    AccountingJob j;
    j.job_id = id;
    j.job_label = std::to_string(id);
    j.user = "alice";
    j.account = account;
    j.partition = "graviton";
    j.nodes = std::move(nodes);
    j.start = start;
    j.end = end;
    j.admin_comment = admin_comment;
    return j;
}

}  // namespace

// ---- money ----------------------------------------------------------------------------

START_TEST(money_micros_and_cents) {
    ck_assert_int_eq(*usd_to_micros(1.6832), 1683200);
    ck_assert_int_eq(*usd_to_micros(10.49264), 10492640);
    ck_assert_int_eq(*usd_to_micros(0.0000005), 1);  // half away from zero
    ck_assert(!usd_to_micros(1e300));
    ck_assert_int_eq(micros_to_cents(4999), 0);
    ck_assert_int_eq(micros_to_cents(5000), 1);  // half a cent rounds up
    ck_assert_int_eq(micros_to_cents(14999), 1);
    ck_assert_int_eq(micros_to_cents(15000), 2);
    ck_assert_int_eq(micros_to_cents(-5000), -1);
    EXPECT_STR(cents_decimal(0), "0.00");
    EXPECT_STR(cents_decimal(7), "0.07");
    EXPECT_STR(cents_decimal(123456), "1234.56");
    EXPECT_STR(cents_decimal(-5), "-0.05");
    EXPECT_STR(cents_usd(1230), "$12.30");
    EXPECT_STR(cents_usd(-5), "-$0.05");
    EXPECT_STR(micros_decimal(1683200, 4), "1.6832");
    EXPECT_STR(micros_decimal(30391, 6), "0.030391");
    EXPECT_STR(micros_decimal(30391, 4), "0.0304");
    EXPECT_STR(micros_decimal(2500000, 0), "3");
}
END_TEST

START_TEST(node_cost_rounding) {
    ck_assert_int_eq(node_cost_micros(1683200, 3600), 1683200);
    ck_assert_int_eq(node_cost_micros(1683200, 65), 30391);       // 30391.11
    ck_assert_int_eq(node_cost_micros(1800, 1), 1);               // exactly half: up
    ck_assert_int_eq(node_cost_micros(1799, 1), 0);
    ck_assert_int_eq(node_cost_micros(55040000, 86400 * 365), 55040000LL * 24 * 365);  // a year, no overflow
    ck_assert_int_eq(node_cost_micros(1683200, 0), 0);
    ck_assert_int_eq(elapsed_seconds(100, 165), 65);
    ck_assert_int_eq(elapsed_seconds(0, 165), 0);
    ck_assert_int_eq(elapsed_seconds(200, 100), 0);
}
END_TEST

// ---- one job ------------------------------------------------------------------------------

START_TEST(job_cost_one_type) {
    Config c = sandbox_config(false);
    const InstanceType* g = type(c, "hpc7g.16xlarge");
    JobCost j = compute_job_cost(c, {"n1", "n2"}, {g, g}, Capacity::on_demand, 7200);
    ck_assert_int_eq(j.nodes.size(), 2);
    ck_assert_int_eq(*j.nodes[0].micros, 3366400);
    ck_assert_int_eq(*j.micros, 6732800);
    ck_assert_int_eq(*j.cents, 673);  // the estimate of 2 nodes for 2 h is $6.73 too
    ck_assert_int_eq(*j.micros_per_hour, 3366400);
}
END_TEST

START_TEST(job_cost_mixed_types) {
    Config c = sandbox_config(false);
    JobCost j = compute_job_cost(c, {"graviton-hpc7g-1", "graviton-c7gn-1"},
                                 {type(c, "hpc7g.16xlarge"), type(c, "c7gn.16xlarge")}, Capacity::on_demand, 65);
    // 1.6832 x 65 / 3600 = 0.030391(1) and 3.9936 x 65 / 3600 = 0.072107 (0.0721066...)
    ck_assert_int_eq(*j.nodes[0].micros, 30391);
    ck_assert_int_eq(*j.nodes[1].micros, 72107);
    ck_assert_int_eq(*j.micros, 102498);
    ck_assert_int_eq(*j.cents, 10);
    EXPECT_STR(j.nodes[1].instance_type, "c7gn.16xlarge");
    ck_assert_int_eq(*j.micros_per_hour, 1683200 + 3993600);
}
END_TEST

START_TEST(job_cost_spot) {
    Config c = sandbox_config(true);
    // hpc7g has a spot price in the site catalog: it is used.
    JobCost j = compute_job_cost(c, {"n1"}, {type(c, "hpc7g.16xlarge")}, Capacity::spot, 3600);
    ck_assert_int_eq(*j.nodes[0].micros_per_hour, 549300);
    ck_assert(j.nodes[0].priced_as == Capacity::spot);
    ck_assert_int_eq(*j.cents, 55);
    // c7gn has the built-in snapshot's spot range: its upper end (SpotSnapshotPrice=max).
    JobCost k = compute_job_cost(c, {"n2"}, {type(c, "c7gn.16xlarge")}, Capacity::spot, 3600);
    ck_assert_int_eq(*k.nodes[0].micros_per_hour, 1589100);
    ck_assert(k.nodes[0].priced_as == Capacity::spot);
    ck_assert_int_eq(*k.cents, 159);
    // hpc7g without the site's price has no spot price at all: charged at on-demand, and the node says so.
    Config bare = sandbox_config(false);
    k = compute_job_cost(bare, {"n2"}, {type(bare, "hpc7g.16xlarge")}, Capacity::spot, 3600);
    ck_assert_int_eq(*k.nodes[0].micros_per_hour, 1683200);
    ck_assert(k.nodes[0].capacity == Capacity::spot);
    ck_assert(k.nodes[0].priced_as == Capacity::on_demand);
    ck_assert_int_eq(*k.cents, 168);
}
END_TEST

START_TEST(job_cost_unknown) {
    Config c = sandbox_config(false);
    // No price for hpc7a in us-east-1; an unknown node type: no total at all.
    JobCost j = compute_job_cost(c, {"a", "b"}, {type(c, "hpc7g.16xlarge"), type(c, "hpc7a.96xlarge")},
                                 Capacity::on_demand, 60);
    ck_assert(j.nodes[0].micros.has_value());
    ck_assert(!j.nodes[1].micros);
    ck_assert(!j.micros && !j.cents && !j.micros_per_hour);
    JobCost k = compute_job_cost(c, {"a"}, {nullptr}, Capacity::on_demand, 60);
    ck_assert(!k.cents);
    ck_assert(k.nodes[0].instance_type.empty());
}
END_TEST

START_TEST(node_type_sources) {
    Config c = sandbox_config(false);
    // The burst record first, then features, then the partition's only type.
    EXPECT_STR(resolve_node_type(c, "graviton", std::string("C7GN.16xlarge"), std::string("hpc7g.16xlarge"))->name,
               "c7gn.16xlarge");
    EXPECT_STR(resolve_node_type(c, "graviton", std::nullopt, std::string("foo,hpc7g.16xlarge,arm64"))->name,
               "hpc7g.16xlarge");
    EXPECT_STR(resolve_node_type(c, "graviton", std::nullopt, std::string("efa&c7gn.16xlarge"))->name, "c7gn.16xlarge");
    ck_assert(resolve_node_type(c, "graviton", std::nullopt, std::string("hpc7g&efa")) == nullptr);  // a family is no type
    ck_assert(resolve_node_type(c, "graviton", std::nullopt, std::string("arm64")) == nullptr);  // two types: no guess
    EXPECT_STR(resolve_node_type(c, "hpc", std::nullopt, std::nullopt)->name, "hpc7a.96xlarge");
    ck_assert(resolve_node_type(c, "nosuch", std::string("not-a-type"), std::nullopt) == nullptr);
}
END_TEST

// ---- AdminComment ----------------------------------------------------------------------

const char kEstimate[] =
    "{\"v\":1,\"partition\":\"graviton\",\"instance_type\":\"hpc7g.16xlarge\",\"capacity\":\"on-demand\","
    "\"region\":\"us-east-1\",\"nodes\":2,\"usd_per_node_hour\":1.6832,\"minutes\":5,\"basis\":\"time_limit\","
    "\"est_usd\":0.28,\"cost_center\":\"proj-x\"}";

START_TEST(comment_keeps_estimate_adds_actual) {
    Config c = sandbox_config(false);
    const InstanceType* g = type(c, "hpc7g.16xlarge");
    JobCost j = compute_job_cost(c, {"graviton-hpc7g-1", "graviton-hpc7g-2"}, {g, g}, Capacity::on_demand, 65);
    std::string out = admin_comment_with_cost(kEstimate, j);
    EXPECT_STR(out,
               "{\"v\":1,\"partition\":\"graviton\",\"instance_type\":\"hpc7g.16xlarge\",\"capacity\":\"on-demand\","
               "\"region\":\"us-east-1\",\"nodes\":2,\"usd_per_node_hour\":1.6832,\"minutes\":5,\"basis\":\"time_limit\","
               "\"est_usd\":0.28,\"cost_center\":\"proj-x\",\"actual_usd\":0.06,\"elapsed_s\":65,"
               "\"instance\":\"hpc7g.16xlarge\",\"actual_usd_per_node_hour\":1.6832}");
    // Recording again replaces the figures in place.
    JobCost k = compute_job_cost(c, {"graviton-hpc7g-1"}, {g}, Capacity::on_demand, 3600);
    EXPECT_STR(admin_comment_with_cost(out, k),
               "{\"v\":1,\"partition\":\"graviton\",\"instance_type\":\"hpc7g.16xlarge\",\"capacity\":\"on-demand\","
               "\"region\":\"us-east-1\",\"nodes\":2,\"usd_per_node_hour\":1.6832,\"minutes\":5,\"basis\":\"time_limit\","
               "\"est_usd\":0.28,\"cost_center\":\"proj-x\",\"actual_usd\":1.68,\"elapsed_s\":3600,"
               "\"instance\":\"hpc7g.16xlarge\",\"actual_usd_per_node_hour\":1.6832}");
}
END_TEST

START_TEST(comment_mixed_spot_unknown) {
    Config c = sandbox_config(true);
    JobCost j = compute_job_cost(c, {"graviton-hpc7g-1", "graviton-c7gn-1", "graviton-hpc7g-2"},
                                 {type(c, "hpc7g.16xlarge"), type(c, "c7gn.16xlarge"), type(c, "hpc7g.16xlarge")},
                                 Capacity::spot, 600);
    std::string out = admin_comment_with_cost("{\"v\":1,\"capacity\":\"spot\",\"n\":[1,2.5,true,null,{\"a\":\"\\\"\"}]}", j);
    // 0.5493 x 2 + 1.5891 (the snapshot's upper end), for 10 minutes = 0.44795 -> $0.45
    EXPECT_STR(out,
               "{\"v\":1,\"capacity\":\"spot\",\"n\":[1,2.5,true,null,{\"a\":\"\\\"\"}],\"actual_usd\":0.45,"
               "\"elapsed_s\":600,\"instance\":{\"hpc7g.16xlarge\":\"graviton-hpc7g-[1-2]\",\"c7gn.16xlarge\":"
               "\"graviton-c7gn-1\"},\"actual_usd_per_node_hour\":{\"hpc7g.16xlarge\":0.5493,\"c7gn.16xlarge\":1.5891},"
               "\"actual_price_basis\":\"spot_snapshot_max\"}");
    // A type without a price: actual_usd null, the price null.
    JobCost k = compute_job_cost(c, {"hpc-hpc7a-1"}, {type(c, "hpc7a.96xlarge")}, Capacity::on_demand, 60);
    EXPECT_STR(admin_comment_with_cost("", k),
               "{\"v\":1,\"actual_usd\":null,\"elapsed_s\":60,\"instance\":\"hpc7a.96xlarge\",\"capacity\":\"on-demand\","
               "\"actual_usd_per_node_hour\":null}");
    // Unknown types.
    JobCost u = compute_job_cost(c, {"x1"}, {nullptr}, Capacity::on_demand, 60);
    EXPECT_STR(admin_comment_with_cost("", u),
               "{\"v\":1,\"actual_usd\":null,\"elapsed_s\":60,\"instance\":{\"unknown\":\"x1\"},\"capacity\":\"on-demand\","
               "\"actual_usd_per_node_hour\":{\"unknown\":null}}");
}
END_TEST

START_TEST(comment_not_json_is_kept) {
    Config c = sandbox_config(false);
    JobCost j = compute_job_cost(c, {"n"}, {type(c, "hpc7g.16xlarge")}, Capacity::on_demand, 60);
    bool threw = false;
    try {
        admin_comment_with_cost("site note: do not touch", j);
    } catch (const std::invalid_argument&) {
        threw = true;
    }
    ck_assert(threw);
    threw = false;
    try {
        admin_comment_with_cost("[1,2]", j);
    } catch (const std::invalid_argument&) {
        threw = true;
    }
    ck_assert(threw);
    AdminComment ac = parse_admin_comment("site note");
    ck_assert(ac.present && !ac.object && !ac.has_actual);
}
END_TEST

START_TEST(comment_round_trip) {
    Config c = sandbox_config(false);  // hpc7g: no spot price, charged on-demand
    std::vector<std::string> nodes = {"graviton-hpc7g-1", "graviton-c7gn-1", "graviton-hpc7g-2"};
    JobCost j = compute_job_cost(c, nodes, {type(c, "hpc7g.16xlarge"), type(c, "c7gn.16xlarge"), type(c, "hpc7g.16xlarge")},
                                 Capacity::spot, 4321);
    std::string text = admin_comment_with_cost(kEstimate, j);
    AdminComment ac = parse_admin_comment(text);
    ck_assert(ac.object && ac.has_actual);
    ck_assert_int_eq(*ac.actual_cents, *j.cents);
    ck_assert_int_eq(*ac.elapsed_s, 4321);
    EXPECT_STR(ac.cost_center, "proj-x");
    ck_assert(*ac.capacity == Capacity::spot);
    ck_assert(*ac.priced_as == Capacity::on_demand);
    EXPECT_STR(recorded_node_type(ac, "graviton-hpc7g-2"), "hpc7g.16xlarge");
    EXPECT_STR(recorded_node_type(ac, "graviton-c7gn-1"), "c7gn.16xlarge");
    EXPECT_STR(recorded_node_type(ac, "elsewhere"), "");
    ck_assert_int_eq(*recorded_rate(ac, "c7gn.16xlarge"), 1589100);
    // The breakdown from the record is the computation, node for node.
    AccountingJob sj = store_job(7, "chem", text, nodes, 1000, 1000 + 4321);
    std::optional<JobCost> r = recorded_job_cost(sj, ac);
    ck_assert(r.has_value());
    ck_assert_int_eq(*r->cents, *j.cents);
    ck_assert_int_eq(*r->micros, *j.micros);
    for (size_t i = 0; i < nodes.size(); ++i) ck_assert_int_eq(*r->nodes[i].micros, *j.nodes[i].micros);
    ck_assert(!recorded_job_cost(sj, parse_admin_comment(kEstimate)));  // nothing recorded yet
}
END_TEST

START_TEST(capacity_of_a_job) {
    Config c = sandbox_config(false);
    ck_assert(job_capacity(c, "graviton", parse_admin_comment(kEstimate)) == Capacity::on_demand);
    ck_assert(job_capacity(c, "graviton", parse_admin_comment("{\"capacity\":\"spot\"}")) == Capacity::spot);
    ck_assert(job_capacity(c, "single", parse_admin_comment("")) == Capacity::spot);  // the partition's
    ck_assert(job_capacity(c, "graviton", parse_admin_comment("")) == Capacity::on_demand);
}
END_TEST

// ---- records, shares -------------------------------------------------------------------

START_TEST(split_cents_largest_remainder) {
    auto eq = [](const std::vector<int64_t>& got, const std::vector<int64_t>& want) {
        ck_assert_int_eq(got.size(), want.size());
        for (size_t i = 0; i < got.size(); ++i) ck_assert_int_eq(got[i], want[i]);
    };
    eq(split_cents(10, {1, 1, 1}), {4, 3, 3});  // ties go to the earlier entry
    eq(split_cents(100, {1, 2}), {33, 67});
    eq(split_cents(7, {0, 0}), {7, 0});
    eq(split_cents(0, {5, 5}), {0, 0});
    eq(split_cents(10, {30391, 72107}), {3, 7});
    int64_t sum = 0;
    for (int64_t v : split_cents(99999, {3, 7, 11, 13, 17})) sum += v;
    ck_assert_int_eq(sum, 99999);
}
END_TEST

START_TEST(cost_record_from_store) {
    Config c = sandbox_config(true);
    std::vector<std::string> nodes = {"graviton-hpc7g-1", "graviton-c7gn-1", "graviton-hpc7g-2"};
    JobCost j = compute_job_cost(c, nodes, {type(c, "hpc7g.16xlarge"), type(c, "c7gn.16xlarge"), type(c, "hpc7g.16xlarge")},
                                 Capacity::spot, 600);
    AccountingJob sj = store_job(9, "Chem", admin_comment_with_cost(kEstimate, j), nodes, 5000, 5600);
    JobCostRecord r = cost_record(sj, &c);
    ck_assert(r.priced);
    ck_assert_int_eq(r.cents, 45);
    ck_assert(r.capacity == Capacity::spot);
    EXPECT_STR(r.cost_center, "proj-x");
    ck_assert_int_eq(r.nodes, 3);
    ck_assert_int_eq(r.types.size(), 2);
    // 2 x 0.5493 x 600/3600 = 0.1831 and 1.5891 x 600/3600 = 0.26485: 45 cents split 18 / 27.
    EXPECT_STR(r.types[0].instance_type, "hpc7g.16xlarge");
    ck_assert_int_eq(r.types[0].nodes, 2);
    ck_assert_int_eq(r.types[0].node_seconds, 1200);
    ck_assert_int_eq(r.types[0].cents + r.types[1].cents, 45);
    ck_assert_int_eq(r.types[0].cents, 18);
    // No recorded cost: unpriced, capacity from the partition.
    JobCostRecord u = cost_record(store_job(10, "phys", "", {"x"}, 5000, 5600), &c);
    ck_assert(!u.priced);
    ck_assert_int_eq(u.cents, 0);
    EXPECT_STR(u.types[0].instance_type, "unknown");
}
END_TEST

// ---- reports -------------------------------------------------------------------------------

namespace {

JobCostRecord rec(uint32_t id, const char* user, const char* account, const char* cc, const char* part,
                  Capacity cap, std::optional<int64_t> cents, std::time_t end, std::vector<TypeShare> types = {}) {
    JobCostRecord r;
    r.job_id = id;
    r.job_label = std::to_string(id);
    r.user = user;
    r.account = account;
    r.cost_center = cc;
    r.partition = part;
    r.capacity = cap;
    r.priced = cents.has_value();
    r.cents = cents.value_or(0);
    r.start = end - 1800;
    r.end = end;
    r.elapsed_s = 1800;
    r.nodes = 1;
    if (types.empty()) types.push_back(TypeShare{"hpc7g.16xlarge", 1, 1800, r.cents});
    r.types = std::move(types);
    return r;
}

const std::time_t kNov1 = 1793491200;  // 2026-11-01T00:00:00Z

std::vector<JobCostRecord> sample() {
    return {
        rec(1, "alice", "chem", "proj-x", "graviton", Capacity::on_demand, 168, kNov1 + 100),
        rec(2, "bob", "chem", "", "gpu", Capacity::spot, 1049, kNov1 + 200,
            {TypeShare{"g6e.12xlarge", 1, 1800, 1049}}),
        rec(3, "alice", "PHYS", "proj-x", "graviton", Capacity::spot, 27, kNov1 + 300,
            {TypeShare{"hpc7g.16xlarge", 2, 3600, 10}, TypeShare{"c7gn.16xlarge", 1, 1800, 17}}),
        rec(4, "carol", "phys", "", "hpc", Capacity::on_demand, std::nullopt, kNov1 + 400,
            {TypeShare{"hpc7a.96xlarge", 1, 1800, 0}}),
        rec(5, "alice", "chem", "", "graviton", Capacity::on_demand, 500, kNov1 - 1),     // ended before the window
        rec(6, "alice", "chem", "", "graviton", Capacity::on_demand, 700, kNov1 + 86400),  // at `until`: next window
    };
}

}  // namespace

START_TEST(report_by_account) {
    CostReport r = build_cost_report(sample(), GroupBy::account, kNov1, kNov1 + 86400);
    ck_assert_int_eq(r.rows.size(), 2);
    EXPECT_STR(r.rows[0].key, "chem");
    ck_assert_int_eq(r.rows[0].jobs, 2);
    ck_assert_int_eq(r.rows[0].cents, 1217);
    ck_assert_int_eq(r.rows[0].spot_cents, 1049);
    ck_assert_int_eq(r.rows[0].on_demand_cents, 168);
    EXPECT_STR(r.rows[1].key, "phys");  // accounts compare lower case
    ck_assert_int_eq(r.rows[1].jobs, 2);
    ck_assert_int_eq(r.rows[1].unpriced_jobs, 1);
    ck_assert_int_eq(r.rows[1].cents, 27);
    ck_assert_int_eq(r.total.jobs, 4);
    ck_assert_int_eq(r.total.cents, 1244);
    ck_assert_int_eq(r.total.unpriced_jobs, 1);
    EXPECT_STR(report_csv(r),
               "row,account,jobs,unpriced_jobs,node_hours,usd,on_demand_usd,spot_usd,spot_percent\n"
               "group,chem,2,0,1.00,12.17,1.68,10.49,86.2\n"
               "group,phys,2,1,1.00,0.27,0.00,0.27,100.0\n"
               "total,,4,1,2.00,12.44,1.68,10.76,86.5\n");
    EXPECT_STR(report_json(r),
               "{\"by\":\"account\",\"since\":\"2026-11-01T00:00:00Z\",\"until\":\"2026-11-02T00:00:00Z\",\"currency\":\"USD\","
               "\"groups\":[{\"key\":\"chem\",\"jobs\":2,\"unpriced_jobs\":0,\"node_hours\":1.00,\"usd\":12.17,"
               "\"on_demand_usd\":1.68,\"spot_usd\":10.49,\"spot_percent\":86.2},{\"key\":\"phys\",\"jobs\":2,"
               "\"unpriced_jobs\":1,\"node_hours\":1.00,\"usd\":0.27,\"on_demand_usd\":0.00,\"spot_usd\":0.27,"
               "\"spot_percent\":100.0}],\"total\":{\"jobs\":4,\"unpriced_jobs\":1,\"node_hours\":2.00,\"usd\":12.44,"
               "\"on_demand_usd\":1.68,\"spot_usd\":10.76,\"spot_percent\":86.5}}\n");
    std::string table = report_table(r);
    ck_assert_msg(table.find("ACCOUNT  JOBS  NODE-HOURS    COST  ON-DEMAND    SPOT   SPOT%\n") != std::string::npos, "%s", table.c_str());
    ck_assert_msg(table.find("TOTAL       4        2.00  $12.44      $1.68  $10.76   86.5%\n") != std::string::npos, "%s",
                  table.c_str());
    ck_assert_msg(table.find("1 job without a recorded cost") != std::string::npos, "%s", table.c_str());
}
END_TEST

START_TEST(report_other_groupings) {
    std::vector<JobCostRecord> s = sample();
    CostReport u = build_cost_report(s, GroupBy::user, kNov1, kNov1 + 86400);
    ck_assert_int_eq(u.rows.size(), 3);
    EXPECT_STR(u.rows[0].key, "bob");  // most expensive first
    EXPECT_STR(u.rows[1].key, "alice");
    ck_assert_int_eq(u.rows[1].cents, 195);
    EXPECT_STR(u.rows[2].key, "carol");
    CostReport cc = build_cost_report(s, GroupBy::cost_center, kNov1, kNov1 + 86400);
    EXPECT_STR(cc.rows[0].key, "-");
    ck_assert_int_eq(cc.rows[0].cents, 1049);
    EXPECT_STR(cc.rows[1].key, "proj-x");
    ck_assert_int_eq(cc.rows[1].cents, 195);
    CostReport p = build_cost_report(s, GroupBy::partition, kNov1, kNov1 + 86400);
    ck_assert_int_eq(p.rows.size(), 3);
    // Instance types: job 3 counts in both of its types; the shares add up to the total.
    CostReport t = build_cost_report(s, GroupBy::instance_type, kNov1, kNov1 + 86400);
    int64_t sum = 0;
    uint64_t jobs = 0;
    for (const CostRow& row : t.rows) {
        sum += row.cents;
        jobs += row.jobs;
    }
    ck_assert_int_eq(sum, t.total.cents);
    ck_assert_int_eq(jobs, 5);
    ck_assert_int_eq(t.total.jobs, 4);
    EXPECT_STR(t.rows[0].key, "g6e.12xlarge");
    EXPECT_STR(report_csv(t).substr(0, 33), "row,instance_type,jobs,unpriced_j");
    // An empty window.
    CostReport e = build_cost_report(s, GroupBy::account, kNov1 + 1000, kNov1 + 2000);
    ck_assert_int_eq(e.rows.size(), 0);
    EXPECT_STR(report_csv(e), "row,account,jobs,unpriced_jobs,node_hours,usd,on_demand_usd,spot_usd,spot_percent\n"
                              "total,,0,0,0.00,0.00,0.00,0.00,\n");
    ck_assert(report_table(e).find("(no job ended in this window)") != std::string::npos);
    ck_assert(report_json(e).find("\"spot_percent\":null") != std::string::npos);
}
END_TEST

START_TEST(report_total_is_sum_of_jobs) {
    // Many jobs of fractions of a cent: each job's recorded cents are added,
    // never the exact amounts, so the total is the sum of the job lines.
    Config c = sandbox_config(false);
    const InstanceType* g = type(c, "hpc7g.16xlarge");
    std::vector<JobCostRecord> records;
    int64_t sum = 0;
    for (uint32_t i = 1; i <= 50; ++i) {
        JobCost j = compute_job_cost(c, {"n1"}, {g}, Capacity::on_demand, 13 + i);  // 0.0061 .. 0.0294 USD
        AccountingJob sj = store_job(i, i % 2 ? "chem" : "phys", admin_comment_with_cost("", j), {"n1"}, kNov1, kNov1 + 13 + i);
        records.push_back(cost_record(sj, &c));
        sum += *j.cents;
    }
    CostReport r = build_cost_report(records, GroupBy::account, kNov1, kNov1 + 86400);
    ck_assert_int_eq(r.total.cents, sum);
    ck_assert_int_eq(r.rows[0].cents + r.rows[1].cents, sum);
}
END_TEST

START_TEST(spend_totals) {
    SpendTotals t = sum_actual_spend(sample(), kNov1, kNov1 + 86400);
    ck_assert_int_eq(t.account_cents.size(), 2);
    ck_assert_int_eq(t.account_cents["chem"], 1217);
    ck_assert_int_eq(t.account_cents["phys"], 27);  // "PHYS" and "phys" are one account
    ck_assert_int_eq(t.cost_center_cents.size(), 1);
    ck_assert_int_eq(t.cost_center_cents["proj-x"], 195);
    SpendTotals before = sum_actual_spend(sample(), kNov1 - 86400, kNov1);
    ck_assert_int_eq(before.account_cents["chem"], 500);
}
END_TEST

START_TEST(job_breakdown_formats) {
    Config c = sandbox_config(false);
    std::vector<std::string> nodes = {"graviton-hpc7g-1", "graviton-c7gn-1"};
    JobBreakdown b;
    b.job = store_job(42, "chem", "", nodes, kNov1, kNov1 + 65);
    b.cost = compute_job_cost(c, nodes, {type(c, "hpc7g.16xlarge"), type(c, "c7gn.16xlarge")}, Capacity::on_demand, 65);
    b.recorded = true;
    b.recorded_cents = 10;
    EXPECT_STR(job_csv(b), "row,job,node,instance_type,capacity,priced_as,elapsed_s,usd_per_hour,usd\n"
                           "node,42,graviton-hpc7g-1,hpc7g.16xlarge,on-demand,on-demand,65,1.683200,0.030391\n"
                           "node,42,graviton-c7gn-1,c7gn.16xlarge,on-demand,on-demand,65,3.993600,0.072107\n"
                           "total,42,,,on-demand,,65,5.676800,0.10\n");
    std::string t = job_table(b);
    ck_assert_msg(t.find("graviton-hpc7g-1  hpc7g.16xlarge  on-demand  00:01:05  1.6832  $0.0304\n") != std::string::npos,
                  "%s", t.c_str());
    ck_assert_msg(t.find("TOTAL             2 nodes                    00:01:05  5.6768    $0.10\n") != std::string::npos,
                  "%s", t.c_str());
    std::string j = job_json(b);
    ck_assert_msg(j.find("\"usd\":0.10,\"usd_per_hour\":5.676800,\"nodes\":[{\"node\":\"graviton-hpc7g-1\"") !=
                      std::string::npos,
                  "%s", j.c_str());
    b.recorded = false;
    ck_assert(job_table(b).find("not recorded yet") != std::string::npos);
}
END_TEST

// ---- TRESBillingWeights ---------------------------------------------------------------------

START_TEST(billing_cpu_weights) {
    Config c = sandbox_config(false);
    std::vector<PartitionBilling> b = billing_weights(c, false);
    ck_assert_int_eq(b.size(), 4);
    // graviton: hpc7g 168.32 c/h / 64 = 2.63; c7gn 399.36 / 64 = 6.24: the larger.
    EXPECT_STR(b[0].partition, "graviton");
    ck_assert(b[0].priced);
    ck_assert_int_eq(b[0].cpu, 62400);
    EXPECT_STR(billing_weights_value(b[0], false), "CPU=6.24");
    ck_assert_int_eq(b[0].types[0].full_node_billing, 399);  // hpc7g bills more than it costs
    ck_assert_int_eq(b[0].types[1].full_node_billing, 399);
    // hpc: no price anywhere.
    ck_assert(!b[1].priced);
    ck_assert_int_eq(b[1].unpriced_types.size(), 1);
    // gpu: p5 5504 c/h / 192 = 28.6666.. -> rounded up 28.6667.
    EXPECT_STR(billing_weights_value(b[2], false), "CPU=28.6667");
    ck_assert_int_eq(b[2].types[1].full_node_billing, 5504);
    // single: one type, a whole node bills its price in cents exactly (truncated).
    EXPECT_STR(billing_weights_value(b[3], false), "CPU=2.63");
    ck_assert_int_eq(b[3].types[0].full_node_billing, 168);
    std::string text = billing_conf_text(c, false);
    ck_assert_msg(text.find("PartitionName=graviton TRESBillingWeights=\"CPU=6.24\"\n") != std::string::npos, "%s",
                  text.c_str());
    ck_assert(text.find("PartitionName=hpc ") == std::string::npos);
    ck_assert(text.find("# partition hpc: no on-demand price") != std::string::npos);
    ck_assert(text.find("GrpTRESMins=billing=600000") != std::string::npos);
    ck_assert(text.find("PriorityFlags") == std::string::npos);
}
END_TEST

START_TEST(billing_max_tres_weights) {
    Config c = sandbox_config(false);
    std::vector<PartitionBilling> b = billing_weights(c, true);
    // gpu: per GPU g6e 1049.264/4 = 262.316, p5 5504/8 = 688 -> 688.
    ck_assert_int_eq(b[2].gpu, 6880000);
    std::string v = billing_weights_value(b[2], true);
    ck_assert_msg(v.rfind("CPU=28.6667,Mem=", 0) == 0 && v.find("G,GRES/gpu=688") != std::string::npos, "%s", v.c_str());
    // Every whole node bills at least its price.
    for (const PartitionBilling& p : b)
        for (const TypeBilling& t : p.types) ck_assert_uint_ge(t.full_node_billing, static_cast<uint64_t>(*t.micros_per_hour / 10000));
    // graviton has no GPUs: no GRES weight.
    ck_assert(billing_weights_value(b[0], true).find("GRES") == std::string::npos);
    ck_assert(billing_conf_text(c, true).find("PriorityFlags=MAX_TRES\n") != std::string::npos);
}
END_TEST

// ---- parsing ------------------------------------------------------------------------------

START_TEST(parse_words_and_times) {
    ck_assert(*parse_group_by("cost-center") == GroupBy::cost_center);
    ck_assert(*parse_group_by("Instance_Type") == GroupBy::instance_type);
    ck_assert(!parse_group_by("qos"));
    ck_assert(*parse_report_format("CSV") == ReportFormat::csv);
    ck_assert(!parse_report_format("xml"));
    std::time_t now = kNov1 + 27 * 86400 + 3600;
    ck_assert_int_eq(*parse_report_time("2026-11-01", now), kNov1);
    ck_assert_int_eq(*parse_report_time("2026-11-01T01:02", now), kNov1 + 3720);
    ck_assert_int_eq(*parse_report_time("2026-11-01T01:02:03Z", now), kNov1 + 3723);
    ck_assert_int_eq(*parse_report_time("now", now), now);
    ck_assert_int_eq(*parse_report_time("@12345", now), 12345);
    ck_assert(!parse_report_time("2026-02-29", now));
    ck_assert(*parse_report_time("2028-02-29", now));
    ck_assert(!parse_report_time("2026-11-01T25:00", now));
    ck_assert(!parse_report_time("yesterday", now));
    ck_assert(!parse_report_time("2026-11-1", now));
    ck_assert_int_eq(start_of_month_utc(now), kNov1);
    EXPECT_STR(format_utc(kNov1), "2026-11-01T00:00:00Z");
}
END_TEST

Suite* cost_suite() {
    Suite* s = suite_create("cost");
    struct Case {
        const char* name;
        const TTest* test;
    } cases[] = {
        {"money", money_micros_and_cents},
        {"node_cost_rounding", node_cost_rounding},
        {"job_cost_one_type", job_cost_one_type},
        {"job_cost_mixed_types", job_cost_mixed_types},
        {"job_cost_spot", job_cost_spot},
        {"job_cost_unknown", job_cost_unknown},
        {"node_type_sources", node_type_sources},
        {"comment_keeps_estimate", comment_keeps_estimate_adds_actual},
        {"comment_mixed_spot_unknown", comment_mixed_spot_unknown},
        {"comment_not_json", comment_not_json_is_kept},
        {"comment_round_trip", comment_round_trip},
        {"capacity_of_a_job", capacity_of_a_job},
        {"split_cents", split_cents_largest_remainder},
        {"cost_record", cost_record_from_store},
        {"report_by_account", report_by_account},
        {"report_other_groupings", report_other_groupings},
        {"report_total_is_sum", report_total_is_sum_of_jobs},
        {"spend_totals", spend_totals},
        {"job_breakdown_formats", job_breakdown_formats},
        {"billing_cpu", billing_cpu_weights},
        {"billing_max_tres", billing_max_tres_weights},
        {"parse_words_and_times", parse_words_and_times},
    };
    for (const Case& c : cases) {
        TCase* tc = make_tcase(c.name);
        tcase_add_test(tc, c.test);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main() { return run_suites("cost", {cost_suite()}); }
