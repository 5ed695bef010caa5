// Where each service is reached.
//
// Order: the endpoint the caller passes (stratus.conf), else
// AWS_ENDPOINT_URL_<SERVICE> (EC2, PCS, PRICING), else AWS_ENDPOINT_URL,
// else the public default:
//   ec2      https://ec2.REGION.amazonaws.com
//   pcs      https://pcs.REGION.amazonaws.com
//   pricing  https://api.pricing.us-east-1.amazonaws.com
// A trailing '/' is removed; requests go to ENDPOINT + "/".
#pragma once

#include <string>

#include "aws/env.hpp"

namespace stratus::aws {

enum class Service { ec2, pcs, pricing };

const char* service_name(Service s) noexcept;          // "ec2", "pcs", "pricing"
const char* service_signing_name(Service s) noexcept;  // SigV4 service: "ec2", "pcs", "pricing"
const char* service_env_suffix(Service s) noexcept;    // "EC2", "PCS", "PRICING"

// Throws AwsError(local, InvalidArgument) when the chosen URL is not
// http(s)://HOST[:PORT][/PATH] or has a query, or when REGION is needed
// and empty.
std::string resolve_endpoint(Service s, const std::string& region, const std::string& explicit_endpoint, const Env& env);

// The region Pricing requests are signed for (its endpoint's region).
inline constexpr const char* kPricingRegion = "us-east-1";

}  // namespace stratus::aws
