// stratus-catalog: look up the instance catalog and print slurm.conf node
// lines, as seen through stratus.conf (region, catalog overrides, memory reserve).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <iostream>
#include <string>
#include <vector>

#include "aws/catalog_refresh.hpp"
#include "aws/client.hpp"
#include "aws/error.hpp"
#include "config.hpp"
#include "error.hpp"
#include "file.hpp"
#include "firewall.hpp"

namespace {

const char kUsage[] =
    "Usage: stratus-catalog [--conf FILE] COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  list [--arch A] [--family F] [--partition P] [--min-gpus N] [--csv]\n"
    "                       list instance types with specs and hourly prices\n"
    "  show TYPE            one instance type in detail, with its zones and prices in\n"
    "                       the region of stratus.conf\n"
    "  regions TYPE [--csv] the regions that offer TYPE: zone IDs, on-demand price,\n"
    "                       spot price (the snapshot's range unless refreshed)\n"
    "  node-line [--name NODENAME] TYPE\n"
    "                       print the slurm.conf NodeName line for TYPE\n"
    "  check                validate stratus.conf; errors and warnings (a partition\n"
    "                       type its region does not offer) name file:line; exits 1\n"
    "                       on either\n"
    "  refresh --output FILE [--region R] [--types T1,T2,...] [--profile P]\n"
    "                       write a catalog file (for InstanceCatalog=) with specs from\n"
    "                       EC2 DescribeInstanceTypes, zone IDs from\n"
    "                       DescribeInstanceTypeOfferings, on-demand Linux prices from\n"
    "                       the AWS Price List and the latest spot prices (lowest across\n"
    "                       zones) of region R (default: Region of stratus.conf when\n"
    "                       one is read, else AWS_REGION, AWS_DEFAULT_REGION, the\n"
    "                       profile's region, the instance's region); the file is\n"
    "                       replaced atomically\n"
    "\n"
    "Options:\n"
    "  --conf FILE          stratus.conf to use (default: $STRATUS_CONF, else next to\n"
    "                       $SLURM_CONF, else " STRATUS_SLURM_CONFDIR "/stratus.conf); without a\n"
    "                       readable file the built-in catalog and defaults are used\n"
    "  -h, --help           this text\n"
    "\n"
    "Environment (refresh):\n"
    "  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE,\n"
    "  AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE   credentials (else the instance role)\n"
    "  AWS_REGION, AWS_DEFAULT_REGION                 region when --region is not given\n"
    "  AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL_PRICING\n"
    "                                                 other service endpoints\n"
    "  AWS_EC2_METADATA_SERVICE_ENDPOINT, AWS_EC2_METADATA_DISABLED   instance metadata\n";

struct Args {
    std::string conf;
    bool conf_given = false;
    std::string command;
    std::vector<std::string> rest;
};

[[noreturn]] void usage_error(const std::string& msg) {
    std::fprintf(stderr, "stratus-catalog: %s\n(see stratus-catalog --help)\n", msg.c_str());
    std::exit(2);
}

std::string price_text(const std::optional<double>& p) {
    if (!p) return "price unknown";
    char buf[32];
    std::snprintf(buf, sizeof buf, "$%.4f/h", *p);
    return buf;
}

// "$0.0386-$0.0631"
std::string spot_range(const stratus::RegionOffer& r) {
    auto end = [](const std::optional<double>& v) { return v ? price_text(v).substr(0, price_text(v).size() - 2) : "?"; };
    return end(r.spot_snapshot_min) + "-" + end(r.spot_snapshot_max);
}

std::string features(const stratus::InstanceType& t) {
    std::string f = t.name + "," + t.family + "," + stratus::arch_name(t.arch);
    if (t.gpus) f += ",gpu";
    if (t.efa) f += ",efa";
    return f;
}

int cmd_node_line(const stratus::Config& cfg, const std::vector<std::string>& rest) {
    std::string name, type;
    for (size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] == "--name" && i + 1 < rest.size()) name = rest[++i];
        else if (rest[i].rfind("--name=", 0) == 0) name = rest[i].substr(7);
        else if (type.empty() && rest[i][0] != '-') type = rest[i];
        else usage_error("node-line: unexpected argument: " + rest[i]);
    }
    if (type.empty()) usage_error("node-line: instance type missing");
    const stratus::InstanceType* t = cfg.catalog->find(type);
    if (!t) {
        std::fprintf(stderr, "stratus-catalog: unknown instance type: %s\n", type.c_str());
        return 1;
    }
    if (name.empty()) {
        name = t->name;
        for (char& c : name)
            if (c == '.') c = '-';
    }
    std::printf("NodeName=%s CPUs=%u RealMemory=%llu", name.c_str(), t->vcpus,
                static_cast<unsigned long long>(cfg.usable_memory_mib(*t)));
    if (t->gpus) std::printf(" Gres=gpu:%s:%u", t->gpu_model.empty() ? "gpu" : t->gpu_model.c_str(), t->gpus);
    std::printf(" Features=%s\n", features(*t).c_str());
    return 0;
}

