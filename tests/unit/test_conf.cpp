// common/conf_reader.hpp and common/config.hpp: the slurm.conf-style reader,
// stratus.conf (load_config), catalog files named by InstanceCatalog, and
// what Stratus reads from slurm.conf.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "conf_reader.hpp"
#include "config.hpp"
#include "unit.hpp"

using namespace stratus;

namespace {

// A directory with stratus.conf holding `text`, and paths for its neighbours.
struct Dir {
    std::string path = test_dir();
    std::string conf = path + "/stratus.conf";
    std::string slurm = path + "/slurm.conf";
    std::string at(const std::string& name) const { return path + "/" + name; }
};

CaughtError conf_error(const Dir& d, const std::string& text, const char* src = __builtin_FILE(),
                       int line = __builtin_LINE()) {
    write_file(d.conf, text);
    // The failure message shows the text, cut short: Check drops long messages.
    std::string shown = text.size() > 200 ? text.substr(0, 200) + "..." : text;
    return expect_config_error([&] { load_config(d.conf, d.slurm); }, shown.c_str(), src, line);
}

void expect_error(const CaughtError& e, const std::string& file, unsigned line, const std::string& key,
                  const std::string& message) {
    EXPECT_STR(e.file, file);
    ck_assert_uint_eq(e.line, line);
    EXPECT_STR(e.key, key);
    EXPECT_STR(e.what, file + ":" + std::to_string(line) + ": " + (key.empty() ? "" : key + ": ") + message);
}

// A file of `size` zero bytes that takes no disk space.
void sparse_file(const std::string& path, off_t size) {
    write_file(path, "");
    ck_assert_int_eq(truncate(path.c_str(), size), 0);
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

// ---- conf_reader --------------------------------------------------------------

START_TEST(reader_words) {
    Dir d;
    write_file(d.conf,
               "# a comment line\n"
               "\n"
               "   \t  \n"
               "Key=value Bare Other=\"quoted # not a comment\"  # trailing comment\n"
               "Nodes=a\"b c\"d Empty= Two=x=y\n"
               "Cont=1 \\\n"
               "  More=2\\\n"
               "Last=3\n"
               "#Key=commented\n"
               "Tail=end#comment\n");
    struct Seen { unsigned line; std::vector<ConfWord> words; };
    std::vector<Seen> seen;
    std::vector<std::string> files;
    read_conf_file(d.conf, [&](const ConfLine& l) { seen.push_back({l.line, l.words}); }, &files, true);
    ck_assert_uint_eq(seen.size(), 4);

    ck_assert_uint_eq(seen[0].line, 4);
    ck_assert_uint_eq(seen[0].words.size(), 3);
    EXPECT_STR(seen[0].words[0].key, "Key");
    EXPECT_STR(seen[0].words[0].value, "value");
    ck_assert(seen[0].words[0].has_value);
    EXPECT_STR(seen[0].words[1].key, "Bare");
    ck_assert(!seen[0].words[1].has_value);
    EXPECT_STR(seen[0].words[2].value, "quoted # not a comment");

    ck_assert_uint_eq(seen[1].line, 5);
    ck_assert_uint_eq(seen[1].words.size(), 3);
    EXPECT_STR(seen[1].words[0].value, "ab cd");
    EXPECT_STR(seen[1].words[1].key, "Empty");
    ck_assert(seen[1].words[1].has_value);
    EXPECT_STR(seen[1].words[1].value, "");
    EXPECT_STR(seen[1].words[2].value, "x=y");

    // A continued line is one logical line, numbered by its first physical line.
    ck_assert_uint_eq(seen[2].line, 6);
    ck_assert_uint_eq(seen[2].words.size(), 3);
    EXPECT_STR(seen[2].words[1].key, "More");
    EXPECT_STR(seen[2].words[1].value, "2");
    EXPECT_STR(seen[2].words[2].key, "Last");

    ck_assert_uint_eq(seen[3].line, 10);
    ck_assert_uint_eq(seen[3].words.size(), 1);
    EXPECT_STR(seen[3].words[0].value, "end");

    ck_assert_uint_eq(files.size(), 1);
    EXPECT_STR(files[0], d.conf);
}
END_TEST

START_TEST(reader_includes) {
    Dir d;
    mkdir(d.at("sub").c_str(), 0700);
    write_file(d.conf, "A=1\nInclude sub/one.conf\ninclude " + d.at("abs.conf") + "\nB=2\n");
    write_file(d.at("sub/one.conf"), "C=3\nInclude two.conf\n");  // relative to sub/
    write_file(d.at("sub/two.conf"), "D=4\n");
    write_file(d.at("abs.conf"), "E=5\n");
    std::string order;
    std::vector<std::string> files;
    read_conf_file(d.conf, [&](const ConfLine& l) { order += l.words[0].key + "@" + l.file.substr(d.path.size()) + ":" + std::to_string(l.line) + " "; },
                   &files, true);
    EXPECT_STR(order, "A@/stratus.conf:1 C@/sub/one.conf:1 D@/sub/two.conf:1 E@/abs.conf:1 B@/stratus.conf:4 ");
    ck_assert_uint_eq(files.size(), 4);
    EXPECT_STR(files[0], d.conf);
    EXPECT_STR(files[1], d.at("sub/one.conf"));
    EXPECT_STR(files[2], d.at("sub/two.conf"));
    EXPECT_STR(files[3], d.at("abs.conf"));
}
END_TEST

START_TEST(reader_not_strict) {
    Dir d;
    write_file(d.conf, "A=1\nInclude missing.conf\nB=2\n");
    unsigned lines = 0;
    std::vector<std::string> files;
    read_conf_file(d.conf, [&](const ConfLine&) { ++lines; }, &files, false);
    ck_assert_uint_eq(lines, 2);
    ck_assert_uint_eq(files.size(), 1);
    read_conf_file(d.at("nothing.conf"), [&](const ConfLine&) { ++lines; }, &files, false);
    ck_assert_uint_eq(lines, 2);
    ck_assert_uint_eq(files.size(), 1);
    // Strict: the Include line is named.
    auto e = CONFIG_ERROR(read_conf_file(d.conf, [](const ConfLine&) {}, nullptr, true));
    expect_error(e, d.conf, 2, "Include", "cannot read " + d.at("missing.conf") + ": No such file or directory");
}
END_TEST

// CRLF line ends (files edited on Windows) read as LF ones, continuations included.
START_TEST(reader_crlf) {
    Dir d;
    write_file(d.conf, "A=1 \\\r\n  B=2\r\nC=\"x y\"\r\n\r\nD=4\\\r\nE=5\r\n");
    std::string seen;
    read_conf_file(d.conf, [&](const ConfLine& l) {
        seen += std::to_string(l.line) + ":";
        for (const ConfWord& w : l.words) seen += " [" + w.key + "=" + w.value + "]";
        seen += "\n";
    }, nullptr, true);
    EXPECT_STR(seen, "1: [A=1] [B=2]\n3: [C=x y]\n5: [D=4] [E=5]\n");
    // As load_config sees it: a partition continued over CRLF lines.
    write_file(d.conf, "PartitionName=p \\\r\n  InstanceTypes=c7i.large\r\n");
    Config cfg = load_config(d.conf, d.slurm);
    ck_assert_uint_eq(cfg.partitions.size(), 1);
    ck_assert_uint_eq(cfg.partitions[0].types.size(), 1);
}
END_TEST

// A '\' on the last line continues onto nothing: the line counts as written.
START_TEST(reader_continuation_at_end) {
    Dir d;
    for (const char* text : {"A=1\nB=2 \\", "A=1\nB=2 \\\n", "A=1\nB=2 \\\r\n", "A=1\nB=2 \\\n\\\n"}) {
        write_file(d.conf, text);
        std::string seen;
        read_conf_file(d.conf, [&](const ConfLine& l) { seen += std::to_string(l.line) + ":" + l.words[0].key + "=" + l.words[0].value + " "; },
                       nullptr, true);
        EXPECT_STR(seen, "1:A=1 2:B=2 ");
    }
    write_file(d.conf, "PartitionName=p InstanceTypes=c7i.large \\\n");
    ck_assert_uint_eq(load_config(d.conf, d.slurm).partitions.size(), 1);
}
END_TEST

START_TEST(reader_callback_exception_propagates) {
    Dir d;
    write_file(d.conf, "A=1\n");
    bool caught = false;
    try {
        read_conf_file(d.conf, [](const ConfLine&) { throw std::logic_error("from callback"); }, nullptr, true);
    } catch (const std::logic_error& e) {
        caught = std::string(e.what()) == "from callback";
    }
    ck_assert(caught);
}
END_TEST

START_TEST(dir_names) {
    EXPECT_STR(dir_name("/etc/slurm/stratus.conf"), "/etc/slurm");
    EXPECT_STR(dir_name("conf.d/x.conf"), "conf.d");
    EXPECT_STR(dir_name("stratus.conf"), ".");
    EXPECT_STR(dir_name("/stratus.conf"), "/");
}
END_TEST

// ---- load_config: a valid configuration ----------------------------------------

START_TEST(valid_config) {
    Dir d;
    mkdir(d.at("conf.d").c_str(), 0700);
    write_file(d.conf,
               "# Stratus test configuration\n"
               "Region=us-east-1   # the sandbox region\n"
               "MemoryReserve=2048\n"
               "RouteJobs=no ShowEstimate=\"no\"\n"
               "DefaultCapacity=spot\n"
               "ReloadInterval=5\n"
               "Include conf.d/partitions.conf\n"
               "InstanceCatalog=site-prices.csv\n");
    write_file(d.at("conf.d/partitions.conf"),
               "PartitionName=graviton \\\n"
               "    InstanceTypes=hpc7g.16xlarge,c7gn.16xlarge \\\n"
               "    Capacity=on-demand DefaultTime=1:00:00\n"
               "Include more.conf\n");
    write_file(d.at("conf.d/more.conf"),
               "PartitionName=\"gpu\" InstanceTypes=\"g6e.12xlarge, p5.48xlarge\"  # quoted\n"
               "PartitionName=site InstanceTypes=ZZ9.METAL MaxTime=2-0\n");
    write_file(d.at("site-prices.csv"),
               "# site price list\n"
               "instance_type,arch,vcpus,memory_mib,gpus,gpu_model,region,ondemand_usd_per_hour,spot_usd_per_hour\n"
               "hpc7a.96xlarge,,,,,,us-east-1,7.20,2.50\n"
               "zz9.metal,arm64,128,262144,0,,us-east-1,,0.99\n");
    write_file(d.slurm,
               "# slurm.conf fixture\n"
               "ClusterName=sandbox\n"
               "PartitionName=DEFAULT MaxTime=12:00:00 DefaultTime=10\n"
               "PartitionName=graviton Nodes=g[1-4] MaxTime=1-0 Default=YES\n"
               "PartitionName=gpu Nodes=p[1-2] State=UP\n"
               "PartitionName=debug Nodes=d1 DefaultTime=5\n");

    Config cfg = load_config(d.conf, d.slurm);
    EXPECT_STR(cfg.region, "us-east-1");
    ck_assert(cfg.memory_reserve_mib && *cfg.memory_reserve_mib == 2048);
    ck_assert(!cfg.route_jobs);
    ck_assert(!cfg.show_estimate);
    ck_assert(cfg.default_capacity == Capacity::spot);
    ck_assert_uint_eq(cfg.reload_interval_s, 5);
    EXPECT_STR(cfg.default_partition, "graviton");
    ck_assert_uint_eq(cfg.catalog->types().size(), 153);

    ck_assert_uint_eq(cfg.partitions.size(), 3);
    const PartitionConfig& g = cfg.partitions[0];
    EXPECT_STR(g.name, "graviton");
    EXPECT_STR(g.file, d.at("conf.d/partitions.conf"));
    ck_assert_uint_eq(g.line, 1);
    ck_assert_uint_eq(g.types.size(), 2);
    EXPECT_STR(g.types[0].type->name, "hpc7g.16xlarge");
    EXPECT_STR(g.types[1].type->name, "c7gn.16xlarge");
    ck_assert_uint_eq(g.types[0].usable_memory_mib, 131072 - 2048);
    ck_assert_double_eq(*g.types[0].usd_per_hour[0], 1.6832);
    ck_assert(!g.types[0].usd_per_hour[1]);
    ck_assert(g.capacity == Capacity::on_demand);
    ck_assert(g.default_time && g.default_time->minutes == 60);  // stratus.conf wins over slurm.conf
    ck_assert(g.max_time && g.max_time->minutes == 1440);        // from slurm.conf

    const PartitionConfig& gpu = cfg.partitions[1];
    EXPECT_STR(gpu.name, "gpu");
    EXPECT_STR(gpu.file, d.at("conf.d/more.conf"));
    ck_assert_uint_eq(gpu.line, 1);
    ck_assert_uint_eq(gpu.types.size(), 2);
    EXPECT_STR(gpu.types[0].type->name, "g6e.12xlarge");
    EXPECT_STR(gpu.types[1].type->name, "p5.48xlarge");
    ck_assert(gpu.capacity == Capacity::spot);  // DefaultCapacity
    ck_assert(gpu.default_time && gpu.default_time->minutes == 10);  // PartitionName=DEFAULT
    ck_assert(gpu.max_time && gpu.max_time->minutes == 720);

    const PartitionConfig& site = cfg.partitions[2];
    EXPECT_STR(site.types[0].type->name, "zz9.metal");
    ck_assert(site.types[0].type->arch == Arch::arm64);
    ck_assert_uint_eq(site.types[0].usable_memory_mib, 262144 - 2048);
    ck_assert(!site.types[0].usd_per_hour[0]);
    ck_assert_double_eq(*site.types[0].usd_per_hour[1], 0.99);
    ck_assert(!site.default_time);  // not in slurm.conf
    ck_assert(site.max_time && site.max_time->minutes == 2880);

    // The catalog override reached a type no partition uses, too.
    const InstanceType* hpc = cfg.catalog->find("hpc7a.96xlarge");
    ck_assert_double_eq(*hpc->price("us-east-1", Capacity::on_demand), 7.2);
    ck_assert_double_eq(*hpc->price("us-east-1", Capacity::spot), 2.5);
    ck_assert_uint_eq(hpc->vcpus, 192);  // empty cells keep the built-in specs

    ck_assert_uint_eq(cfg.files.size(), 5);
    EXPECT_STR(cfg.files[0], d.conf);
    EXPECT_STR(cfg.files[1], d.at("conf.d/partitions.conf"));
    EXPECT_STR(cfg.files[2], d.at("conf.d/more.conf"));
    EXPECT_STR(cfg.files[3], d.at("site-prices.csv"));
    EXPECT_STR(cfg.files[4], d.slurm);

    ck_assert_ptr_eq(cfg.find_partition("gpu"), &cfg.partitions[1]);
    ck_assert_ptr_null(cfg.find_partition("GPU"));
    ck_assert_ptr_null(cfg.find_partition("debug"));
}
END_TEST

START_TEST(defaults_and_percent_reserve) {
    Dir d;
    write_file(d.conf, "PartitionName=p InstanceTypes=c7i.large\n");
    Config cfg = load_config(d.conf, d.slurm);  // no slurm.conf at all: tolerated
    EXPECT_STR(cfg.region, "us-east-1");
    ck_assert(cfg.route_jobs);
    ck_assert(cfg.show_estimate);
    ck_assert(cfg.default_capacity == Capacity::on_demand);
    ck_assert_uint_eq(cfg.reload_interval_s, 10);
    ck_assert_uint_eq(cfg.memory_reserve_percent, 5);
    ck_assert(!cfg.memory_reserve_mib);
    ck_assert_uint_eq(cfg.partitions[0].types[0].usable_memory_mib, 4096 - 204);  // 5% of 4096, rounded down
    EXPECT_STR(cfg.default_partition, "");
    ck_assert(!cfg.partitions[0].default_time && !cfg.partitions[0].max_time);
    ck_assert_uint_eq(cfg.files.size(), 1);

    write_file(d.conf, "MemoryReserve=10%\nRegion=EU-West-1\nPartitionName=p InstanceTypes=c7i.large\n");
    cfg = load_config(d.conf, d.slurm);
    ck_assert_uint_eq(cfg.memory_reserve_percent, 10);
    ck_assert_uint_eq(cfg.partitions[0].types[0].usable_memory_mib, 4096 - 409);
    EXPECT_STR(cfg.region, "eu-west-1");
    ck_assert_double_eq(*cfg.partitions[0].types[0].usd_per_hour[0], 0.09576);  // the eu-west-1 price
    ck_assert_double_eq(*cfg.partitions[0].types[0].usd_per_hour[1], 0.0535);   // spot: the snapshot's upper end
    ck_assert(cfg.partitions[0].types[0].spot_is_snapshot);
    ck_assert(cfg.partitions[0].types[0].offered == Offered::yes);
    ck_assert(cfg.warnings.empty());

    // A reserve larger than the instance leaves nothing usable (not a wrap-around).
    write_file(d.conf, "MemoryReserve=8192\nPartitionName=p InstanceTypes=c7i.large\n");
    cfg = load_config(d.conf, d.slurm);
    ck_assert_uint_eq(cfg.partitions[0].types[0].usable_memory_mib, 0);
}
END_TEST

START_TEST(slurm_conf_partitions) {
    Dir d;
    write_file(d.conf,
               "PartitionName=a InstanceTypes=c7i.large\n"
               "PartitionName=b InstanceTypes=c7i.large\n"
               "PartitionName=c InstanceTypes=c7i.large DefaultTime=2:00:00\n"
               "PartitionName=d InstanceTypes=c7i.large\n"
               "PartitionName=e InstanceTypes=c7i.large\n");
    write_file(d.slurm,
               "SlurmctldHost=head\n"
               "PartitionName=DEFAULT DefaultTime=10\n"
               "PartitionName=a Nodes=a1 Default=no\n"
               "PartitionName=DEFAULT DefaultTime=20 MaxTime=UNLIMITED\n"
               "Include slurm-parts.conf\n"
               "PartitionName=c Nodes=c1 DefaultTime=5 MaxTime=3-0\n"
               "PartitionName=d Nodes=d1 DefaultTime=garbage MaxTime=1:30:00\n"
               "PartitionName=e Nodes=e1 Default=yes \"unterminated\n"
               "PartitionName=other Default=YES\n");
    write_file(d.at("slurm-parts.conf"), "partitionname=b Nodes=b1 Default=YES\n");
    Config cfg = load_config(d.conf, d.slurm);
    const PartitionConfig& a = *cfg.find_partition("a");
    ck_assert(a.default_time && a.default_time->minutes == 10 && !a.max_time);
    const PartitionConfig& b = *cfg.find_partition("b");
    ck_assert(b.default_time && b.default_time->minutes == 20);
    ck_assert(b.max_time && b.max_time->unlimited);
    const PartitionConfig& c = *cfg.find_partition("c");
    ck_assert(c.default_time && c.default_time->minutes == 120);  // stratus.conf wins
    ck_assert(c.max_time && c.max_time->minutes == 3 * 1440);
    const PartitionConfig& dd = *cfg.find_partition("d");
    ck_assert(!dd.default_time);  // unreadable value: unknown, not the DEFAULT line's
    ck_assert(dd.max_time && dd.max_time->minutes == 90);
    // The malformed line and everything after it are skipped: slurmctld judges slurm.conf.
    const PartitionConfig& e = *cfg.find_partition("e");
    ck_assert(!e.default_time && !e.max_time);
    EXPECT_STR(cfg.default_partition, "b");
    ck_assert(contains(cfg.files, d.slurm));
    ck_assert(contains(cfg.files, d.at("slurm-parts.conf")));
}
END_TEST

START_TEST(unreadable_slurm_conf) {
    Dir d;
    write_file(d.conf, "PartitionName=a InstanceTypes=c7i.large\n");
    Config cfg = load_config(d.conf, d.at("no-such-slurm.conf"));
    ck_assert_uint_eq(cfg.partitions.size(), 1);
    ck_assert(!cfg.partitions[0].default_time);
    EXPECT_STR(cfg.default_partition, "");
    ck_assert_uint_eq(cfg.files.size(), 1);
}
END_TEST

START_TEST(default_paths) {
    const char* saved_s = getenv("STRATUS_CONF");
    const char* saved_c = getenv("SLURM_CONF");
    std::string s = saved_s ? saved_s : "", c = saved_c ? saved_c : "";
    unsetenv("STRATUS_CONF");
    unsetenv("SLURM_CONF");
    EXPECT_STR(default_stratus_conf_path("/etc/slurm"), "/etc/slurm/stratus.conf");
    EXPECT_STR(default_slurm_conf_path("/etc/slurm"), "/etc/slurm/slurm.conf");
    setenv("SLURM_CONF", "/opt/slurm/etc/slurm.conf", 1);
    EXPECT_STR(default_stratus_conf_path("/etc/slurm"), "/opt/slurm/etc/stratus.conf");
    EXPECT_STR(default_slurm_conf_path("/etc/slurm"), "/opt/slurm/etc/slurm.conf");
    setenv("STRATUS_CONF", "/srv/stratus.conf", 1);
    EXPECT_STR(default_stratus_conf_path("/etc/slurm"), "/srv/stratus.conf");
    setenv("STRATUS_CONF", "", 1);  // empty counts as unset
    EXPECT_STR(default_stratus_conf_path("/etc/slurm"), "/opt/slurm/etc/stratus.conf");
    if (saved_s) setenv("STRATUS_CONF", s.c_str(), 1); else unsetenv("STRATUS_CONF");
    if (saved_c) setenv("SLURM_CONF", c.c_str(), 1); else unsetenv("SLURM_CONF");
}
END_TEST

// ---- load_config: every kind of invalid file --------------------------------------

START_TEST(burst_keys) {
    Dir d;
    write_file(d.conf,
               "StateDir=/tmp/stratus-state BurstLog=/tmp/burst.log ResumeBatchSize=250\n"
               "CapacityAvoidTime=300 ProtectedModeFailures=3 ProtectedModeCooldown=0 OrphanGracePeriod=120\n"
               "BurstInterval=5 BurstCooldown=30 ScaleDownIdleTime=900 MaxSpendPerHour=250.50\n"
               "PcsCluster=pcs_abc123 Ec2Endpoint=http://127.0.0.1:1 PcsEndpoint=http://127.0.0.1:2\n"
               "PartitionName=burst InstanceTypes=c7g.large,c7g.xlarge LaunchTemplate=lt-0abc \\\n"
               "  LaunchTemplateVersion=3 Subnets=subnet-a,subnet-b AllocationStrategy=prioritized MaxNodes=8 \\\n"
               "  PcsNodeGroup=ng-1\n"
               "PartitionName=plain InstanceTypes=c7g.large\n");
    write_file(d.slurm, "ClusterName=sandbox\nPartitionName=burst Nodes=burst-[1-8] State=UP\n");
    Config cfg = load_config(d.conf, d.slurm);
    const BurstConfig& b = cfg.burst;
    EXPECT_STR(b.cluster_name, "sandbox");  // from slurm.conf
    EXPECT_STR(b.state_dir, "/tmp/stratus-state");
    EXPECT_STR(b.log_file, "/tmp/burst.log");
    ck_assert_uint_eq(b.resume_batch_size, 250);
    ck_assert_uint_eq(b.capacity_avoid_s, 300);
    ck_assert_uint_eq(b.protected_failures, 3);
    ck_assert_uint_eq(b.protected_cooldown_s, 0);
    ck_assert_uint_eq(b.orphan_grace_s, 120);
    ck_assert_uint_eq(b.interval_s, 5);
    ck_assert_uint_eq(b.cooldown_s, 30);
    ck_assert_uint_eq(b.scale_down_idle_s, 900);
    ck_assert(b.max_spend_per_hour && *b.max_spend_per_hour == 250.5);
    EXPECT_STR(b.pcs_cluster, "pcs_abc123");
    EXPECT_STR(b.ec2_endpoint, "http://127.0.0.1:1");
    EXPECT_STR(b.pcs_endpoint, "http://127.0.0.1:2");
    const PartitionConfig& p = *cfg.find_partition("burst");
    EXPECT_STR(p.slurm_nodes, "burst-[1-8]");
    EXPECT_STR(p.launch_template, "lt-0abc");
    EXPECT_STR(p.launch_template_version, "3");
    ck_assert_uint_eq(p.subnets.size(), 2);
    EXPECT_STR(p.subnets[1], "subnet-b");
    EXPECT_STR(p.allocation_strategy, "prioritized");
    ck_assert(p.max_nodes && *p.max_nodes == 8);
    EXPECT_STR(p.pcs_node_group, "ng-1");
    const PartitionConfig& plain = *cfg.find_partition("plain");
    ck_assert(!plain.max_nodes);
    EXPECT_STR(plain.slurm_nodes, "");
    // Defaults, and ClusterName in stratus.conf winning over slurm.conf's.
    write_file(d.conf, "ClusterName=prod\nPartitionName=plain InstanceTypes=c7g.large\n");
    cfg = load_config(d.conf, d.slurm);
    EXPECT_STR(cfg.burst.cluster_name, "prod");
    EXPECT_STR(cfg.burst.state_dir, "/var/lib/stratus");
    ck_assert_uint_eq(cfg.burst.resume_batch_size, 500);
    ck_assert_uint_eq(cfg.burst.capacity_avoid_s, 600);
    ck_assert(!cfg.burst.max_spend_per_hour);
}
END_TEST

START_TEST(err_burst_keys) {
    Dir d;
    expect_error(conf_error(d, "ResumeBatchSize=0\n"), d.conf, 1, "ResumeBatchSize",
                 "must be 1 to 1000 (EC2's limit per CreateFleet call): 0");
    expect_error(conf_error(d, "\nResumeBatchSize=1001\n"), d.conf, 2, "ResumeBatchSize",
                 "must be 1 to 1000 (EC2's limit per CreateFleet call): 1001");
    expect_error(conf_error(d, "BurstInterval=0\n"), d.conf, 1, "BurstInterval", "must be at least 1 second: 0");
    expect_error(conf_error(d, "CapacityAvoidTime=soon\n"), d.conf, 1, "CapacityAvoidTime",
                 "not a whole number from 0 to 10000000: soon");
    expect_error(conf_error(d, "MaxSpendPerHour=$12\n"), d.conf, 1, "MaxSpendPerHour", "not a dollar amount: $12");
    expect_error(conf_error(d, "StateDir=\n"), d.conf, 1, "StateDir", "missing value");
    expect_error(conf_error(d, "PartitionName=a InstanceTypes=c7g.large MaxNodes=many\n"), d.conf, 1, "MaxNodes",
                 "not a whole number from 0 to 1000000: many");
}
END_TEST

START_TEST(err_unknown_key) {
    Dir d;
    expect_error(conf_error(d, "Region=us-east-1\nFrobnicate=1\n"), d.conf, 2, "Frobnicate", "unknown key");
    expect_error(conf_error(d, "Region=us-east-1 Bare\n"), d.conf, 1, "Bare", "unknown key");
}
END_TEST

START_TEST(err_unknown_partition_key) {
    Dir d;
    expect_error(conf_error(d, "\nPartitionName=a InstanceTypes=c7i.large Foo=1\n"), d.conf, 2, "Foo",
                 "unknown partition key");
    // Reported at the first line of a continued line.
    expect_error(conf_error(d, "Region=us-east-1\nPartitionName=a \\\n  InstanceTypes=c7i.large \\\n  Nodes=x[1-4]\n"),
                 d.conf, 2, "Nodes", "unknown partition key");
    expect_error(conf_error(d, "Region=us-east-1 PartitionName=a InstanceTypes=c7i.large\n"), d.conf, 1,
                 "PartitionName", "PartitionName must start its line");
}
END_TEST

START_TEST(err_unknown_instance_type) {
    Dir d;
    expect_error(conf_error(d, "# x\n\nPartitionName=a InstanceTypes=c7i.large,zz.huge\n"), d.conf, 3, "InstanceTypes",
                 "unknown instance type: zz.huge");
    expect_error(conf_error(d, "PartitionName=a InstanceTypes=c7i.large,C7I.LARGE\n"), d.conf, 1, "InstanceTypes",
                 "instance type listed twice: C7I.LARGE");
}
END_TEST

START_TEST(err_duplicate_partition) {
    Dir d;
    expect_error(conf_error(d, "PartitionName=a InstanceTypes=c7i.large\n# c\nPartitionName=a InstanceTypes=c7i.xlarge\n"),
                 d.conf, 3, "PartitionName", "duplicate partition a (first declared at " + d.conf + ":1)");
}
END_TEST

START_TEST(err_bad_number) {
    Dir d;
    expect_error(conf_error(d, "ReloadInterval=abc\n"), d.conf, 1, "ReloadInterval",
                 "not a whole number from 0 to 86400: abc");
    expect_error(conf_error(d, "ReloadInterval=86401\n"), d.conf, 1, "ReloadInterval",
                 "not a whole number from 0 to 86400: 86401");
    expect_error(conf_error(d, "ReloadInterval=-1\n"), d.conf, 1, "ReloadInterval",
                 "not a whole number from 0 to 86400: -1");
    expect_error(conf_error(d, "ReloadInterval=\n"), d.conf, 1, "ReloadInterval", "missing value");
    expect_error(conf_error(d, "ReloadInterval\n"), d.conf, 1, "ReloadInterval", "missing value");
    expect_error(conf_error(d, "PartitionName=a InstanceTypes=c7i.large DefaultTime=soon\n"), d.conf, 1, "DefaultTime",
                 "not a Slurm time (minutes, HH:MM:SS, D-HH:MM or UNLIMITED): soon");
    expect_error(conf_error(d, "PartitionName=a InstanceTypes=c7i.large MaxTime=1:2:3:4\n"), d.conf, 1, "MaxTime",
                 "not a Slurm time (minutes, HH:MM:SS, D-HH:MM or UNLIMITED): 1:2:3:4");
}
END_TEST

START_TEST(err_bad_boolean) {
    Dir d;
    expect_error(conf_error(d, "RouteJobs=maybe\n"), d.conf, 1, "RouteJobs", "expected yes or no: maybe");
    expect_error(conf_error(d, "RouteJobs=yes ShowEstimate=2\n"), d.conf, 1, "ShowEstimate", "expected yes or no: 2");
}
END_TEST

START_TEST(err_bad_capacity) {
    Dir d;
    expect_error(conf_error(d, "PartitionName=a InstanceTypes=c7i.large Capacity=reserved\n"), d.conf, 1, "Capacity",
                 "expected on-demand or spot: reserved");
    expect_error(conf_error(d, "DefaultCapacity=cheap\n"), d.conf, 1, "DefaultCapacity",
                 "expected on-demand or spot: cheap");
}
END_TEST

START_TEST(err_bad_memory_reserve) {
    Dir d;
    expect_error(conf_error(d, "MemoryReserve=95%\n"), d.conf, 1, "MemoryReserve", "percentage must be 0% to 90%: 95%");
    expect_error(conf_error(d, "MemoryReserve=%\n"), d.conf, 1, "MemoryReserve", "percentage must be 0% to 90%: %");
    expect_error(conf_error(d, "MemoryReserve=5.5%\n"), d.conf, 1, "MemoryReserve", "percentage must be 0% to 90%: 5.5%");
    expect_error(conf_error(d, "MemoryReserve=lots\n"), d.conf, 1, "MemoryReserve",
                 "not a whole number from 0 to 1099511627776: lots");
    expect_error(conf_error(d, "MemoryReserve=2G\n"), d.conf, 1, "MemoryReserve",
                 "not a whole number from 0 to 1099511627776: 2G");
}
END_TEST

START_TEST(err_missing_instance_types) {
    Dir d;
    expect_error(conf_error(d, "PartitionName=a Capacity=spot\n"), d.conf, 1, "InstanceTypes",
                 "partition a has no InstanceTypes");
    expect_error(conf_error(d, "PartitionName=a InstanceTypes=\n"), d.conf, 1, "InstanceTypes", "missing value");
    expect_error(conf_error(d, "PartitionName=a InstanceTypes=,,\n"), d.conf, 1, "InstanceTypes", "missing value");
    expect_error(conf_error(d, "PartitionName= InstanceTypes=c7i.large\n"), d.conf, 1, "PartitionName", "missing value");
}
END_TEST

START_TEST(err_syntax) {
    Dir d;
    expect_error(conf_error(d, "Region=\"us-east-1\n"), d.conf, 1, "Region", "unterminated quote");
    expect_error(conf_error(d, "\n=oops\n"), d.conf, 2, "", "value without a key: '=oops'");
    expect_error(conf_error(d, "Include a.conf b.conf\n"), d.conf, 1, "Include", "expects exactly one path");
    expect_error(conf_error(d, "Include\n"), d.conf, 1, "Include", "expects exactly one path");
}
END_TEST

START_TEST(err_unreadable_file) {
    Dir d;
    auto e = CONFIG_ERROR(load_config(d.at("none.conf"), d.slurm));
    expect_error(e, d.at("none.conf"), 0, "", "cannot read " + d.at("none.conf") + ": No such file or directory");
    ck_assert(e.unreadable == d.at("none.conf"));
}
END_TEST

START_TEST(err_unreadable_include) {
    Dir d;
    expect_error(conf_error(d, "Region=us-east-1\nInclude nope.conf\n"), d.conf, 2, "Include",
                 "cannot read " + d.at("nope.conf") + ": No such file or directory");
    // Nested: the Include line of the file that names the missing one.
    write_file(d.at("mid.conf"), "# mid\nInclude /nonexistent/stratus-unit/deep.conf\n");
    expect_error(conf_error(d, "Include mid.conf\n"), d.at("mid.conf"), 2, "Include",
                 "cannot read /nonexistent/stratus-unit/deep.conf: No such file or directory");
}
END_TEST

START_TEST(err_error_inside_include) {
    Dir d;
    write_file(d.at("sub.conf"), "\nRouteJobs=perhaps\n");
    expect_error(conf_error(d, "Region=us-east-1\nInclude sub.conf\n"), d.at("sub.conf"), 2, "RouteJobs",
                 "expected yes or no: perhaps");
}
END_TEST

START_TEST(err_include_loop) {
    Dir d;
    expect_error(conf_error(d, "Include stratus.conf\n"), d.conf, 1, "Include", "nested too deeply (loop?)");
    // a -> b -> a ...: depth 15 is reached in b.
    write_file(d.at("a.conf"), "Region=us-east-1\nInclude b.conf\n");
    write_file(d.at("b.conf"), "\n\nInclude a.conf\n");
    expect_error(conf_error(d, "Include a.conf\n"), d.at("a.conf"), 2, "Include", "nested too deeply (loop?)");
}
END_TEST

START_TEST(err_unreadable_catalog) {
    Dir d;
    expect_error(conf_error(d, "Region=us-east-1\nInstanceCatalog=nope.csv\nPartitionName=a InstanceTypes=c7i.large\n"),
                 d.conf, 2, "InstanceCatalog",
                 "cannot read " + d.at("nope.csv") + ": No such file or directory");
}
END_TEST

START_TEST(err_bad_catalog_rows) {
    Dir d;
    const std::string conf = "PartitionName=a InstanceTypes=c7i.large\nInstanceCatalog=bad.csv\n";
    const std::string csv = d.at("bad.csv");
    write_file(csv, "instance_type,vcpus\nc7i.large,4\nc7i.xlarge,4,5\n");
    expect_error(conf_error(d, conf), csv, 3, "", "expected 2 cells, found 3");
    write_file(csv, "instance_type,vcpus\nc7i.large,four\n");
    expect_error(conf_error(d, conf), csv, 2, "vcpus", "not a whole number: four");
    write_file(csv, "instance_type,vcpus\nc7i.large,4294967296\n");
    expect_error(conf_error(d, conf), csv, 2, "vcpus", "not a whole number: 4294967296");
    write_file(csv, "instance_type,region,ondemand_usd_per_hour\nc7i.large,us-east-1,$1\n");
    expect_error(conf_error(d, conf), csv, 2, "ondemand_usd_per_hour", "not a decimal number: $1");
    write_file(csv, "instance_type,colour\n");
    expect_error(conf_error(d, conf), csv, 1, "colour", "unknown catalog column");
    // The header's own line, after comments and blank lines.
    write_file(csv, "# site catalog\n\ninstance_type,Vcpus,Colour\n");
    expect_error(conf_error(d, conf), csv, 3, "Colour", "unknown catalog column");
    write_file(csv, "instance_type,vcpus,memory_mib\nzz9.big,4,8192\n");
    expect_error(conf_error(d, conf), csv, 2, "instance_type", "new instance type zz9.big needs arch, vcpus and memory_mib");
    write_file(csv, "instance_type,arch,vcpus,memory_mib\nzz9.big,arm64,4,\n");
    expect_error(conf_error(d, conf), csv, 2, "instance_type", "new instance type zz9.big needs arch, vcpus and memory_mib");
    write_file(csv, "instance_type,spot_usd_per_hour\nc7i.large,0.03\n");
    expect_error(conf_error(d, conf), csv, 2, "spot_usd_per_hour", "a price needs a region cell");
    write_file(csv, "instance_type,arch\nc7i.large,sparc\n");
    expect_error(conf_error(d, conf), csv, 2, "arch", "unknown architecture (x86_64 or arm64): sparc");
    write_file(csv, "instance_type,efa\nc7i.large,maybe\n");
    expect_error(conf_error(d, conf), csv, 2, "efa", "not true/false: maybe");
    write_file(csv, "vcpus,arch\n");
    expect_error(conf_error(d, conf), csv, 1, "instance_type", "header lacks the instance_type column");
    write_file(csv, "instance_type,vcpus\n,4\n");
    expect_error(conf_error(d, conf), csv, 2, "instance_type", "empty instance type name");
    write_file(csv, "# nothing but a comment\n");
    expect_error(conf_error(d, conf), csv, 1, "", "no header line");
}
END_TEST

// ---- what a path may name, and how much of it -------------------------------------
// This code runs inside slurmctld: no path may hang it (a FIFO) or make it
// read without end (/dev/zero), and the last good configuration must stay.

START_TEST(files_must_be_regular) {
    Dir d;
    ck_assert_int_eq(mkfifo(d.at("fifo").c_str(), 0600), 0);
    mkdir(d.at("dir.conf").c_str(), 0700);
    expect_error(conf_error(d, "Include /dev/zero\n"), d.conf, 1, "Include",
                 "cannot read /dev/zero: not a regular file (a character device)");
    expect_error(conf_error(d, "Region=us-east-1\nInclude fifo\n"), d.conf, 2, "Include",
                 "cannot read " + d.at("fifo") + ": not a regular file (a FIFO)");
    expect_error(conf_error(d, "Include dir.conf\n"), d.conf, 1, "Include",
                 "cannot read " + d.at("dir.conf") + ": not a regular file (a directory)");
    auto e = conf_error(d, "PartitionName=a InstanceTypes=c7i.large\nInstanceCatalog=/dev/zero\n");
    expect_error(e, d.conf, 2, "InstanceCatalog", "cannot read /dev/zero: not a regular file (a character device)");
    EXPECT_STR(e.unreadable, "/dev/zero");  // the store watches it
    e = CONFIG_ERROR(load_config(d.at("dir.conf"), d.slurm));
    expect_error(e, d.at("dir.conf"), 0, "", "cannot read " + d.at("dir.conf") + ": not a regular file (a directory)");
    // slurm.conf is Slurm's to judge: one we cannot read is skipped.
    write_file(d.conf, "PartitionName=a InstanceTypes=c7i.large\n");
    ck_assert_uint_eq(load_config(d.conf, d.at("fifo")).partitions.size(), 1);
    ck_assert_uint_eq(load_config(d.conf, "/dev/zero").partitions.size(), 1);
    // Symlinks to regular files are fine (a common way to switch configurations).
    write_file(d.at("real.conf"), "RouteJobs=no\n");
    ck_assert_int_eq(symlink(d.at("real.conf").c_str(), d.at("link.conf").c_str()), 0);
    write_file(d.conf, "PartitionName=a InstanceTypes=c7i.large\nInclude link.conf\n");
    Config cfg = load_config(d.conf, d.slurm);
    ck_assert(!cfg.route_jobs);
    ck_assert(contains(cfg.files, d.at("link.conf")));
    ck_assert_int_eq(symlink("/dev/zero", d.at("zero.conf").c_str()), 0);
    expect_error(conf_error(d, "Include zero.conf\n"), d.conf, 1, "Include",
                 "cannot read " + d.at("zero.conf") + ": not a regular file (a character device)");
}
END_TEST

START_TEST(file_size_limits) {
    Dir d;
    sparse_file(d.conf, (16 << 20) + 1);
    auto e = CONFIG_ERROR(load_config(d.conf, d.slurm));
    expect_error(e, d.conf, 0, "", "cannot read " + d.conf + ": larger than 16 MiB");
    sparse_file(d.at("huge.csv"), 1LL << 40);  // 1 TiB, no disk
    expect_error(conf_error(d, "PartitionName=a InstanceTypes=c7i.large\nInstanceCatalog=huge.csv\n"), d.conf, 2,
                 "InstanceCatalog", "cannot read " + d.at("huge.csv") + ": larger than 16 MiB");
    sparse_file(d.at("big.conf"), 20 << 20);
    expect_error(conf_error(d, "\nInclude big.conf\n"), d.conf, 2, "Include",
                 "cannot read " + d.at("big.conf") + ": larger than 16 MiB");
    // Exactly 16 MiB is allowed.
    const std::string partition = "PartitionName=a InstanceTypes=c7i.large\n";
    std::string text;
    while (text.size() + 1024 <= (16u << 20) - partition.size()) text += "# " + std::string(1021, 'x') + "\n";
    text += "#" + std::string((16u << 20) - partition.size() - text.size() - 2, 'x') + "\n" + partition;
    ck_assert_uint_eq(text.size(), 16u << 20);
    write_file(d.conf, text);
    ck_assert_uint_eq(load_config(d.conf, d.slurm).partitions.size(), 1);
    // So are the files of one configuration together, and the catalogs together.
    write_file(d.at("nine.conf"), text.substr(0, 9u << 20));
    expect_error(conf_error(d, "Include nine.conf\nInclude nine.conf\n"), d.conf, 2, "Include",
                 "cannot read " + d.at("nine.conf") + ": more than 16 MiB together with the files read before it");
    write_file(d.at("nine.csv"), "instance_type,family\n" + text.substr(0, 9u << 20));
    expect_error(conf_error(d, partition + "InstanceCatalog=nine.csv\nInstanceCatalog=nine.csv\n"), d.conf, 3,
                 "InstanceCatalog",
                 "cannot read " + d.at("nine.csv") + ": more than 16 MiB together with the catalogs read before it");
}
END_TEST

START_TEST(line_length_limits) {
    Dir d;
    std::string longest(64 << 10, 'x');
    // A line of exactly 64 KiB is read (here: a comment).
    write_file(d.conf, "#" + longest.substr(1) + "\nPartitionName=a InstanceTypes=c7i.large\n");
    ck_assert_uint_eq(load_config(d.conf, d.slurm).partitions.size(), 1);
    expect_error(conf_error(d, "Region=us-east-1\n#" + longest + "\n"), d.conf, 2, "", "line longer than 64 KiB");
    // Continuations make one line: the limit is on it, named by its first line.
    std::string half(40 << 10, 'y');
    expect_error(conf_error(d, "\n#" + half + " \\\n" + half + "\n"), d.conf, 2, "",
                 "line longer than 64 KiB (with its continuations)");
    // Catalog CSV lines too.
    write_file(d.at("long.csv"), "instance_type,family\nc7i.large," + longest + "\n");
    expect_error(conf_error(d, "PartitionName=a InstanceTypes=c7i.large\nInstanceCatalog=long.csv\n"), d.at("long.csv"), 2,
                 "", "line longer than 64 KiB");
}
END_TEST

START_TEST(include_limits) {
    Dir d;
    write_file(d.at("empty.conf"), "");
    std::string many;
    for (int i = 0; i < 300; ++i) many += "Include empty.conf\n";
    // stratus.conf and 255 Includes are 256 files; the next is one too many.
    expect_error(conf_error(d, many), d.conf, 256, "Include", "too many files: at most 256 with every Include");
}
END_TEST

Suite* conf_suite() {
    Suite* s = suite_create("conf");
    TCase* tc = make_tcase("reader");
    tcase_add_test(tc, reader_words);
    tcase_add_test(tc, reader_includes);
    tcase_add_test(tc, reader_not_strict);
    tcase_add_test(tc, reader_crlf);
    tcase_add_test(tc, reader_continuation_at_end);
    tcase_add_test(tc, reader_callback_exception_propagates);
    tcase_add_test(tc, dir_names);
    suite_add_tcase(s, tc);
    tc = make_tcase("load_config");
    tcase_add_test(tc, valid_config);
    tcase_add_test(tc, defaults_and_percent_reserve);
    tcase_add_test(tc, slurm_conf_partitions);
    tcase_add_test(tc, unreadable_slurm_conf);
    tcase_add_test(tc, default_paths);
    tcase_add_test(tc, burst_keys);
    suite_add_tcase(s, tc);
    tc = make_tcase("errors");
    tcase_add_test(tc, err_unknown_key);
    tcase_add_test(tc, err_unknown_partition_key);
    tcase_add_test(tc, err_burst_keys);
    tcase_add_test(tc, err_unknown_instance_type);
    tcase_add_test(tc, err_duplicate_partition);
    tcase_add_test(tc, err_bad_number);
    tcase_add_test(tc, err_bad_boolean);
    tcase_add_test(tc, err_bad_capacity);
    tcase_add_test(tc, err_bad_memory_reserve);
    tcase_add_test(tc, err_missing_instance_types);
    tcase_add_test(tc, err_syntax);
    tcase_add_test(tc, err_unreadable_file);
    tcase_add_test(tc, err_unreadable_include);
    tcase_add_test(tc, err_error_inside_include);
    tcase_add_test(tc, err_include_loop);
    tcase_add_test(tc, err_unreadable_catalog);
    tcase_add_test(tc, err_bad_catalog_rows);
    suite_add_tcase(s, tc);
    tc = make_tcase("limits");
    tcase_add_test(tc, files_must_be_regular);
    tcase_add_test(tc, file_size_limits);
    tcase_add_test(tc, line_length_limits);
    tcase_add_test(tc, include_limits);
    suite_add_tcase(s, tc);
    return s;
}
