#include "cost_record.hpp"

#include <jansson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>
#include <numeric>
#include <stdexcept>

#include "json.hpp"
#include "hostlist.hpp"
#include "text.hpp"

namespace stratus {

namespace {

struct JsonDeleter {
    void operator()(json_t* j) const noexcept { json_decref(j); }
};
using JsonPtr = std::unique_ptr<json_t, JsonDeleter>;

std::string string_of(const json_t* v) {
    return json_is_string(v) ? std::string(json_string_value(v), json_string_length(v)) : std::string();
}

std::optional<Micros> micros_of(const json_t* v) {
    if (!json_is_number(v)) return std::nullopt;
    return usd_to_micros(json_number_value(v));
}

// ---- writing JSON -----------------------------------------------------------------

void append_number(std::string& out, double v) {
    if (!std::isfinite(v)) {
        out += "null";
        return;
    }
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest form that reads back the same
    if (ec == std::errc()) {
        out.append(buf, end);
        // Keep a real a real ("2" would read back as an integer).
        if (std::string_view(buf, static_cast<size_t>(end - buf)).find_first_of(".eE") == std::string_view::npos) out += ".0";
    } else {
        out += "null";
    }
}

void append_json(std::string& out, const json_t* v, int depth) {
    if (depth > 64) throw std::invalid_argument("AdminComment JSON nests too deeply");
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        out += '{';
        const char* key;
        json_t* value;
        bool first = true;
        json_object_foreach(const_cast<json_t*>(v), key, value) {
            if (!first) out += ',';
            first = false;
            json_escape_to(out, key);
            out += ':';
            append_json(out, value, depth + 1);
        }
        out += '}';
        break;
    }
    case JSON_ARRAY: {
        out += '[';
        for (size_t i = 0; i < json_array_size(v); ++i) {
            if (i) out += ',';
            append_json(out, json_array_get(v, i), depth + 1);
        }
        out += ']';
        break;
    }
    case JSON_STRING: json_escape_to(out, std::string_view(json_string_value(v), json_string_length(v))); break;
    case JSON_INTEGER: out += std::to_string(static_cast<long long>(json_integer_value(v))); break;
    case JSON_REAL: append_number(out, json_real_value(v)); break;
    case JSON_TRUE: out += "true"; break;
    case JSON_FALSE: out += "false"; break;
    case JSON_NULL: out += "null"; break;
    }
}

// Money and prices as decimal text straight from integers (no binary rounding).
std::string usd_text_of_cents(int64_t cents) { return cents_decimal(cents); }

std::string usd_text_of_micros(Micros m) {
    std::string s = micros_decimal(m, 6);
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s += '0';
    return s;
}

// The values stratus-jobcost owns, as JSON text, in the order they are appended.
std::vector<std::pair<std::string, std::string>> cost_values(const JobCost& job) {
    std::vector<std::pair<std::string, std::string>> kv;
    kv.emplace_back("actual_usd", job.cents ? usd_text_of_cents(*job.cents) : "null");
    kv.emplace_back("elapsed_s", std::to_string(job.elapsed_s));

    // Nodes grouped by instance type, in order of first appearance.
    std::vector<std::string> types;
    std::vector<std::vector<std::string>> members;
    std::vector<std::optional<Micros>> rates;
    for (const NodeCost& n : job.nodes) {
        std::string type = n.instance_type.empty() ? "unknown" : n.instance_type;
        auto it = std::find(types.begin(), types.end(), type);
        if (it == types.end()) {
            types.push_back(type);
            members.emplace_back();
            rates.push_back(n.micros_per_hour);
            it = types.end() - 1;
        }
        members[static_cast<size_t>(it - types.begin())].push_back(n.node);
    }
    std::string instance, rate;
    if (types.empty()) {
        instance = "null";
        rate = "null";
    } else if (types.size() == 1 && types[0] != "unknown") {
        json_escape_to(instance, types[0]);
        rate = rates[0] ? usd_text_of_micros(*rates[0]) : "null";
    } else {
        instance = "{";
        rate = "{";
        for (size_t i = 0; i < types.size(); ++i) {
            if (i) {
                instance += ',';
                rate += ',';
            }
            json_escape_to(instance, types[i]);
            instance += ':';
            json_escape_to(instance, hostlist_compress(members[i]));
            json_escape_to(rate, types[i]);
            rate += ':';
            rate += rates[i] ? usd_text_of_micros(*rates[i]) : "null";
        }
        instance += '}';
        rate += '}';
    }
    kv.emplace_back("instance", instance);
    kv.emplace_back("capacity", std::string("\"") + capacity_name(job.capacity) + "\"");
    kv.emplace_back("actual_usd_per_node_hour", rate);
    bool fallback = false;
    for (const NodeCost& n : job.nodes) fallback = fallback || (n.micros_per_hour && n.capacity != n.priced_as);
    if (fallback) kv.emplace_back("priced_as", "\"on-demand\"");
    if (!job.spot_snapshot_basis.empty()) kv.emplace_back("actual_price_basis", "\"" + job.spot_snapshot_basis + "\"");
    return kv;
}

