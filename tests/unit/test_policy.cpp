// common/policy.hpp: decide() against the sandbox's three partitions.
#include <cmath>
#include <initializer_list>

#include "config.hpp"
#include "json.hpp"
#include "json_value.hpp"
#include "policy.hpp"
#include "unit.hpp"

using namespace stratus;

namespace {

const char* const kStratusConf =
    "# The sandbox cluster's partitions\n"
    "PartitionName=graviton InstanceTypes=hpc7g.16xlarge,c7gn.16xlarge\n"
    "PartitionName=hpc InstanceTypes=hpc7a.96xlarge\n"
    "PartitionName=gpu InstanceTypes=g6e.12xlarge,p5.48xlarge\n";

// graviton: DefaultTime 60, MaxTime 1440; hpc: MaxTime 2880 only; gpu: DefaultTime 30, MaxTime 720.
const char* const kSlurmConf =
    "ClusterName=sandbox\n"
    "PartitionName=DEFAULT State=UP MaxTime=1-0\n"
    "PartitionName=graviton Nodes=g[1-4] Default=YES DefaultTime=1:00:00\n"
    "PartitionName=hpc Nodes=h[1-2] MaxTime=2-0\n"
    "PartitionName=gpu Nodes=p[1-2] DefaultTime=30 MaxTime=12:00:00\n"
    "PartitionName=debug Nodes=d1 MaxTime=UNLIMITED\n";

// A site price list: a spot price for hpc7g.16xlarge and an on-demand
// price for hpc7a.96xlarge, which the built-in catalog lacks.
const char* const kPricesCsv =
    "instance_type,region,ondemand_usd_per_hour,spot_usd_per_hour\n"
    "hpc7g.16xlarge,us-east-1,,0.55\n"
    "hpc7a.96xlarge,us-east-1,2.31,\n";

// Loads the sandbox's stratus.conf with `extra` lines appended.
Config sandbox(const std::string& extra = "", const char* slurm_conf = kSlurmConf) {
    std::string dir = test_dir();
    write_file(dir + "/prices.csv", kPricesCsv);
    write_file(dir + "/stratus.conf", kStratusConf + extra);
    if (slurm_conf) write_file(dir + "/slurm.conf", slurm_conf);
    return load_config(dir + "/stratus.conf", dir + "/slurm.conf");
}

Config priced(const std::string& extra = "") { return sandbox("InstanceCatalog=prices.csv\n" + extra); }

// The sandbox with hpc7a.96xlarge declared offered in us-east-1 (the built-in
// catalog says it is not), still without a price there.
Config offered(const std::string& extra = "") {
    std::string dir = test_dir();
    write_file(dir + "/offered.csv", "instance_type,region\nhpc7a.96xlarge,us-east-1\n");
    return sandbox("InstanceCatalog=" + dir + "/offered.csv\n" + extra);
}

JobRequest job(std::initializer_list<const char*> partitions = {}) {
    JobRequest r;
    for (const char* p : partitions) r.partitions.push_back(p);
    return r;
}

void expect_refusal(const Decision& d, Refusal why, const std::string& message) {
    ck_assert_msg(d.verdict == Verdict::refuse, "not refused (verdict %d): %s", static_cast<int>(d.verdict),
                  d.message.c_str());
    ck_assert_msg(d.refusal == why, "refusal %d, expected %d", static_cast<int>(d.refusal), static_cast<int>(why));
    EXPECT_STR(d.message, message);
    ck_assert(!d.new_partitions);
    ck_assert(!d.estimate);
    EXPECT_STR(d.admin_comment, "");
}

void expect_accept(const Decision& d, const std::string& message) {
    ck_assert_msg(d.verdict == Verdict::accept, "not accepted (verdict %d): %s", static_cast<int>(d.verdict),
                  d.message.c_str());
    ck_assert(d.refusal == Refusal::none);
    EXPECT_STR(d.message, message);
    ck_assert(d.estimate.has_value());
    ck_assert(!d.admin_comment.empty());
}

void expect_partitions(const Decision& d, const char* expected) {
    if (!expected) {
        ck_assert_msg(!d.new_partitions, "partitions changed to %s", d.new_partitions ? d.new_partitions->c_str() : "");
        return;
    }
    ck_assert_msg(d.new_partitions.has_value(), "partitions left alone, expected %s", expected);
    EXPECT_STR(*d.new_partitions, expected);
}

void expect_estimate(const Decision& d, const char* partition, const char* type, uint32_t nodes,
                     std::optional<uint32_t> minutes, TimeBasis basis, std::optional<double> usd) {
    ck_assert(d.estimate.has_value());
    const Estimate& e = *d.estimate;
    EXPECT_STR(e.partition->name, partition);
    EXPECT_STR(e.type->name, type);
    ck_assert_uint_eq(e.nodes, nodes);
    ck_assert(e.minutes == minutes);
    ck_assert_msg(e.basis == basis, "basis %s", time_basis_name(e.basis));
    ck_assert_msg(e.usd == usd, "estimate %.6f, expected %.6f", e.usd.value_or(-1), usd.value_or(-1));
}

const char* const kGravitonHour =
    "partition graviton: estimate $1.68 (1 x hpc7g.16xlarge on-demand at $1.6832/h for 1h00, ";

}  // namespace

// ---- feasibility: one refusal per dimension ---------------------------------------

START_TEST(refuse_gpu_count) {
    Config cfg = sandbox();
    JobRequest r = job({"gpu"});
    r.gpus.per_node = 16;
    expect_refusal(decide(cfg, r), Refusal::gpu,
                   "stratus: partition gpu: no instance type has 16 GPUs per node (largest: p5.48xlarge, 8 x h100)");
    // --gpus=20 over at most 2 nodes: 10 per node.
    r = job({"gpu"});
    r.gpus.per_job = 20;
    r.max_nodes = 2;
    expect_refusal(decide(cfg, r), Refusal::gpu,
                   "stratus: partition gpu: no instance type has 10 GPUs per node (largest: p5.48xlarge, 8 x h100)");
}
END_TEST

START_TEST(refuse_gpu_model) {
    Config cfg = sandbox();
    JobRequest r = job({"gpu"});
    r.gpus.per_node = 1;
    r.gpus.model = "a100";
    expect_refusal(decide(cfg, r), Refusal::gpu,
                   "stratus: partition gpu: no instance type has a100 GPUs (it has l40s on g6e.12xlarge, h100 on "
                   "p5.48xlarge)");
    r = job({"graviton"});
    r.gpus.per_node = 1;
    r.gpus.model = "h100";
    expect_refusal(decide(cfg, r), Refusal::gpu,
                   "stratus: partition graviton: no instance type has h100 GPUs (it has no GPUs); fits in: gpu");
    r = job({"hpc"});
    r.gpus.per_node = 2;
    expect_refusal(decide(cfg, r), Refusal::gpu,
                   "stratus: partition hpc: no instance type has 2 GPUs per node (it has no GPUs); fits in: gpu");
}
END_TEST