int cmd_show(const stratus::Config& cfg, const std::vector<std::string>& rest) {
    if (rest.size() != 1) usage_error("show: expects one instance type");
    const stratus::InstanceType* t = cfg.catalog->find(rest[0]);
    if (!t) {
        std::fprintf(stderr, "stratus-catalog: unknown instance type: %s\n", rest[0].c_str());
        return 1;
    }
    std::printf("instance type:   %s\nfamily:          %s\narchitecture:    %s\nvCPUs:           %u\n", t->name.c_str(),
                t->family.c_str(), stratus::arch_name(t->arch), t->vcpus);
    std::printf("memory:          %llu MiB (%llu MiB schedulable)\n", static_cast<unsigned long long>(t->memory_mib),
                static_cast<unsigned long long>(cfg.usable_memory_mib(*t)));
    if (t->gpus) std::printf("accelerators:    %u x %s\n", t->gpus, t->gpu_model.c_str());
    std::printf("EFA:             %s\nnetwork:         %g Gbps\n", t->efa ? "yes" : "no", t->network_gbps);
    const stratus::RegionOffer* r = t->in_region(cfg.region);
    std::string zones = r ? stratus::join(r->zones, ", ") : "";
    std::printf("zones (%s): %s\n", cfg.region.c_str(),
                r ? (zones.empty() ? "offered, zones unknown" : zones.c_str())
                  : t->regions.empty() ? "unknown" : ("not offered (offered in " + t->region_list() + ")").c_str());
    std::printf("on-demand (%s): %s\nspot (%s):      %s%s\n", cfg.region.c_str(),
                price_text(t->price(cfg.region, stratus::Capacity::on_demand)).c_str(), cfg.region.c_str(),
                price_text(t->price(cfg.region, stratus::Capacity::spot)).c_str(),
                r && r->spot_is_snapshot ? (std::string(" (snapshot ") + spot_range(*r) + ", SpotSnapshotPrice=" +
                                            stratus::spot_snapshot_end_name(cfg.spot_snapshot_end) + ")").c_str()
                                         : "");
    return 0;
}

