// HTTP for the AWS clients: a Transport interface (so tests can script
// answers) and CurlTransport, one reused libcurl easy handle.
//
// Signing is libcurl's own SigV4 (CURLOPT_AWS_SIGV4 with an explicit
// "aws:amz:REGION:SERVICE"); Stratus has no signer of its own. With curl
// 7.88.1 every header in HttpRequest::headers is signed, as are Host and
// X-Amz-Date; the payload hash covers the POST body; the URL's path and
// query are taken verbatim, so callers keep the query empty.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stratus::aws {

struct Credentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;  // empty for long-term keys
    std::optional<std::chrono::system_clock::time_point> expiration;  // nullopt: does not expire
    std::string source;  // "environment", "profile NAME", "instance role ROLE", ... (for messages)
};

struct SigV4 {
    std::string region;   // e.g. "us-east-1"
    std::string service;  // signing name: "ec2", "pcs", "pricing"
    Credentials credentials;
};

struct HttpRequest {
    std::string method = "GET";  // GET, POST, PUT
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    std::string body;  // sent for POST and PUT (may be empty)
    std::optional<SigV4> sign;
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds timeout{30000};  // whole request
    bool use_proxy = true;  // false for IMDS: never send link-local traffic to a proxy
};

struct HttpResponse {
    long status = 0;
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order
    std::string body;

    // The last header of that (case-insensitive) name, "" when absent.
    std::string header(std::string_view name) const;
};

// No HTTP answer: DNS, connect, TLS, reset, timeout, or a local failure.
class TransportError : public std::runtime_error {
public:
    TransportError(const std::string& what, bool timeout) : std::runtime_error(what), timeout_(timeout) {}
    bool timeout() const noexcept { return timeout_; }

private:
    bool timeout_;
};

class Transport {
public:
    virtual ~Transport() = default;
    // Sends one request and returns whatever status came back. Throws
    // TransportError when there is no complete answer (ResponseTooLargeError
    // when the body passed kMaxResponseBytes), std::bad_alloc, or
    // std::invalid_argument for an unusable request. Not thread-safe.
    virtual HttpResponse perform(const HttpRequest& request) = 0;
};

// The body of a response that passed kMaxResponseBytes: the transfer was
// cut off there. Not a network fault: the same request would get the same
// answer, so it is not worth retrying.
class ResponseTooLargeError : public TransportError {
public:
    explicit ResponseTooLargeError(const std::string& what) : TransportError(what, false) {}
};

// Largest response body accepted, counted after curl's decompression (so a
// gzip bomb is cut off too): 32 MiB. The largest answers Stratus asks for
// are far below it: a DescribeInstances page of 200 instances (ec2.hpp)
// with 32 network interfaces each (p5.48xlarge with all its EFA
// interfaces, ~55 KB of XML apiece) is ~11 MB, a Pricing GetProducts page
// of 100 products ~4 MB, a DescribeInstanceTypes page of 100 types
// ~0.5 MB, a DescribeSpotPriceHistory page of 1000 prices ~0.4 MB.
inline constexpr size_t kMaxResponseBytes = 32u << 20;

class CurlTransport final : public Transport {
public:
    // Throws std::runtime_error if libcurl cannot be initialised.
    CurlTransport();
    ~CurlTransport() override;
    CurlTransport(const CurlTransport&) = delete;
    CurlTransport& operator=(const CurlTransport&) = delete;

    // Reuses the handle (and its connections) between calls.
    HttpResponse perform(const HttpRequest& request) override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

std::unique_ptr<Transport> make_curl_transport();

}  // namespace stratus::aws
