// The instance catalog: EC2 instance types with their specs and prices.
// The built-in data (data/ec2-instance-types.csv) is compiled in; admins
// layer their own CSV files on top to add types or override specs/prices.
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

struct RegionPrice {
    std::string region;
    std::optional<double> usd_per_hour[2];  // indexed by Capacity
};

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
    std::vector<RegionPrice> prices;

    std::optional<double> price(std::string_view region, Capacity c) const noexcept;
};

class Catalog {
public:
    // The compiled-in catalog. Throws ConfigError only if the embedded data
    // is corrupt (a build defect).
    static Catalog builtin();

    // Merges CSV text: rows naming a known type override the non-empty
    // cells; unknown types are added (arch, vcpus and memory_mib required).
    // Columns are named by the header line (see stratus.conf(5)).
    // Throws ConfigError(source, line, column, ...) and leaves *this
    // unchanged on error (strong guarantee).
    // Lines hold at most kMaxLineBytes (file.hpp).
    void merge_csv(std::string_view text, const std::string& source);

    const InstanceType* find(std::string_view name) const;
    bool has_family(std::string_view family) const;
    const std::vector<InstanceType>& types() const noexcept { return types_; }

private:
    std::vector<InstanceType> types_;
    std::unordered_map<std::string, size_t> index_;
};

}  // namespace stratus