int cmd_regions(const stratus::Config& cfg, const std::vector<std::string>& rest) {
    std::string type;
    bool csv = false;
    for (const std::string& o : rest) {
        if (o == "--csv") csv = true;
        else if (type.empty() && !o.empty() && o[0] != '-') type = o;
        else usage_error("regions: unexpected argument: " + o);
    }
    if (type.empty()) usage_error("regions: instance type missing");
    const stratus::InstanceType* t = cfg.catalog->find(type);
    if (!t) {
        std::fprintf(stderr, "stratus-catalog: unknown instance type: %s\n", type.c_str());
        return 1;
    }
    std::vector<const stratus::RegionOffer*> offers;
    for (const stratus::RegionOffer& r : t->regions) offers.push_back(&r);
    std::sort(offers.begin(), offers.end(), [](auto* a, auto* b) { return a->region < b->region; });
    const int od = static_cast<int>(stratus::Capacity::on_demand), spot = static_cast<int>(stratus::Capacity::spot);
    auto number = [](const std::optional<double>& v) { return v ? stratus::format_fixed(*v, 6) : std::string(); };
    if (csv) std::printf("instance_type,region,availability_zones,ondemand_usd_per_hour,spot_usd_per_hour,spot_basis\n");
    else std::printf("%-16s %-36s %14s %s\n", "REGION", "ZONES", "ON-DEMAND", "SPOT");
    for (const stratus::RegionOffer* r : offers) {
        if (csv) {
            std::printf("%s,%s,%s,%s,%s,%s\n", t->name.c_str(), r->region.c_str(), stratus::join(r->zones, ";").c_str(),
                        number(r->usd_per_hour[od]).c_str(), number(r->usd_per_hour[spot]).c_str(),
                        !r->usd_per_hour[spot] ? "" : r->spot_is_snapshot ? "snapshot" : "current");
            continue;
        }
        std::string zones = r->zones.empty() ? "-" : stratus::join(r->zones, ",");
        std::string spot_text = !r->usd_per_hour[spot]  ? "unknown"
                                : r->spot_is_snapshot ? price_text(r->usd_per_hour[spot]) + " (snapshot " + spot_range(*r) + ")"
                                                      : price_text(r->usd_per_hour[spot]);
        std::printf("%-16s %-36s %14s %s\n", r->region.c_str(), zones.c_str(), price_text(r->usd_per_hour[od]).c_str(),
                    spot_text.c_str());
    }
    if (offers.empty() && !csv) std::printf("(the catalog knows no region of %s)\n", t->name.c_str());
    return 0;
}

int cmd_list(const stratus::Config& cfg, const std::vector<std::string>& rest) {
    std::optional<stratus::Arch> arch;
    std::string family, partition;
    uint32_t min_gpus = 0;
    bool csv = false;
    for (size_t i = 0; i < rest.size(); ++i) {
        const std::string& o = rest[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= rest.size()) usage_error("list: " + o + " needs a value");
            return rest[++i];
        };
        if (o == "--arch") {
            std::string v = value();
            arch = stratus::parse_arch(v);
            if (!arch) usage_error("list: --arch: unknown architecture: " + v);
        } else if (o == "--family") family = value();
        else if (o == "--partition") partition = value();
        else if (o == "--min-gpus") {
            std::string v = value();
            auto n = stratus::parse_u64(v);
            if (!n || *n > 1000) usage_error("list: --min-gpus: not a number: " + v);
            min_gpus = static_cast<uint32_t>(*n);
        } else if (o == "--csv") csv = true;
        else usage_error("list: unknown option: " + o);
    }
    const stratus::PartitionConfig* part = nullptr;
    if (!partition.empty() && !(part = cfg.find_partition(partition))) {
        std::fprintf(stderr, "stratus-catalog: no partition %s in stratus.conf\n", partition.c_str());
        return 1;
    }
    if (csv) std::printf("instance_type,arch,vcpus,memory_mib,usable_memory_mib,gpus,gpu_model,efa,ondemand_usd_per_hour,spot_usd_per_hour\n");
    else std::printf("%-18s %-6s %6s %10s %6s %-12s %4s %14s\n", "TYPE", "ARCH", "VCPUS", "MEM_MIB", "GPUS", "GPU", "EFA",
                     ("USD/H " + cfg.region).c_str());
    for (const stratus::InstanceType& t : cfg.catalog->types()) {
        if (arch && t.arch != *arch) continue;
        if (!family.empty() && t.family != stratus::lower(family)) continue;
        if (t.gpus < min_gpus) continue;
        if (part) {
            bool in = false;
            for (const stratus::PartitionType& pt : part->types) in = in || pt.type == &t;
            if (!in) continue;
        }
        auto od = t.price(cfg.region, stratus::Capacity::on_demand);
        auto spot = t.price(cfg.region, stratus::Capacity::spot);
        if (csv) {
            std::printf("%s,%s,%u,%llu,%llu,%u,%s,%s,", t.name.c_str(), stratus::arch_name(t.arch), t.vcpus,
                        static_cast<unsigned long long>(t.memory_mib),
                        static_cast<unsigned long long>(cfg.usable_memory_mib(t)), t.gpus, t.gpu_model.c_str(),
                        t.efa ? "true" : "false");
            if (od) std::printf("%g", *od);
            std::printf(",");
            if (spot) std::printf("%g", *spot);
            std::printf("\n");
        } else {
            std::printf("%-18s %-6s %6u %10llu %6u %-12s %4s %14s\n", t.name.c_str(), stratus::arch_name(t.arch), t.vcpus,
                        static_cast<unsigned long long>(t.memory_mib), t.gpus, t.gpu_model.empty() ? "-" : t.gpu_model.c_str(),
                        t.efa ? "yes" : "no", od ? price_text(od).c_str() : "unknown");
        }
    }
    return 0;
}

