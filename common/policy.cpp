#include "policy.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "job_estimate.hpp"
#include "json.hpp"
#include "text.hpp"

namespace stratus {

const char* time_basis_name(TimeBasis b) noexcept {
    switch (b) {
    case TimeBasis::time_limit: return "time_limit";
    case TimeBasis::partition_default: return "partition_default";
    case TimeBasis::partition_max: return "partition_max";
    case TimeBasis::unknown: break;
    }
    return "unknown";
}

namespace {

// The checks an instance type must pass, in the order a refusal reports them.
// kRegion last: a type the region lacks is only named when nothing else rules it out.
enum Dim : unsigned { kArch, kInstanceType, kConstraint, kGpuModel, kGpus, kCpus, kMemory, kNodes, kRegion, kDims };
constexpr Refusal kDimRefusal[kDims] = {Refusal::arch,   Refusal::instance_type, Refusal::constraint,
                                        Refusal::gpu,    Refusal::gpu,           Refusal::cpu,
                                        Refusal::memory, Refusal::nodes,         Refusal::instance_type};
constexpr const char* kDimWord[kDims] = {"architecture", "instance type", "constraint", "GPU model",
                                         "GPUs",         "CPUs",          "memory",     "node count", "region"};

uint64_t ceil_div(uint64_t a, uint64_t b) { return b ? (a + b - 1) / b : 0; }
// a x b, saturating: a huge --mem-per-cpu must not wrap to a small (or zero) product.
uint64_t sat_mul(uint64_t a, uint64_t b) {
    return (b != 0 && a > std::numeric_limits<uint64_t>::max() / b) ? std::numeric_limits<uint64_t>::max() : a * b;
}

// --constraint narrowed to what the catalog knows: alternatives ('|') of
// AND-ed ('&' or ',') tokens naming an architecture, instance type or family.
// Tokens the catalog does not know are site features and are ignored; an
// expression we cannot read (brackets, counts) narrows nothing.
struct ConstraintFilter {
    struct Token { std::optional<Arch> arch; std::string name; };
    std::vector<std::vector<Token>> alternatives;  // empty: matches everything

    ConstraintFilter(const std::string& expr, const Catalog& catalog) {
        if (expr.empty() || expr.find_first_of("[]()*") != std::string::npos) return;
        for (const std::string& alt : split_list(expr, '|')) {
            std::string a = alt;
            std::replace(a.begin(), a.end(), ',', '&');
            std::vector<Token> tokens;
            for (const std::string& word : split_list(a, '&')) {
                if (auto arch = parse_arch(word)) tokens.push_back({arch, ""});
                else if (catalog.find(word) || catalog.has_family(word)) tokens.push_back({std::nullopt, lower(word)});
            }
            if (tokens.empty()) { alternatives.clear(); return; }
            alternatives.push_back(std::move(tokens));
        }
    }
    bool matches(const InstanceType& t) const {
        if (alternatives.empty()) return true;
        for (const auto& alt : alternatives) {
            bool all = true;
            for (const Token& tok : alt)
                all = all && (tok.arch ? t.arch == *tok.arch : (t.name == tok.name || t.family == tok.name));
            if (all) return true;
        }
        return false;
    }
};

// The request reduced to per-node and per-job numbers, computed once.
struct Needs {
    const JobRequest& req;
    ConstraintFilter constraint;
    uint32_t cpus_per_task;
    uint64_t cpus_per_node;      // at least one task's worth
    uint64_t mem_per_node_mib;   // 0 = no memory request
    uint32_t gpus_per_node;      // 0 = none needed per node
    bool wants_gpus;
    bool routing = false;        // Stratus picks the partitions: only types offered in the region count
    const std::string* region = nullptr;

