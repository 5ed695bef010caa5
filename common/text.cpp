#include "text.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace stratus {

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::vector<std::string> split_list(std::string_view s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
        size_t end = s.find(sep, start);
        if (end == std::string_view::npos) end = s.size();
        std::string_view piece = trim(s.substr(start, end - start));
        if (!piece.empty()) out.emplace_back(piece);
        start = end + 1;
    }
    return out;
}

std::string join(const std::vector<std::string>& pieces, std::string_view sep) {
    std::string out;
    for (const std::string& p : pieces) {
        if (!out.empty()) out += sep;
        out += p;
    }
    return out;
}

std::optional<uint64_t> parse_u64(std::string_view s) noexcept {
    if (s.empty() || s.size() > 20) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        uint64_t d = static_cast<uint64_t>(c - '0');
        if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return std::nullopt;
        v = v * 10 + d;
    }
    return v;
}

std::optional<double> parse_decimal(std::string_view s) noexcept {
    // digits [ '.' digits ]: no exponent, sign, comma or locale surprises.
    if (s.empty() || s.size() > 32) return std::nullopt;
    // The result must be the double nearest to the text, as the same literal
    // compiles to: summing digit x 10^-k drifts by an ulp ("2.31" came out
    // below 2.31, so --max-cost=2.31 refused an estimate of $2.31). Collect
    // the digits as an integer and scale it once by an exact power of ten.
    uint64_t digits = 0;  // the first 19 significant digits
    int exp10 = 0;        // value = digits x 10^exp10
    bool seen_dot = false, seen_digit = false;
    for (char c : s) {
        if (c == '.' && !seen_dot) { seen_dot = true; continue; }
        if (c < '0' || c > '9') return std::nullopt;
        seen_digit = true;
        if (digits < 1000000000000000000ULL) {
            digits = digits * 10 + static_cast<uint64_t>(c - '0');
            if (seen_dot) --exp10;
        } else if (!seen_dot) {
            ++exp10;  // beyond 19 digits: dropped, which no price or budget has
        }
    }
    if (!seen_digit) return std::nullopt;
    static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    double v;
    if (digits <= (1ULL << 53) && exp10 >= -22 && exp10 <= 22)  // both exact: one correctly rounded operation
        v = exp10 < 0 ? static_cast<double>(digits) / kPow10[-exp10] : static_cast<double>(digits) * kPow10[exp10];
    else
        v = static_cast<double>(static_cast<long double>(digits) * std::pow(10.0L, exp10));
    if (!std::isfinite(v)) return std::nullopt;
    return v;
}

std::optional<bool> parse_bool(std::string_view s) noexcept {
    if (iequals(s, "yes") || iequals(s, "true") || s == "1") return true;
    if (iequals(s, "no") || iequals(s, "false") || s == "0") return false;
    return std::nullopt;
}

std::optional<SlurmDuration> parse_slurm_duration(std::string_view s) noexcept {
    s = trim(s);
    if (iequals(s, "UNLIMITED") || iequals(s, "INFINITE")) return SlurmDuration{true, 0};
    uint64_t days = 0;
    bool has_days = false;
    if (size_t dash = s.find('-'); dash != std::string_view::npos) {
        auto d = parse_u64(s.substr(0, dash));
        if (!d || *d > 1000000) return std::nullopt;  // bounded like H, M and S: days * 86400 must not wrap
        days = *d;
        has_days = true;
        s = s.substr(dash + 1);
    }
    uint64_t parts[3] = {0, 0, 0};
    int n = 0;
    size_t start = 0;
    while (true) {
        if (n == 3) return std::nullopt;
        size_t colon = s.find(':', start);
        auto v = parse_u64(s.substr(start, colon == std::string_view::npos ? s.npos : colon - start));
        if (!v || *v > 1000000) return std::nullopt;
        parts[n++] = *v;
        if (colon == std::string_view::npos) break;
        start = colon + 1;
    }
    uint64_t seconds;
    if (has_days) {  // D-H, D-H:M, D-H:M:S
        seconds = days * 86400 + parts[0] * 3600 + (n > 1 ? parts[1] * 60 : 0) + (n > 2 ? parts[2] : 0);
    } else if (n == 1) {  // M
        seconds = parts[0] * 60;
    } else if (n == 2) {  // M:S
        seconds = parts[0] * 60 + parts[1];
    } else {  // H:M:S
        seconds = parts[0] * 3600 + parts[1] * 60 + parts[2];
    }
    uint64_t minutes = (seconds + 59) / 60;
    if (minutes >= 0xfffffffeULL) return std::nullopt;
    return SlurmDuration{false, static_cast<uint32_t>(minutes)};
}

std::string format_minutes(uint32_t minutes) {
    char buf[48];
    uint32_t d = minutes / 1440, h = (minutes % 1440) / 60, m = minutes % 60;
    if (d) std::snprintf(buf, sizeof buf, "%ud %uh%02u", d, h, m);
    else if (h) std::snprintf(buf, sizeof buf, "%uh%02u", h, m);
    else std::snprintf(buf, sizeof buf, "%u min", m);
    return buf;
}

std::string format_fixed(double value, int decimals) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, decimals);
    return ec == std::errc() ? std::string(buf, end) : "?";
}

std::string format_bytes(uint64_t bytes) {
    if (bytes != 0 && bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
    if (bytes != 0 && bytes % (1u << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
    return std::to_string(bytes) + " bytes";
}

std::string format_usd(double usd) { return "$" + format_fixed(usd, usd > 0 && usd < 0.01 ? 4 : 2); }

}  // namespace stratus