struct RefreshArgs {
    std::string region, output, profile;
    std::vector<std::string> types;
};

RefreshArgs parse_refresh(const std::vector<std::string>& rest) {
    RefreshArgs r;
    for (size_t i = 0; i < rest.size(); ++i) {
        std::string o = rest[i], v;
        bool inline_value = false;
        if (o.rfind("--", 0) == 0 && o.find('=') != std::string::npos) {
            v = o.substr(o.find('=') + 1);
            o = o.substr(0, o.find('='));
            inline_value = true;
        }
        auto value = [&]() -> std::string {
            if (inline_value) return v;
            if (i + 1 >= rest.size()) usage_error("refresh: " + o + " needs a value");
            return rest[++i];
        };
        if (o == "--region") r.region = value();
        else if (o == "--output" || o == "-o") r.output = value();
        else if (o == "--profile") r.profile = value();
        else if (o == "--types") {
            for (const std::string& t : stratus::split_list(value())) r.types.push_back(stratus::lower(t));
            if (r.types.empty()) usage_error("refresh: --types is empty");
        } else usage_error("refresh: unexpected argument: " + rest[i]);
    }
    if (r.output.empty()) usage_error("refresh: --output FILE is required");
    return r;
}

void log_retry(const std::string& msg) noexcept {
    std::fprintf(stderr, "stratus-catalog: %s\n", msg.c_str());
}