START_TEST(refuse_cpus) {
    Config cfg = sandbox();
    JobRequest r = job({"graviton"});
    r.cpus_per_task = 128;
    expect_refusal(decide(cfg, r), Refusal::cpu,
                   "stratus: partition graviton: no instance type has 128 CPUs per node (largest: hpc7g.16xlarge, 64 "
                   "CPUs); fits in: gpu");
    r = job({"gpu"});
    r.min_cpus_per_node = 193;
    expect_refusal(decide(cfg, r), Refusal::cpu,
                   "stratus: partition gpu: no instance type has 193 CPUs per node (largest: p5.48xlarge, 192 CPUs)");
    r = job({"graviton"});
    r.tasks_per_node = 33;
    r.cpus_per_task = 2;
    expect_refusal(decide(cfg, r), Refusal::cpu,
                   "stratus: partition graviton: no instance type has 66 CPUs per node (largest: hpc7g.16xlarge, 64 "
                   "CPUs); fits in: gpu");
}
END_TEST

START_TEST(refuse_memory) {
    Config cfg = sandbox();
    JobRequest r = job({"graviton"});
    r.mem_per_node_mib = 200000;
    expect_refusal(decide(cfg, r), Refusal::memory,
                   "stratus: partition graviton: no instance type has 200000 MiB of memory per node (largest: "
                   "hpc7g.16xlarge, 124519 MiB usable); fits in: gpu");
    // Exactly the usable memory (131072 MiB less 5%) fits; one more does not.
    r.mem_per_node_mib = 124519;
    ck_assert(decide(cfg, r).verdict == Verdict::accept);
    r.mem_per_node_mib = 124520;
    ck_assert(decide(cfg, r).refusal == Refusal::memory);
}
END_TEST

START_TEST(refuse_mem_per_cpu) {
    Config cfg = sandbox();
    JobRequest r = job({"graviton"});
    r.mem_per_cpu_mib = 4096;
    r.cpus_per_task = 64;
    expect_refusal(decide(cfg, r), Refusal::memory,
                   "stratus: partition graviton: no instance type has 262144 MiB of memory per node (largest: "
                   "hpc7g.16xlarge, 124519 MiB usable); fits in: gpu");
}
END_TEST

START_TEST(refuse_huge_mem_per_cpu) {
    // --mem-per-cpu x CPUs beyond 64 bits: must neither wrap around to a
    // small request nor divide by zero (SIGFPE would take slurmctld down).
    Config cfg = sandbox();
    const char* msg =
        "stratus: partition graviton: no instance type has 18446744073709551615 MiB of memory per node (largest: "
        "hpc7g.16xlarge, 124519 MiB usable)";
    for (uint64_t mem : {uint64_t{1} << 62, (uint64_t{1} << 62) + 1, (uint64_t{1} << 63) - 1}) {
        JobRequest r = job({"graviton"});
        r.mem_per_cpu_mib = mem;
        r.cpus_per_task = 4;
        r.num_tasks = 1;
        expect_refusal(decide(cfg, r), Refusal::memory, msg);
    }
}
END_TEST

START_TEST(refuse_arch) {
    Config cfg = sandbox();
    JobRequest r = job({"hpc"});
    r.arch = Arch::arm64;
    expect_refusal(decide(cfg, r), Refusal::arch,
                   "stratus: partition hpc: no instance type is arm64 (it has hpc7a.96xlarge); fits in: graviton");
    r = job({"graviton"});
    r.arch = Arch::x86_64;
    expect_refusal(decide(cfg, r), Refusal::arch,
                   "stratus: partition graviton: no instance type is x86_64 (it has hpc7g.16xlarge, c7gn.16xlarge); fits "
                   "in: gpu");
}
END_TEST

START_TEST(refuse_constraint) {
    Config cfg = sandbox();
    JobRequest r = job({"graviton"});
    r.constraint = "hpc7a";
    expect_refusal(decide(cfg, r), Refusal::constraint,
                   "stratus: partition graviton: no instance type matches --constraint=hpc7a (it has hpc7g.16xlarge, "
                   "c7gn.16xlarge)");
    r = job({"hpc"});
    r.constraint = "ib&arm64";
    expect_refusal(decide(cfg, r), Refusal::constraint,
                   "stratus: partition hpc: no instance type matches --constraint=ib&arm64 (it has hpc7a.96xlarge); fits "
                   "in: graviton");
}
END_TEST

START_TEST(constraint_narrows) {
    Config cfg = sandbox();
    JobRequest r = job({"graviton"});
    r.constraint = "c7gn&arm64,ib";  // ib: a site feature, ignored
    Decision d = decide(cfg, r);
    expect_estimate(d, "graviton", "c7gn.16xlarge", 1, 60, TimeBasis::partition_default, 3.99);
    r.constraint = "x86_64|hpc7g.16xlarge";
    expect_estimate(decide(cfg, r), "graviton", "hpc7g.16xlarge", 1, 60, TimeBasis::partition_default, 1.68);
    // Expressions Stratus cannot read narrow nothing.
    for (const char* c : {"[hpc7a|hpc7g]", "(hpc7a)", "hpc7a*2", "ib|arm64", "ib", ""}) {
        r = job({"hpc"});
        r.constraint = c;
        ck_assert_msg(decide(cfg, r).verdict == Verdict::accept, "--constraint=%s refused", c);
    }
}
END_TEST

START_TEST(refuse_instance_type) {
    Config cfg = sandbox();
    JobRequest r = job({"graviton"});
    r.instance_types = {"hpc7a.96xlarge"};
    expect_refusal(decide(cfg, r), Refusal::instance_type,
                   "stratus: partition graviton: --instance-type: not in this partition: hpc7a.96xlarge (it has "
                   "hpc7g.16xlarge, c7gn.16xlarge)");
    r.instance_types = {"hpc7a.96xlarge", "p5.48xlarge"};
    expect_refusal(decide(cfg, r), Refusal::instance_type,
                   "stratus: partition graviton: --instance-type: not in this partition: hpc7a.96xlarge,p5.48xlarge (it "
                   "has hpc7g.16xlarge, c7gn.16xlarge); fits in: gpu");
    r.instance_types = {"c7gn.16xlarge"};
    expect_estimate(decide(cfg, r), "graviton", "c7gn.16xlarge", 1, 60, TimeBasis::partition_default, 3.99);
}
END_TEST

