#include "job_estimate.hpp"

#include <cmath>
#include <limits>

#include "json_value.hpp"
#include "text.hpp"

namespace stratus {

namespace {

template <class T>
void add_if(JsonObject& j, std::string_view key, const std::optional<T>& v) {
    if (v) j.add(key, uint64_t{*v});
}

// A whole number of the comment, within T's range; nullopt otherwise.
template <class T>
std::optional<T> whole(const JsonValue* v) {
    if (!v || !v->is_number()) return std::nullopt;
    double d = v->number();
    if (!(d >= 0) || d > static_cast<double>(std::numeric_limits<T>::max()) || std::floor(d) != d) return std::nullopt;
    return static_cast<T>(d);
}

std::optional<double> dollars(const JsonValue* v) {
    if (!v || !v->is_number()) return std::nullopt;
    double d = v->number();
    if (!std::isfinite(d) || d < 0 || d > kMaxUsd) return std::nullopt;
    return d;
}

std::string text_of(const JsonValue* v) { return v && v->is_string() ? v->text() : std::string(); }

}  // namespace

void add_request_record(JsonObject& j, const JobRequest& r, const std::string& account) {
    JsonObject q;
    if (!r.partitions.empty()) q.add("p", join(r.partitions));
    add_if(q, "N", r.min_nodes);
    add_if(q, "Nmax", r.max_nodes);
    add_if(q, "n", r.num_tasks);
    add_if(q, "npn", r.tasks_per_node);
    add_if(q, "c", r.cpus_per_task);
    add_if(q, "mincpus", r.min_cpus_per_node);
    add_if(q, "cpus", r.min_cpus);
    add_if(q, "mem", r.mem_per_node_mib);
    add_if(q, "mpc", r.mem_per_cpu_mib);
    add_if(q, "gpn", r.gpus.per_node);
    add_if(q, "gpj", r.gpus.per_job);
    add_if(q, "gpt", r.gpus.per_task);
    if (!r.gpus.model.empty()) q.add("gm", r.gpus.model);
    if (!r.constraint.empty()) q.add("C", r.constraint);
    add_if(q, "t", r.time_limit_min);
    if (r.time_unlimited) q.add("tu", true);
    if (!account.empty()) q.add("A", account);
    if (r.arch) q.add("arch", arch_name(*r.arch));
    if (!r.instance_types.empty()) q.add("types", join(r.instance_types));
    if (r.capacity) q.add("cap", capacity_name(*r.capacity));
    j.add_raw("req", q.str());
}

std::optional<JobEstimate> read_job_estimate(std::string_view admin_comment) {
    if (admin_comment.empty() || admin_comment.front() != '{') return std::nullopt;
    JsonValue doc;
    try {
        doc = JsonValue::parse(admin_comment);
    } catch (const JsonParseError&) {
        return std::nullopt;
    }
    const JsonValue* v = doc.find("v");
    const JsonValue* q = doc.find("req");
    if (!v || !v->is_number() || v->number() != 1 || !q || !q->is_object()) return std::nullopt;
    JobEstimate e;
    JobRequest& r = e.req;
    if (std::string p = text_of(q->find("p")); !p.empty()) r.partitions = split_list(p);
    r.min_nodes = whole<uint32_t>(q->find("N"));
    r.max_nodes = whole<uint32_t>(q->find("Nmax"));
    r.num_tasks = whole<uint32_t>(q->find("n"));
    r.tasks_per_node = whole<uint32_t>(q->find("npn"));
    r.cpus_per_task = whole<uint32_t>(q->find("c"));
    r.min_cpus_per_node = whole<uint32_t>(q->find("mincpus"));
    r.min_cpus = whole<uint32_t>(q->find("cpus"));
    r.mem_per_node_mib = whole<uint64_t>(q->find("mem"));
    r.mem_per_cpu_mib = whole<uint64_t>(q->find("mpc"));
    r.gpus.per_node = whole<uint32_t>(q->find("gpn"));
    r.gpus.per_job = whole<uint32_t>(q->find("gpj"));
    r.gpus.per_task = whole<uint32_t>(q->find("gpt"));
    r.gpus.model = text_of(q->find("gm"));
    r.constraint = text_of(q->find("C"));
    r.time_limit_min = whole<uint32_t>(q->find("t"));
    if (const JsonValue* tu = q->find("tu"); tu && tu->type() == JsonValue::Type::boolean) r.time_unlimited = tu->boolean();
    e.account = text_of(q->find("A"));
    r.account = e.account;
    if (std::string a = text_of(q->find("arch")); !a.empty()) r.arch = parse_arch(a);
    if (std::string t = text_of(q->find("types")); !t.empty()) r.instance_types = split_list(t);
    if (std::string c = text_of(q->find("cap")); !c.empty()) r.capacity = parse_capacity(c);
    r.cost_center = text_of(doc.find("cost_center"));
    r.max_cost_usd = dollars(doc.find("max_cost_usd"));
    if (const JsonValue* pt = doc.find("max_cost_per_task"); pt && pt->type() == JsonValue::Type::boolean)
        r.max_cost_per_task = pt->boolean();
    e.tasks = whole<uint32_t>(doc.find("tasks")).value_or(1);
    if (e.tasks == 0) e.tasks = 1;
    r.array_tasks = e.tasks;
    e.usd = dollars(doc.find("est_usd"));
    e.usd_max = dollars(doc.find("est_usd_max"));
    e.usd_task = dollars(doc.find("est_usd_task"));
    return e;
}

std::string replace_estimate(std::string_view old_comment, const std::string& estimate) {
    JsonValue old, fresh;
    try {
        old = JsonValue::parse(old_comment);
        fresh = JsonValue::parse(estimate);
    } catch (const JsonParseError&) {
        return estimate;
    }
    if (!old.is_object() || !fresh.is_object()) return estimate;
    // The keys decide() writes, whether this estimate has them or not (one
    // partition has no "partitions", a plain job no "tasks").
    static const char* const kEstimateKeys[] = {"v",       "partition",   "instance_type", "capacity",     "region",
                                                "nodes",   "usd_per_node_hour", "minutes", "basis",        "est_usd",
                                                "tasks",   "est_usd_task", "partitions",   "est_usd_max",  "cost_center",
                                                "max_cost_usd", "max_cost_per_task", "req"};
    auto estimate_key = [](const std::string& k) {
        for (const char* e : kEstimateKeys)
            if (k == e) return true;
        return false;
    };
    std::string out = estimate;
    out.pop_back();  // '}'
    for (const auto& [key, value] : old.members()) {
        if (fresh.find(key) || estimate_key(key)) continue;
        out += ',';
        json_escape_to(out, key);
        out += ':';
        out += value.dump();
    }
    return out + "}";
}

JobRequest apply_update(const JobRequest& base, const JobRequest& update) {
    JobRequest r = base;
    auto take = [](auto& to, const auto& from) {
        if (from) to = from;
    };
    if (!update.partitions.empty()) r.partitions = update.partitions;
    take(r.min_nodes, update.min_nodes);
    take(r.max_nodes, update.max_nodes);
    take(r.num_tasks, update.num_tasks);
    take(r.tasks_per_node, update.tasks_per_node);
    take(r.cpus_per_task, update.cpus_per_task);
    take(r.min_cpus_per_node, update.min_cpus_per_node);
    take(r.min_cpus, update.min_cpus);
    if (update.mem_per_node_mib || update.mem_per_cpu_mib) {  // one replaces the other
        r.mem_per_node_mib = update.mem_per_node_mib;
        r.mem_per_cpu_mib = update.mem_per_cpu_mib;
    }
    if (update.gpus.per_node || update.gpus.per_job || update.gpus.per_task) {  // a new GRES request replaces the old
        r.gpus = update.gpus;
    }
    if (!update.constraint.empty()) r.constraint = update.constraint;
    if (update.time_limit_min || update.time_unlimited) {
        r.time_limit_min = update.time_limit_min;
        r.time_unlimited = update.time_unlimited;
    }
    if (!update.account.empty()) r.account = update.account;
    return r;
}

}  // namespace stratus
