#include "aws/client.hpp"

#include <cstdint>
#include <cstdio>
#include <random>

namespace stratus::aws {

namespace {

bool is_expired_credentials(const std::string& code) {
    return code == "ExpiredToken" || code == "ExpiredTokenException" || code == "RequestExpired";
}

std::string seconds_text(std::chrono::milliseconds d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f s", static_cast<double>(d.count()) / 1000.0);
    return buf;
}

}  // namespace

std::string make_client_token() {
    std::random_device rd;
    static const char hex[] = "0123456789abcdef";
    std::string t = "stratus-";
    for (int i = 0; i < 4; ++i) {
        uint32_t v = rd();
        for (int j = 0; j < 8; ++j) t += hex[(v >> (4 * j)) & 15];
    }
    return t;
}

ClientConfig make_client_config(const SessionOptions& o) {
    ClientConfig c;
    c.env = o.env;
    std::shared_ptr<ImdsClient> imds;
    if (o.use_imds) imds = std::make_shared<ImdsClient>(ImdsOptions{}, o.env);
    auto region = resolve_region(o.region, o.env, o.profile, imds.get());
    if (!region)
        throw local_error(kCodeNoRegion,
                          "no AWS region: set Region in stratus.conf, AWS_REGION, or region in the AWS config profile");
    c.region = *region;
    CredentialsOptions co;
    co.env = o.env;
    co.profile = o.profile;
    co.imds = imds;
    if (!o.use_imds) {
        // An IMDS client that is switched off, so the chain ends at the files.
        co.imds = std::make_shared<ImdsClient>(ImdsOptions{}, Env::fixed({{"AWS_EC2_METADATA_DISABLED", "true"}}));
    }
    c.credentials = default_credentials_chain(std::move(co));
    return c;
}

ServiceClient::ServiceClient(Service service, ClientConfig config) : service_(service), config_(std::move(config)) {
    if (!config_.credentials) throw local_error(kCodeNoCredentials, "no credentials provider");
    if (!config_.clock) config_.clock = system_clock();
    if (!config_.random) config_.random = default_random();
    if (config_.retry.max_attempts == 0) config_.retry.max_attempts = 1;
    switch (service) {
    case Service::ec2:
        protocol_ = Protocol::ec2_query;
        break;
    case Service::pcs:
        protocol_ = Protocol::json_1_0;
        target_prefix_ = "AWSParallelComputingService";
        break;
    case Service::pricing:
        protocol_ = Protocol::json_1_1;
        target_prefix_ = "AWSPriceListService";
        break;
    }
    signing_region_ = service == Service::pricing ? kPricingRegion : config_.region;
    if (signing_region_.empty())
        throw local_error(kCodeNoRegion, std::string("no region for ") + service_name(service));
    endpoint_ = resolve_endpoint(service, config_.region, config_.endpoint, config_.env);
}

ServiceClient::~ServiceClient() = default;

AwsError ServiceClient::found_here(const std::string& operation, ErrorSource source, const std::string& code,
                                   const std::string& message, unsigned attempts, long http_status) const {
    AwsError::Details d;
    d.source = source;
    d.http_status = http_status;
    d.code = code;
    d.message = message;
    d.service = service_name(service_);
    d.operation = operation;
    d.attempts = attempts;
    return AwsError(std::move(d));
}

AwsError ServiceClient::malformed(const std::string& operation, const std::string& message) const {
    return found_here(operation, ErrorSource::response, kCodeMalformedResponse, message, last_attempts_, 200);
}

AwsError ServiceClient::error_from(const std::string& operation, const HttpResponse& r) const {
    std::string request_id = r.header("x-amzn-requestid");
    if (request_id.empty()) request_id = r.header("x-amz-request-id");
    AwsError::Details d = protocol_ == Protocol::ec2_query
                              ? parse_xml_error(r.status, r.body, request_id)
                              : parse_json_error(r.status, r.body, r.header("x-amzn-errortype"), request_id,
                                                 r.header("retry-after"));
    if (!d.retry_after) d.retry_after = parse_retry_after(r.header("retry-after"));
    d.service = service_name(service_);
    d.operation = operation;
    return AwsError(std::move(d));
}

HttpResponse ServiceClient::call(const std::string& operation, const std::string& body) {
    if (!transport_) transport_ = config_.make_transport ? config_.make_transport() : make_curl_transport();
    HttpRequest req;
    req.method = "POST";
    req.url = endpoint_ + "/";
    req.body = body;
    req.connect_timeout = config_.connect_timeout;
    req.timeout = config_.timeout;
    if (protocol_ == Protocol::ec2_query) {
        req.headers = {"Content-Type: application/x-www-form-urlencoded; charset=utf-8"};
    } else {
        req.headers = {std::string("Content-Type: application/x-amz-json-") +
                           (protocol_ == Protocol::json_1_0 ? "1.0" : "1.1"),
                       "X-Amz-Target: " + target_prefix_ + "." + operation};
    }
    bool refreshed_credentials = false;
    last_attempts_ = 0;
    for (unsigned attempt = 1;; ++attempt) {
        last_attempts_ = attempt;
        std::optional<AwsError> failure;
        try {
            req.sign = SigV4{signing_region_, service_signing_name(service_), config_.credentials->get()};
        } catch (const AwsError& e) {
            AwsError::Details d = e.details();
            if (d.service.empty()) d.service = service_name(service_);
            if (d.operation.empty()) d.operation = operation;
            throw AwsError(std::move(d));
        }
        try {
            HttpResponse r = transport_->perform(req);
            if (r.status >= 200 && r.status <= 299) return r;
            failure = error_from(operation, r);
        } catch (const std::invalid_argument& e) {
            // An unusable request (e.g. a provider handed out empty keys): not retried.
            throw found_here(operation, ErrorSource::local, kCodeInvalidArgument, e.what(), attempt);
        } catch (const ResponseTooLargeError& e) {
            // The same request would get the same answer: not retried.
            throw found_here(operation, ErrorSource::response, kCodeResponseTooLarge, e.what(), attempt);
        } catch (const TransportError& e) {
            failure = found_here(operation, ErrorSource::transport, e.timeout() ? kCodeTimeout : kCodeNetworkError,
                                 e.what(), attempt);
        }
        // Expired temporary credentials: renew once and resend at once.
        if (!refreshed_credentials && is_expired_credentials(failure->code()) && attempt < config_.retry.max_attempts) {
            refreshed_credentials = true;
            config_.credentials->invalidate();
            continue;
        }
        auto delay = retry_delay(config_.retry, *failure, attempt, config_.random());
        if (!delay) {
            AwsError::Details d = failure->details();
            d.attempts = attempt;
            throw AwsError(std::move(d));
        }
        if (config_.on_retry) {
            try {
                config_.on_retry(std::string(failure->what()) + "; retry " + std::to_string(attempt + 1) + "/" +
                                 std::to_string(config_.retry.max_attempts) + " in " + seconds_text(*delay));
            } catch (...) {
                // A logger must not stop the call.
            }
        }
        config_.clock->sleep_for(*delay);
    }
}

}  // namespace stratus::aws