START_TEST(refuse_unknown_instance_type) {
    Config cfg = sandbox();
    JobRequest r = job({"graviton"});
    r.instance_types = {"hpc7g.16xlarge", "zz.huge"};
    expect_refusal(decide(cfg, r), Refusal::bad_option, "stratus: --instance-type: unknown instance type: zz.huge");
    r = job();
    r.instance_types = {"zz.huge"};
    expect_refusal(decide(cfg, r), Refusal::bad_option, "stratus: --instance-type: unknown instance type: zz.huge");
}
END_TEST

START_TEST(refuse_nodes) {
    Config cfg = sandbox();
    JobRequest r = job({"graviton"});
    r.num_tasks = 1000;
    r.max_nodes = 2;
    expect_refusal(decide(cfg, r), Refusal::nodes,
                   "stratus: partition graviton: the job needs more than --nodes=2 nodes (fewest: 16 x hpc7g.16xlarge)");
    r.num_tasks = 65;
    r.max_nodes = 1;
    expect_refusal(decide(cfg, r), Refusal::nodes,
                   "stratus: partition graviton: the job needs more than --nodes=1 node (fewest: 2 x hpc7g.16xlarge); "
                   "fits in: gpu");
    r = job({"gpu"});
    r.num_tasks = 500;
    r.max_nodes = 2;
    expect_refusal(decide(cfg, r), Refusal::nodes,
                   "stratus: partition gpu: the job needs more than --nodes=2 nodes (fewest: 3 x p5.48xlarge)");
}
END_TEST

START_TEST(refuse_mixed) {
    Config cfg = sandbox();
    JobRequest r = job({"gpu"});
    r.gpus.per_node = 8;
    r.instance_types = {"g6e.12xlarge"};
    expect_refusal(decide(cfg, r), Refusal::mixed,
                   "stratus: partition gpu: no single instance type meets every request: g6e.12xlarge lacks GPUs; "
                   "p5.48xlarge lacks instance type");
    r = job({"gpu"});
    r.gpus.per_node = 8;
    r.constraint = "g6e";
    r.mem_per_node_mib = 400000;
    expect_refusal(decide(cfg, r), Refusal::mixed,
                   "stratus: partition gpu: no single instance type meets every request: g6e.12xlarge lacks GPUs, "
                   "memory; p5.48xlarge lacks constraint");
}
END_TEST

START_TEST(refuse_several_partitions) {
    Config cfg = sandbox();
    JobRequest r = job({"graviton", "hpc"});
    r.gpus.per_node = 1;
    expect_refusal(decide(cfg, r), Refusal::gpu,
                   "stratus: no partition can run this job: graviton: no instance type has 1 GPU per node (it has no "
                   "GPUs); hpc: no instance type has 1 GPU per node (it has no GPUs)");
    r = job({"graviton", "hpc"});
    r.arch = Arch::arm64;
    r.cpus_per_task = 100;
    expect_refusal(decide(cfg, r), Refusal::mixed,
                   "stratus: no partition can run this job: graviton: no instance type has 100 CPUs per node (largest: "
                   "hpc7g.16xlarge, 64 CPUs); hpc: no instance type is arm64 (it has hpc7a.96xlarge)");
    // Routed, and nothing fits anywhere.
    r = job();
    r.gpus.per_node = 9;
    expect_refusal(decide(cfg, r), Refusal::gpu,
                   "stratus: no partition can run this job: graviton: no instance type has 9 GPUs per node (it has no "
                   "GPUs); hpc: no instance type has 9 GPUs per node (it has no GPUs); gpu: no instance type has 9 GPUs "
                   "per node (largest: p5.48xlarge, 8 x h100)");
}
END_TEST

// ---- routing --------------------------------------------------------------------

START_TEST(route_cheapest_first) {
    Config cfg = offered();
    Decision d = decide(cfg, job());
    expect_accept(d, std::string("stratus: routed to graviton,gpu,hpc (cheapest first); ") + kGravitonHour +
                         "no time limit given: partition DefaultTime); up to $5.25 in another partition");
    expect_partitions(d, "graviton,gpu,hpc");  // hpc: no price, last
    expect_estimate(d, "graviton", "hpc7g.16xlarge", 1, 60, TimeBasis::partition_default, 1.68);
    ck_assert(d.max_usd && *d.max_usd == 5.25);
    EXPECT_STR(d.admin_comment,
               "{\"v\":1,\"partition\":\"graviton\",\"instance_type\":\"hpc7g.16xlarge\",\"capacity\":\"on-demand\","
               "\"region\":\"us-east-1\",\"nodes\":1,\"usd_per_node_hour\":1.6832,\"minutes\":60,\"basis\":"
               "\"partition_default\",\"est_usd\":1.68,\"partitions\":\"graviton,gpu,hpc\",\"est_usd_max\":5.25,\"req\":{}}");

    // x86_64 only: gpu (priced) before hpc (unpriced), against configuration order.
    JobRequest r = job();
    r.arch = Arch::x86_64;
    d = decide(cfg, r);
    expect_accept(d, "stratus: routed to gpu,hpc (cheapest first); partition gpu: estimate $5.25 (1 x g6e.12xlarge "
                     "on-demand at $10.4926/h for 30 min, no time limit given: partition DefaultTime)");
    expect_partitions(d, "gpu,hpc");

    // No time limit anywhere (-t UNLIMITED): a known hourly price still ranks
    // before an unknown one.
    r = job();
    r.time_unlimited = true;
    d = decide(cfg, r);
    expect_partitions(d, "graviton,gpu,hpc");
    r.arch = Arch::x86_64;
    expect_partitions(decide(cfg, r), "gpu,hpc");

    // With a price for hpc and a 10-hour job: hpc ($23.10) before gpu ($104.93).
    cfg = priced();
    r = job();
    r.arch = Arch::x86_64;
    r.time_limit_min = 600;
    d = decide(cfg, r);
    expect_partitions(d, "hpc,gpu");
    expect_estimate(d, "hpc", "hpc7a.96xlarge", 1, 600, TimeBasis::time_limit, 23.1);
    ck_assert(d.max_usd && *d.max_usd == 104.93);
}
END_TEST

START_TEST(route_jobs_no) {
    Config cfg = sandbox("RouteJobs=no\n");
    Decision d = decide(cfg, job());
    expect_accept(d, std::string("stratus: ") + kGravitonHour + "no time limit given: partition DefaultTime)");
    expect_partitions(d, nullptr);  // Slurm puts it in its Default=YES partition
    JobRequest r = job();
    r.gpus.per_node = 1;
    expect_refusal(decide(cfg, r), Refusal::gpu,
                   "stratus: partition graviton: no instance type has 1 GPU per node (it has no GPUs); fits in: gpu");
    // Slurm's default partition is not ours, or there is none: not ours to judge.
    cfg = sandbox("RouteJobs=no\n", "PartitionName=debug Nodes=d1 Default=YES\nPartitionName=gpu Nodes=p1\n");
    ck_assert(decide(cfg, r).verdict == Verdict::not_managed);
    cfg = sandbox("RouteJobs=no\n", nullptr);
    ck_assert(decide(cfg, r).verdict == Verdict::not_managed);
}
END_TEST

