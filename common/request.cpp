#include "request.hpp"

#include <cctype>
#include <cstring>
#include <vector>

#include "text.hpp"

namespace stratus {

const std::vector<OptionSpec>& option_specs() {
    static const std::vector<OptionSpec> specs = {
        {Option::arch, "arch", "STRATUS_ARCH", "arm64|x86_64|any",
         "CPU architecture the job needs (default: any)"},
        {Option::instance_type, "instance-type", "STRATUS_INSTANCE_TYPES", "TYPE[,TYPE...]",
         "Run only on these EC2 instance types of the partition"},
        {Option::capacity, "capacity", "STRATUS_CAPACITY", "spot|on-demand|any",
         "EC2 purchase option to price the job at (default: the partition's)"},
        {Option::cost_center, "cost-center", "STRATUS_COST_CENTER", "NAME",
         "Cost center recorded with the job and tagged on its instances"},
        {Option::max_cost, "max-cost", "STRATUS_MAX_COST_USD", "USD[/task]",
         "Refuse the job if its cost estimate exceeds USD dollars (with /task: each task of an array)"},
    };
    return specs;
}

const OptionSpec& option_spec(Option id) {
    for (const OptionSpec& s : option_specs())
        if (s.id == id) return s;
    return option_specs().front();  // unreachable: every Option has a spec
}

namespace {

std::string option_error(Option id, const char* problem, std::string_view value) {
    return std::string("stratus: --") + option_spec(id).name + ": " + problem + ": " + std::string(value);
}

// EC2 tag values allow letters, digits, spaces and _ . : / = + - @; we leave
// out spaces so the value survives environment and command lines unquoted.
bool valid_tag_value(std::string_view s) noexcept {
    if (s.empty() || s.size() > 256) return false;
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && !std::strchr("_.:/=+-@", c)) return false;
    return true;
}

bool valid_instance_type_name(std::string_view s) noexcept {
    if (s.empty() || s.size() > 64 || s.find('.') == std::string_view::npos) return false;
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') return false;
    return true;
}

}  // namespace

std::optional<std::string> apply_option(JobRequest& req, Option id, std::string_view raw) {
    std::string_view value = trim(raw);
    switch (id) {
    case Option::arch:
        if (iequals(value, "any")) { req.arch.reset(); return std::nullopt; }
        if (auto a = parse_arch(value)) { req.arch = a; return std::nullopt; }
        return option_error(id, "unknown architecture (arm64, x86_64 or any)", raw);
    case Option::instance_type: {
        std::vector<std::string> names = split_list(value);
        if (names.empty()) return option_error(id, "no instance type given", raw);
        for (std::string& n : names) {
            if (!valid_instance_type_name(n)) return option_error(id, "not an instance type name", n);
            n = lower(n);
        }
        req.instance_types = std::move(names);
        return std::nullopt;
    }
    case Option::capacity:
        if (iequals(value, "any")) { req.capacity.reset(); return std::nullopt; }
        if (auto c = parse_capacity(value)) { req.capacity = c; return std::nullopt; }
        return option_error(id, "unknown capacity (spot, on-demand or any)", raw);
    case Option::cost_center:
        if (!valid_tag_value(value))
            return option_error(id, "must be 1-256 letters, digits or _.:/=+-@", raw);
        req.cost_center = std::string(value);
        return std::nullopt;
    case Option::max_cost: {
        std::string_view v = value;
        if (!v.empty() && v.front() == '$') v.remove_prefix(1);
        bool per_task = v.size() > 5 && iequals(v.substr(v.size() - 5), "/task");
        if (per_task) v.remove_suffix(5);
        auto usd = parse_decimal(v);
        if (!usd) return option_error(id, "not a dollar amount", raw);
        if (*usd > kMaxUsd)
            return option_error(id, ("more than " + format_usd(kMaxUsd) + ", the most Stratus accepts").c_str(), raw);
        req.max_cost_usd = usd;
        req.max_cost_per_task = per_task;
        return std::nullopt;
    }
    }
    return std::nullopt;
}

std::optional<std::string> apply_option_env(JobRequest& req, const char* const* env, size_t count) {
    if (!env) return std::nullopt;
    for (size_t i = 0; i < count; ++i) {
        if (!env[i]) continue;
        std::string_view entry(env[i]);
        size_t eq = entry.find('=');
        if (eq == std::string_view::npos) continue;
        std::string_view name = entry.substr(0, eq);
        for (const OptionSpec& s : option_specs()) {
            if (name != s.env) continue;
            if (auto err = apply_option(req, s.id, entry.substr(eq + 1))) return err;
        }
    }
    return std::nullopt;
}

