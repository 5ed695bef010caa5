#include "aws/endpoints.hpp"

#include "aws/error.hpp"

namespace stratus::aws {

const char* service_name(Service s) noexcept {
    switch (s) {
    case Service::ec2: return "ec2";
    case Service::pcs: return "pcs";
    case Service::pricing: return "pricing";
    }
    return "?";
}

const char* service_signing_name(Service s) noexcept { return service_name(s); }

const char* service_env_suffix(Service s) noexcept {
    switch (s) {
    case Service::ec2: return "EC2";
    case Service::pcs: return "PCS";
    case Service::pricing: return "PRICING";
    }
    return "?";
}

namespace {

std::string checked(std::string url, const std::string& origin) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    size_t scheme = url.find("://");
    std::string s = scheme == std::string::npos ? "" : url.substr(0, scheme);
    bool ok = (s == "http" || s == "https") && url.size() > scheme + 3 && url.find('?') == std::string::npos &&
              url.find('#') == std::string::npos && url.find_first_of(" \t\r\n") == std::string::npos;
    if (!ok)
        throw local_error(kCodeInvalidArgument, origin + ": not an http(s) endpoint URL without query: \"" + url + "\"");
    return url;
}

}  // namespace

std::string resolve_endpoint(Service s, const std::string& region, const std::string& explicit_endpoint, const Env& env) {
    if (!explicit_endpoint.empty()) return checked(explicit_endpoint, std::string(service_name(s)) + " endpoint");
    std::string var = std::string("AWS_ENDPOINT_URL_") + service_env_suffix(s);
    if (auto v = env.get(var)) return checked(*v, var);
    if (auto v = env.get("AWS_ENDPOINT_URL")) return checked(*v, "AWS_ENDPOINT_URL");
    if (s == Service::pricing) return std::string("https://api.pricing.") + kPricingRegion + ".amazonaws.com";
    if (region.empty()) throw local_error(kCodeNoRegion, std::string("no region for the ") + service_name(s) + " endpoint");
    if (region.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos)
        throw local_error(kCodeInvalidArgument, "not a region name: \"" + region + "\"");
    return std::string("https://") + service_name(s) + "." + region + ".amazonaws.com";
}

}  // namespace stratus::aws