START_TEST(unmanaged_partition) {
    Config cfg = sandbox();
    Decision d = decide(cfg, job({"debug"}));
    ck_assert(d.verdict == Verdict::not_managed);
    ck_assert(d.refusal == Refusal::none);
    EXPECT_STR(d.message, "");
    EXPECT_STR(d.admin_comment, "");
    ck_assert(!d.new_partitions && !d.estimate);
    // A managed partition that cannot run it does not matter: debug might.
    JobRequest r = job({"debug", "gpu"});
    r.gpus.per_node = 16;
    ck_assert(decide(cfg, r).verdict == Verdict::not_managed);
    // Partition names are case-sensitive, as in Slurm.
    ck_assert(decide(cfg, job({"GPU"})).verdict == Verdict::not_managed);
    // A fitting managed one is judged, and the impossible one dropped.
    r = job({"debug", "hpc", "graviton"});
    r.arch = Arch::arm64;
    d = decide(cfg, r);
    ck_assert(d.verdict == Verdict::accept);
    expect_partitions(d, "debug,graviton");
}
END_TEST

START_TEST(drop_infeasible) {
    Config cfg = sandbox();
    JobRequest r = job({"hpc", "graviton"});
    r.arch = Arch::arm64;
    Decision d = decide(cfg, r);
    expect_accept(d, std::string("stratus: ") + kGravitonHour + "no time limit given: partition DefaultTime)");
    expect_partitions(d, "graviton");
    // Both fit: the user's order stays, the estimate is the cheapest.
    d = decide(cfg, job({"gpu", "graviton"}));
    expect_accept(d, std::string("stratus: ") + kGravitonHour +
                         "no time limit given: partition DefaultTime); up to $5.25 in another partition");
    expect_partitions(d, nullptr);
    EXPECT_STR(d.admin_comment,
               "{\"v\":1,\"partition\":\"graviton\",\"instance_type\":\"hpc7g.16xlarge\",\"capacity\":\"on-demand\","
               "\"region\":\"us-east-1\",\"nodes\":1,\"usd_per_node_hour\":1.6832,\"minutes\":60,\"basis\":"
               "\"partition_default\",\"est_usd\":1.68,\"partitions\":\"gpu,graviton\",\"est_usd_max\":5.25,\"req\":{\"p\":\"gpu,graviton\"}}");
}
END_TEST

// ---- estimates ------------------------------------------------------------------

START_TEST(estimate_bases) {
    Config cfg = sandbox();
    // time_limit: 2 nodes (128 tasks, 64 per node) x $1.6832 x 1.5 h = $5.0496.
    JobRequest r = job({"graviton"});
    r.time_limit_min = 90;
    r.num_tasks = 128;
    Decision d = decide(cfg, r);
    expect_accept(d, "stratus: partition graviton: estimate $5.05 (2 x hpc7g.16xlarge on-demand at $1.6832/h for 1h30, "
                     "time limit)");
    expect_estimate(d, "graviton", "hpc7g.16xlarge", 2, 90, TimeBasis::time_limit, 5.05);
    ck_assert_double_eq(*d.estimate->usd_per_node_hour, 1.6832);
    ck_assert(d.estimate->capacity == Capacity::on_demand);

    // partition_default (gpu: DefaultTime=30): $10.49264 / 2 = $5.24632.
    d = decide(cfg, job({"gpu"}));
    expect_estimate(d, "gpu", "g6e.12xlarge", 1, 30, TimeBasis::partition_default, 5.25);

    // partition_max, price unknown (hpc: MaxTime=2-0 only).
    d = decide(cfg, job({"hpc"}));
    expect_accept(d, "stratus: partition hpc: estimate: price unknown (1 x hpc7a.96xlarge on-demand, not offered in "
                     "us-east-1 (offered in eu-north-1, eu-west-1, eu-west-3, us-east-2), for 2d 0h00, no time limit "
                     "given: partition MaxTime)");
    expect_estimate(d, "hpc", "hpc7a.96xlarge", 1, 2880, TimeBasis::partition_max, std::nullopt);
    ck_assert(!d.estimate->usd_per_node_hour);
    ck_assert(!d.max_usd);
    EXPECT_STR(d.admin_comment,
               "{\"v\":1,\"partition\":\"hpc\",\"instance_type\":\"hpc7a.96xlarge\",\"capacity\":\"on-demand\","
               "\"region\":\"us-east-1\",\"nodes\":1,\"usd_per_node_hour\":null,\"minutes\":2880,\"basis\":"
               "\"partition_max\",\"est_usd\":null,\"req\":{\"p\":\"hpc\"}}");

    // partition_max with a price: $2.31 x 48 h.
    Config p = priced();
    d = decide(p, job({"hpc"}));
    expect_accept(d, "stratus: partition hpc: estimate $110.88 (1 x hpc7a.96xlarge on-demand at $2.3100/h for 2d 0h00, "
                     "no time limit given: partition MaxTime)");
    expect_estimate(d, "hpc", "hpc7a.96xlarge", 1, 2880, TimeBasis::partition_max, 110.88);

    // unknown: the job asked for no limit (-t UNLIMITED or -t 0).
    r = job({"gpu"});
    r.time_unlimited = true;
    d = decide(cfg, r);
    expect_accept(d, "stratus: partition gpu: estimate: no time limit (job, DefaultTime or MaxTime); 1 x g6e.12xlarge "
                     "on-demand at $10.4926/h per node");
    expect_estimate(d, "gpu", "g6e.12xlarge", 1, std::nullopt, TimeBasis::unknown, std::nullopt);
    EXPECT_STR(d.admin_comment,
               "{\"v\":1,\"partition\":\"gpu\",\"instance_type\":\"g6e.12xlarge\",\"capacity\":\"on-demand\","
               "\"region\":\"us-east-1\",\"nodes\":1,\"usd_per_node_hour\":10.49264,\"minutes\":null,\"basis\":"
               "\"unknown\",\"est_usd\":null,\"req\":{\"p\":\"gpu\",\"tu\":true}}");

    // Unknown price and unknown time.
    r = job({"hpc"});
    r.time_unlimited = true;
    d = decide(cfg, r);
    expect_accept(d, "stratus: partition hpc: estimate: price unknown (1 x hpc7a.96xlarge on-demand, not offered in "
                     "us-east-1 (offered in eu-north-1, eu-west-1, eu-west-3, us-east-2))");
    // Offered but unpriced: said so.
    d = decide(offered(), r);
    expect_accept(d, "stratus: partition hpc: estimate: price unknown (1 x hpc7a.96xlarge on-demand, no us-east-1 price "
                     "in the catalog)");

    // The job's limit wins over the partition's.
    r = job({"hpc"});
    r.time_limit_min = 20;
    d = decide(p, r);
    expect_estimate(d, "hpc", "hpc7a.96xlarge", 1, 20, TimeBasis::time_limit, 0.77);

    ck_assert_str_eq(time_basis_name(TimeBasis::time_limit), "time_limit");
    ck_assert_str_eq(time_basis_name(TimeBasis::partition_default), "partition_default");
    ck_assert_str_eq(time_basis_name(TimeBasis::partition_max), "partition_max");
    ck_assert_str_eq(time_basis_name(TimeBasis::unknown), "unknown");
}
END_TEST

