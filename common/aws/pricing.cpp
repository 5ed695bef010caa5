#include "aws/pricing.hpp"

#include "aws/json_doc.hpp"
#include "text.hpp"

namespace stratus::aws::pricing {

std::vector<ProductFilter> linux_on_demand_filters(const std::string& region) {
    return {{"regionCode", region},
            {"operatingSystem", "Linux"},
            {"tenancy", "Shared"},
            {"preInstalledSw", "NA"},
            {"capacitystatus", "Used"}};
}

std::string serialize_get_products(const std::string& service_code, const std::vector<ProductFilter>& filters,
                                   const std::string& next_token, std::optional<int> max_results) {
    JsonPtr o = json_new_object();
    json_set(o.get(), "ServiceCode", json_new_string(service_code));
    JsonPtr list = json_new_array();
    for (const ProductFilter& f : filters) {
        JsonPtr item = json_new_object();
        json_set(item.get(), "Type", json_new_string("TERM_MATCH"));
        json_set(item.get(), "Field", json_new_string(f.field));
        json_set(item.get(), "Value", json_new_string(f.value));
        json_append(list.get(), std::move(item));
    }
    json_set(o.get(), "Filters", std::move(list));
    json_set(o.get(), "FormatVersion", json_new_string("aws_v1"));
    if (!next_token.empty()) json_set(o.get(), "NextToken", json_new_string(next_token));
    if (max_results) json_set(o.get(), "MaxResults", json_new_int(*max_results));
    return json_dump(o.get());
}

namespace {

// terms.OnDemand.<offer>.priceDimensions.<rate>.{unit: "Hrs", pricePerUnit.USD}
std::optional<double> hourly_usd(const json_t* product) {
    const json_t* on_demand = json_member(json_member(product, "terms"), "OnDemand");
    if (!json_is_object(on_demand)) return std::nullopt;
    const char* k1;
    json_t* offer;
    json_object_foreach(const_cast<json_t*>(on_demand), k1, offer) {
        const char* k2;
        json_t* dim;
        json_object_foreach(json_object_get(offer, "priceDimensions"), k2, dim) {
            std::string unit = json_string(dim, "unit").value_or("");
            if (!(iequals(unit, "Hrs") || iequals(unit, "Hours") || iequals(unit, "Hr"))) continue;
            auto usd = json_string(json_member(dim, "pricePerUnit"), "USD");
            if (!usd) continue;
            if (auto v = parse_decimal(trim(*usd))) return v;
        }
    }
    return std::nullopt;
}

}  // namespace

ProductsPage parse_get_products(std::string_view json) {
    JsonPtr j = json_parse_object(json);
    const json_t* list = json_member(j.get(), "PriceList");
    if (!json_is_array(list)) throw JsonParseError("PriceList missing or not an array");
    ProductsPage page;
    size_t i;
    json_t* entry;
    json_array_foreach(list, i, entry) {
        ++page.entries;
        JsonPtr owned;
        const json_t* doc = entry;
        if (auto text = json_as_string(entry)) {
            try {
                owned = json_parse_object(*text);
            } catch (const JsonParseError& e) {
                throw JsonParseError("PriceList entry " + std::to_string(i) + ": " + e.what());
            }
            doc = owned.get();
        } else if (!json_is_object(entry)) {
            throw JsonParseError("PriceList entry " + std::to_string(i) + " is neither a string nor an object");
        }
        const json_t* product = json_member(doc, "product");
        const json_t* attrs = json_member(product, "attributes");
        OnDemandPrice p;
        p.instance_type = json_string(attrs, "instanceType").value_or("");
        if (p.instance_type.empty()) continue;
        auto usd = hourly_usd(doc);
        if (!usd) continue;
        p.usd_per_hour = *usd;
        p.sku = json_string(product, "sku").value_or("");
        p.region_code = json_string(attrs, "regionCode").value_or("");
        p.operating_system = json_string(attrs, "operatingSystem").value_or("");
        page.prices.push_back(std::move(p));
    }
    page.next_token = json_string(j.get(), "NextToken").value_or("");
    return page;
}

PricingClient::PricingClient(ClientConfig config) : client_(Service::pricing, std::move(config)) {}

std::vector<OnDemandPrice> PricingClient::get_products(const std::vector<ProductFilter>& filters) {
    std::vector<OnDemandPrice> out;
    std::string token;
    for (unsigned page = 0;; ++page) {
        if (page >= 10000) throw client_.malformed("GetProducts", "too many pages");
        std::string body = client_.call("GetProducts", serialize_get_products("AmazonEC2", filters, token, 100)).body;
        ProductsPage p;
        try {
            p = parse_get_products(body);
        } catch (const JsonParseError& e) {
            throw client_.malformed("GetProducts", e.what());
        }
        for (auto& price : p.prices) out.push_back(std::move(price));
        if (p.next_token.empty()) break;
        if (p.next_token == token) throw client_.malformed("GetProducts", "the same NextToken came back twice");
        token = std::move(p.next_token);
    }
    return out;
}

std::map<std::string, double> PricingClient::linux_on_demand_prices(const std::string& region) {
    std::map<std::string, double> out;
    for (const OnDemandPrice& p : get_products(linux_on_demand_filters(region))) {
        if (p.usd_per_hour <= 0) continue;
        if (!p.region_code.empty() && p.region_code != region) continue;
        auto it = out.find(p.instance_type);
        if (it == out.end() || p.usd_per_hour < it->second) out[p.instance_type] = p.usd_per_hour;
    }
    return out;
}

}  // namespace stratus::aws::pricing
