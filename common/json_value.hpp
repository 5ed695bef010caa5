// A small JSON reader (RFC 8259) for the documents Stratus reads without
// jansson: the spend snapshot (spend_snapshot.hpp), in the job_submit plugin
// which links no JSON library. Builds a tree; numbers keep their text so
// amounts can be read exactly (as cents) rather than through a double.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stratus {

class JsonParseError : public std::runtime_error {
public:
    JsonParseError(size_t offset, const std::string& message)
        : std::runtime_error("JSON: " + message + " at byte " + std::to_string(offset)), offset_(offset) {}
    size_t offset() const noexcept { return offset_; }

private:
    size_t offset_;
};

class JsonValue {
public:
    enum class Type { null, boolean, number, string, array, object };

    Type type() const noexcept { return type_; }
    bool is_null() const noexcept { return type_ == Type::null; }
    bool is_number() const noexcept { return type_ == Type::number; }
    bool is_string() const noexcept { return type_ == Type::string; }
    bool is_object() const noexcept { return type_ == Type::object; }
    bool is_array() const noexcept { return type_ == Type::array; }

    bool boolean() const noexcept { return boolean_; }
    const std::string& text() const noexcept { return text_; }  // a string's value, or a number as written
    // NaN unless a number a double holds (1e999 and 1e-999 read as NaN too: every
    // caller refuses NaN, so an absurd amount is never taken for another one).
    double number() const noexcept;
    const std::vector<JsonValue>& items() const noexcept { return items_; }
    const std::vector<std::pair<std::string, JsonValue>>& members() const noexcept { return members_; }
    // The member's value (the last one when a key repeats); nullptr if absent or not an object.
    const JsonValue* find(std::string_view key) const noexcept;

    // The number as whole cents (hundredths), rounded half away from zero,
    // read from its text; nullopt unless a number within +-9e15.
    std::optional<int64_t> cents() const noexcept;

    static JsonValue parse(std::string_view text);  // throws JsonParseError (depth limit 64)
    // Compact JSON text of the value (numbers as they were written).
    std::string dump() const;

private:
    friend class JsonParser;
    Type type_ = Type::null;
    bool boolean_ = false;
    std::string text_;
    std::vector<JsonValue> items_;
    std::vector<std::pair<std::string, JsonValue>> members_;
};

}  // namespace stratus
