// RAII for jansson: json_t references owned by a unique_ptr, and small
// typed accessors that never throw on a missing or mistyped member (they
// return nullopt / nullptr), so response parsers read optional fields
// without ceremony. Building helpers throw std::bad_alloc when jansson
// cannot allocate.
#pragma once

#include <jansson.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace stratus::aws {

struct JsonDecref {
    void operator()(json_t* j) const noexcept { json_decref(j); }
};
// Owns one reference.
using JsonPtr = std::unique_ptr<json_t, JsonDecref>;

// A document that is not JSON (or not the expected top-level type).
class JsonParseError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Parses a whole document (any top-level value). Throws JsonParseError
// with jansson's line:column message. Bounds: a document over
// kMaxResponseBytes (http.hpp, 32 MiB; no AWS answer is larger, and
// Stratus's own JSON files are far smaller) is refused unread; nesting
// deeper than 2048 arrays/objects is refused by jansson itself
// (JSON_PARSER_MAX_DEPTH in jansson_config.h, 2048 in 2.14), which also
// bounds the parser's recursion; AWS's documents nest fewer than 10
// levels. Duplicate keys are not refused: the last one wins.
JsonPtr json_parse(std::string_view text);
// Same, but the top level must be an object.
JsonPtr json_parse_object(std::string_view text);

// Compact serialization with sorted keys off (insertion order). Throws bad_alloc.
std::string json_dump(const json_t* j);

// Member access on an object (nullptr / nullopt when `obj` is not an
// object, the member is absent, or has another type).
const json_t* json_member(const json_t* obj, const char* key) noexcept;
std::optional<std::string> json_string(const json_t* obj, const char* key);
std::optional<int64_t> json_int(const json_t* obj, const char* key) noexcept;  // integers, and reals that are whole
std::optional<double> json_number(const json_t* obj, const char* key) noexcept;  // integer or real
std::optional<bool> json_bool(const json_t* obj, const char* key) noexcept;
// The value itself as a string when it is a string; nullopt otherwise.
std::optional<std::string> json_as_string(const json_t* j);

// Building. Each returns a new reference; throws std::bad_alloc on failure
// (json_new_string: std::invalid_argument for text that is not UTF-8).
JsonPtr json_new_object();
JsonPtr json_new_array();
JsonPtr json_new_string(std::string_view s);
JsonPtr json_new_int(int64_t v);
// obj[key] = value (takes ownership of value). Throws bad_alloc.
void json_set(json_t* obj, const char* key, JsonPtr value);
void json_append(json_t* array, JsonPtr value);

}  // namespace stratus::aws
