#include "hostlist.hpp"

#include <algorithm>
#include <map>
#include <unordered_set>

#include "text.hpp"

namespace stratus {

namespace {

// Does `host` match `pattern` (one hostlist item, brackets allowed)?
bool match_item(std::string_view pattern, std::string_view host) {
    size_t open = pattern.find('[');
    if (open == std::string_view::npos) return pattern == host;
    size_t close = pattern.find(']', open);
    if (close == std::string_view::npos) return false;
    std::string_view prefix = pattern.substr(0, open), rest = pattern.substr(close + 1);
    if (host.substr(0, prefix.size()) != prefix) return false;
    host.remove_prefix(prefix.size());
    size_t digits = 0;
    while (digits < host.size() && host[digits] >= '0' && host[digits] <= '9') ++digits;
    // Try every split of the leading digits so that "[1-2]0" style patterns work too.
    for (size_t len = digits; len > 0; --len) {
        std::string_view num = host.substr(0, len);
        auto value = parse_u64(num);
        if (!value) continue;
        for (const std::string& range : split_list(pattern.substr(open + 1, close - open - 1))) {
            size_t dash = range.find('-');
            std::string_view lo_s = std::string_view(range).substr(0, dash);
            std::string_view hi_s = dash == std::string::npos ? lo_s : std::string_view(range).substr(dash + 1);
            auto lo = parse_u64(lo_s), hi = parse_u64(hi_s);
            if (!lo || !hi || *value < *lo || *value > *hi) continue;
            // Zero-padded ranges ("[01-10]") give names of the padded width.
            if (lo_s.size() > 1 && lo_s[0] == '0' && num.size() != lo_s.size()) continue;
            if (!(lo_s.size() > 1 && lo_s[0] == '0') && num.size() > 1 && num[0] == '0') continue;
            if (match_item(rest, host.substr(len))) return true;
        }
    }
    return false;
}

// Splits on ',' and blanks outside brackets.
std::vector<std::string_view> top_level_items(std::string_view list) {
    std::vector<std::string_view> out;
    size_t start = 0;
    int depth = 0;
    for (size_t i = 0; i <= list.size(); ++i) {
        char c = i < list.size() ? list[i] : ',';
        if (c == '[') ++depth;
        else if (c == ']') --depth;
        else if ((c == ',' || c == ' ' || c == '\t' || c == '\n') && depth <= 0) {
            std::string_view item = trim(list.substr(start, i - start));
            if (!item.empty()) out.push_back(item);
            start = i + 1;
            depth = 0;
        }
    }
    return out;
}

[[noreturn]] void bad(std::string_view expr, const std::string& why) {
    throw HostlistError("bad hostlist \"" + std::string(expr) + "\": " + why);
}

std::string pad(uint64_t v, size_t width) {
    std::string s = std::to_string(v);
    if (s.size() < width) s.insert(0, width - s.size(), '0');
    return s;
}

// Expands one item (no top-level commas) into `out`.
void expand_item(std::string_view whole, std::string_view item, const std::string& head,
                 std::vector<std::string>& out) {
    size_t open = item.find('[');
    size_t stray = item.find(']');
    if (open == std::string_view::npos) {
        if (stray != std::string_view::npos) bad(whole, "']' without '['");
        if (out.size() >= kMaxHostlistHosts) bad(whole, "more than " + std::to_string(kMaxHostlistHosts) + " hosts");
        out.push_back(head + std::string(item));
        return;
    }
    if (stray < open) bad(whole, "']' without '['");
    size_t close = item.find(']', open);
    if (close == std::string_view::npos) bad(whole, "'[' without ']'");
    std::string_view inner = item.substr(open + 1, close - open - 1);
    if (inner.find('[') != std::string_view::npos) bad(whole, "nested '['");
    std::string prefix = head + std::string(item.substr(0, open));
    std::string_view rest = item.substr(close + 1);
    std::vector<std::string> ranges = split_list(inner);
    if (ranges.empty()) bad(whole, "empty brackets");
    for (const std::string& range : ranges) {
        size_t dash = range.find('-');
        std::string_view lo_s = std::string_view(range).substr(0, dash);
        std::string_view hi_s = dash == std::string::npos ? lo_s : std::string_view(range).substr(dash + 1);
        auto lo = parse_u64(trim(lo_s)), hi = parse_u64(trim(hi_s));
        if (!lo || !hi) bad(whole, "not a number or range: " + range);
        if (*hi < *lo) bad(whole, "range runs backwards: " + range);
        if (*hi - *lo >= kMaxHostlistHosts) bad(whole, "more than " + std::to_string(kMaxHostlistHosts) + " hosts");
        size_t width = trim(lo_s).size();
        for (uint64_t v = *lo;; ++v) {
            expand_item(whole, rest, prefix + pad(v, width), out);
            if (v == *hi) break;
        }
    }
}

}  // namespace

bool hostlist_contains(std::string_view hostlist, std::string_view host) {
    size_t start = 0;
    int depth = 0;
    for (size_t i = 0; i <= hostlist.size(); ++i) {
        char c = i < hostlist.size() ? hostlist[i] : ',';
        if (c == '[') ++depth;
        else if (c == ']') --depth;
        else if (c == ',' && depth == 0) {
            if (match_item(trim(hostlist.substr(start, i - start)), host)) return true;
            start = i + 1;
        }
    }
    return false;
}

std::vector<std::string> hostlist_expand(std::string_view hostlist) {
    std::vector<std::string> all;
    int depth = 0;
    for (char c : hostlist) {
        if (c == '[') ++depth;
        else if (c == ']' && --depth < 0) bad(hostlist, "']' without '['");
    }
    if (depth != 0) bad(hostlist, "'[' without ']'");
    for (std::string_view item : top_level_items(hostlist)) expand_item(hostlist, item, std::string(), all);
    // Drop duplicates, keep the first occurrence.
    std::vector<std::string> out;
    out.reserve(all.size());
    std::unordered_set<std::string> seen;
    for (std::string& h : all)
        if (seen.insert(h).second) out.push_back(std::move(h));
    return out;
}

std::string hostlist_compress(const std::vector<std::string>& hosts) {
    struct Group {
        std::string prefix;
        size_t width = 0;  // zero-padded width; 0 = not padded
        std::vector<uint64_t> numbers;
    };
    std::vector<Group> groups;
    std::map<std::pair<std::string, size_t>, size_t> index;
    std::vector<std::string> plain;  // names without trailing digits, in order
    std::vector<std::pair<bool, size_t>> order;  // (is group, index) in first-seen order
    std::unordered_set<std::string> plain_seen;
    for (const std::string& h : hosts) {
        size_t d = h.size();
        while (d > 0 && h[d - 1] >= '0' && h[d - 1] <= '9') --d;
        size_t ndigits = h.size() - d;
        // Too long for a number: keep the name as it is.
        if (ndigits == 0 || ndigits > 18) {
            if (plain_seen.insert(h).second) {
                order.emplace_back(false, plain.size());
                plain.push_back(h);
            }
            continue;
        }
        std::string digits = h.substr(d);
        size_t width = (digits.size() > 1 && digits[0] == '0') ? digits.size() : 0;
        auto key = std::make_pair(h.substr(0, d), width);
        auto it = index.find(key);
        if (it == index.end()) {
            it = index.emplace(key, groups.size()).first;
            order.emplace_back(true, groups.size());
            groups.push_back(Group{key.first, width, {}});
        }
        groups[it->second].numbers.push_back(*parse_u64(digits));
    }
    std::string out;
    for (const auto& [is_group, i] : order) {
        if (!out.empty()) out += ',';
        if (!is_group) {
            out += plain[i];
            continue;
        }
        Group& g = groups[i];
        std::sort(g.numbers.begin(), g.numbers.end());
        g.numbers.erase(std::unique(g.numbers.begin(), g.numbers.end()), g.numbers.end());
        if (g.numbers.size() == 1) {
            out += g.prefix + pad(g.numbers[0], g.width);
            continue;
        }
        out += g.prefix + '[';
        for (size_t k = 0; k < g.numbers.size();) {
            size_t j = k;
            while (j + 1 < g.numbers.size() && g.numbers[j + 1] == g.numbers[j] + 1) ++j;
            if (k) out += ',';
            out += pad(g.numbers[k], g.width);
            if (j > k) out += '-' + pad(g.numbers[j], g.width);
            k = j + 1;
        }
        out += ']';
    }
    return out;
}

}  // namespace stratus