START_TEST(estimate_rounding) {
    Config cfg = sandbox();
    // 2 x $3.9936 x 45 min = $5.9904 -> $5.99 (c7gn only, by --instance-type).
    JobRequest r = job({"graviton"});
    r.instance_types = {"c7gn.16xlarge"};
    r.num_tasks = 128;
    r.time_limit_min = 45;
    expect_estimate(decide(cfg, r), "graviton", "c7gn.16xlarge", 2, 45, TimeBasis::time_limit, 5.99);
    // 1 minute of hpc7g: $0.028053 -> $0.03.
    r = job({"graviton"});
    r.time_limit_min = 1;
    Decision d = decide(cfg, r);
    expect_estimate(d, "graviton", "hpc7g.16xlarge", 1, 1, TimeBasis::time_limit, 0.03);
    EXPECT_STR(d.message, "stratus: partition graviton: estimate $0.03 (1 x hpc7g.16xlarge on-demand at $1.6832/h for "
                          "1 min, time limit)");
}
END_TEST

START_TEST(node_counts) {
    Config cfg = sandbox();
    JobRequest r = job({"graviton"});
    r.num_tasks = 100;
    r.cpus_per_task = 4;  // 16 tasks per 64-CPU node
    expect_estimate(decide(cfg, r), "graviton", "hpc7g.16xlarge", 7, 60, TimeBasis::partition_default, 11.78);

    r = job({"graviton"});
    r.num_tasks = 10;
    r.tasks_per_node = 2;
    expect_estimate(decide(cfg, r), "graviton", "hpc7g.16xlarge", 5, 60, TimeBasis::partition_default, 8.42);

    r = job({"graviton"});
    r.min_nodes = 3;
    expect_estimate(decide(cfg, r), "graviton", "hpc7g.16xlarge", 3, 60, TimeBasis::partition_default, 5.05);

    r = job({"graviton"});
    r.min_cpus = 200;
    expect_estimate(decide(cfg, r), "graviton", "hpc7g.16xlarge", 4, 60, TimeBasis::partition_default, 6.73);

    // --mem-per-cpu limits tasks per node: 124519 / 4096 = 30.
    r = job({"graviton"});
    r.num_tasks = 64;
    r.mem_per_cpu_mib = 4096;
    expect_estimate(decide(cfg, r), "graviton", "hpc7g.16xlarge", 3, 60, TimeBasis::partition_default, 5.05);

    // --gpus=20: 5 x g6e ($52.46/h) beats 3 x p5 ($165.12/h).
    r = job({"gpu"});
    r.gpus.per_job = 20;
    expect_estimate(decide(cfg, r), "gpu", "g6e.12xlarge", 5, 30, TimeBasis::partition_default, 26.23);

    // --gpus-per-task=2 -n 6: 2 tasks per g6e (3 nodes), 4 per p5 (2 nodes).
    r = job({"gpu"});
    r.gpus.per_task = 2;
    r.num_tasks = 6;
    expect_estimate(decide(cfg, r), "gpu", "g6e.12xlarge", 3, 30, TimeBasis::partition_default, 15.74);

    // 8 GPUs per node: only p5.
    r = job({"gpu"});
    r.gpus.per_node = 8;
    r.min_nodes = 2;
    expect_estimate(decide(cfg, r), "gpu", "p5.48xlarge", 2, 30, TimeBasis::partition_default, 55.04);
}
END_TEST

START_TEST(spot_pricing) {
    Config cfg = priced();
    JobRequest r = job({"graviton"});
    r.capacity = Capacity::spot;
    Decision d = decide(cfg, r);
    expect_accept(d, "stratus: partition graviton: estimate $0.55 (1 x hpc7g.16xlarge spot at $0.5500/h for 1h00, no "
                     "time limit given: partition DefaultTime)");
    ck_assert(d.estimate->capacity == Capacity::spot);
    // gpu's spot price is the snapshot's upper end; hpc has none (unknown: last).
    r = job();
    r.capacity = Capacity::spot;
    d = decide(cfg, r);
    expect_partitions(d, "graviton,gpu,hpc");

    // DefaultCapacity=spot applies unless the job asks; --capacity on-demand wins.
    cfg = priced("DefaultCapacity=spot\n");
    d = decide(cfg, job({"graviton"}));
    expect_estimate(d, "graviton", "hpc7g.16xlarge", 1, 60, TimeBasis::partition_default, 0.55);
    ck_assert(d.estimate->capacity == Capacity::spot);
    EXPECT_STR(d.admin_comment,
               "{\"v\":1,\"partition\":\"graviton\",\"instance_type\":\"hpc7g.16xlarge\",\"capacity\":\"spot\","
               "\"region\":\"us-east-1\",\"nodes\":1,\"usd_per_node_hour\":0.55,\"minutes\":60,\"basis\":"
               "\"partition_default\",\"est_usd\":0.55,\"req\":{\"p\":\"graviton\"}}");
    r = job({"graviton"});
    r.capacity = Capacity::on_demand;
    expect_estimate(decide(cfg, r), "graviton", "hpc7g.16xlarge", 1, 60, TimeBasis::partition_default, 1.68);
    d = decide(cfg, job({"gpu"}));
    expect_accept(d, "stratus: partition gpu: estimate $3.01 (1 x g6e.12xlarge spot at $6.0150/h (spot snapshot max) for "
                     "30 min, no time limit given: partition DefaultTime)");
    ck_assert(d.estimate->spot_snapshot);
    ck_assert(d.admin_comment.find(",\"usd_per_node_hour\":6.015,\"price_basis\":\"spot_snapshot_max\",") !=
              std::string::npos);
    // SpotSnapshotPrice=min: the snapshot's lower end.
    cfg = priced("DefaultCapacity=spot\nSpotSnapshotPrice=min\n");
    expect_estimate(decide(cfg, job({"gpu"})), "gpu", "g6e.12xlarge", 1, 30, TimeBasis::partition_default, 1.89);
}
END_TEST

