#include "aws/query.hpp"

#include <cstdio>

namespace stratus::aws {

namespace {

bool unreserved(unsigned char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '~';
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') out += ' ';
        else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else out += s[i];
    }
    return out;
}

}  // namespace

std::string form_encode(std::string_view s) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size() * 3);
    for (char ch : s) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (unreserved(c)) {
            out += ch;
        } else if (c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

QueryParams& QueryParams::add(std::string name, std::string value) {
    params_.emplace_back(std::move(name), std::move(value));
    return *this;
}

QueryParams& QueryParams::add_number(std::string name, double value) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.15g", value);
    return add(std::move(name), std::string(buf));
}

QueryParams& QueryParams::add_list(const std::string& name, const std::vector<std::string>& values) {
    for (size_t i = 0; i < values.size(); ++i) add(name + "." + std::to_string(i + 1), values[i]);
    return *this;
}

std::string QueryParams::get(std::string_view name) const {
    for (const auto& p : params_)
        if (p.first == name) return p.second;
    return {};
}

std::string QueryParams::encode() const {
    std::string out;
    for (const auto& p : params_) {
        if (!out.empty()) out += '&';
        out += form_encode(p.first);
        out += '=';
        out += form_encode(p.second);
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> decode_form(std::string_view body) {
    std::vector<std::pair<std::string, std::string>> out;
    size_t pos = 0;
    while (pos <= body.size() && !body.empty()) {
        size_t amp = body.find('&', pos);
        std::string_view pair = body.substr(pos, amp == std::string_view::npos ? body.npos : amp - pos);
        if (!pair.empty()) {
            size_t eq = pair.find('=');
            if (eq == std::string_view::npos) out.emplace_back(percent_decode(pair), std::string());
            else out.emplace_back(percent_decode(pair.substr(0, eq)), percent_decode(pair.substr(eq + 1)));
        }
        if (amp == std::string_view::npos) break;
        pos = amp + 1;
    }
    return out;
}

}  // namespace stratus::aws
