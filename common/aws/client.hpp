// What the EC2, PCS and Pricing clients share: configuration, endpoint and
// signing, and one request with retries.
//
// A client (and the ServiceClient inside it) owns one HTTP handle and is
// not thread-safe: use one per thread. Credential providers may be shared.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "aws/clock.hpp"
#include "aws/credentials.hpp"
#include "aws/endpoints.hpp"
#include "aws/env.hpp"
#include "aws/error.hpp"
#include "aws/http.hpp"
#include "aws/retry.hpp"

namespace stratus::aws {

struct ClientConfig {
    std::string region;    // signing region and default endpoints (Pricing always signs for us-east-1)
    std::string endpoint;  // explicit endpoint (stratus.conf); empty: environment, then default
    std::shared_ptr<CredentialsProvider> credentials;  // required
    RetryPolicy retry;
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds timeout{30000};  // per attempt
    std::shared_ptr<Clock> clock;              // null: system_clock()
    Random random;                             // null: default_random()
    Env env = Env::process();                  // AWS_ENDPOINT_URL* lookups
    std::function<std::unique_ptr<Transport>()> make_transport;  // null: libcurl
    // Told about each retry ("ec2 CreateFleet: ...; retry 2/5 in 0.42 s"). Must not throw.
    std::function<void(const std::string&)> on_retry;
};

struct SessionOptions {
    std::string region;   // explicit region (stratus.conf); empty: resolve_region()
    std::string profile;  // explicit profile; empty: AWS_PROFILE, else "default"
    Env env = Env::process();
    bool use_imds = true;  // consult IMDS for region and instance-role credentials
};

// A ClientConfig with the region resolved (see credentials.hpp) and the
// default credential chain. Throws AwsError(local, NoRegion) when no
// region is found. One ImdsClient serves both lookups.
ClientConfig make_client_config(const SessionOptions& options);

// A fresh idempotency token: "stratus-" and 32 random hex digits (40
// characters, within EC2's 64 and PCS's 8..100). Throws std::runtime_error
// only if the system's random source fails.
std::string make_client_token();

enum class Protocol { ec2_query, json_1_0, json_1_1 };

class ServiceClient {
public:
    // Resolves the endpoint. Throws AwsError(local) for a missing region
    // (EC2, PCS), missing credentials provider, or a bad endpoint URL.
    ServiceClient(Service service, ClientConfig config);
    ~ServiceClient();
    ServiceClient(const ServiceClient&) = delete;
    ServiceClient& operator=(const ServiceClient&) = delete;

    // Sends `body` to the endpoint (POST /) as `operation`, retrying per
    // the policy, and returns the 2xx response. EC2: `body` is the whole
    // form ("Action=...&Version=..."). JSON: the X-Amz-Target header is
    // "<prefix>.<operation>". Throws AwsError (service errors parsed from
    // the body; attempts() says how many requests were sent; a body over
    // kMaxResponseBytes is ResponseTooLarge, not retried), std::bad_alloc,
    // or std::runtime_error when libcurl cannot be initialised.
    HttpResponse call(const std::string& operation, const std::string& body);

    // An AwsError(response, MalformedResponse) naming this service and `operation`.
    AwsError malformed(const std::string& operation, const std::string& message) const;

    Service service() const noexcept { return service_; }
    Protocol protocol() const noexcept { return protocol_; }
    const std::string& endpoint() const noexcept { return endpoint_; }
    const std::string& signing_region() const noexcept { return signing_region_; }
    const ClientConfig& config() const noexcept { return config_; }
    unsigned last_attempts() const noexcept { return last_attempts_; }

private:
    AwsError error_from(const std::string& operation, const HttpResponse& r) const;
    // An error Stratus itself found (not one AWS wrote) naming this service and `operation`.
    AwsError found_here(const std::string& operation, ErrorSource source, const std::string& code,
                        const std::string& message, unsigned attempts, long http_status = 0) const;

    Service service_;
    Protocol protocol_;
    ClientConfig config_;
    std::string endpoint_, signing_region_, target_prefix_;
    std::unique_ptr<Transport> transport_;
    unsigned last_attempts_ = 0;
};

}  // namespace stratus::aws
