#include "aws/imds.hpp"

#include <algorithm>

#include "aws/error.hpp"
#include "text.hpp"

namespace stratus::aws {

namespace {

AwsError imds_error(long status, const std::string& what, const std::string& message) {
    AwsError::Details d;
    d.source = ErrorSource::service;
    d.http_status = status;
    d.code = "Http" + std::to_string(status);
    d.message = message;
    d.service = "imds";
    d.operation = what;
    return AwsError(std::move(d));
}

}  // namespace

ImdsClient::ImdsClient(ImdsOptions options, const Env& env) : options_(std::move(options)) {
    if (!options_.clock) options_.clock = system_clock();
    if (options_.token_ttl.count() < 1 || options_.token_ttl.count() > 21600)
        throw local_error(kCodeInvalidArgument, "IMDS token TTL must be 1..21600 seconds");
    if (auto v = env.get("AWS_EC2_METADATA_DISABLED")) disabled_ = iequals(*v, "true");
    endpoint_ = options_.endpoint;
    if (endpoint_.empty()) endpoint_ = env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or("");
    if (endpoint_.empty()) {
        auto mode = env.get("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
        endpoint_ = mode && iequals(*mode, "IPv6") ? "http://[fd00:ec2::254]" : "http://169.254.169.254";
    }
    while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
    if (endpoint_.compare(0, 7, "http://") != 0 && endpoint_.compare(0, 8, "https://") != 0)
        throw local_error(kCodeInvalidArgument, "IMDS endpoint is not an http(s) URL: \"" + endpoint_ + "\"");
}

HttpResponse ImdsClient::send(const HttpRequest& req, const char* what) {
    if (!transport_) transport_ = options_.make_transport ? options_.make_transport() : make_curl_transport();
    try {
        return transport_->perform(req);
    } catch (const TransportError& e) {
        AwsError::Details d;
        d.source = ErrorSource::transport;
        d.code = e.timeout() ? kCodeTimeout : kCodeNetworkError;
        d.message = e.what();
        d.service = "imds";
        d.operation = what;
        throw AwsError(std::move(d));
    }
}

void ImdsClient::fetch_token() {
    HttpRequest req;
    req.method = "PUT";
    req.url = endpoint_ + "/latest/api/token";
    req.headers = {"X-aws-ec2-metadata-token-ttl-seconds: " + std::to_string(options_.token_ttl.count()),
                   "Content-Type:"};
    req.connect_timeout = options_.connect_timeout;
    req.timeout = options_.timeout;
    req.use_proxy = false;
    TimePoint asked = options_.clock->now();
    HttpResponse r = send(req, "token");
    if (r.status != 200 || r.body.empty())
        throw imds_error(r.status, "token", r.status == 200 ? "empty token" : "PUT /latest/api/token refused");
    token_ = r.body;
    while (!token_.empty() && (token_.back() == '\n' || token_.back() == '\r')) token_.pop_back();
    std::chrono::seconds ttl = options_.token_ttl;
    if (auto granted = parse_u64(r.header("x-aws-ec2-metadata-token-ttl-seconds")); granted && *granted > 0)
        ttl = std::min(ttl, std::chrono::seconds(static_cast<long long>(*granted)));
    // Renew a minute early (half-way for very short tokens).
    std::chrono::seconds margin = std::min(std::chrono::seconds(60), ttl / 2);
    token_refresh_at_ = asked + ttl - margin;
    ++tokens_fetched_;
}

std::optional<std::string> ImdsClient::get(const std::string& path) {
    if (disabled_) throw local_error(kCodeInvalidArgument, "IMDS is disabled (AWS_EC2_METADATA_DISABLED)");
    std::lock_guard<std::mutex> lock(mutex_);
    for (int round = 0;; ++round) {
        if (token_.empty() || options_.clock->now() >= token_refresh_at_) fetch_token();
        HttpRequest req;
        req.method = "GET";
        req.url = endpoint_ + (path.empty() || path[0] != '/' ? "/" : "") + path;
        req.headers = {"X-aws-ec2-metadata-token: " + token_};
        req.connect_timeout = options_.connect_timeout;
        req.timeout = options_.timeout;
        req.use_proxy = false;
        HttpResponse r = send(req, path.c_str());
        if (r.status == 200) return std::move(r.body);
        if (r.status == 404) return std::nullopt;
        if (r.status == 401 && round == 0) {
            token_.clear();  // stale: get a new one and try once more
            continue;
        }
        throw imds_error(r.status, path, "GET " + path + " failed");
    }
}

}  // namespace stratus::aws
