#include "json.hpp"

#include <cmath>
#include <cstdio>

namespace stratus {

void json_escape_to(std::string& out, std::string_view s) {
    out.push_back('"');
    for (char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
                out += buf;
            } else {
                out.push_back(c);
            }
        }
    }
    out.push_back('"');
}

void JsonObject::key(std::string_view k) {
    if (out_.size() > 1) out_.push_back(',');
    json_escape_to(out_, k);
    out_.push_back(':');
}

JsonObject& JsonObject::add(std::string_view k, std::string_view value) {
    key(k);
    json_escape_to(out_, value);
    return *this;
}

JsonObject& JsonObject::add(std::string_view k, uint64_t value) {
    key(k);
    out_ += std::to_string(value);
    return *this;
}

JsonObject& JsonObject::add(std::string_view k, double value) {
    if (!std::isfinite(value)) return add_null(k);
    key(k);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", value);
    out_ += buf;
    return *this;
}

JsonObject& JsonObject::add_null(std::string_view k) {
    key(k);
    out_ += "null";
    return *this;
}

}  // namespace stratus
