#include "json.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string_view>

namespace stratus {

size_t utf8_sequence_length(std::string_view s, size_t i) {
    auto at = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
    auto cont = [&](size_t k) { return (at(k) & 0xC0) == 0x80; };
    unsigned c = at(0);
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return at(1) >= lo && at(1) <= hi && cont(2) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return at(1) >= lo && at(1) <= hi && cont(2) && cont(3) ? 4 : 0;
    }
    return 0;
}

void json_escape_to(std::string& out, std::string_view s) {
    out.push_back('"');
    size_t run = 0;  // start of the pending run of characters that need no escape
    for (size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            // Valid UTF-8 is kept; a byte that is not becomes U+FFFD, so that
            // what Stratus writes (a job's AdminComment) is JSON that jansson
            // and Python read. It is written as UTF-8, not as an escape, so
            // that writing what was read back gives the same text.
            if (size_t n = utf8_sequence_length(s, i)) {
                i += n - 1;
                continue;
            }
            out.append(s, run, i - run);
            run = i + 1;
            out += "\xef\xbf\xbd";
            continue;
        }
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
    std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, value);  // shortest form that reads back the same
    // Shortest may be an integer ("12345678901234567168"), which readers
    // that keep integers in 64 bits (jansson) refuse beyond 2^63: large
    // values go in exponent form, which every reader takes as a number.
    if (r.ec == std::errc() && std::fabs(value) >= 1e15 &&
        std::string_view(buf, static_cast<size_t>(r.ptr - buf)).find_first_of(".e") == std::string_view::npos)
        r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
    out_.append(buf, r.ec == std::errc() ? r.ptr : buf);
    return *this;
}

JsonObject& JsonObject::add(std::string_view k, bool value) {
    key(k);
    out_ += value ? "true" : "false";
    return *this;
}

JsonObject& JsonObject::add_raw(std::string_view k, std::string_view json) {
    key(k);
    out_ += json;
    return *this;
}

JsonObject& JsonObject::add_null(std::string_view k) {
    key(k);
    out_ += "null";
    return *this;
}

}  // namespace stratus
