// application/x-www-form-urlencoded bodies for the EC2 Query API.
//
// Encoded byte for byte as botocore, AWS's Python SDK, encodes them (its
// Query serializer hands the parameters to Python's urllib.parse.urlencode,
// i.e. quote_plus): A-Z a-z 0-9 - _ . ~ stay, a space becomes '+', every
// other byte (UTF-8 bytes included) %XX with upper-case hex. A verifier
// that decodes the form and encodes it again before checking the
// signature (moto does) then hashes the very bytes that were signed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stratus::aws {

// One name or value of a form body, encoded as above.
std::string form_encode(std::string_view s);

// Ordered name=value pairs; encode() keeps insertion order.
class QueryParams {
public:
    QueryParams& add(std::string name, std::string value);
    QueryParams& add(std::string name, const char* value) { return add(std::move(name), std::string(value)); }
    QueryParams& add(std::string name, uint64_t value) { return add(std::move(name), std::to_string(value)); }
    QueryParams& add(std::string name, int value) { return add(std::move(name), std::to_string(value)); }
    QueryParams& add(std::string name, unsigned value) { return add(std::move(name), std::to_string(value)); }
    QueryParams& add(std::string name, bool value) { return add(std::move(name), std::string(value ? "true" : "false")); }
    // Shortest decimal form ("1", "0.5", "2.125").
    QueryParams& add_number(std::string name, double value);
    // name.1=v1, name.2=v2, ... (EC2 flattened lists).
    QueryParams& add_list(const std::string& name, const std::vector<std::string>& values);

    const std::vector<std::pair<std::string, std::string>>& params() const noexcept { return params_; }
    // The value of the first parameter of that name, "" when absent.
    std::string get(std::string_view name) const;
    std::string encode() const;

private:
    std::vector<std::pair<std::string, std::string>> params_;
};

// Decodes a form body (for tests and diagnostics): '+' and %20 both give a
// space. Malformed escapes are kept literally.
std::vector<std::pair<std::string, std::string>> decode_form(std::string_view body);

}  // namespace stratus::aws