const char* const kOwnedKeys[] = {"actual_usd", "elapsed_s", "instance", "capacity", "actual_usd_per_node_hour", "priced_as",
                                  "actual_price_basis"};

}  // namespace

AdminComment parse_admin_comment(std::string_view text) {
    AdminComment ac;
    ac.present = !trim(text).empty();
    if (!ac.present) return ac;
    json_error_t err;
    JsonPtr root(json_loadb(text.data(), text.size(), 0, &err));
    if (!root || !json_is_object(root.get())) return ac;
    ac.object = true;
    const json_t* o = root.get();
    if (const json_t* v = json_object_get(o, "capacity"); json_is_string(v)) ac.capacity = parse_capacity(string_of(v));
    ac.cost_center = string_of(json_object_get(o, "cost_center"));
    ac.estimate_type = string_of(json_object_get(o, "instance_type"));
    if (const json_t* v = json_object_get(o, "actual_usd")) {
        ac.has_actual = true;
        if (json_is_number(v)) {
            double usd = json_number_value(v);
            if (std::isfinite(usd) && std::fabs(usd) < 9e13) ac.actual_cents = std::llround(usd * 100.0);
        }
    }
    if (const json_t* v = json_object_get(o, "elapsed_s"); json_is_integer(v) && json_integer_value(v) >= 0)
        ac.elapsed_s = json_integer_value(v);
    if (const json_t* v = json_object_get(o, "instance")) {
        if (json_is_string(v)) ac.instance = string_of(v);
        else if (json_is_object(v)) {
            const char* key;
            json_t* value;
            json_object_foreach(const_cast<json_t*>(v), key, value) ac.instance_map.emplace_back(key, string_of(value));
        }
    }
    if (const json_t* v = json_object_get(o, "actual_usd_per_node_hour")) {
        if (json_is_number(v)) ac.rate = micros_of(v);
        else if (json_is_object(v)) {
            const char* key;
            json_t* value;
            json_object_foreach(const_cast<json_t*>(v), key, value) ac.rate_map.emplace_back(key, micros_of(value));
        }
    }
    if (const json_t* v = json_object_get(o, "priced_as"); json_is_string(v)) ac.priced_as = parse_capacity(string_of(v));
    return ac;
}

std::string admin_comment_with_cost(std::string_view admin_comment, const JobCost& job) {
    std::vector<std::pair<std::string, std::string>> values = cost_values(job);
    auto owned = [](const char* key) {
        for (const char* k : kOwnedKeys)
            if (std::string_view(k) == key) return true;
        return false;
    };
    std::string out = "{";
    std::vector<bool> written(values.size(), false);
    auto put = [&](const std::string& key, const std::string& value) {
        if (out.size() > 1) out += ',';
        json_escape_to(out, key);
        out += ':';
        out += value;
    };
    if (trim(admin_comment).empty()) {
        put("v", "1");
    } else {
        json_error_t err;
        JsonPtr root(json_loadb(admin_comment.data(), admin_comment.size(), 0, &err));
        if (!root || !json_is_object(root.get()))
            throw std::invalid_argument("AdminComment is not a JSON object; not overwriting it");
        const char* key;
        json_t* value;
        json_object_foreach(root.get(), key, value) {
            if (!owned(key)) {
                if (out.size() > 1) out += ',';
                json_escape_to(out, key);
                out += ':';
                append_json(out, value, 1);
                continue;
            }
            // An owned key keeps its place; it goes when the new record lacks it.
            for (size_t i = 0; i < values.size(); ++i)
                if (values[i].first == key && !written[i]) {
                    put(values[i].first, values[i].second);
                    written[i] = true;
                }
        }
    }
    for (size_t i = 0; i < values.size(); ++i)
        if (!written[i]) put(values[i].first, values[i].second);
    out += '}';
    return out;
}

Capacity job_capacity(const Config& cfg, std::string_view partition, const AdminComment& ac) {
    if (ac.capacity) return *ac.capacity;
    if (const PartitionConfig* p = cfg.find_partition(partition)) return p->capacity;
    return cfg.default_capacity;
}

