#include "json.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace stratus {

void json_escape_to(std::string& out, std::string_view s) {
    out.push_back('"');
    size_t run = 0;  // start of the pending run of characters that need no escape
    for (size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s, run, i - run);
        run = i + 1;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
            out += buf;
        }
        }
    }
    out.append(s, run, s.size() - run);
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
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);  // shortest form that reads back the same
    out_.append(buf, ec == std::errc() ? end : buf);
    return *this;
}

JsonObject& JsonObject::add_null(std::string_view k) {
    key(k);
    out_ += "null";
    return *this;
}

}  // namespace stratus
