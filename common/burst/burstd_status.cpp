#include "burst/burstd_status.hpp"

#include <cstdlib>
#include <ctime>
#include <memory>

#include "aws/json_doc.hpp"
#include "budget.hpp"
#include "text.hpp"

namespace stratus::burstd {

namespace {

using aws::json_append;
using aws::json_int;
using aws::json_member;
using aws::json_new_array;
using aws::json_new_int;
using aws::json_new_object;
using aws::json_new_string;
using aws::json_number;
using aws::json_set;
using aws::json_string;
using aws::JsonPtr;

JsonPtr real(double v) {
    json_t* j = json_real(v);
    if (!j) throw std::bad_alloc();
    return JsonPtr(j);
}
JsonPtr null() { return JsonPtr(json_null()); }
JsonPtr opt_real(const std::optional<double>& v) { return v ? real(*v) : null(); }
JsonPtr opt_int(const std::optional<int64_t>& v) { return v ? json_new_int(*v) : null(); }

void set_str(json_t* o, const char* k, std::string_view v) { json_set(o, k, json_new_string(v)); }
void set_int(json_t* o, const char* k, int64_t v) { json_set(o, k, json_new_int(v)); }

std::string iso(int64_t t) { return t <= 0 ? "never" : format_utc(static_cast<std::time_t>(t)); }

JsonPtr partition_json(const PartitionPlan& p, const std::string& outcome) {
    JsonPtr o = json_new_object();
    json_t* j = o.get();
    set_str(j, "name", p.partition);
    set_str(j, "mode", mode_name(p.mode));
    set_int(j, "jobs_counted", static_cast<int64_t>(p.jobs_counted));
    set_int(j, "jobs_not_counted", static_cast<int64_t>(p.jobs_not_counted));
    set_int(j, "jobs_no_fit", static_cast<int64_t>(p.jobs_no_fit));
    JsonPtr reasons = json_new_object();
    for (size_t i = 0; i < kWaitCount; ++i)
        if (p.by_reason[i]) set_int(reasons.get(), wait_name(static_cast<Wait>(i)), static_cast<int64_t>(p.by_reason[i]));
    json_set(j, "jobs_by_reason", std::move(reasons));
    set_int(j, "demand_nodes", static_cast<int64_t>(p.demand));
    set_int(j, "busy", p.busy);
    set_int(j, "idle", p.idle);
    set_int(j, "powering_up", p.powering_up);
    set_int(j, "powered_down", p.powered_down);
    set_int(j, "unavailable", p.unavailable);
    set_int(j, "deficit_nodes", static_cast<int64_t>(p.deficit));
    json_set(j, "node_usd_per_hour", opt_real(p.node_usd_per_hour));
    json_set(j, "usd_per_hour_before", opt_real(p.usd_before));
    json_set(j, "usd_per_hour_after", opt_real(p.usd_after));
    if (p.mode == Mode::pcs) {
        set_str(j, "node_group", p.node_group);
        set_str(j, "group_status", p.group_status);
        json_set(j, "group_min", opt_int(p.group_min));
        json_set(j, "group_max", opt_int(p.group_max));
        set_int(j, "baseline", p.baseline);
    }
    set_str(j, "action", action_name(p.action));
    set_str(j, "wanted", action_name(p.wanted));
    if (p.wanted == Action::raise_min || p.wanted == Action::lower_min) {
        set_int(j, "min_from", p.min_from);
        set_int(j, "min_to", p.min_to);
    }
    set_int(j, "add_nodes", p.add);
    set_int(j, "release_nodes", p.release);
    JsonPtr nodes = json_new_array();
    for (const std::string& n : p.nodes) json_append(nodes.get(), json_new_string(n));
    json_set(j, "nodes", std::move(nodes));
    set_str(j, "hold", p.hold);
    set_str(j, "outcome", outcome);
    JsonPtr why = json_new_array();
    for (const std::string& r : p.reasons) json_append(why.get(), json_new_string(r));
    json_set(j, "reasons", std::move(why));
    return o;
}

JsonPtr state_json(const State& s) {
    JsonPtr o = json_new_object();
    set_int(o.get(), "pcs_retry_at", s.pcs_retry_at);
    JsonPtr parts = json_new_object();
    for (const auto& [name, ps] : s.partitions) {
        JsonPtr p = json_new_object();
        set_int(p.get(), "last_action", ps.last_action);
        set_int(p.get(), "last_needed", ps.last_needed);
        json_set(p.get(), "pcs_baseline", opt_int(ps.pcs_baseline));
        json_set(p.get(), "pcs_set_min", opt_int(ps.pcs_set_min));
        JsonPtr pw = json_new_object();
        for (const auto& [node, t] : ps.prewarmed) set_int(pw.get(), node.c_str(), t);
        json_set(p.get(), "prewarmed", std::move(pw));
        json_set(parts.get(), name.c_str(), std::move(p));
    }
    json_set(o.get(), "partitions", std::move(parts));
    return o;
}

std::string usd_h(const json_t* o, const char* key) {
    auto v = json_number(o, key);
    return v ? "$" + format_fixed(*v, 2) + "/h" : "unknown";
}

std::string ago(int64_t t, int64_t now) {
    if (t <= 0) return "never";
    int64_t d = now - t;
    std::string s = iso(t);
    if (d >= 0) s += " (" + std::to_string(d) + " s ago)";
    else s += " (in " + std::to_string(-d) + " s)";
    return s;
}

}  // namespace

std::string status_json(const StatusInfo& info, const Plan* plan, const State& state) {
    JsonPtr doc = json_new_object();
    json_t* d = doc.get();
    set_int(d, "version", 1);
    set_int(d, "pid", info.pid);
    set_str(d, "run", info.run);
    set_int(d, "cycle", static_cast<int64_t>(info.cycle));
    set_int(d, "interval_s", info.interval_s);
    if (plan) {
        set_int(d, "updated", plan->now);
        set_str(d, "updated_iso", iso(plan->now));
    } else {
        std::time_t now = std::time(nullptr);
        set_int(d, "updated", now);
        set_str(d, "updated_iso", iso(now));
    }
    set_str(d, "error", info.error);
    if (!info.reconcile.empty()) set_str(d, "reconcile", info.reconcile);
    if (plan) {
        JsonPtr spend = json_new_object();
        json_set(spend.get(), "usd_per_hour_before", real(plan->usd_before));
        json_set(spend.get(), "usd_per_hour_after", real(plan->usd_after));
        json_set(spend.get(), "max_spend_per_hour", opt_real(plan->max_spend));
        json_set(spend.get(), "partial", JsonPtr(json_boolean(plan->usd_partial)));
        json_set(d, "spend", std::move(spend));
        set_int(d, "jobs_seen", static_cast<int64_t>(plan->jobs_seen));
        set_int(d, "jobs_unmanaged", static_cast<int64_t>(plan->jobs_unmanaged));
        JsonPtr parts = json_new_array();
        for (size_t i = 0; i < plan->partitions.size(); ++i)
            json_append(parts.get(), partition_json(plan->partitions[i], i < info.outcomes.size() ? info.outcomes[i] : ""));
        json_set(d, "partitions", std::move(parts));
    }
    json_set(d, "state", state_json(state));
    // Indented: people read it too.
    std::unique_ptr<char, void (*)(void*)> text(json_dumps(d, JSON_INDENT(2) | JSON_PRESERVE_ORDER), std::free);
    if (!text) throw std::bad_alloc();
    return std::string(text.get()) + "\n";
}

State parse_state(std::string_view json) {
    aws::JsonPtr doc = aws::json_parse_object(json);
    State s;
    const json_t* st = json_member(doc.get(), "state");
    if (!st) return s;
    s.pcs_retry_at = json_int(st, "pcs_retry_at").value_or(0);
    const json_t* parts = json_member(st, "partitions");
    if (!json_is_object(parts)) return s;
    const char* name;
    json_t* p;
    json_object_foreach(const_cast<json_t*>(parts), name, p) {
        PartitionState ps;
        ps.last_action = json_int(p, "last_action").value_or(0);
        ps.last_needed = json_int(p, "last_needed").value_or(0);
        ps.pcs_baseline = json_int(p, "pcs_baseline");
        ps.pcs_set_min = json_int(p, "pcs_set_min");
        const json_t* pw = json_member(p, "prewarmed");
        if (json_is_object(pw)) {
            const char* node;
            json_t* t;
            json_object_foreach(const_cast<json_t*>(pw), node, t)
                if (json_is_integer(t)) ps.prewarmed[node] = json_integer_value(t);
        }
        s.partitions[name] = std::move(ps);
    }
    return s;
}

std::string format_status(std::string_view json, int64_t now) {
    aws::JsonPtr doc = aws::json_parse_object(json);
    const json_t* d = doc.get();
    std::string out;
    int64_t updated = json_int(d, "updated").value_or(0);
    out += "updated:   " + ago(updated, now) + "\n";
    out += "by:        pid " + std::to_string(json_int(d, "pid").value_or(0)) + " (" +
           json_string(d, "run").value_or("?") + "), cycle " + std::to_string(json_int(d, "cycle").value_or(0)) +
           ", every " + std::to_string(json_int(d, "interval_s").value_or(0)) + " s\n";
    std::string err = json_string(d, "error").value_or("");
    if (!err.empty()) out += "error:     " + err + "\n";
    if (auto rec = json_string(d, "reconcile")) out += "reconcile: " + *rec + "\n";
    if (const json_t* sp = json_member(d, "spend")) {
        out += "spend:     " + usd_h(sp, "usd_per_hour_before") + " -> " + usd_h(sp, "usd_per_hour_after");
        if (json_number(sp, "max_spend_per_hour")) out += " (MaxSpendPerHour " + usd_h(sp, "max_spend_per_hour") + ")";
        if (aws::json_bool(sp, "partial").value_or(false)) out += " (some prices unknown)";
        out += "\n";
    }
    if (const json_t* parts = json_member(d, "partitions")) {
        out += "jobs:      " + std::to_string(json_int(d, "jobs_seen").value_or(0)) + " pending, " +
               std::to_string(json_int(d, "jobs_unmanaged").value_or(0)) + " in partitions stratus.conf does not manage\n";
        size_t i;
        json_t* p;
        json_array_foreach(const_cast<json_t*>(parts), i, p) {
            std::string mode = json_string(p, "mode").value_or("?");
            out += "\npartition " + json_string(p, "name").value_or("?") + " (" + mode + ")\n";
            out += "  pending:  " + std::to_string(json_int(p, "jobs_counted").value_or(0)) + " jobs counted, need " +
                   std::to_string(json_int(p, "demand_nodes").value_or(0)) + " nodes; " +
                   std::to_string(json_int(p, "jobs_not_counted").value_or(0)) + " not counted; " +
                   std::to_string(json_int(p, "jobs_no_fit").value_or(0)) + " fit no instance type\n";
            out += "  nodes:    " + std::to_string(json_int(p, "busy").value_or(0)) + " busy, " +
                   std::to_string(json_int(p, "idle").value_or(0)) + " idle, " +
                   std::to_string(json_int(p, "powering_up").value_or(0)) + " powering up, " +
                   std::to_string(json_int(p, "powered_down").value_or(0)) + " powered down, " +
                   std::to_string(json_int(p, "unavailable").value_or(0)) + " unavailable; deficit " +
                   std::to_string(json_int(p, "deficit_nodes").value_or(0)) + "\n";
            if (mode == "pcs") {
                out += "  group:    " + json_string(p, "node_group").value_or("?") + " " +
                       json_string(p, "group_status").value_or("?");
                if (auto mn = json_int(p, "group_min")) out += ", minInstanceCount " + std::to_string(*mn);
                if (auto mx = json_int(p, "group_max")) out += ", maxInstanceCount " + std::to_string(*mx);
                out += ", baseline " + std::to_string(json_int(p, "baseline").value_or(0)) + "\n";
            }
            std::string action = json_string(p, "action").value_or("none");
            std::string wanted = json_string(p, "wanted").value_or("none");
            std::string hold = json_string(p, "hold").value_or("");
            std::string what = action != "none" ? action : wanted;
            if (json_int(p, "min_to")) what += " " + std::to_string(*json_int(p, "min_from")) + " -> " + std::to_string(*json_int(p, "min_to"));
            const json_t* nodes = json_member(p, "nodes");
            if (json_array_size(nodes)) {
                what += " ";
                size_t k;
                json_t* n;
                json_array_foreach(const_cast<json_t*>(nodes), k, n) what += (k ? "," : "") + aws::json_as_string(n).value_or("");
            }
            out += "  action:   " + what;
            if (!hold.empty()) out += " (held: " + hold + ")";
            std::string outcome = json_string(p, "outcome").value_or("");
            if (!outcome.empty()) out += ": " + outcome;
            out += "\n";
            out += "  $/h:      " + usd_h(p, "usd_per_hour_before") + " -> " + usd_h(p, "usd_per_hour_after") +
                   " (one node " + usd_h(p, "node_usd_per_hour") + ")\n";
            const json_t* reasons = json_member(p, "reasons");
            size_t k;
            json_t* r;
            json_array_foreach(const_cast<json_t*>(reasons), k, r) out += "  why:      " + aws::json_as_string(r).value_or("") + "\n";
        }
    }
    if (const json_t* st = json_member(d, "state")) {
        int64_t retry = json_int(st, "pcs_retry_at").value_or(0);
        if (retry > now) out += "\nPCS throttled burstd: next call after " + ago(retry, now) + "\n";
        const json_t* parts = json_member(st, "partitions");
        const char* name;
        json_t* p;
        bool header = false;
        json_object_foreach(const_cast<json_t*>(parts), name, p) {
            if (!header) {
                out += "\nmemory (between cycles):\n";
                header = true;
            }
            out += "  " + std::string(name) + ": last action " + ago(json_int(p, "last_action").value_or(0), now) +
                   "; capacity last needed " + ago(json_int(p, "last_needed").value_or(0), now);
            if (auto b = json_int(p, "pcs_baseline")) out += "; baseline minInstanceCount " + std::to_string(*b);
            if (auto m = json_int(p, "pcs_set_min")) out += "; burstd set " + std::to_string(*m);
            const json_t* pw = json_member(p, "prewarmed");
            if (json_object_size(pw)) out += "; prewarmed " + std::to_string(json_object_size(pw)) + " nodes";
            out += "\n";
        }
    }
    return out;
}

}  // namespace stratus::burstd
