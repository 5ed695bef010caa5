#include "aws/catalog_refresh.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <set>
#include <system_error>

#include "aws/pricing.hpp"
#include "text.hpp"

namespace stratus::aws {

std::map<std::string, double> latest_spot_prices(const std::vector<ec2::SpotPrice>& history, const std::string& product) {
    struct Latest {
        TimePoint when;
        std::string raw;  // timestamps that do not parse compare as text
        double price;
    };
    std::map<std::pair<std::string, std::string>, Latest> per_zone;
    for (const ec2::SpotPrice& s : history) {
        if (!product.empty() && s.product_description != product) continue;
        if (s.instance_type.empty() || s.usd_per_hour <= 0) continue;
        TimePoint when = parse_iso8601(s.timestamp).value_or(TimePoint{});
        auto key = std::make_pair(s.instance_type, s.availability_zone);
        auto it = per_zone.find(key);
        if (it == per_zone.end() || when > it->second.when ||
            (when == it->second.when && s.timestamp > it->second.raw))
            per_zone[key] = Latest{when, s.timestamp, s.usd_per_hour};
    }
    std::map<std::string, double> out;
    for (const auto& [key, latest] : per_zone) {
        auto it = out.find(key.first);
        if (it == out.end() || latest.price < it->second) out[key.first] = latest.price;
    }
    return out;
}

namespace {

std::string gpu_model_name(const std::string& name) {
    std::string out;
    for (char c : lower(trim(name))) {
        if (c == ' ' || c == '\t' || c == '_') {
            if (!out.empty() && out.back() != '-') out += '-';
        } else if (c != ',' && c != '"' && c != '#') {
            out += c;
        }
    }
    return out;
}

std::string price_cell(const std::optional<double>& p) {
    if (!p) return "";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.10g", *p);
    return buf;
}

}  // namespace

std::vector<CatalogRow> build_catalog_rows(const std::string& region, const std::vector<ec2::InstanceTypeInfo>& types,
                                           const std::map<std::string, double>& ondemand,
                                           const std::map<std::string, double>& spot,
                                           const std::map<std::string, std::vector<std::string>>& zones,
                                           const std::vector<std::string>& only, std::vector<std::string>* warnings) {
    std::set<std::string> wanted;
    for (const std::string& t : only) wanted.insert(lower(t));
    std::set<std::string> seen;
    std::vector<CatalogRow> rows;
    for (const ec2::InstanceTypeInfo& t : types) {
        std::string name = lower(t.instance_type);
        if (name.empty() || seen.count(name)) continue;
        if (!wanted.empty() && !wanted.count(name)) continue;
        seen.insert(name);
        const auto& archs = t.architectures;
        std::string arch;
        if (std::find(archs.begin(), archs.end(), "arm64") != archs.end()) arch = "arm64";
        else if (std::find(archs.begin(), archs.end(), "x86_64") != archs.end()) arch = "x86_64";
        if (arch.empty() || t.vcpus == 0 || t.memory_mib == 0) {
            if (warnings) warnings->push_back(name + ": skipped (no x86_64/arm64 architecture, vCPUs or memory)");
            continue;
        }
        CatalogRow r;
        r.instance_type = name;
        r.arch = arch;
        r.vcpus = t.vcpus;
        r.memory_mib = t.memory_mib;
        r.gpus = t.gpus;
        r.gpu_model = t.gpus ? gpu_model_name(t.gpu_model) : "";
        r.efa = t.efa;
        r.region = region;
        if (auto it = ondemand.find(t.instance_type); it != ondemand.end()) r.ondemand_usd_per_hour = it->second;
        if (auto it = spot.find(t.instance_type); it != spot.end()) r.spot_usd_per_hour = it->second;
        if (auto it = zones.find(name); it != zones.end()) r.zones = it->second;
        rows.push_back(std::move(r));
    }
    for (const std::string& w : wanted)
        if (!seen.count(w) && warnings) warnings->push_back(w + ": not offered in " + region + " (DescribeInstanceTypes)");
    std::sort(rows.begin(), rows.end(),
              [](const CatalogRow& a, const CatalogRow& b) { return a.instance_type < b.instance_type; });
    return rows;
}

std::string catalog_csv(const std::vector<CatalogRow>& rows, const std::vector<std::string>& comment) {
    std::string out;
    for (const std::string& c : comment) out += "# " + c + "\n";
    out += kCatalogCsvHeader;
    out += '\n';
    for (const CatalogRow& r : rows) {
        out += r.instance_type + "," + r.arch + "," + std::to_string(r.vcpus) + "," + std::to_string(r.memory_mib) + "," +
               std::to_string(r.gpus) + "," + r.gpu_model + "," + (r.efa ? "true" : "false") + "," + r.region + "," +
               join(r.zones, ";") + "," + price_cell(r.ondemand_usd_per_hour) + "," + price_cell(r.spot_usd_per_hour) + "\n";
    }
    return out;
}


CatalogRefresh refresh_catalog(const ClientConfig& config, const std::string& region,
                               const std::vector<std::string>& only) {
    return refresh_catalog(config, config, region, only);
}

CatalogRefresh refresh_catalog(const ClientConfig& ec2_config, const ClientConfig& pricing_config,
                               const std::string& region, const std::vector<std::string>& only) {
    CatalogRefresh out;
    ClientConfig config = ec2_config;
    config.region = region;
    ec2::Ec2Client ec2(config);
    pricing::PricingClient pricing(pricing_config);

    std::vector<std::string> types;
    for (const std::string& t : only) types.push_back(lower(t));
    std::vector<ec2::InstanceTypeInfo> infos = ec2.describe_instance_types(types);

    std::map<std::string, double> ondemand = pricing.linux_on_demand_prices(region);
    out.price_list_products = ondemand.size();

    ec2::SpotPriceQuery q;
    q.instance_types = types;
    q.product_descriptions = {"Linux/UNIX"};
    // From "now": EC2 then returns the price in force in each zone.
    q.start_time = (config.clock ? config.clock : system_clock())->now();
    std::vector<ec2::SpotPrice> history = ec2.describe_spot_price_history(q);
    out.spot_records = history.size();
    std::map<std::string, double> spot = latest_spot_prices(history);

    std::map<std::string, std::vector<std::string>> zones;
    try {
        zones = ec2.zones_offering(types);
    } catch (const AwsError& e) {
        out.warnings.push_back(std::string("no zones: DescribeInstanceTypeOfferings failed: ") + e.what());
    }

    out.rows = build_catalog_rows(region, infos, ondemand, spot, zones, only, &out.warnings);
    return out;
}

}  // namespace stratus::aws
