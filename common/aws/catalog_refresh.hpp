// Builds an instance-catalog CSV (the format of stratus.conf(5) "CATALOG
// FILES", read by Catalog::merge_csv) from live AWS data:
//   specs      EC2 DescribeInstanceTypes
//   on-demand  Price List GetProducts (Linux, shared tenancy, no
//              pre-installed software, capacitystatus Used)
//   spot       EC2 DescribeSpotPriceHistory (Linux/UNIX): per zone the
//              newest price, then the lowest across zones
//   zones      EC2 DescribeInstanceTypeOfferings (zone IDs)
// and writes it atomically, so slurmctld's plugin, which reloads changed
// catalog files by itself, never reads a half-written file.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "aws/client.hpp"
#include "aws/ec2.hpp"

namespace stratus::aws {

struct CatalogRow {
    std::string instance_type;
    std::string arch;  // "x86_64" or "arm64"
    uint32_t vcpus = 0;
    uint64_t memory_mib = 0;
    uint32_t gpus = 0;
    std::string gpu_model;  // lower case, spaces as '-'; "" without accelerators
    bool efa = false;
    std::string region;
    std::vector<std::string> zones;  // zone IDs that offer the type; empty: not known
    std::optional<double> ondemand_usd_per_hour, spot_usd_per_hour;
};

// The header line of catalog_csv().
inline constexpr const char* kCatalogCsvHeader =
    "instance_type,arch,vcpus,memory_mib,gpus,gpu_model,efa,region,availability_zones,ondemand_usd_per_hour,"
    "spot_usd_per_hour";

// Per (type, zone) the newest record (by timestamp), then per type the
// lowest of those. Records of other product descriptions than
// `product` are ignored (empty `product`: all count).
std::map<std::string, double> latest_spot_prices(const std::vector<ec2::SpotPrice>& history,
                                                 const std::string& product = "Linux/UNIX");

// One row per instance type of `types` that runs x86_64 or arm64, sorted
// by name. When `only` is not empty, only those types (others named there
// but missing from `types` are reported in `warnings`).
std::vector<CatalogRow> build_catalog_rows(const std::string& region, const std::vector<ec2::InstanceTypeInfo>& types,
                                           const std::map<std::string, double>& ondemand,
                                           const std::map<std::string, double>& spot,
                                           const std::map<std::string, std::vector<std::string>>& zones,
                                           const std::vector<std::string>& only, std::vector<std::string>* warnings);

// The CSV text: `comment` lines (each prefixed "# "), the header, the rows.
// Unknown prices are empty cells.
std::string catalog_csv(const std::vector<CatalogRow>& rows, const std::vector<std::string>& comment);

struct CatalogRefresh {
    std::vector<CatalogRow> rows;
    std::vector<std::string> warnings;
    size_t price_list_products = 0;  // on-demand prices found
    size_t spot_records = 0;         // spot price records read
};

// Calls the four APIs (an EC2 client built from `ec2_config` with its
// region set to `region`, a Pricing client from `pricing_config`) and
// builds the rows for `region` (`only`: restrict to these types). A failed
// DescribeInstanceTypeOfferings is a warning: the rows then have no zones.
// Throws AwsError (and std::bad_alloc).
CatalogRefresh refresh_catalog(const ClientConfig& ec2_config, const ClientConfig& pricing_config,
                               const std::string& region, const std::vector<std::string>& only);
// The same with one configuration for both services (an explicit
// config.endpoint then applies to both; endpoints from AWS_ENDPOINT_URL_EC2
// and AWS_ENDPOINT_URL_PRICING still differ).
CatalogRefresh refresh_catalog(const ClientConfig& config, const std::string& region,
                               const std::vector<std::string>& only);

}  // namespace stratus::aws
