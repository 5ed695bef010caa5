#include "burst/fleet.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "burst/sha256.hpp"
#include "text.hpp"

namespace stratus::burst {

bool instance_not_found(const aws::AwsError& e) noexcept {
    return e.code().rfind("InvalidInstanceID.NotFound", 0) == 0;
}

std::vector<ec2::Instance> describe_known(Ec2Api& ec2, const std::vector<std::string>& ids) {
    if (ids.empty()) return {};
    try {
        return ec2.describe_instances(ids, {});
    } catch (const aws::AwsError& e) {
        if (!instance_not_found(e)) throw;
    }
    std::vector<ec2::Instance> out;
    for (const std::vector<std::string>& chunk : batches(ids, 200))
        for (ec2::Instance& i : ec2.describe_instances({}, {ec2::Filter{"instance-id", chunk}})) out.push_back(std::move(i));
    return out;
}

std::string fleet_client_token(const std::string& cluster, std::vector<NodeGeneration> nodes, unsigned attempt) {
    std::sort(nodes.begin(), nodes.end(),
              [](const NodeGeneration& a, const NodeGeneration& b) { return a.node < b.node; });
    std::string text = "stratus-fleet-v1\n" + cluster + "\n" + std::to_string(attempt) + "\n";
    for (const NodeGeneration& n : nodes) text += n.node + "=" + std::to_string(n.generation) + "\n";
    return "stratus-" + sha256_hex(text).substr(0, 48);
}

namespace {

bool skipped(const std::vector<ZoneSkip>& skips, const std::string& type, const std::string& subnet) {
    for (const ZoneSkip& z : skips)
        if (z.instance_type == type && z.subnet == subnet) return true;
    return false;
}

}  // namespace

std::vector<ZoneSkip> zone_skips(const FleetSpec& spec) {
    std::vector<ZoneSkip> out;
    for (const std::string& name : spec.types) {
        const InstanceType* type = nullptr;
        for (const PartitionType& pt : spec.partition->types)
            if (pt.type->name == name) type = pt.type;
        if (!type) continue;
        for (const std::string& subnet : spec.partition->subnets) {
            auto zone = spec.subnet_zones.find(subnet);
            if (zone == spec.subnet_zones.end()) continue;
            if (type->offered_in_zone(spec.region, zone->second) == Offered::no)
                out.push_back(ZoneSkip{name, subnet, zone->second});
        }
    }
    return out;
}

ec2::CreateFleetRequest build_fleet_request(const FleetSpec& spec, uint32_t count, const std::string& client_token) {
    const PartitionConfig& p = *spec.partition;
    if (p.launch_template.empty())
        throw std::invalid_argument("partition " + p.name + " has no LaunchTemplate in stratus.conf");
    ec2::CreateFleetRequest r;
    ec2::LaunchTemplateConfig lt;
    if (p.launch_template.rfind("lt-", 0) == 0) lt.launch_template.id = p.launch_template;
    else lt.launch_template.name = p.launch_template;
    lt.launch_template.version = p.launch_template_version;
    const std::vector<ZoneSkip> skips = zone_skips(spec);
    double rank = 0;
    for (const std::string& type : spec.types) {
        if (p.subnets.empty()) {
            ec2::FleetOverride o;
            o.instance_type = type;
            o.priority = rank;
            lt.overrides.push_back(std::move(o));
        }
        for (const std::string& subnet : p.subnets) {
            if (skipped(skips, type, subnet)) continue;
            ec2::FleetOverride o;
            o.instance_type = type;
            o.subnet_id = subnet;
            o.priority = rank;
            lt.overrides.push_back(std::move(o));
        }
        rank += 1;
    }
    if (lt.overrides.empty()) {
        std::vector<std::string> subnets;
        for (const std::string& s : p.subnets) {
            auto z = spec.subnet_zones.find(s);
            subnets.push_back(s + (z == spec.subnet_zones.end() ? "" : " in " + z->second));
        }
        throw std::invalid_argument("partition " + p.name + ": no subnet is in a zone that offers " +
                                    join(spec.types, ", ") + " (" + join(subnets, ", ") + "); fix Subnets= in stratus.conf");
    }
    r.launch_template_configs.push_back(std::move(lt));
    r.total_target_capacity = count;
    ec2::FleetOptions options;
    options.allocation_strategy = p.allocation_strategy;
    if (spec.capacity == Capacity::spot) {
        r.default_target_capacity_type = ec2::CapacityType::spot;
        r.spot_target_capacity = count;
        if (!options.allocation_strategy.empty()) r.spot_options = options;
    } else {
        r.default_target_capacity_type = ec2::CapacityType::on_demand;
        r.on_demand_target_capacity = count;
        if (!options.allocation_strategy.empty()) r.on_demand_options = options;
    }
    if (!spec.tags.empty()) r.tag_specifications.push_back(ec2::TagSpecification{"instance", spec.tags});
    r.client_token = client_token;
    return r;
}

std::string zone_in_text(const std::string& text) {
    // REGION-ZONE: letters, '-', letters (one or more groups), '-', digit, letter.
    for (size_t i = 0; i < text.size(); ++i) {
        if (!std::islower(static_cast<unsigned char>(text[i])) || (i > 0 && std::isalnum(static_cast<unsigned char>(text[i - 1]))))
            continue;
        size_t j = i;
        int groups = 0;
        while (j < text.size()) {
            size_t k = j;
            while (k < text.size() && std::islower(static_cast<unsigned char>(text[k]))) ++k;
            if (k == j || k >= text.size() || text[k] != '-') break;
            ++groups;
            j = k + 1;
        }
        if (groups >= 2 && j + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[j])) &&
            std::islower(static_cast<unsigned char>(text[j + 1])) &&
            (j + 2 >= text.size() || !std::isalnum(static_cast<unsigned char>(text[j + 2]))))
            return text.substr(i, j + 2 - i);
    }
    return "";
}

LaunchError launch_error(const ec2::FleetError& e) {
    LaunchError l;
    l.code = e.code.empty() ? "UnknownError" : e.code;
    l.message = e.message;
    l.instance_type = e.instance_type;
    l.availability_zone = !e.availability_zone.empty() ? e.availability_zone : zone_in_text(e.message);
    return l;
}

std::string failure_reason(const std::vector<LaunchError>& errors) {
    std::vector<std::string> codes;
    for (const LaunchError& e : errors)
        if (std::find(codes.begin(), codes.end(), e.code) == codes.end()) codes.push_back(e.code);
    std::string out = "stratus: ";
    for (size_t c = 0; c < codes.size(); ++c) {
        if (c) out += "; ";
        out += codes[c];
        std::vector<std::string> items;
        for (const LaunchError& e : errors) {
            if (e.code != codes[c] || e.instance_type.empty()) continue;
            std::string item = e.instance_type + (e.availability_zone.empty() ? "" : " in " + e.availability_zone);
            if (std::find(items.begin(), items.end(), item) == items.end()) items.push_back(item);
        }
        for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : " for ") + items[i];
        if (items.empty())
            for (const LaunchError& e : errors)
                if (e.code == codes[c] && !e.message.empty()) {
                    out += ": " + e.message;
                    break;
                }
    }
    if (codes.empty()) out += "launch failed";
    if (out.size() > 240) out = out.substr(0, 237) + "...";
    return out;
}

}  // namespace stratus::burst