START_TEST(max_cost) {
    Config cfg = sandbox();
    JobRequest r = job({"graviton"});
    r.time_limit_min = 60;
    r.max_cost_usd = 1.0;
    expect_refusal(decide(cfg, r), Refusal::max_cost,
                   "stratus: --max-cost: the estimate is $1.68, above $1.00 (partition graviton: estimate $1.68 (1 x "
                   "hpc7g.16xlarge on-demand at $1.6832/h for 1h00, time limit))");

    // Routed: over-budget partitions (and unknown estimates) are dropped.
    r = job();
    r.time_limit_min = 60;
    r.max_cost_usd = 3.0;
    Decision d = decide(cfg, r);
    expect_accept(d, std::string("stratus: routed to graviton (cheapest first); ") + kGravitonHour + "time limit)");
    expect_partitions(d, "graviton");
    EXPECT_STR(d.admin_comment,
               "{\"v\":1,\"partition\":\"graviton\",\"instance_type\":\"hpc7g.16xlarge\",\"capacity\":\"on-demand\","
               "\"region\":\"us-east-1\",\"nodes\":1,\"usd_per_node_hour\":1.6832,\"minutes\":60,\"basis\":"
               "\"time_limit\",\"est_usd\":1.68,\"max_cost_usd\":3,\"req\":{\"t\":60}}");

    // Named partitions: the over-budget one is dropped, the order kept.
    r = job({"gpu", "debug", "graviton"});
    r.max_cost_usd = 3.0;
    d = decide(cfg, r);
    ck_assert(d.verdict == Verdict::accept);
    expect_partitions(d, "debug,graviton");

    // Unknown estimate.
    r = job({"hpc"});
    r.max_cost_usd = 5.0;
    expect_refusal(decide(cfg, r), Refusal::max_cost,
                   "stratus: --max-cost: the estimate is unknown, so the job cannot be held to $5.00 (partition hpc: estimate: price unknown (1 "
                   "x hpc7a.96xlarge on-demand, not offered in us-east-1 (offered in eu-north-1, eu-west-1, eu-west-3, us-east-2), for 2d 0h00, no time limit given: "
                   "partition MaxTime))");

    // Several partitions over budget: the refusal quotes the cheapest.
    r = job();
    r.arch = Arch::x86_64;
    r.max_cost_usd = 1.0;
    expect_refusal(decide(cfg, r), Refusal::max_cost,
                   "stratus: --max-cost: the estimate is $5.25, above $1.00 (partition gpu: estimate $5.25 (1 x "
                   "g6e.12xlarge on-demand at $10.4926/h for 30 min, no time limit given: partition DefaultTime))");
}
END_TEST

START_TEST(max_cost_boundary) {
    // An estimate equal to --max-cost is within budget, as the user typed it.
    Config cfg = priced();
    for (const char* usd : {"2.31", "$2.31", "2.310"}) {
        JobRequest r = job({"hpc"});
        r.time_limit_min = 60;
        ck_assert(!apply_option(r, Option::max_cost, usd));
        Decision d = decide(cfg, r);
        ck_assert_msg(d.verdict == Verdict::accept, "--max-cost=%s: %s", usd, d.message.c_str());
        expect_estimate(d, "hpc", "hpc7a.96xlarge", 1, 60, TimeBasis::time_limit, 2.31);
        ck_assert(!apply_option(r, Option::max_cost, "2.30"));
        ck_assert(decide(cfg, r).refusal == Refusal::max_cost);
    }
    Config base = sandbox();
    JobRequest r = job({"graviton"});
    r.time_limit_min = 60;
    ck_assert(!apply_option(r, Option::max_cost, "1.68"));
    ck_assert(decide(base, r).verdict == Verdict::accept);
}
END_TEST

// A job array is priced as all its tasks: the estimate, the message, the
// AdminComment and --max-cost (whole submission, or /task) agree.
START_TEST(array_priced_as_all_tasks) {
    Config cfg = sandbox();
    JobRequest r = job({"graviton"});
    r.time_limit_min = 60;
    r.array_tasks = 1000;
    Decision d = decide(cfg, r);
    expect_accept(d, "stratus: partition graviton: estimate $1683.20 (1000 tasks x 1 x hpc7g.16xlarge on-demand at "
                     "$1.6832/h for 1h00, time limit; $1.68 a task)");
    EXPECT_STR(d.admin_comment,
               "{\"v\":1,\"partition\":\"graviton\",\"instance_type\":\"hpc7g.16xlarge\",\"capacity\":\"on-demand\","
               "\"region\":\"us-east-1\",\"nodes\":1,\"usd_per_node_hour\":1.6832,\"minutes\":60,\"basis\":"
               "\"time_limit\",\"est_usd\":1683.2,\"tasks\":1000,\"est_usd_task\":1.68,\"req\":{\"p\":\"graviton\",\"t\":60}}");
    // --max-cost=100: the whole array is over it; --max-cost=2/task: each task is within.
    r.max_cost_usd = 100.0;
    expect_refusal(decide(cfg, r), Refusal::max_cost,
                   "stratus: --max-cost: the estimate is $1683.20, above $100.00 (partition graviton: estimate $1683.20 "
                   "(1000 tasks x 1 x hpc7g.16xlarge on-demand at $1.6832/h for 1h00, time limit; $1.68 a task))");
    ck_assert(!apply_option(r, Option::max_cost, "2/task"));
    d = decide(cfg, r);
    ck_assert_msg(d.verdict == Verdict::accept, "%s", d.message.c_str());
    ck_assert_msg(d.admin_comment.find("\"max_cost_usd\":2,\"max_cost_per_task\":true") != std::string::npos, "%s",
                  d.admin_comment.c_str());
    ck_assert(!apply_option(r, Option::max_cost, "1.50/task"));
    expect_refusal(decide(cfg, r), Refusal::max_cost,
                   "stratus: --max-cost: the estimate is $1.68 a task, above $1.50 (partition graviton: estimate $1683.20 "
                   "(1000 tasks x 1 x hpc7g.16xlarge on-demand at $1.6832/h for 1h00, time limit; $1.68 a task))");
    // An --array Slurm would not take is refused with the reason.
    r = job({"graviton"});
    r.bad_array = "3-1";
    expect_refusal(decide(cfg, r), Refusal::bad_option, "stratus: --array: cannot count the tasks of: 3-1");
}
END_TEST

