// A minimal compact JSON object writer for the small documents Stratus
// stores on jobs (admin_comment). Strings are escaped per RFC 8259; a byte
// that is not part of well-formed UTF-8 is written as U+FFFD.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stratus {

class JsonObject {
public:
    JsonObject() {
        out_.reserve(384);  // the documents Stratus writes fit: one allocation
        out_ += '{';
    }
    JsonObject& add(std::string_view key, std::string_view value);
    JsonObject& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
    JsonObject& add(std::string_view key, uint64_t value);
    JsonObject& add(std::string_view key, double value);  // shortest round-trip form; non-finite -> null
    JsonObject& add(std::string_view key, bool value);
    // A value that is itself JSON written by this writer (a nested object).
    JsonObject& add_raw(std::string_view key, std::string_view json);
    JsonObject& add_null(std::string_view key);
    template <class T>
    JsonObject& add(std::string_view key, const std::optional<T>& value) {
        return value ? add(key, *value) : add_null(key);
    }
    std::string str() const { return out_ + "}"; }

private:
    void key(std::string_view k);
    std::string out_;
};

void json_escape_to(std::string& out, std::string_view s);

// The length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no
// overlong forms, no surrogates, at most U+10FFFF); 0 if it is not one.
size_t utf8_sequence_length(std::string_view s, size_t i);

}  // namespace stratus
