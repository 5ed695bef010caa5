// IMDSv2: the EC2 instance metadata service, session-token flavour only.
//
// A token is fetched with PUT /latest/api/token (TTL header) and reused
// until shortly before it expires; a 401 on a GET means the token went
// stale: one new token is fetched and the GET retried once.
//
// Endpoint: ImdsOptions::endpoint, else AWS_EC2_METADATA_SERVICE_ENDPOINT,
// else http://[fd00:ec2::254] when AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE
// is IPv6, else http://169.254.169.254. AWS_EC2_METADATA_DISABLED=true
// turns the client off (every get() throws NoCredentials-style local
// errors). Requests never go through a proxy and use short timeouts, so a
// machine outside EC2 finds out quickly.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "aws/clock.hpp"
#include "aws/env.hpp"
#include "aws/http.hpp"

namespace stratus::aws {

struct ImdsOptions {
    std::string endpoint;                       // empty: from the environment, see above
    std::chrono::seconds token_ttl{21600};      // 1..21600
    std::chrono::milliseconds connect_timeout{1000};
    std::chrono::milliseconds timeout{3000};
    std::shared_ptr<Clock> clock;               // null: system_clock()
    std::function<std::unique_ptr<Transport>()> make_transport;  // null: libcurl
};

class ImdsClient {
public:
    // Reads the endpoint settings from `env` now. Throws AwsError(local,
    // InvalidArgument) for an unusable endpoint URL.
    explicit ImdsClient(ImdsOptions options = {}, const Env& env = Env::process());
    ImdsClient(const ImdsClient&) = delete;
    ImdsClient& operator=(const ImdsClient&) = delete;

    // GET a metadata path ("/latest/meta-data/instance-id"). nullopt on 404.
    // Throws AwsError (service "imds") for any other failure. Thread-safe
    // (calls are serialised).
    std::optional<std::string> get(const std::string& path);

    bool disabled() const noexcept { return disabled_; }
    const std::string& endpoint() const noexcept { return endpoint_; }

    // Tokens fetched so far (for tests and diagnostics).
    unsigned tokens_fetched() const noexcept { return tokens_fetched_.load(); }

private:
    HttpResponse send(const HttpRequest& req, const char* what);
    void fetch_token();  // caller holds mutex_

    ImdsOptions options_;
    std::string endpoint_;
    bool disabled_ = false;
    std::mutex mutex_;
    std::unique_ptr<Transport> transport_;
    std::string token_;
    TimePoint token_refresh_at_{};
    std::atomic<unsigned> tokens_fetched_{0};
};

}  // namespace stratus::aws