// Absurd dollar amounts are refused at submit, never written on the job:
// the AdminComment must stay readable (budgets and actual cost read it).
START_TEST(absurd_amounts_refused) {
    Config cfg = sandbox();
    JobRequest r = job({"gpu"});
    std::optional<std::string> bad = apply_option(r, Option::max_cost, "12345678901234567890");
    ck_assert(bad.has_value());
    EXPECT_STR(*bad, "stratus: --max-cost: more than $1000000000000.00, the most Stratus accepts: 12345678901234567890");
    ck_assert(!apply_option(r, Option::max_cost, "1000000000000"));  // the limit itself is fine
    // 4000 p5.48xlarge nodes for 4e9 minutes: $1.5e13.
    r = job({"gpu"});
    r.min_nodes = 4000;
    r.gpus.per_node = 8;
    r.time_limit_min = 4000000000u;
    Decision d = decide(cfg, r);
    ck_assert(d.verdict == Verdict::refuse);
    ck_assert(d.refusal == Refusal::max_cost);
    ck_assert_msg(d.message.find("more than $1000000000000.00, the most Stratus accounts for") != std::string::npos, "%s",
                  d.message.c_str());
}
END_TEST

// Every number the AdminComment writer emits reads back as the same number.
START_TEST(json_numbers_read_back) {
    for (double v : {0.0, 0.05, 1.6832, 3.0, 55.04, 1e12, 999999999999.99, 1e15, 9.2233720368547758e18,
                     1.2345678901234567e19, 1.7e308, -2.5e20}) {
        std::string text = JsonObject().add("x", v).str();
        JsonValue j = JsonValue::parse(text);
        const JsonValue* x = j.find("x");
        ck_assert_msg(x && x->is_number(), "%s", text.c_str());
        ck_assert_msg(x->number() == v, "%s reads back as %.17g", text.c_str(), x->number());
        // Integers beyond 64 bits are what jansson cannot read: never written.
        bool integral = x->text().find_first_of(".eE") == std::string::npos;
        ck_assert_msg(!integral || std::fabs(v) < 9.2e18, "%s", text.c_str());
    }
}
END_TEST