    Needs(const JobRequest& r, const Catalog& catalog) : req(r), constraint(r.constraint, catalog) {
        cpus_per_task = std::max<uint32_t>(1, r.cpus_per_task.value_or(1));
        uint64_t tpn = r.tasks_per_node.value_or(1);
        cpus_per_node = std::max<uint64_t>({cpus_per_task * tpn, r.min_cpus_per_node.value_or(0)});
        mem_per_node_mib = r.mem_per_node_mib.value_or(0);
        if (r.mem_per_cpu_mib) mem_per_node_mib = std::max(mem_per_node_mib, sat_mul(*r.mem_per_cpu_mib, cpus_per_node));
        uint64_t gpn = r.gpus.per_node.value_or(0);
        if (r.gpus.per_task) gpn = std::max<uint64_t>(gpn, *r.gpus.per_task * tpn);
        if (r.gpus.per_job && r.max_nodes && *r.max_nodes > 0)
            gpn = std::max<uint64_t>(gpn, ceil_div(*r.gpus.per_job, *r.max_nodes));
        gpus_per_node = static_cast<uint32_t>(std::min<uint64_t>(gpn, 0xffffffffu));
        wants_gpus = gpn > 0 || r.gpus.per_job.value_or(0) > 0 || !r.gpus.model.empty();
    }
};

struct TypeFit {
    unsigned failed = 0;  // bit per Dim
    uint64_t nodes = 0;
    bool ok() const { return failed == 0; }
};

TypeFit evaluate(const Needs& n, const PartitionType& pt) {
    const InstanceType& t = *pt.type;
    const JobRequest& r = n.req;
    TypeFit fit;
    auto fail = [&](Dim d) { fit.failed |= 1u << d; };

    if ((r.arch && t.arch != *r.arch) || (r.executable_arch && t.arch != *r.executable_arch)) fail(kArch);
    if (!r.instance_types.empty() &&
        std::find(r.instance_types.begin(), r.instance_types.end(), t.name) == r.instance_types.end())
        fail(kInstanceType);
    if (!n.constraint.matches(t)) fail(kConstraint);
    if (!r.gpus.model.empty() && (t.gpus == 0 || t.gpu_model != r.gpus.model)) fail(kGpuModel);
    if (n.wants_gpus && (t.gpus == 0 || n.gpus_per_node > t.gpus)) fail(kGpus);
    if (n.cpus_per_node > t.vcpus) fail(kCpus);
    if (n.mem_per_node_mib > pt.usable_memory_mib) fail(kMemory);
    if (n.routing && pt.offered == Offered::no) fail(kRegion);

    // How many tasks one node holds, then how many nodes the job needs.
    uint64_t per_node = r.tasks_per_node ? *r.tasks_per_node : t.vcpus / n.cpus_per_task;
    if (r.mem_per_cpu_mib && *r.mem_per_cpu_mib > 0)
        per_node = std::min<uint64_t>(per_node, pt.usable_memory_mib / sat_mul(*r.mem_per_cpu_mib, n.cpus_per_task));
    if (r.gpus.per_task && *r.gpus.per_task > 0) per_node = std::min<uint64_t>(per_node, t.gpus / *r.gpus.per_task);
    uint64_t nodes = std::max<uint64_t>(1, r.min_nodes.value_or(1));
    if (r.num_tasks) {
        if (per_node == 0) { fail(kNodes); return fit; }
        nodes = std::max(nodes, ceil_div(*r.num_tasks, per_node));
    }
    if (r.min_cpus) nodes = std::max(nodes, ceil_div(*r.min_cpus, t.vcpus));
    if (r.gpus.per_job && t.gpus > 0) nodes = std::max(nodes, ceil_div(*r.gpus.per_job, t.gpus));
    if (r.max_nodes && nodes > *r.max_nodes) fail(kNodes);
    fit.nodes = nodes;
    return fit;
}

struct PartitionFit {
    const PartitionConfig* partition = nullptr;
    Estimate estimate;  // for its cheapest fitting instance type
};

// Time the estimate is based on, and why.
std::pair<std::optional<uint32_t>, TimeBasis> estimate_minutes(const JobRequest& r, const PartitionConfig& p) {
    if (r.time_limit_min) return {*r.time_limit_min, TimeBasis::time_limit};
    if (!r.time_unlimited) {
        if (p.default_time && !p.default_time->unlimited) return {p.default_time->minutes, TimeBasis::partition_default};
        if (p.max_time && !p.max_time->unlimited) return {p.max_time->minutes, TimeBasis::partition_max};
    }
    return {std::nullopt, TimeBasis::unknown};
}

// "1 GPU", "8 GPUs".
std::string count(uint64_t n, const char* noun) { return std::to_string(n) + " " + noun + (n == 1 ? "" : "s"); }

std::string gpu_desc(const InstanceType& t) {
    return std::to_string(t.gpus) + " x " + (t.gpu_model.empty() ? "gpu" : t.gpu_model);
}

std::string type_list(const PartitionConfig& p) {
    std::string s;
    for (const PartitionType& pt : p.types) s += (s.empty() ? "" : ", ") + pt.type->name;
    return s;
}

std::string archs_of(const PartitionConfig& p) {
    bool has[2] = {false, false};
    for (const PartitionType& pt : p.types) has[static_cast<int>(pt.type->arch)] = true;
    if (has[0] && has[1]) return "x86_64 and arm64";
    return has[static_cast<int>(Arch::arm64)] ? "arm64" : "x86_64";
}

template <class Key>
const PartitionType& largest(const PartitionConfig& p, Key key) {
    return *std::max_element(p.types.begin(), p.types.end(),
                             [&](const PartitionType& a, const PartitionType& b) { return key(a) < key(b); });
}

// Says why no type of `p` fits, naming the partition's best offer.
std::string explain(const Needs& n, const PartitionConfig& p, const std::vector<TypeFit>& fits, Refusal& refusal) {
    const JobRequest& r = n.req;
    unsigned failed_by_all = ~0u;
    for (const TypeFit& f : fits) failed_by_all &= f.failed;
    for (unsigned d = 0; d < kDims; ++d) {
        if (!(failed_by_all & (1u << d))) continue;
        refusal = kDimRefusal[d];
        switch (static_cast<Dim>(d)) {
        case kArch: {
            // Name what rules the partition out: the user's --arch if no type
            // has it, else the executable's architecture (decide() words that
            // refusal), else the two disagree.
            auto has = [&](Arch a) {
                return std::any_of(p.types.begin(), p.types.end(), [&](const PartitionType& pt) { return pt.type->arch == a; });
            };
            if (r.arch && !has(*r.arch))
                return std::string("no instance type is ") + arch_name(*r.arch) + " (it has " + type_list(p) + ")";
            if (r.executable_arch && !has(*r.executable_arch)) {
                refusal = Refusal::executable_arch;
                return std::string("runs ") + archs_of(p) + " (" + type_list(p) + ")";
            }
            return std::string("--arch=") + arch_name(r.arch.value_or(Arch::x86_64)) + " but " + r.executable + " is " +
                   arch_name(r.executable_arch.value_or(Arch::x86_64)) + " (it has " + type_list(p) + ")";
        }
        case kInstanceType: {
            std::string asked;
            for (const std::string& s : r.instance_types) asked += (asked.empty() ? "" : ",") + s;
            return "--instance-type: not in this partition: " + asked + " (it has " + type_list(p) + ")";
        }
        case kConstraint:
            return "no instance type matches --constraint=" + r.constraint + " (it has " + type_list(p) + ")";
        case kGpuModel: {
            std::string have;
            for (const PartitionType& pt : p.types)
                if (pt.type->gpus) have += (have.empty() ? "" : ", ") + pt.type->gpu_model + " on " + pt.type->name;
            return "no instance type has " + r.gpus.model + " GPUs (" + (have.empty() ? "it has no GPUs" : "it has " + have) + ")";
        }
        case kGpus: {
            const InstanceType& big = *largest(p, [](const PartitionType& pt) { return pt.type->gpus; }).type;
            std::string want = n.gpus_per_node ? count(n.gpus_per_node, "GPU") + " per node" : "GPUs";
            if (big.gpus == 0) return "no instance type has " + want + " (it has no GPUs)";
            return "no instance type has " + want + " (largest: " + big.name + ", " + gpu_desc(big) + ")";
        }
        case kCpus: {
            const InstanceType& big = *largest(p, [](const PartitionType& pt) { return pt.type->vcpus; }).type;
            return "no instance type has " + count(n.cpus_per_node, "CPU") + " per node (largest: " + big.name + ", " +
                   count(big.vcpus, "CPU") + ")";
        }
        case kMemory: {
            const PartitionType& big = largest(p, [](const PartitionType& pt) { return pt.usable_memory_mib; });
            return "no instance type has " + std::to_string(n.mem_per_node_mib) + " MiB of memory per node (largest: " +
                   big.type->name + ", " + std::to_string(big.usable_memory_mib) + " MiB usable)";
        }
        case kRegion: {
            std::vector<std::string> where;
            for (const PartitionType& pt : p.types) where.push_back(pt.type->name + " is offered in " + pt.type->region_list());
            return "no instance type is offered in " + *n.region + " (" + join(where, "; ") + ")";
        }
        case kNodes: {
            uint64_t fewest = 0;
            const InstanceType* best = nullptr;
            for (size_t i = 0; i < fits.size(); ++i)
                if (fits[i].nodes && (!best || fits[i].nodes < fewest)) { fewest = fits[i].nodes; best = p.types[i].type; }
            std::string s = "the job needs more than --nodes=" + std::to_string(r.max_nodes.value_or(0)) + " node";
            s += r.max_nodes.value_or(0) == 1 ? "" : "s";
            if (best) s += " (fewest: " + std::to_string(fewest) + " x " + best->name + ")";
            return s;
        }
        case kDims: break;
        }
    }
    // Each check passes on some type, but no type passes them all.
    refusal = Refusal::mixed;
    std::string s = "no single instance type meets every request:";
    for (size_t i = 0; i < fits.size(); ++i) {
        std::string lacks;
        for (unsigned d = 0; d < kDims; ++d)
            if (fits[i].failed & (1u << d)) lacks += (lacks.empty() ? "" : ", ") + std::string(kDimWord[d]);
        s += (i ? "; " : " ") + p.types[i].type->name + " lacks " + lacks;
    }
    return s;
}

// The cheapest estimate among the partition's instance types that can run
// the job; nullopt when none can (explain_failure() then says why).
std::optional<PartitionFit> fit_partition(const Needs& n, const PartitionConfig& p) {
    std::optional<PartitionFit> out;
    Capacity cap = n.req.capacity.value_or(p.capacity);
    auto [minutes, basis] = estimate_minutes(n.req, p);
    auto rate = [](const Estimate& x) { return x.usd_per_node_hour ? x.nodes * *x.usd_per_node_hour : HUGE_VAL; };
    for (const PartitionType& pt : p.types) {
        TypeFit fit = evaluate(n, pt);
        if (!fit.ok()) continue;
        Estimate e;
        e.partition = &p;
        e.type = pt.type;
        e.capacity = cap;
        e.nodes = static_cast<uint32_t>(std::min<uint64_t>(fit.nodes, 0xffffffffu));
        e.usd_per_node_hour = pt.usd_per_hour[static_cast<int>(cap)];
        e.spot_snapshot = cap == Capacity::spot && pt.spot_is_snapshot;
        e.offered = pt.offered;
        e.minutes = minutes;
        e.basis = basis;
        e.tasks = n.req.array_tasks;
        if (e.usd_per_node_hour && minutes) {
            double task = e.nodes * *e.usd_per_node_hour * *minutes / 60.0;
            e.usd_task = std::round(task * 100.0) / 100.0;
            e.usd = std::round(task * e.tasks * 100.0) / 100.0;
        }
        // Cheapest known estimate wins; a known price beats an unknown one;
        // between unknowns the first written wins.
        if (!out || rate(e) < rate(out->estimate)) out = PartitionFit{&p, e};
    }
    return out;
}

struct Failure {
    std::string reason;
    Refusal refusal = Refusal::none;
};

// Why no instance type of `p` can run the job. Only refusals pay for the text.
Failure explain_failure(const Needs& n, const PartitionConfig& p) {
    std::vector<TypeFit> fits;
    fits.reserve(p.types.size());
    for (const PartitionType& pt : p.types) fits.push_back(evaluate(n, pt));
    Failure f;
    f.reason = explain(n, p, fits, f.refusal);
    return f;
}

// Orders fitting partitions for routing: known estimates cheapest first,
// then unknown ones in configuration order (stable sort).
double cost_rank(const PartitionFit& f) {
    // Finite ranks for the unknowns: HUGE_VAL / 2 is still infinity, which
    // put "price known, time unknown" level with "price unknown".
    constexpr double kPriceUnknown = std::numeric_limits<double>::max();
    constexpr double kTimeUnknown = kPriceUnknown / 2;
    const Estimate& e = f.estimate;
    if (e.usd) return *e.usd;
    if (e.usd_per_node_hour && !e.minutes) return kTimeUnknown;  // price known, time unknown
    return kPriceUnknown;
}

bool cheaper(const PartitionFit& a, const PartitionFit& b) { return cost_rank(a) < cost_rank(b); }

void sort_by_cost(std::vector<PartitionFit>& fits) { std::stable_sort(fits.begin(), fits.end(), cheaper); }

// The first of the cheapest: what sort_by_cost() would put first.
const PartitionFit& cheapest(const std::vector<PartitionFit>& fits) {
    return *std::min_element(fits.begin(), fits.end(), cheaper);
}

std::string join_names(const std::vector<PartitionFit>& fits, const char* sep) {
    std::string s;
    for (const PartitionFit& f : fits) s += (s.empty() ? "" : sep) + f.partition->name;
    return s;
}

std::string estimate_text(const Estimate& e, const Config& cfg) {
    const char* when = "";
    switch (e.basis) {
    case TimeBasis::time_limit: when = "time limit"; break;
    case TimeBasis::partition_default: when = "no time limit given: partition DefaultTime"; break;
    case TimeBasis::partition_max: when = "no time limit given: partition MaxTime"; break;
    case TimeBasis::unknown: break;
    }
    // Built by appending: this runs for every accepted job.
    std::string s;
    s.reserve(192);
    s.append("partition ").append(e.partition->name).append(": estimate");
    auto what = [&] {
        if (e.tasks > 1) s.append(std::to_string(e.tasks)).append(" tasks x ");
        s.append(std::to_string(e.nodes)).append(" x ").append(e.type->name).append(" ").append(capacity_name(e.capacity));
    };
    auto span = [&] { s.append("for ").append(format_minutes(*e.minutes)).append(", ").append(when); };
    if (!e.usd_per_node_hour) {
        s.append(": price unknown (");
        what();
        if (e.offered == Offered::no)
            s.append(", not offered in ").append(cfg.region).append(" (offered in ").append(e.type->region_list()).append(")");
        else
            s.append(", no ").append(cfg.region).append(" price in the catalog");
        if (e.minutes) {
            s.append(", ");
            span();
        }
        return s.append(")");
    }
    auto rate = [&] {
        s.append(" at $").append(format_fixed(*e.usd_per_node_hour, 4)).append("/h");
        if (e.spot_snapshot) s.append(" (spot snapshot ").append(spot_snapshot_end_name(cfg.spot_snapshot_end)).append(")");
    };
    if (!e.minutes) {
        s.append(": no time limit (job, DefaultTime or MaxTime); ");
        what();
        rate();
        return s.append(" per node");
    }
    s.append(" ").append(format_usd(*e.usd)).append(" (");
    what();
    rate();
    s.append(" ");
    span();
    if (e.tasks > 1) s.append("; ").append(format_usd(*e.usd_task)).append(" a task");
    return s.append(")");
}

std::string admin_comment_json(const Config& cfg, const JobRequest& r, const Estimate& e,
                               const std::vector<PartitionFit>& fits, std::optional<double> max_usd) {
    JsonObject j;
    j.add("v", uint64_t{1})
        .add("partition", e.partition->name)
        .add("instance_type", e.type->name)
        .add("capacity", capacity_name(e.capacity))
        .add("region", cfg.region)
        .add("nodes", uint64_t{e.nodes})
        .add("usd_per_node_hour", e.usd_per_node_hour);
    if (e.spot_snapshot) j.add("price_basis", spot_snapshot_basis_name(cfg.spot_snapshot_end));
    if (e.minutes) j.add("minutes", uint64_t{*e.minutes});
    else j.add_null("minutes");
    j.add("basis", time_basis_name(e.basis)).add("est_usd", e.usd);
    if (e.tasks > 1) j.add("tasks", uint64_t{e.tasks}).add("est_usd_task", e.usd_task);
    if (fits.size() > 1) j.add("partitions", join_names(fits, ",")).add("est_usd_max", max_usd);
    if (!r.cost_center.empty()) j.add("cost_center", r.cost_center);
    if (r.max_cost_usd) {
        j.add("max_cost_usd", *r.max_cost_usd);
        if (r.max_cost_per_task) j.add("max_cost_per_task", true);
    }
    add_request_record(j, r, r.account);
    return j.str();
}

Decision refuse(Refusal why, std::string message) {
    Decision d;
    d.verdict = Verdict::refuse;
    d.refusal = why;
    d.message = std::move(message);
    return d;
}

}  // namespace

Decision decide(const Config& cfg, const JobRequest& req) {
    if (!req.bad_array.empty())
        return refuse(Refusal::bad_option, "stratus: --array: cannot count the tasks of: " + req.bad_array);
    for (const std::string& name : req.instance_types)
        if (!cfg.catalog->find(name))
            return refuse(Refusal::bad_option, "stratus: --instance-type: unknown instance type: " + name);

    // Which configured partitions to judge; partitions unknown to stratus.conf are not ours to judge.
    std::vector<const PartitionConfig*> candidates;
    bool has_unmanaged = false, routed = false;
    if (!req.partitions.empty()) {
        for (const std::string& name : req.partitions) {
            const PartitionConfig* p = cfg.find_partition(name);
            if (p) candidates.push_back(p);
            else has_unmanaged = true;
        }
    } else if (cfg.route_jobs) {
        for (const PartitionConfig& p : cfg.partitions) candidates.push_back(&p);
        routed = true;
    } else if (const PartitionConfig* p = cfg.find_partition(cfg.default_partition)) {
        candidates.push_back(p);  // Slurm will put the job in its default partition
    }
    if (candidates.empty()) return Decision{};

    Needs needs(req, *cfg.catalog);
    needs.routing = routed;
    needs.region = &cfg.region;
    std::vector<PartitionFit> fitting;
    std::vector<const PartitionConfig*> failing;
    for (const PartitionConfig* p : candidates) {
        if (std::optional<PartitionFit> f = fit_partition(needs, *p)) fitting.push_back(*f);
        else failing.push_back(p);
    }

    // Estimates beyond what Stratus can account for (an absurd node count,
    // time limit or array) are refused rather than written on the job.
    std::vector<PartitionFit> beyond;
    auto absurd = [](const PartitionFit& f) { return f.estimate.usd && *f.estimate.usd > kMaxUsd; };
    for (const PartitionFit& f : fitting)
        if (absurd(f)) beyond.push_back(f);
    fitting.erase(std::remove_if(fitting.begin(), fitting.end(), absurd), fitting.end());
    if (fitting.empty() && !beyond.empty()) {
        const Estimate& e = cheapest(beyond).estimate;
        return refuse(Refusal::max_cost, "stratus: the estimate is " + format_usd(*e.usd) + ", more than " +
                                             format_usd(kMaxUsd) + ", the most Stratus accounts for (" +
                                             estimate_text(e, cfg) + ")");
    }

    // --max-cost: drop partitions whose estimate (the whole submission's, or
    // one task's with /task) is above it, or unknown.
    std::vector<PartitionFit> over_budget;
    if (req.max_cost_usd) {
        auto over = [&](const PartitionFit& f) {
            const std::optional<double>& usd = req.max_cost_per_task ? f.estimate.usd_task : f.estimate.usd;
            return !usd || *usd > *req.max_cost_usd;
        };
        for (const PartitionFit& f : fitting)
            if (over(f)) over_budget.push_back(f);
        fitting.erase(std::remove_if(fitting.begin(), fitting.end(), over), fitting.end());
    }

    if (fitting.empty()) {
        if (has_unmanaged) return Decision{};  // it may fit in a partition we do not manage
        if (!over_budget.empty()) {
            const Estimate& e = cheapest(over_budget).estimate;  // quote the cheapest, not the first configured
            const std::optional<double>& usd = req.max_cost_per_task ? e.usd_task : e.usd;
            const char* scope = req.max_cost_per_task ? " a task" : "";
            std::string verdict = usd ? "the estimate is " + format_usd(*usd) + scope + ", above " + format_usd(*req.max_cost_usd)
                                      : "the estimate is unknown, so the job cannot be held to " +
                                            format_usd(*req.max_cost_usd);
            return refuse(Refusal::max_cost,
                          "stratus: --max-cost: " + verdict + " (" + estimate_text(e, cfg) + ")");
        }
        std::vector<Failure> why;
        for (const PartitionConfig* p : failing) why.push_back(explain_failure(needs, *p));
        if (std::all_of(why.begin(), why.end(), [](const Failure& f) { return f.refusal == Refusal::executable_arch; })) {
            // "stratus: ./solver is an x86_64 executable but partition graviton runs arm64 (hpc7g.16xlarge)"
            std::string msg = "stratus: " + req.executable + " is an " + arch_name(*req.executable_arch) + " executable but";
            for (size_t i = 0; i < failing.size(); ++i)
                msg += (i ? "; partition " : " partition ") + failing[i]->name + " " + why[i].reason;
            return refuse(Refusal::executable_arch, std::move(msg));
        }
        if (candidates.size() == 1) {
            std::string msg = "stratus: partition " + failing.front()->name + ": " + why.front().reason;
            // Say what would fit, cheapest first, where the region offers it.
            needs.routing = true;
            std::vector<PartitionFit> elsewhere;
            for (const PartitionConfig& p : cfg.partitions)
                if (&p != candidates.front())
                    if (std::optional<PartitionFit> f = fit_partition(needs, p)) elsewhere.push_back(*f);
            sort_by_cost(elsewhere);
            if (!elsewhere.empty()) msg += "; fits in: " + join_names(elsewhere, ", ");
            return refuse(why.front().refusal, std::move(msg));
        }
        std::string msg = "stratus: no partition can run this job:";
        Refusal kind = why.front().refusal;
        for (size_t i = 0; i < failing.size(); ++i) {
            msg += (i ? "; " : " ") + failing[i]->name + ": ";
            if (why[i].refusal == Refusal::executable_arch)  // "runs arm64 (...)" needs its subject here
                msg += req.executable + " is an " + arch_name(*req.executable_arch) + " executable but " + failing[i]->name + " ";
            msg += why[i].reason;
            if (why[i].refusal != kind) kind = Refusal::mixed;
        }
        return refuse(kind, std::move(msg));
    }

    Decision d;
    d.verdict = Verdict::accept;
    if (routed) {
        sort_by_cost(fitting);
        d.new_partitions = join_names(fitting, ",");
    } else if (!failing.empty() || !over_budget.empty() || !beyond.empty()) {
        // Keep the user's order, dropping managed partitions that can never run the job.
        std::string kept;
        for (const std::string& name : req.partitions) {
            bool drop = false;
            for (const PartitionConfig* p : failing) drop = drop || p->name == name;
            for (const PartitionFit& f : over_budget) drop = drop || f.partition->name == name;
            for (const PartitionFit& f : beyond) drop = drop || f.partition->name == name;
            if (!drop) kept += (kept.empty() ? "" : ",") + name;
        }
        d.new_partitions = kept;
    }
    d.estimate = cheapest(fitting).estimate;
    for (const PartitionFit& f : fitting)
        if (f.estimate.usd) d.max_usd = std::max(d.max_usd.value_or(0.0), *f.estimate.usd);
    d.admin_comment = admin_comment_json(cfg, req, *d.estimate, fitting, d.max_usd);
    if (cfg.show_estimate) {
        d.message = "stratus: ";
        if (routed) d.message += "routed to " + *d.new_partitions + " (cheapest first); ";
        d.message += estimate_text(*d.estimate, cfg);
        if (fitting.size() > 1 && d.max_usd && d.estimate->usd && *d.max_usd > *d.estimate->usd)
            d.message += "; up to " + format_usd(*d.max_usd) + " in another partition";
    }
    return d;
}

void fit_types(const Config& cfg, const PartitionConfig& p, const JobRequest& req, std::vector<TypeNeed>& out) {
    out.clear();
    Needs needs(req, *cfg.catalog);
    for (const PartitionType& pt : p.types) {
        TypeFit fit = evaluate(needs, pt);
        TypeNeed n;
        n.type = &pt;
        n.fits = fit.ok();
        n.nodes = static_cast<uint32_t>(std::min<uint64_t>(fit.nodes, 0xffffffffu));
        n.cpus_per_node = needs.cpus_per_node;
        n.mem_per_node_mib = needs.mem_per_node_mib;
        n.gpus_per_node = needs.gpus_per_node;
        out.push_back(n);
    }
}

}  // namespace stratus
