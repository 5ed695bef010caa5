#include "aws/error.hpp"

#include <cmath>

#include "aws/json_doc.hpp"
#include "aws/xml_doc.hpp"

namespace stratus::aws {

namespace {

std::string status_code(long status) { return "Http" + std::to_string(status); }

// A short, single-line excerpt of a body for messages.
std::string excerpt(std::string_view body) {
    std::string out;
    for (char c : body.substr(0, 200)) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    if (body.size() > 200) out += "...";
    return out;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view s) noexcept {
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    if (s.empty() || s.size() > 9) return std::nullopt;
    long long v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return std::chrono::milliseconds(v * 1000);
}

AwsError::AwsError(Details d) : std::runtime_error(describe(d)), d_(std::move(d)) {}

std::string AwsError::field(const std::string& name) const {
    auto it = d_.fields.find(name);
    return it == d_.fields.end() ? std::string() : it->second;
}

std::string AwsError::describe(const Details& d) {
    std::string s = d.service;
    if (!d.operation.empty()) s += (s.empty() ? "" : " ") + d.operation;
    if (!s.empty()) s += ": ";
    s += d.code.empty() ? "error" : d.code;
    if (!d.message.empty()) s += ": " + d.message;
    std::string extra;
    auto add = [&](const std::string& x) { extra += (extra.empty() ? "" : ", ") + x; };
    if (d.http_status) add("HTTP " + std::to_string(d.http_status));
    if (!d.request_id.empty()) add("request id " + d.request_id);
    if (d.attempts > 1) add(std::to_string(d.attempts) + " attempts");
    if (!extra.empty()) s += " (" + extra + ")";
    return s;
}

AwsError local_error(const char* code, std::string message) {
    AwsError::Details d;
    d.source = ErrorSource::local;
    d.code = code;
    d.message = std::move(message);
    return AwsError(std::move(d));
}

AwsError malformed_response(std::string message, long http_status) {
    AwsError::Details d;
    d.source = ErrorSource::response;
    d.http_status = http_status;
    d.code = kCodeMalformedResponse;
    d.message = std::move(message);
    return AwsError(std::move(d));
}

std::string normalize_error_code(std::string_view raw) {
    // awsJson: "namespace#Code"; X-Amzn-ErrorType: "Code:http://internal.amazon.com/...".
    size_t colon = raw.find(':');
    if (colon != std::string_view::npos) raw = raw.substr(0, colon);
    size_t hash = raw.rfind('#');
    if (hash != std::string_view::npos) raw = raw.substr(hash + 1);
    while (!raw.empty() && raw.front() == ' ') raw.remove_prefix(1);
    while (!raw.empty() && raw.back() == ' ') raw.remove_suffix(1);
    return std::string(raw);
}

AwsError::Details parse_xml_error(long http_status, std::string_view body, std::string_view request_id_header) {
    AwsError::Details d;
    d.source = ErrorSource::service;
    d.http_status = http_status;
    d.request_id = std::string(request_id_header);
    try {
        XmlDoc doc = XmlDoc::parse(body);
        XmlNode root = doc.root();
        // EC2: <Response><Errors><Error>; other Query services: <ErrorResponse><Error>.
        XmlNode err = root.path({"Errors", "Error"});
        if (!err) err = root.child("Error");
        if (!err && root.name() == "Error") err = root;
        if (err) {
            d.code = normalize_error_code(err.child_text_or_empty("Code"));
            d.message = err.child_text_or_empty("Message");
        }
        for (const char* n : {"RequestID", "RequestId", "requestId"})
            if (auto id = root.child_text(n); id && !id->empty()) d.request_id = *id;
    } catch (const XmlParseError&) {
        if (!body.empty()) d.message = excerpt(body);
    }
    if (d.code.empty()) d.code = status_code(http_status);
    return d;
}

AwsError::Details parse_json_error(long http_status, std::string_view body, std::string_view error_type_header,
                                   std::string_view request_id_header, std::string_view retry_after_header) {
    AwsError::Details d;
    d.source = ErrorSource::service;
    d.http_status = http_status;
    d.request_id = std::string(request_id_header);
    if (!error_type_header.empty()) d.code = normalize_error_code(error_type_header);
    try {
        JsonPtr j = json_parse_object(body);
        const char* key;
        json_t* value;
        json_object_foreach(j.get(), key, value) {
            std::string k = key;
            if (k == "__type" || k == "code" || k == "Code") {
                if (auto s = json_as_string(value); s && !s->empty() && (k == "__type" || d.code.empty()))
                    d.code = normalize_error_code(*s);
            } else if (k == "message" || k == "Message" || k == "errorMessage") {
                if (auto s = json_as_string(value)) d.message = *s;
            } else if (k == "fieldList" && json_is_array(value)) {
                size_t i;
                json_t* item;
                json_array_foreach(value, i, item) {
                    d.field_list.push_back(FieldError{json_string(item, "name").value_or(""),
                                                      json_string(item, "message").value_or("")});
                }
            } else if (json_is_string(value)) {
                d.fields[k] = *json_as_string(value);
            } else if (json_is_integer(value)) {
                d.fields[k] = std::to_string(json_integer_value(value));
            } else if (json_is_real(value)) {
                d.fields[k] = std::to_string(json_real_value(value));
            } else if (json_is_boolean(value)) {
                d.fields[k] = json_is_true(value) ? "true" : "false";
            }
        }
        if (auto secs = json_number(j.get(), "retryAfterSeconds"); secs && *secs >= 0 && std::isfinite(*secs) && *secs < 1e6)
            d.retry_after = std::chrono::milliseconds(static_cast<long long>(std::llround(*secs * 1000)));
    } catch (const JsonParseError&) {
        if (!body.empty()) d.message = excerpt(body);
    }
    if (!d.retry_after && !retry_after_header.empty()) d.retry_after = parse_retry_after(retry_after_header);
    if (d.code.empty()) d.code = status_code(http_status);
    return d;
}

bool is_capacity_error(std::string_view code) noexcept {
    static const std::string_view kCodes[] = {
        // aws-parallelcluster-node EC2_ICE_ERROR_CODES
        "InsufficientInstanceCapacity", "InsufficientHostCapacity", "InsufficientReservedInstanceCapacity",
        "MaxSpotInstanceCountExceeded", "Unsupported", "SpotMaxPriceTooLow",
        // added in aws-parallelcluster-node PR #673
        "UnfulfillableCapacity", "InsufficientCapacity"};
    for (std::string_view c : kCodes)
        if (c == code) return true;
    return false;
}

bool is_limit_error(std::string_view code) noexcept {
    return code == "VcpuLimitExceeded" || code == "InstanceLimitExceeded" || code == "MaxSpotInstanceCountExceeded";
}

bool is_throttling_error(std::string_view code) noexcept {
    static const std::string_view kCodes[] = {
        "RequestLimitExceeded", "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestThrottled", "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException", "BandwidthLimitExceeded"};
    for (std::string_view c : kCodes)
        if (c == code) return true;
    return false;
}

}  // namespace stratus::aws
