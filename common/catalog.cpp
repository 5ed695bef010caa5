#include "catalog.hpp"

#include <algorithm>

#include "error.hpp"
#include "file.hpp"
#include "text.hpp"

namespace stratus {

extern const char* const kBuiltinCatalogCsv;    // generated from data/ec2-instance-types.csv
extern const char* const kBuiltinOfferingsCsv;  // generated from data/ec2-prices-by-region.csv

std::optional<Arch> parse_arch(std::string_view s) noexcept {
    if (iequals(s, "x86_64") || iequals(s, "amd64")) return Arch::x86_64;
    if (iequals(s, "arm64") || iequals(s, "aarch64")) return Arch::arm64;
    return std::nullopt;
}

const char* arch_name(Arch a) noexcept { return a == Arch::arm64 ? "arm64" : "x86_64"; }

Arch host_arch() noexcept {
#if defined(__aarch64__)
    return Arch::arm64;
#else
    return Arch::x86_64;
#endif
}

std::optional<Capacity> parse_capacity(std::string_view s) noexcept {
    if (iequals(s, "on-demand") || iequals(s, "ondemand")) return Capacity::on_demand;
    if (iequals(s, "spot")) return Capacity::spot;
    return std::nullopt;
}

const char* capacity_name(Capacity c) noexcept { return c == Capacity::spot ? "spot" : "on-demand"; }

std::optional<SpotSnapshotEnd> parse_spot_snapshot_end(std::string_view s) noexcept {
    if (iequals(s, "max")) return SpotSnapshotEnd::max;
    if (iequals(s, "min")) return SpotSnapshotEnd::min;
    return std::nullopt;
}

const char* spot_snapshot_end_name(SpotSnapshotEnd e) noexcept { return e == SpotSnapshotEnd::min ? "min" : "max"; }

const char* spot_snapshot_basis_name(SpotSnapshotEnd e) noexcept {
    return e == SpotSnapshotEnd::min ? "spot_snapshot_min" : "spot_snapshot_max";
}

const RegionOffer* InstanceType::in_region(std::string_view region) const noexcept {
    for (const RegionOffer& r : regions)
        if (r.region == region) return &r;
    return nullptr;
}

std::optional<double> InstanceType::price(std::string_view region, Capacity c) const noexcept {
    const RegionOffer* r = in_region(region);
    return r ? r->usd_per_hour[static_cast<int>(c)] : std::nullopt;
}

Offered InstanceType::offered_in(std::string_view region) const noexcept {
    if (regions.empty()) return Offered::unknown;
    return in_region(region) ? Offered::yes : Offered::no;
}

Offered InstanceType::offered_in_zone(std::string_view region, std::string_view zone_id) const noexcept {
    const RegionOffer* r = in_region(region);
    if (!r) return regions.empty() ? Offered::unknown : Offered::no;
    if (r->zones.empty() || zone_id.empty()) return Offered::unknown;
    return std::find(r->zones.begin(), r->zones.end(), zone_id) != r->zones.end() ? Offered::yes : Offered::no;
}

std::string InstanceType::region_list() const {
    std::vector<std::string> names;
    for (const RegionOffer& r : regions) names.push_back(r.region);
    std::sort(names.begin(), names.end());
    return join(names, ", ");
}

namespace {

// Column kinds a catalog CSV may have. "ondemand_usd_per_hour_us_east_1"
// style columns carry a region in their name (the built-in file's form);
// "region" + "ondemand_usd_per_hour"/"spot_usd_per_hour" carry it in a cell.
enum class Col { name, family, arch, vcpus, memory, gpus, gpu_model, gpu_memory, efa, network, region,
                 zones, ondemand, spot, spot_min, spot_max, ondemand_in_region };

// Zone IDs per region cell: a region has a handful of zones and local zones.
constexpr size_t kMaxZonesPerRegion = 64;

struct Column {
    Col kind;
    std::string header;
    std::string region;  // for ondemand_in_region
};

std::vector<std::string> split_csv_row(std::string_view line) {
    // The catalog never quotes cells: commas cannot appear in any field.
    std::vector<std::string> cells;
    size_t start = 0;
    while (true) {
        size_t comma = line.find(',', start);
        cells.emplace_back(trim(line.substr(start, comma == std::string_view::npos ? line.npos : comma - start)));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return cells;
}

Column parse_header_cell(const std::string& cell, const std::string& source, unsigned lineno) {
    static const struct { const char* name; Col kind; } fixed[] = {
        {"instance_type", Col::name}, {"family", Col::family}, {"arch", Col::arch}, {"vcpus", Col::vcpus},
        {"memory_mib", Col::memory}, {"gpus", Col::gpus}, {"gpu_model", Col::gpu_model},
        {"gpu_memory_mib", Col::gpu_memory}, {"efa", Col::efa}, {"network_gbps", Col::network},
        {"region", Col::region}, {"availability_zones", Col::zones}, {"ondemand_usd_per_hour", Col::ondemand},
        {"on_demand_usd_per_hour", Col::ondemand}, {"spot_usd_per_hour", Col::spot},
        {"spot_usd_per_hour_min", Col::spot_min}, {"spot_usd_per_hour_max", Col::spot_max}};
    std::string h = lower(cell);
    for (const auto& f : fixed)
        if (h == f.name) return Column{f.kind, h, ""};
    static const std::string prefix = "ondemand_usd_per_hour_";
    if (h.compare(0, prefix.size(), prefix) == 0 && h.size() > prefix.size()) {
        std::string region = h.substr(prefix.size());
        for (char& c : region)
            if (c == '_') c = '-';
        return Column{Col::ondemand_in_region, h, region};
    }
    throw ConfigError(source, lineno, cell, "unknown catalog column");
}

RegionOffer& region_entry(InstanceType& t, const std::string& region) {
    for (RegionOffer& r : t.regions)
        if (r.region == region) return r;
    t.regions.push_back(RegionOffer{region, {}, {}, {}, {}, false});
    return t.regions.back();
}

// Region names (us-east-1) and zone IDs (use1-az6, use1-atl2-az1): lower-case
// letters, digits and '-', 32 characters at most.
bool is_location_name(std::string_view z) noexcept {
    if (z.empty() || z.size() > 32) return false;
    for (char c : z)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    return true;
}

}  // namespace

void Catalog::merge_csv(std::string_view text, const std::string& source, UnknownTypes unknown) {
    std::vector<InstanceType> types = types_;
    std::unordered_map<std::string, size_t> index = index_;

    std::vector<Column> columns;
    TextLines lines(text, source);
    std::string_view line;
    while (lines.next(line)) {
        unsigned lineno = lines.number();
        line = trim(line);
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> cells = split_csv_row(line);
        if (columns.empty()) {
            for (const std::string& c : cells) columns.push_back(parse_header_cell(c, source, lineno));
            bool has_name = false;
            for (const Column& c : columns) has_name |= c.kind == Col::name;
            if (!has_name) throw ConfigError(source, lineno, "instance_type", "header lacks the instance_type column");
            continue;
        }
        if (cells.size() != columns.size())
            throw ConfigError(source, lineno, "",
                              "expected " + std::to_string(columns.size()) + " cells, found " + std::to_string(cells.size()));

        std::string name, region;
        for (size_t i = 0; i < columns.size(); ++i) {
            if (columns[i].kind == Col::name) name = lower(cells[i]);
            if (columns[i].kind == Col::region) region = lower(cells[i]);
        }
        if (name.empty()) throw ConfigError(source, lineno, "instance_type", "empty instance type name");
        if (!region.empty() && !is_location_name(region))
            throw ConfigError(source, lineno, "region", "not a region name (us-east-1): " + region);
        auto found = index.find(name);
        bool is_new = found == index.end();
        if (is_new && unknown == UnknownTypes::skip) continue;
        InstanceType t = is_new ? InstanceType{} : types[found->second];
        t.name = name;
        bool has_arch = !is_new, has_vcpus = !is_new, has_memory = !is_new;
        if (!region.empty()) region_entry(t, region);  // the row says the region offers the type

        for (size_t i = 0; i < columns.size(); ++i) {
            const std::string& cell = cells[i];
            const Column& col = columns[i];
            if (cell.empty()) continue;  // empty cell: unknown, keep what we had
            auto bad = [&](const char* what) { return ConfigError(source, lineno, col.header, std::string(what) + ": " + cell); };
            auto number = [&]() {
                auto v = parse_u64(cell);
                if (!v || *v > 0xffffffffULL) throw bad("not a whole number");
                return *v;
            };
            auto decimal = [&]() {
                auto v = parse_decimal(cell);
                if (!v) throw bad("not a decimal number");
                return *v;
            };
            switch (col.kind) {
            case Col::name: case Col::region: break;
            case Col::family: t.family = lower(cell); break;
            case Col::arch: {
                auto a = parse_arch(cell);
                if (!a) throw bad("unknown architecture (x86_64 or arm64)");
                t.arch = *a;
                has_arch = true;
                break;
            }
            case Col::vcpus: t.vcpus = static_cast<uint32_t>(number()); has_vcpus = t.vcpus > 0; break;
            case Col::memory: t.memory_mib = number(); has_memory = t.memory_mib > 0; break;
            case Col::gpus: t.gpus = static_cast<uint32_t>(number()); break;
            case Col::gpu_model: t.gpu_model = lower(cell); break;
            case Col::gpu_memory: t.gpu_memory_mib = number(); break;
            case Col::efa: {
                auto b = parse_bool(cell);
                if (!b) throw bad("not true/false");
                t.efa = *b;
                break;
            }
            case Col::network: t.network_gbps = decimal(); break;
            case Col::ondemand_in_region:
                region_entry(t, col.region).usd_per_hour[static_cast<int>(Capacity::on_demand)] = decimal();
                break;
            case Col::zones: {
                if (region.empty()) throw ConfigError(source, lineno, col.header, "zones need a region cell");
                std::vector<std::string> zones;
                for (const std::string& z : split_list(cell, ';')) {
                    std::string id = lower(z);
                    if (!is_location_name(id)) throw bad("not a zone ID list (use1-az1;use1-az2)");
                    if (std::find(zones.begin(), zones.end(), id) != zones.end()) continue;
                    if (zones.size() == kMaxZonesPerRegion) throw bad("more than 64 zones");
                    zones.push_back(id);
                }
                region_entry(t, region).zones = std::move(zones);
                break;
            }
            case Col::ondemand:
            case Col::spot:
            case Col::spot_min:
            case Col::spot_max: {
                if (region.empty()) throw ConfigError(source, lineno, col.header, "a price needs a region cell");
                RegionOffer& r = region_entry(t, region);
                double usd = decimal();
                if (col.kind == Col::spot_min) r.spot_snapshot_min = usd;
                else if (col.kind == Col::spot_max) r.spot_snapshot_max = usd;
                else r.usd_per_hour[static_cast<int>(col.kind == Col::spot ? Capacity::spot : Capacity::on_demand)] = usd;
                break;
            }
            }
        }
        for (const RegionOffer& r : t.regions)
            if (r.spot_snapshot_min && r.spot_snapshot_max && *r.spot_snapshot_min > *r.spot_snapshot_max)
                throw ConfigError(source, lineno, "spot_usd_per_hour_min",
                                  "the spot range of " + name + " in " + r.region + " has its minimum above its maximum");
        if (!has_arch || !has_vcpus || !has_memory)
            throw ConfigError(source, lineno, "instance_type",
                              "new instance type " + name + " needs arch, vcpus and memory_mib");
        if (t.family.empty()) t.family = name.substr(0, name.find('.'));
        if (is_new) {
            index.emplace(name, types.size());
            types.push_back(std::move(t));
        } else {
            types[found->second] = std::move(t);
        }
    }
    if (columns.empty()) throw ConfigError(source, lines.number(), "", "no header line");
    types_ = std::move(types);
    index_ = std::move(index);
}

Catalog Catalog::builtin() {
    // Parsed once: every config load copies it (a copy costs a fraction of a parse).
    static const Catalog parsed = [] {
        Catalog c;
        c.merge_csv(kBuiltinCatalogCsv, "builtin:ec2-instance-types.csv");
        c.merge_csv(kBuiltinOfferingsCsv, "builtin:ec2-prices-by-region.csv", UnknownTypes::skip);
        return c;
    }();
    return parsed;
}

void Catalog::price_spot_from_snapshot(SpotSnapshotEnd end) {
    const int spot = static_cast<int>(Capacity::spot);
    for (InstanceType& t : types_)
        for (RegionOffer& r : t.regions) {
            if (r.usd_per_hour[spot] && !r.spot_is_snapshot) continue;  // a current price wins
            const std::optional<double>& snap = end == SpotSnapshotEnd::min ? r.spot_snapshot_min : r.spot_snapshot_max;
            r.usd_per_hour[spot] = snap;
            r.spot_is_snapshot = snap.has_value();
        }
}

bool Catalog::knows_region(std::string_view region) const noexcept {
    for (const InstanceType& t : types_)
        if (t.in_region(region)) return true;
    return false;
}

const InstanceType* Catalog::find(std::string_view name) const {
    auto it = index_.find(lower(name));
    return it == index_.end() ? nullptr : &types_[it->second];
}

bool Catalog::has_family(std::string_view family) const {
    std::string f = lower(family);
    for (const InstanceType& t : types_)
        if (t.family == f) return true;
    return false;
}

}  // namespace stratus
