// The instance catalog: EC2 instance types with their specs, the regions and
// zones that offer them, and their prices there. The built-in data
// (data/ec2-instance-types.csv for specs, data/ec2-prices-by-region.csv for
// offerings and prices in 24 regions) is compiled in; admins layer their own
// CSV files on top to add types or regions or override specs and prices.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace stratus {

enum class Arch { x86_64, arm64 };
// Accepts x86_64/amd64 and arm64/aarch64 (any case).
std::optional<Arch> parse_arch(std::string_view s) noexcept;
const char* arch_name(Arch a) noexcept;
// The architecture of the machine this code was compiled for.
Arch host_arch() noexcept;

enum class Capacity { on_demand, spot };
// Accepts on-demand/ondemand and spot (any case).
std::optional<Capacity> parse_capacity(std::string_view s) noexcept;
const char* capacity_name(Capacity c) noexcept;

// What one region offers of one instance type, and at what price.
struct RegionOffer {
    std::string region;
    std::vector<std::string> zones;  // zone IDs (use1-az6) that offer the type; empty: not known
    std::optional<double> usd_per_hour[2];  // by Capacity; spot: a current price (refresh, admin file)
    // The spot price range over the zones in a past snapshot (the built-in data).
    std::optional<double> spot_snapshot_min, spot_snapshot_max;
    bool spot_is_snapshot = false;  // usd_per_hour[spot] came from the snapshot (Catalog::price_spot_from_snapshot)
};

// Whether a region offers a type, as the catalog knows it.
enum class Offered { yes, no, unknown };

// Which end of the snapshot's spot range prices spot capacity (SpotSnapshotPrice=).
enum class SpotSnapshotEnd { max, min };
std::optional<SpotSnapshotEnd> parse_spot_snapshot_end(std::string_view s) noexcept;
const char* spot_snapshot_end_name(SpotSnapshotEnd e) noexcept;
// "spot_snapshot_max": how the AdminComment names a price from that end.
const char* spot_snapshot_basis_name(SpotSnapshotEnd e) noexcept;

struct InstanceType {
    std::string name;
    std::string family;
    Arch arch = Arch::x86_64;
    uint32_t vcpus = 0;
    uint64_t memory_mib = 0;
    uint32_t gpus = 0;           // accelerators (GPUs, or Neuron devices for trn/inf)
    std::string gpu_model;       // lower case, e.g. "h100"; empty without GPUs
    uint64_t gpu_memory_mib = 0; // per GPU; 0 = unknown
    bool efa = false;
    double network_gbps = 0;
    std::vector<RegionOffer> regions;  // where the catalog knows it offered, in the order first read

    const RegionOffer* in_region(std::string_view region) const noexcept;
    std::optional<double> price(std::string_view region, Capacity c) const noexcept;
    // unknown when the catalog knows no region of the type at all (an admin's
    // type without prices), else whether `region` is one of them.
    Offered offered_in(std::string_view region) const noexcept;
    // no when the region's zones are known and `zone_id` is not one of them.
    Offered offered_in_zone(std::string_view region, std::string_view zone_id) const noexcept;
    // "eu-north-1, eu-west-1" (sorted), "" when none.
    std::string region_list() const;
};

class Catalog {
public:
    // The compiled-in catalog (parsed once per process, then copied). Throws
    // ConfigError only if the embedded data is corrupt (a build defect).
    static Catalog builtin();

    // Merges CSV text: rows naming a known type override the non-empty
    // cells; unknown types are added (arch, vcpus and memory_mib required).
    // Columns are named by the header line (see stratus.conf(5)).
    // Throws ConfigError(source, line, column, ...) and leaves *this
    // unchanged on error (strong guarantee).
    // Lines hold at most kMaxLineBytes (file.hpp). A row with a region cell
    // declares that the region offers the type, even with no other cell.
    // UnknownTypes::skip ignores rows of types not yet known (the built-in
    // offerings file covers types the specs lack).
    enum class UnknownTypes { add, skip };
    void merge_csv(std::string_view text, const std::string& source, UnknownTypes unknown = UnknownTypes::add);

    // Where no current spot price is known for a region, prices spot at the
    // chosen end of the snapshot's range and marks it spot_is_snapshot.
    void price_spot_from_snapshot(SpotSnapshotEnd end);

    // Whether any type is known in `region`.
    bool knows_region(std::string_view region) const noexcept;

    const InstanceType* find(std::string_view name) const;
    bool has_family(std::string_view family) const;
    const std::vector<InstanceType>& types() const noexcept { return types_; }

private:
    std::vector<InstanceType> types_;
    std::unordered_map<std::string, size_t> index_;
};

}  // namespace stratus