// Strings the writer emits are UTF-8 whatever the job carries (fuzzing: an
// account of non-UTF-8 bytes made the AdminComment unreadable to jansson).
START_TEST(json_strings_are_utf8) {
    struct Case {
        std::string in, out;
    } cases[] = {
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},  // kept
        {"STRATUS_\xba\xb0_X", "\"STRATUS_\xef\xbf\xbd\xef\xbf\xbd_X\""},  // stray continuation bytes
        {"a\xc3", "\"a\xef\xbf\xbd\""},                                 // truncated at the end
        {"\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\""},                   // overlong '/'
        {"\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},   // a UTF-16 surrogate
        {"\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},  // beyond U+10FFFF
        {"\xe2\x82x", "\"\xef\xbf\xbd\xef\xbf\xbdx\""},                 // a sequence cut short
    };
    for (const Case& c : cases) {
        std::string out;
        json_escape_to(out, c.in);
        EXPECT_STR(out, c.out);
        JsonValue read = JsonValue::parse("{\"x\":" + out + "}");
        ck_assert(read.find("x")->is_string());
        std::string again;  // what was read back writes the same (fuzzing: the spend snapshot's round trip)
        json_escape_to(again, read.find("x")->text());
        EXPECT_STR(again, out);
    }
}
END_TEST

START_TEST(admin_comment_simple) {
    Config cfg = sandbox();
    JobRequest r = job({"graviton"});
    r.time_limit_min = 60;
    Decision d = decide(cfg, r);
    EXPECT_STR(d.admin_comment,
               "{\"v\":1,\"partition\":\"graviton\",\"instance_type\":\"hpc7g.16xlarge\",\"capacity\":\"on-demand\","
               "\"region\":\"us-east-1\",\"nodes\":1,\"usd_per_node_hour\":1.6832,\"minutes\":60,\"basis\":"
               "\"time_limit\",\"est_usd\":1.68,\"req\":{\"p\":\"graviton\",\"t\":60}}");
    r.cost_center = "geo/\"x\"";
    r.max_cost_usd = 2.5;
    d = decide(cfg, r);
    EXPECT_STR(d.admin_comment,
               "{\"v\":1,\"partition\":\"graviton\",\"instance_type\":\"hpc7g.16xlarge\",\"capacity\":\"on-demand\","
               "\"region\":\"us-east-1\",\"nodes\":1,\"usd_per_node_hour\":1.6832,\"minutes\":60,\"basis\":"
               "\"time_limit\",\"est_usd\":1.68,\"cost_center\":\"geo/\\\"x\\\"\",\"max_cost_usd\":2.5,"
               "\"req\":{\"p\":\"graviton\",\"t\":60}}");
}
END_TEST

START_TEST(route_only_where_offered) {
    // hpc7a.96xlarge is not offered in us-east-1: routing leaves hpc out.
    Config cfg = sandbox();
    ck_assert_uint_eq(cfg.warnings.size(), 1);
    ck_assert(cfg.warnings[0].find("/stratus.conf:3: hpc7a.96xlarge is not offered in us-east-1 (offered in eu-north-1, "
                                   "eu-west-1, eu-west-3, us-east-2); jobs are not routed to it") != std::string::npos);
    ck_assert(cfg.find_partition("hpc")->types[0].offered == Offered::no);
    expect_partitions(decide(cfg, job()), "graviton,gpu");
    JobRequest r = job();
    r.constraint = "hpc7a";
    expect_refusal(decide(cfg, r), Refusal::mixed,
                   "stratus: no partition can run this job: graviton: no instance type matches --constraint=hpc7a (it "
                   "has hpc7g.16xlarge, c7gn.16xlarge); hpc: no instance type is offered in us-east-1 (hpc7a.96xlarge "
                   "is offered in eu-north-1, eu-west-1, eu-west-3, us-east-2); gpu: no instance type matches "
                   "--constraint=hpc7a (it has g6e.12xlarge, p5.48xlarge)");
    // Named by the user, the partition is judged as written (the admin was warned).
    r.partitions = {"hpc"};
    Decision d = decide(cfg, r);
    ck_assert(d.verdict == Verdict::accept);
    ck_assert(d.estimate->offered == Offered::no);
    // Declared offered by an InstanceCatalog row: routed again, no warning.
    cfg = offered();
    ck_assert(cfg.warnings.empty());
    r.partitions.clear();
    expect_partitions(decide(cfg, r), "hpc");
    // Another region: prices and offers change with it.
    cfg = sandbox("Region=us-east-2\n");
    r = job({"hpc"});
    r.time_limit_min = 60;
    expect_estimate(decide(cfg, r), "hpc", "hpc7a.96xlarge", 1, 60, TimeBasis::time_limit, 7.20);
    ck_assert_uint_eq(cfg.warnings.size(), 1);  // hpc7g.16xlarge is not offered in us-east-2
    ck_assert(cfg.warnings[0].find("hpc7g.16xlarge is not offered in us-east-2") != std::string::npos);
    // A region the catalog does not know: one warning, nothing judged unoffered.
    cfg = sandbox("Region=xx-new-1\n");
    ck_assert_uint_eq(cfg.warnings.size(), 1);
    ck_assert(cfg.warnings[0].find(": Region=xx-new-1: the instance catalog knows no type in this region") != std::string::npos);
    expect_partitions(decide(cfg, job()), "graviton,hpc,gpu");  // none priced: configuration order
}
END_TEST

START_TEST(show_estimate_no) {
    Config cfg = sandbox("ShowEstimate=no\n");
    Decision d = decide(cfg, job());
    ck_assert(d.verdict == Verdict::accept);
    EXPECT_STR(d.message, "");
    expect_partitions(d, "graviton,gpu");
    ck_assert(!d.admin_comment.empty());
    // Refusals still explain themselves.
    JobRequest r = job({"gpu"});
    r.gpus.per_node = 16;
    expect_refusal(decide(cfg, r), Refusal::gpu,
                   "stratus: partition gpu: no instance type has 16 GPUs per node (largest: p5.48xlarge, 8 x h100)");
}
END_TEST

START_TEST(refuse_executable_arch) {
    Config cfg = sandbox();
    JobRequest r = job({"graviton"});
    r.executable_arch = Arch::x86_64;
    r.executable = "./solver";
    expect_refusal(decide(cfg, r), Refusal::executable_arch,
                   "stratus: ./solver is an x86_64 executable but partition graviton runs arm64 (hpc7g.16xlarge, "
                   "c7gn.16xlarge)");
    // Several partitions, none of them arm64: each is named with what it runs.
    r.partitions = {"hpc", "gpu"};
    r.executable_arch = Arch::arm64;
    expect_refusal(decide(cfg, r), Refusal::executable_arch,
                   "stratus: ./solver is an arm64 executable but partition hpc runs x86_64 (hpc7a.96xlarge); "
                   "partition gpu runs x86_64 (g6e.12xlarge, p5.48xlarge)");
    // The matching partition is kept, the other dropped.
    r.partitions = {"graviton", "gpu"};
    Decision d = decide(cfg, r);
    ck_assert(d.verdict == Verdict::accept);
    expect_partitions(d, "graviton");
    // Routed: only the partitions of the executable's architecture remain.
    r.partitions.clear();
    r.executable_arch = Arch::x86_64;
    d = decide(cfg, r);
    ck_assert(d.verdict == Verdict::accept);
    expect_partitions(d, "gpu");  // hpc7a is not offered in us-east-1
    // An explicit --arch that disagrees is worded as the --arch refusal.
    r.partitions = {"graviton"};
    r.arch = Arch::x86_64;
    expect_refusal(decide(cfg, r), Refusal::arch,
                   "stratus: partition graviton: no instance type is x86_64 (it has hpc7g.16xlarge, c7gn.16xlarge); "
                   "fits in: gpu");
    // An --arch the partition has: the executable is what rules it out.
    r.arch = Arch::arm64;
    expect_refusal(decide(cfg, r), Refusal::executable_arch,
                   "stratus: ./solver is an x86_64 executable but partition graviton runs arm64 (hpc7g.16xlarge, "
                   "c7gn.16xlarge)");
    // Routed, --arch and the executable disagree: each partition says which.
    r.partitions.clear();
    r.arch = Arch::arm64;
    expect_refusal(decide(cfg, r), Refusal::mixed,
                   "stratus: no partition can run this job: graviton: ./solver is an x86_64 executable but graviton "
                   "runs arm64 (hpc7g.16xlarge, c7gn.16xlarge); hpc: no instance type is arm64 (it has hpc7a.96xlarge); "
                   "gpu: no instance type is arm64 (it has g6e.12xlarge, p5.48xlarge)");
    // Another reason in one partition, the executable in the others.
    r.arch.reset();
    r.executable_arch = Arch::arm64;
    r.gpus.per_node = 1;
    expect_refusal(decide(cfg, r), Refusal::mixed,
                   "stratus: no partition can run this job: graviton: no instance type has 1 GPU per node (it has no "
                   "GPUs); hpc: ./solver is an arm64 executable but hpc runs x86_64 (hpc7a.96xlarge); gpu: ./solver is "
                   "an arm64 executable but gpu runs x86_64 (g6e.12xlarge, p5.48xlarge)");
}
END_TEST

Suite* policy_suite() {
    Suite* s = suite_create("policy");
    TCase* tc = make_tcase("feasibility");
    tcase_add_test(tc, refuse_gpu_count);
    tcase_add_test(tc, refuse_gpu_model);
    tcase_add_test(tc, refuse_cpus);
    tcase_add_test(tc, refuse_memory);
    tcase_add_test(tc, refuse_mem_per_cpu);
    tcase_add_test(tc, refuse_huge_mem_per_cpu);
    tcase_add_test(tc, refuse_arch);
    tcase_add_test(tc, refuse_constraint);
    tcase_add_test(tc, constraint_narrows);
    tcase_add_test(tc, refuse_instance_type);
    tcase_add_test(tc, refuse_unknown_instance_type);
    tcase_add_test(tc, refuse_nodes);
    tcase_add_test(tc, refuse_mixed);
    tcase_add_test(tc, refuse_several_partitions);
    tcase_add_test(tc, refuse_executable_arch);
    suite_add_tcase(s, tc);
    tc = make_tcase("routing");
    tcase_add_test(tc, route_cheapest_first);
    tcase_add_test(tc, route_jobs_no);
    tcase_add_test(tc, unmanaged_partition);
    tcase_add_test(tc, drop_infeasible);
    suite_add_tcase(s, tc);
    tc = make_tcase("estimate");
    tcase_add_test(tc, estimate_bases);
    tcase_add_test(tc, estimate_rounding);
    tcase_add_test(tc, node_counts);
    tcase_add_test(tc, spot_pricing);
    tcase_add_test(tc, max_cost);
    tcase_add_test(tc, max_cost_boundary);
    tcase_add_test(tc, array_priced_as_all_tasks);
    tcase_add_test(tc, absurd_amounts_refused);
    tcase_add_test(tc, json_numbers_read_back);
    tcase_add_test(tc, json_strings_are_utf8);
    tcase_add_test(tc, admin_comment_simple);
    tcase_add_test(tc, show_estimate_no);
    tcase_add_test(tc, route_only_where_offered);
    suite_add_tcase(s, tc);
    return s;
}
