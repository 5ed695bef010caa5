#include "request.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

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
        {Option::max_cost, "max-cost", "STRATUS_MAX_COST_USD", "USD",
         "Refuse the job if its cost estimate exceeds USD dollars"},
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
        auto usd = parse_decimal(v);
        if (!usd) return option_error(id, "not a dollar amount", raw);
        req.max_cost_usd = usd;
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

std::optional<GpuSpec> parse_gpu_tres(std::string_view tres) {
    std::optional<GpuSpec> found;
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
        GpuSpec spec;
        spec.count = 1;  // "--gres=gpu" alone means one
        if (!parts.empty() && parts.back().find_first_not_of("0123456789") == std::string::npos) {
            // All digits is a count, even one too large for 64 bits (never a model name).
            auto n = parse_u64(parts.back());
            spec.count = static_cast<uint32_t>(std::min<uint64_t>(n.value_or(1000000), 1000000));
            parts.pop_back();
        }
        if (!parts.empty()) spec.model = lower(parts.front());
        if (found) {
            found->count += spec.count;
            if (found->model.empty()) found->model = spec.model;
        } else {
            found = spec;
        }
    }
    return found;
}

}  // namespace stratus
