#include "aws/json_doc.hpp"

#include <cmath>
#include <cstdlib>
#include <new>

#include "aws/http.hpp"

namespace stratus::aws {

namespace {

struct CharFree {
    void operator()(char* p) const noexcept { std::free(p); }
};

JsonPtr checked(json_t* j) {
    if (!j) throw std::bad_alloc();
    return JsonPtr(j);
}

}  // namespace

JsonPtr json_parse(std::string_view text) {
    if (text.size() > kMaxResponseBytes)
        throw JsonParseError("JSON document larger than " + std::to_string(kMaxResponseBytes >> 20) + " MiB");
    json_error_t err;
    json_t* j = json_loadb(text.data(), text.size(), JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!j)
        throw JsonParseError("invalid JSON at line " + std::to_string(err.line) + ", column " +
                             std::to_string(err.column) + ": " + err.text);
    return JsonPtr(j);
}

JsonPtr json_parse_object(std::string_view text) {
    JsonPtr j = json_parse(text);
    if (!json_is_object(j.get())) throw JsonParseError("JSON document is not an object");
    return j;
}

std::string json_dump(const json_t* j) {
    std::unique_ptr<char, CharFree> s(json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER));
    if (!s) throw std::bad_alloc();
    return s.get();
}

const json_t* json_member(const json_t* obj, const char* key) noexcept {
    if (!json_is_object(obj)) return nullptr;
    return json_object_get(obj, key);
}

std::optional<std::string> json_as_string(const json_t* j) {
    if (!json_is_string(j)) return std::nullopt;
    return std::string(json_string_value(j), json_string_length(j));
}

std::optional<std::string> json_string(const json_t* obj, const char* key) { return json_as_string(json_member(obj, key)); }

std::optional<int64_t> json_int(const json_t* obj, const char* key) noexcept {
    const json_t* j = json_member(obj, key);
    if (json_is_integer(j)) return static_cast<int64_t>(json_integer_value(j));
    if (json_is_real(j)) {
        double d = json_real_value(j);
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) return static_cast<int64_t>(d);
    }
    return std::nullopt;
}

std::optional<double> json_number(const json_t* obj, const char* key) noexcept {
    const json_t* j = json_member(obj, key);
    if (json_is_number(j)) return json_number_value(j);
    return std::nullopt;
}

std::optional<bool> json_bool(const json_t* obj, const char* key) noexcept {
    const json_t* j = json_member(obj, key);
    if (json_is_boolean(j)) return json_is_true(j);
    return std::nullopt;
}

JsonPtr json_new_object() { return checked(json_object()); }
JsonPtr json_new_array() { return checked(json_array()); }
JsonPtr json_new_string(std::string_view s) {
    json_t* j = json_stringn(s.data(), s.size());
    if (!j) {
        // jansson refuses invalid UTF-8; an allocation failure is the other cause.
        json_t* probe = json_stringn_nocheck("", 0);
        if (!probe) throw std::bad_alloc();
        json_decref(probe);
        throw std::invalid_argument("JSON string is not valid UTF-8");
    }
    return JsonPtr(j);
}
JsonPtr json_new_int(int64_t v) { return checked(json_integer(static_cast<json_int_t>(v))); }

void json_set(json_t* obj, const char* key, JsonPtr value) {
    // json_object_set_new steals the reference even when it fails.
    if (json_object_set_new(obj, key, value.release()) != 0) throw std::bad_alloc();
}

void json_append(json_t* array, JsonPtr value) {
    if (json_array_append_new(array, value.release()) != 0) throw std::bad_alloc();
}

}  // namespace stratus::aws