std::string recorded_node_type(const AdminComment& ac, std::string_view node) {
    if (!ac.instance.empty()) return ac.instance;
    for (const auto& [type, hosts] : ac.instance_map)
        if (hostlist_contains(hosts, node)) return type;
    return "";
}

std::optional<Micros> recorded_rate(const AdminComment& ac, std::string_view type) {
    if (ac.rate) return ac.rate;
    for (const auto& [t, rate] : ac.rate_map)
        if (t == type) return rate;
    return std::nullopt;
}

std::optional<JobCost> recorded_job_cost(const AccountingJob& job, const AdminComment& ac) {
    if (!ac.has_actual) return std::nullopt;
    JobCost c;
    c.elapsed_s = ac.elapsed_s ? *ac.elapsed_s : elapsed_seconds(job.start, job.end);
    c.capacity = ac.capacity.value_or(Capacity::on_demand);
    for (const std::string& node : job.nodes) {
        NodeCost n;
        n.node = node;
        n.instance_type = recorded_node_type(ac, node);
        if (n.instance_type == "unknown") n.instance_type.clear();
        n.capacity = c.capacity;
        n.priced_as = ac.priced_as.value_or(c.capacity);
        if (!n.instance_type.empty()) n.micros_per_hour = recorded_rate(ac, n.instance_type);
        c.nodes.push_back(std::move(n));
    }
    total_job_cost(c);
    return c;
}

std::vector<int64_t> split_cents(int64_t cents, const std::vector<int64_t>& weights) {
    std::vector<int64_t> out(weights.size(), 0);
    if (weights.empty()) return out;
    __int128 total = 0;
    for (int64_t w : weights) total += w > 0 ? w : 0;
    if (total == 0 || cents < 0) {
        out[0] = cents;
        return out;
    }
    std::vector<__int128> remainder(weights.size(), 0);
    int64_t given = 0;
    for (size_t i = 0; i < weights.size(); ++i) {
        __int128 share = static_cast<__int128>(cents) * (weights[i] > 0 ? weights[i] : 0);
        out[i] = static_cast<int64_t>(share / total);
        remainder[i] = share % total;
        given += out[i];
    }
    std::vector<size_t> order(weights.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return remainder[a] > remainder[b]; });
    for (size_t k = 0; given < cents; k = (k + 1) % order.size(), ++given) ++out[order[k]];
    return out;
}

JobCostRecord cost_record(const AccountingJob& job, const Config* cfg) {
    AdminComment ac = parse_admin_comment(job.admin_comment);
    JobCostRecord r;
    r.job_id = job.job_id;
    r.job_label = job.job_label.empty() ? std::to_string(job.job_id) : job.job_label;
    r.user = job.user;
    r.account = job.account;
    r.partition = job.partition;
    r.cost_center = ac.cost_center;
    r.start = job.start;
    r.end = job.end;
    r.elapsed_s = ac.elapsed_s ? *ac.elapsed_s : elapsed_seconds(job.start, job.end);
    r.nodes = static_cast<uint32_t>(job.nodes.size());
    if (cfg) r.capacity = job_capacity(*cfg, job.partition, ac);
    else if (ac.capacity) r.capacity = *ac.capacity;
    r.priced = ac.actual_cents.has_value();
    r.cents = ac.actual_cents.value_or(0);

    // Instance types and their exact cost, to split the cents.
    std::vector<int64_t> weights;
    if (!ac.instance.empty()) {
        r.types.push_back(TypeShare{ac.instance, r.nodes, int64_t{r.nodes} * r.elapsed_s, 0});
        weights.push_back(1);
    } else if (!ac.instance_map.empty()) {
        uint32_t counted = 0;
        for (const auto& [type, hosts] : ac.instance_map) {
            uint32_t n = 0;
            for (const std::string& node : job.nodes) n += hostlist_contains(hosts, node) ? 1 : 0;
            counted += n;
            r.types.push_back(TypeShare{type, n, int64_t{n} * r.elapsed_s, 0});
            std::optional<Micros> rate = recorded_rate(ac, type);
            weights.push_back(rate ? node_cost_micros(*rate, r.elapsed_s) * n : 0);
        }
        if (counted < r.nodes) {
            uint32_t n = r.nodes - counted;
            r.types.push_back(TypeShare{"unknown", n, int64_t{n} * r.elapsed_s, 0});
            weights.push_back(0);
        }
    } else {
        r.types.push_back(TypeShare{"unknown", r.nodes, int64_t{r.nodes} * r.elapsed_s, 0});
        weights.push_back(1);
    }
    std::vector<int64_t> shares = split_cents(r.cents, weights);
    for (size_t i = 0; i < r.types.size(); ++i) r.types[i].cents = shares[i];
    return r;
}

}  // namespace stratus
