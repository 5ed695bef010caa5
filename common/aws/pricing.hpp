// AWS Price List (awsJson 1.1, X-Amz-Target AWSPriceListService.GetProducts),
// reached at the us-east-1 endpoint and signed for us-east-1 whatever
// region the prices are for.
//
// Errors: parse_get_products throws JsonParseError; PricingClient methods
// throw AwsError (an unreadable answer is MalformedResponse) or std::bad_alloc.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"

namespace stratus::aws::pricing {

struct ProductFilter {
    std::string field, value;  // Type TERM_MATCH
};

// The filters for on-demand Linux, shared tenancy, no pre-installed
// software, capacitystatus Used, in `region` (regionCode).
std::vector<ProductFilter> linux_on_demand_filters(const std::string& region);

std::string serialize_get_products(const std::string& service_code, const std::vector<ProductFilter>& filters,
                                   const std::string& next_token, std::optional<int> max_results);

struct OnDemandPrice {
    std::string instance_type;
    double usd_per_hour = 0;
    std::string sku;
    std::string region_code;        // attributes.regionCode ("" when absent)
    std::string operating_system;   // attributes.operatingSystem
};

struct ProductsPage {
    std::vector<OnDemandPrice> prices;  // one per PriceList entry that has an hourly USD on-demand price
    size_t entries = 0;                 // PriceList entries read
    std::string next_token;
};

// Parses a GetProducts answer. Each PriceList entry is a JSON document in a
// JSON string (newer APIs may send an object; both are read). Entries
// without an instanceType or an hourly USD on-demand price are skipped.
// Throws JsonParseError for an answer (or entry) that is not JSON.
ProductsPage parse_get_products(std::string_view json);

class PricingClient {
public:
    // config.region is ignored for signing and the default endpoint (us-east-1).
    explicit PricingClient(ClientConfig config);

    // GetProducts for AmazonEC2 with these filters, following NextToken.
    std::vector<OnDemandPrice> get_products(const std::vector<ProductFilter>& filters);

    // instance type -> USD per hour, on-demand Linux in `region`. When the
    // price list has several products for one type, the lowest non-zero
    // price is kept.
    std::map<std::string, double> linux_on_demand_prices(const std::string& region);

    ServiceClient& service() noexcept { return client_; }

private:
    ServiceClient client_;
};

}  // namespace stratus::aws::pricing