int cmd_refresh(const stratus::Config& cfg, const std::vector<std::string>& rest) {
    RefreshArgs r = parse_refresh(rest);
    namespace aws = stratus::aws;
    std::string region = r.region;
    // The prices must be those of the region stratus.conf prices jobs in.
    if (region.empty() && !cfg.files.empty()) region = cfg.region;
    try {
        aws::SessionOptions so;
        so.region = region;
        so.profile = r.profile;
        aws::ClientConfig config = aws::make_client_config(so);
        config.on_retry = log_retry;
        config.timeout = std::chrono::seconds(60);  // price list pages can be large
        aws::ClientConfig ec2 = config, pricing = config;
        ec2.endpoint = cfg.burst.ec2_endpoint;  // stratus.conf; empty: environment, then AWS's
        pricing.endpoint = cfg.burst.pricing_endpoint;
        aws::CatalogRefresh result = aws::refresh_catalog(ec2, pricing, config.region, r.types);
        for (const std::string& w : result.warnings) std::fprintf(stderr, "stratus-catalog: warning: %s\n", w.c_str());
        if (result.rows.empty()) {
            std::fprintf(stderr, "stratus-catalog: no instance types found in %s; %s not written\n",
                         config.region.c_str(), r.output.c_str());
            return 1;
        }
        size_t od = 0, spot = 0;
        for (const aws::CatalogRow& row : result.rows) {
            od += row.ondemand_usd_per_hour.has_value();
            spot += row.spot_usd_per_hour.has_value();
        }
        std::vector<std::string> comment = {
            "Stratus instance catalog for " + config.region + ", written by stratus-catalog refresh at " +
                aws::format_iso8601(std::chrono::system_clock::now()) + ".",
            "Specs: EC2 DescribeInstanceTypes. On-demand: AWS Price List (Linux, shared tenancy).",
            "Spot: EC2 DescribeSpotPriceHistory (Linux/UNIX, latest price, lowest across zones).",
            "Zones: EC2 DescribeInstanceTypeOfferings (zone IDs).",
            "Use it with InstanceCatalog= in stratus.conf(5); empty cells mean unknown."};
        stratus::write_file_atomically(r.output, aws::catalog_csv(result.rows, comment));
        std::printf("%s: %zu instance types in %s, %zu with an on-demand price, %zu with a spot price\n",
                    r.output.c_str(), result.rows.size(), config.region.c_str(), od, spot);
        return 0;
    } catch (const aws::AwsError& e) {
        std::fprintf(stderr, "stratus-catalog: refresh: %s\n", e.what());
        return 1;
    } catch (const std::system_error& e) {
        std::fprintf(stderr, "stratus-catalog: refresh: %s\n", e.what());
        return 1;
    }
}

int run(int argc, char** argv) {
    Args a;
    a.conf = stratus::default_stratus_conf_path(STRATUS_SLURM_CONFDIR);
    int i = 1;
    for (; i < argc; ++i) {
        std::string o = argv[i];
        if (o == "-h" || o == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        }
        if (o == "--conf" && i + 1 < argc) {
            a.conf = argv[++i];
            a.conf_given = true;
        } else if (o.rfind("--conf=", 0) == 0) {
            a.conf = o.substr(7);
            a.conf_given = true;
        } else if (!o.empty() && o[0] == '-') {
            usage_error("unknown option: " + o);
        } else {
            break;
        }
    }
    if (i >= argc) usage_error("no command given");
    a.command = argv[i++];
    for (; i < argc; ++i) a.rest.emplace_back(argv[i]);

    stratus::Config cfg;
    try {
        cfg = stratus::load_config_or_default(a.conf, a.conf_given,
                                              stratus::default_slurm_conf_path(STRATUS_SLURM_CONFDIR));
    } catch (const stratus::ConfigError& e) {
        std::fprintf(stderr, "stratus-catalog: %s\n", e.what());
        return 1;
    }
    if (a.command == "check") {
        if (!a.rest.empty()) usage_error("check takes no arguments");
        for (const std::string& w : cfg.warnings) std::fprintf(stderr, "stratus-catalog: warning: %s\n", w.c_str());
        std::printf("%s: %s: %zu partitions, %zu instance types, region %s\n", a.conf.c_str(),
                    cfg.warnings.empty() ? "OK" : "loads with warnings", cfg.partitions.size(),
                    cfg.catalog->types().size(), cfg.region.c_str());
        return cfg.warnings.empty() ? 0 : 1;
    }
    if (a.command == "refresh") return cmd_refresh(cfg, a.rest);
    if (a.command == "list") return cmd_list(cfg, a.rest);
    if (a.command == "show") return cmd_show(cfg, a.rest);
    if (a.command == "regions") return cmd_regions(cfg, a.rest);
    if (a.command == "node-line") return cmd_node_line(cfg, a.rest);
    usage_error("unknown command: " + a.command);
}

void report(const char* where, const char* what) noexcept { std::fprintf(stderr, "stratus-catalog: %s: %s\n", where, what); }

}  // namespace

int main(int argc, char** argv) { return stratus::guarded("main", 1, report, [&] { return run(argc, argv); }); }
