// AwsError: everything that can go wrong in an AWS call, as one exception
// type carrying the HTTP status, the service's error code and message, the
// request id and any wait the service asked for. Parsers for the two error
// body formats (EC2 Query XML, awsJson) live here too.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::aws {

// Where an error came from. Only `service` errors carry an AWS error code
// the service chose; the others carry one of the local codes below.
enum class ErrorSource {
    service,    // the service answered with an error document (or a bare 4xx/5xx)
    transport,  // no complete answer: DNS, connection refused/reset, TLS, timeout
    response,   // an answer that could not be understood (malformed XML/JSON, too large)
    local,      // no request sent: no credentials, no region, bad argument
};

// Codes of locally detected errors (source != service).
inline constexpr const char* kCodeNetworkError = "NetworkError";          // transport, not a timeout
inline constexpr const char* kCodeTimeout = "RequestTimeout";             // transport: connect or total timeout
inline constexpr const char* kCodeMalformedResponse = "MalformedResponse";  // response
inline constexpr const char* kCodeResponseTooLarge = "ResponseTooLarge";    // response: body over kMaxResponseBytes
inline constexpr const char* kCodeNoCredentials = "NoCredentials";         // local
inline constexpr const char* kCodeNoRegion = "NoRegion";                   // local
inline constexpr const char* kCodeInvalidArgument = "InvalidArgument";     // local

// One entry of a ValidationException's fieldList.
struct FieldError {
    std::string name;
    std::string message;
};

class AwsError : public std::runtime_error {
public:
    struct Details {
        ErrorSource source = ErrorSource::service;
        long http_status = 0;  // 0 when no HTTP answer was received
        std::string code;      // "RequestLimitExceeded", "ThrottlingException", ... (no '#' prefix)
        std::string message;
        std::string request_id;
        std::optional<std::chrono::milliseconds> retry_after;  // retryAfterSeconds / Retry-After
        std::map<std::string, std::string> fields;  // other scalar members of a JSON error (reason, resourceId, ...)
        std::vector<FieldError> field_list;         // ValidationException fieldList
        std::string service;    // "ec2", "pcs", "pricing", "imds", ... (for messages)
        std::string operation;  // "CreateFleet", ...
        unsigned attempts = 0;  // requests sent before giving up (0 = unknown / none)
    };

    explicit AwsError(Details d);

    ErrorSource source() const noexcept { return d_.source; }
    long http_status() const noexcept { return d_.http_status; }
    const std::string& code() const noexcept { return d_.code; }
    const std::string& message() const noexcept { return d_.message; }
    const std::string& request_id() const noexcept { return d_.request_id; }
    const std::optional<std::chrono::milliseconds>& retry_after() const noexcept { return d_.retry_after; }
    const std::map<std::string, std::string>& fields() const noexcept { return d_.fields; }
    const std::vector<FieldError>& field_list() const noexcept { return d_.field_list; }
    const std::string& service() const noexcept { return d_.service; }
    const std::string& operation() const noexcept { return d_.operation; }
    unsigned attempts() const noexcept { return d_.attempts; }
    const Details& details() const noexcept { return d_; }
    // A field of `fields()`, or "" when absent.
    std::string field(const std::string& name) const;

    bool is_timeout() const noexcept { return d_.source == ErrorSource::transport && d_.code == kCodeTimeout; }

    // what(): "ec2 CreateFleet: RequestLimitExceeded: Request limit exceeded. (HTTP 503, request id R, 3 attempts)"
    static std::string describe(const Details& d);

private:
    Details d_;
};

// Convenience constructors for local errors.
AwsError local_error(const char* code, std::string message);
AwsError malformed_response(std::string message, long http_status = 200);

// Parses an EC2 Query error document:
//   <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>
// (also accepts <ErrorResponse><Error>... and <RequestId>). When the body is
// not such a document, the code is derived from the HTTP status
// ("Http503"); the result always has source=service.
AwsError::Details parse_xml_error(long http_status, std::string_view body, std::string_view request_id_header);

// Parses an awsJson error: {"__type": "ns#Code", "message"|"Message": ...,
// other members}. The code may also come from the X-Amzn-ErrorType header
// ("Code:http://..."). retryAfterSeconds (body) or the Retry-After header
// (seconds) fill retry_after; fieldList fills field_list. Non-JSON bodies
// give a code derived from the HTTP status.
AwsError::Details parse_json_error(long http_status, std::string_view body, std::string_view error_type_header,
                                   std::string_view request_id_header, std::string_view retry_after_header);

// A Retry-After header value in whole seconds ("3"); nullopt otherwise.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view header) noexcept;

// "aws.protocoltests#FooError:http://..." -> "FooError".
std::string normalize_error_code(std::string_view raw);

// EC2 errors that mean "no capacity for this type/AZ/purchase option right
// now": try another type or zone (aws-parallelcluster-node's ICE list plus
// the codes added later). Throttling and account limits are not in it.
bool is_capacity_error(std::string_view code) noexcept;
// Account/quota limits (VcpuLimitExceeded, InstanceLimitExceeded, MaxSpotInstanceCountExceeded).
bool is_limit_error(std::string_view code) noexcept;
// Request-rate throttling in any of the services (RequestLimitExceeded,
// ThrottlingException, Throttling, TooManyRequestsException, ...).
bool is_throttling_error(std::string_view code) noexcept;

}  // namespace stratus::aws