std::optional<std::string> parse_gpu_tres(std::string_view tres, std::optional<GpuSpec>& out) {
    std::optional<GpuSpec> found;
    uint64_t total = 0;
    size_t start = 0;
    while (start <= tres.size()) {
        size_t end = tres.find_first_of(",;", start);
        if (end == std::string_view::npos) end = tres.size();
        std::string_view item = trim(tres.substr(start, end - start));
        start = end + 1;
        // Drop the "gres:" / "gres/" prefix, then expect gpu[:model][:count] or gpu[:model]=count.
        if (item.size() > 5 && iequals(item.substr(0, 4), "gres") && (item[4] == ':' || item[4] == '/'))
            item.remove_prefix(5);
        if (item.size() < 3 || !iequals(item.substr(0, 3), "gpu")) continue;
        if (item.size() > 3 && item[3] != ':' && item[3] != '=') continue;  // e.g. "gpumem"
        std::vector<std::string> parts;
        std::string body(item.substr(3));
        for (char& c : body)
            if (c == '=') c = ':';
        for (std::string& p : split_list(body, ':')) parts.push_back(std::move(p));
        uint64_t count = 1;  // "--gres=gpu" alone means one
        if (!parts.empty() && parts.back().find_first_not_of("0123456789") == std::string::npos) {
            // All digits is a count, even one too large for 64 bits (never a model name).
            auto n = parse_u64(parts.back());
            if (!n || *n > kMaxGpuCount) return "GPU count above " + std::to_string(kMaxGpuCount) + ": " + parts.back();
            count = *n;
            parts.pop_back();
        }
        if (__builtin_add_overflow(total, count, &total)) total = UINT64_MAX;  // saturates: only ever "too many"
        if (!found) found = GpuSpec{};
        if (found->model.empty() && !parts.empty()) found->model = lower(parts.front());
    }
    if (total > kMaxGpuCount)
        return "GPU counts add up to more than " + std::to_string(kMaxGpuCount) + ": " + std::to_string(total);
    if (found) found->count = static_cast<uint32_t>(total);
    out = std::move(found);
    return std::nullopt;
}

namespace {

std::optional<uint64_t> array_index(std::string_view t) noexcept {
    if (t.empty() || t.size() > 7) return std::nullopt;  // kMaxArrayIndex has 7 digits
    uint64_t v = 0;
    for (char c : t) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v > kMaxArrayIndex) return std::nullopt;
    return v;
}

// "0x..." : one bit per index, the lowest bit of the last digit is index 0.
std::optional<uint32_t> count_mask(std::string_view hex) noexcept {
    if (hex.empty() || hex.size() > (kMaxArrayIndex + 4) / 4) return std::nullopt;
    uint32_t n = 0;
    for (char c : hex) {
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return std::nullopt;
        n += static_cast<uint32_t>(__builtin_popcount(static_cast<unsigned>(d)));
    }
    return n;
}

}  // namespace

std::optional<uint32_t> count_array_tasks(std::string_view spec) {
    if (size_t pct = spec.find('%'); pct != std::string_view::npos) {
        if (!array_index(spec.substr(pct + 1))) return std::nullopt;  // "%N": a count of tasks at once
        spec = spec.substr(0, pct);
    }
    if (spec.size() > 2 && spec[0] == '0' && (spec[1] == 'x' || spec[1] == 'X')) return count_mask(spec.substr(2));
    struct Range {
        uint64_t lo, hi, step;
    };
    std::vector<Range> ranges;
    uint64_t top = 0, listed = 0;
    while (true) {
        size_t comma = spec.find(',');
        std::string_view item = spec.substr(0, comma);
        Range r{0, 0, 1};
        if (size_t colon = item.find(':'); colon != std::string_view::npos) {
            std::optional<uint64_t> step = array_index(item.substr(colon + 1));
            if (!step || *step == 0) return std::nullopt;
            r.step = *step;
            item = item.substr(0, colon);
        }
        size_t dash = item.find('-');
        std::optional<uint64_t> lo = array_index(item.substr(0, dash));
        std::optional<uint64_t> hi = dash == std::string_view::npos ? lo : array_index(item.substr(dash + 1));
        if (!lo || !hi || *hi < *lo) return std::nullopt;
        r.lo = *lo;
        r.hi = *hi;
        // Bounded work: items may repeat indexes, but not without end.
        listed += (r.hi - r.lo) / r.step + 1;
        if (listed > 2 * (uint64_t{kMaxArrayIndex} + 1)) return std::nullopt;
        ranges.push_back(r);
        top = std::max(top, r.hi);
        if (comma == std::string_view::npos) break;
        spec.remove_prefix(comma + 1);
    }
    if (ranges.size() == 1) return static_cast<uint32_t>((ranges[0].hi - ranges[0].lo) / ranges[0].step + 1);
    // Several items may overlap ("1-5,3"): Slurm counts each index once.
    std::vector<bool> seen(top + 1, false);
    uint32_t n = 0;
    for (const Range& r : ranges)
        for (uint64_t i = r.lo; i <= r.hi; i += r.step)
            if (!seen[i]) {
                seen[i] = true;
                ++n;
            }
    return n;
}

}  // namespace stratus
