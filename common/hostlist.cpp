#include "hostlist.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>
#include <unordered_set>

#include "text.hpp"

namespace stratus {

namespace {

// The parsed form every function here works on (see hostlist.hpp for the
// syntax). "r[1-2]n[1-2]" is the item {head "r", groups {[1-2] "n"}, {[1-2] ""}}.

// One number or range of a bracket group: the numbers lo..hi, padded to `width`.
struct Range {
    uint64_t lo = 0, hi = 0;
    size_t width = 0;  // LO's digits as written
};

// A bracket group and the literal text after it, up to the next group.
struct Group {
    std::vector<Range> ranges;
    std::string_view tail;
};

struct Item {
    std::string_view head;
    std::vector<Group> groups;
};

bool is_blank(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

[[noreturn]] void bad(std::string_view expr, const std::string& why) {
    // Quote the start only: the expression may be a megabyte long.
    constexpr size_t kQuoted = 200;
    std::string quoted(expr.substr(0, kQuoted));
    if (expr.size() > kQuoted) quoted += "...";
    throw HostlistError("bad hostlist \"" + quoted + "\": " + why);
}

// The ranges between one pair of brackets of `expr`.
std::vector<Range> parse_group(std::string_view expr, std::string_view inside) {
    std::vector<Range> ranges;
    for (const std::string& piece : split_list(inside)) {
        size_t dash = piece.find('-');
        std::string_view lo_s = trim(std::string_view(piece).substr(0, dash));
        std::string_view hi_s = dash == std::string::npos ? lo_s : trim(std::string_view(piece).substr(dash + 1));
        auto lo = parse_u64(lo_s), hi = parse_u64(hi_s);
        if (!lo || !hi) bad(expr, "not a number or range: " + piece);
        if (*hi < *lo) bad(expr, "range runs backwards: " + piece);
        ranges.push_back(Range{*lo, *hi, lo_s.size()});
    }
    if (ranges.empty()) bad(expr, "empty brackets");
    return ranges;
}

// The tokenizer: the items of `expr`, checked. Throws HostlistError when it
// is malformed.
std::vector<Item> parse(std::string_view expr) {
    if (expr.size() > kMaxHostlistLength)
        bad(expr, "longer than " + std::to_string(kMaxHostlistLength) + " bytes");
    std::vector<Item> items;
    size_t i = 0;
    while (i < expr.size()) {
        if (expr[i] == ',' || is_blank(expr[i])) {
            ++i;
            continue;
        }
        Item item;
        size_t literal_start = i;
        auto end_literal = [&](size_t end) {
            std::string_view& literal = item.groups.empty() ? item.head : item.groups.back().tail;
            literal = expr.substr(literal_start, end - literal_start);
        };
        for (; i < expr.size() && expr[i] != ',' && !is_blank(expr[i]); ++i) {
            if (expr[i] == ']') bad(expr, "']' without '['");
            if (expr[i] != '[') continue;
            end_literal(i);
            size_t close = expr.find_first_of("[]", i + 1);
            if (close == std::string_view::npos) bad(expr, "'[' without ']'");
            if (expr[close] == '[') bad(expr, "nested '['");
            item.groups.push_back(Group{parse_group(expr, expr.substr(i + 1, close - i - 1)), {}});
            i = close;
            literal_start = close + 1;
        }
        end_literal(i);
        items.push_back(std::move(item));
    }
    return items;
}

uint64_t saturating_add(uint64_t a, uint64_t b) {
    return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max() : a + b;
}

uint64_t saturating_mul(uint64_t a, uint64_t b) {
    return b != 0 && a > std::numeric_limits<uint64_t>::max() / b ? std::numeric_limits<uint64_t>::max() : a * b;
}

size_t decimal_digits(uint64_t v) {
    size_t n = 1;
    for (; v >= 10; v /= 10) ++n;
    return n;
}

HostlistSize size_of(const std::vector<Item>& items) {
    HostlistSize total;
    for (const Item& item : items) {
        uint64_t names = 1, longest = item.head.size();
        for (const Group& g : item.groups) {
            uint64_t numbers = 0;
            size_t widest = 0;
            for (const Range& r : g.ranges) {
                numbers = saturating_add(numbers, saturating_add(r.hi - r.lo, 1));
                widest = std::max({widest, r.width, decimal_digits(r.hi)});
            }
            names = saturating_mul(names, numbers);
            longest += widest + g.tail.size();
        }
        total.hosts = saturating_add(total.hosts, names);
        total.bytes = saturating_add(total.bytes, saturating_mul(names, longest));
    }
    return total;
}

// Is `number` (a run of digits worth `value`) one of the names of `r`, as
// pad() writes them: padded to the width of LO, or longer without leading
// zeros?
bool range_names(const Range& r, std::string_view number, uint64_t value) {
    if (value < r.lo || value > r.hi) return false;
    return number.size() == r.width || (number.size() > r.width && number[0] != '0');
}

// Does `host` match `item`? A group's number may be followed by more digits
// ("[1-2]0", "[1-2][0-9]"), so the match keeps the set of positions of
// `host` the item matches up to so far instead of backtracking: at most
// |host| + 1 positions, each extended by the at most 20 digits of a 64-bit
// number. Time O(|item| x |host|).
bool item_contains(const Item& item, std::string_view host) {
    if (host.substr(0, item.head.size()) != item.head) return false;
    std::vector<size_t> ends{item.head.size()}, next;
    std::vector<bool> reached(host.size() + 1);
    for (const Group& g : item.groups) {
        next.clear();
        for (size_t start : ends)
            for (size_t end = start + 1; end <= host.size() && is_digit(host[end - 1]); ++end) {
                std::string_view number = host.substr(start, end - start);
                auto value = parse_u64(number);
                if (!value) break;  // too long for any range
                bool named = std::any_of(g.ranges.begin(), g.ranges.end(),
                                         [&](const Range& r) { return range_names(r, number, *value); });
                if (!named || host.substr(end, g.tail.size()) != g.tail) continue;
                size_t after = end + g.tail.size();
                if (!reached[after]) {
                    reached[after] = true;
                    next.push_back(after);
                }
            }
        for (size_t e : next) reached[e] = false;
        ends.swap(next);
        if (ends.empty()) return false;
    }
    return std::find(ends.begin(), ends.end(), host.size()) != ends.end();
}

std::string pad(uint64_t v, size_t width) {
    std::string s = std::to_string(v);
    if (s.size() < width) s.insert(0, width - s.size(), '0');
    return s;
}

// Calls emit(name) for every name of `item`, the last group counting
// fastest ("r[1-2]n[1-2]": r1n1 r1n2 r2n1 r2n2). A loop, not recursion: an
// item may have hundreds of thousands of groups.
template <class Emit>
void for_each_name(const Item& item, Emit&& emit) {
    struct Position {
        size_t range = 0;
        uint64_t value = 0;
    };
    std::vector<Position> at;
    for (const Group& g : item.groups) at.push_back(Position{0, g.ranges[0].lo});
    for (;;) {
        std::string name(item.head);
        for (size_t k = 0; k < at.size(); ++k) {
            const Group& g = item.groups[k];
            name += pad(at[k].value, g.ranges[at[k].range].width);
            name += g.tail;
        }
        emit(std::move(name));
        // Step the last group; one that wraps around carries into the one before.
        size_t k = at.size();
        for (; k > 0; --k) {
            Position& p = at[k - 1];
            const std::vector<Range>& ranges = item.groups[k - 1].ranges;
            if (p.value < ranges[p.range].hi) {
                ++p.value;
                break;
            }
            if (p.range + 1 < ranges.size()) {
                p = Position{p.range + 1, ranges[p.range + 1].lo};
                break;
            }
            p = Position{0, ranges[0].lo};
        }
        if (k == 0) return;
    }
}

}  // namespace

HostlistSize hostlist_size(std::string_view hostlist) { return size_of(parse(hostlist)); }

bool hostlist_contains(std::string_view hostlist, std::string_view host) {
    std::vector<Item> items;
    try {
        items = parse(hostlist);
    } catch (const HostlistError&) {
        return false;  // a malformed expression names no host
    }
    return std::any_of(items.begin(), items.end(), [&](const Item& item) { return item_contains(item, host); });
}

std::vector<std::string> hostlist_expand(std::string_view hostlist) {
    std::vector<Item> items = parse(hostlist);
    HostlistSize size = size_of(items);
    if (size.hosts > kMaxHostlistHosts) bad(hostlist, "more than " + std::to_string(kMaxHostlistHosts) + " hosts");
    if (size.bytes > kMaxHostlistBytes)
        bad(hostlist, "more than " + std::to_string(kMaxHostlistBytes >> 20) + " MiB of host names");
    // Room for every name, duplicates included: `out` never reallocates, so
    // the views in `seen` stay valid.
    std::vector<std::string> out;
    out.reserve(size.hosts);
    std::unordered_set<std::string_view> seen;
    seen.reserve(size.hosts);
    for (const Item& item : items)
        for_each_name(item, [&](std::string&& name) {
            if (seen.count(name)) return;  // first occurrence wins
            out.push_back(std::move(name));
            seen.insert(out.back());
        });
    return out;
}

std::vector<std::string> hostlist_names(std::string_view hostlist) {
    try {
        return hostlist_expand(hostlist);
    } catch (const HostlistError&) {
        return {};
    }
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
