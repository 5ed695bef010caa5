#include "cost.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <utility>

#include "conf_reader.hpp"
#include "error.hpp"
#include "node_instance.hpp"
#include "text.hpp"

namespace stratus {

// ---- money -----------------------------------------------------------------------

std::optional<Micros> usd_to_micros(double usd) noexcept {
    if (!std::isfinite(usd) || usd > 9e12 || usd < -9e12) return std::nullopt;
    return static_cast<Micros>(std::llround(usd * 1e6));
}

namespace {

// a / b rounded half away from zero, b > 0.
int64_t div_round(int64_t a, int64_t b) noexcept {
    if (a >= 0) return (a + b / 2) / b;
    return -((-a + b / 2) / b);
}

uint64_t div_ceil(uint64_t a, uint64_t b) noexcept { return b ? (a + b - 1) / b : 0; }

}  // namespace

int64_t micros_to_cents(Micros m) noexcept { return div_round(m, 10000); }

std::string cents_decimal(int64_t cents) {
    bool negative = cents < 0;
    uint64_t v = negative ? 0 - static_cast<uint64_t>(cents) : static_cast<uint64_t>(cents);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s%llu.%02llu", negative ? "-" : "", static_cast<unsigned long long>(v / 100),
                  static_cast<unsigned long long>(v % 100));
    return buf;
}

std::string cents_usd(int64_t cents) {
    std::string d = cents_decimal(cents);
    return d[0] == '-' ? "-$" + d.substr(1) : "$" + d;
}

std::string micros_decimal(Micros m, int decimals) {
    if (decimals < 0) decimals = 0;
    if (decimals > 6) decimals = 6;
    int64_t scale = 1;
    for (int i = decimals; i < 6; ++i) scale *= 10;
    int64_t v = div_round(m, scale);  // in units of 10^-decimals dollars
    bool negative = v < 0;
    uint64_t u = negative ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    uint64_t unit = 1;
    for (int i = 0; i < decimals; ++i) unit *= 10;
    char buf[48];
    if (decimals == 0)
        std::snprintf(buf, sizeof buf, "%s%llu", negative ? "-" : "", static_cast<unsigned long long>(u));
    else
        std::snprintf(buf, sizeof buf, "%s%llu.%0*llu", negative ? "-" : "", static_cast<unsigned long long>(u / unit),
                      decimals, static_cast<unsigned long long>(u % unit));
    return buf;
}

// ---- which instance type and price a node had ----------------------------------------

const InstanceType* resolve_node_type(const Config& cfg, std::string_view partition,
                                      const std::optional<std::string>& launched_type,
                                      const std::optional<std::string>& features) {
    if (launched_type && !launched_type->empty())
        if (const InstanceType* t = cfg.catalog->find(lower(*launched_type))) return t;
    if (features)
        if (const InstanceType* t = instance_type_in_features(*cfg.catalog, *features)) return t;
    // A job may name several partitions; Slurm reports the one it ran in.
    if (const PartitionConfig* p = cfg.find_partition(partition))
        if (p->types.size() == 1) return p->types[0].type;
    return nullptr;
}

NodePrice node_price(const Config& cfg, const InstanceType& type, Capacity capacity) {
    NodePrice p;
    std::optional<double> usd;
    if (capacity == Capacity::spot) {
        if (const RegionOffer* offer = type.in_region(cfg.region)) {
            usd = offer->usd_per_hour[static_cast<int>(Capacity::spot)];
            p.spot_snapshot = usd && offer->spot_is_snapshot;
        }
        if (usd) p.priced_as = Capacity::spot;
    }
    if (!usd) usd = type.price(cfg.region, Capacity::on_demand);
    if (usd) p.micros_per_hour = usd_to_micros(*usd);
    return p;
}

// ---- one job -----------------------------------------------------------------------

int64_t elapsed_seconds(std::time_t start, std::time_t end) noexcept {
    if (start <= 0 || end <= 0 || end < start) return 0;
    return static_cast<int64_t>(end - start);
}

Micros node_cost_micros(Micros micros_per_hour, int64_t elapsed_s) noexcept {
    if (micros_per_hour <= 0 || elapsed_s <= 0) return 0;
    // 128-bit intermediate: no overflow for any price and duration that fit int64.
    __int128 product = static_cast<__int128>(micros_per_hour) * elapsed_s;
    return static_cast<Micros>((product + 1800) / 3600);
}

void total_job_cost(JobCost& job) {
    Micros sum = 0, rate = 0;
    bool known = true;
    for (NodeCost& n : job.nodes) {
        if (n.micros_per_hour) {
            n.micros = node_cost_micros(*n.micros_per_hour, job.elapsed_s);
            sum += *n.micros;
            rate += *n.micros_per_hour;
        } else {
            n.micros.reset();
            known = false;
        }
    }
    if (known) {
        job.micros = sum;
        job.cents = micros_to_cents(sum);
        job.micros_per_hour = rate;
    } else {
        job.micros.reset();
        job.cents.reset();
        job.micros_per_hour.reset();
    }
}

JobCost compute_job_cost(const Config& cfg, const std::vector<std::string>& nodes,
                         const std::vector<const InstanceType*>& types, Capacity capacity, int64_t elapsed_s) {
    JobCost job;
    job.elapsed_s = elapsed_s < 0 ? 0 : elapsed_s;
    job.capacity = capacity;
    job.nodes.reserve(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) {
        NodeCost n;
        n.node = nodes[i];
        n.capacity = capacity;
        n.priced_as = capacity;
        const InstanceType* t = i < types.size() ? types[i] : nullptr;
        if (t) {
            n.instance_type = t->name;
            NodePrice p = node_price(cfg, *t, capacity);
            n.micros_per_hour = p.micros_per_hour;
            n.priced_as = p.priced_as;
            if (p.spot_snapshot) job.spot_snapshot_basis = spot_snapshot_basis_name(cfg.spot_snapshot_end);
        }
        job.nodes.push_back(std::move(n));
    }
    total_job_cost(job);
    return job;
}

std::optional<std::string> slurm_cluster_name(const std::string& slurm_conf) {
    std::optional<std::string> name;
    try {
        read_conf_file(
            slurm_conf,
            [&](const ConfLine& l) {
                for (const ConfWord& w : l.words)
                    if (iequals(w.key, "ClusterName") && w.has_value && !w.value.empty()) name = lower(w.value);
            },
            nullptr, false);
    } catch (const ConfigError&) {
        // A line we cannot read: slurm.conf is Slurm's to judge; keep what we found.
    }
    return name;
}

// ---- TRESBillingWeights -----------------------------------------------------------------

std::vector<PartitionBilling> billing_weights(const Config& cfg, bool max_tres) {
    std::vector<PartitionBilling> out;
    for (const PartitionConfig& p : cfg.partitions) {
        PartitionBilling b;
        b.partition = p.name;
        b.capacity = p.capacity;
        for (const PartitionType& pt : p.types) {
            NodePrice price = node_price(cfg, *pt.type, p.capacity);
            if (!price.micros_per_hour || *price.micros_per_hour <= 0) {
                b.unpriced_types.push_back(pt.type->name);
                continue;
            }
            uint64_t micros = static_cast<uint64_t>(*price.micros_per_hour);
            b.priced = true;
            // micro-dollars per hour / CPU = 1/10000 cent per hour / CPU.
            if (pt.type->vcpus) b.cpu = std::max(b.cpu, div_ceil(micros, pt.type->vcpus));
            if (max_tres) {
                if (pt.usable_memory_mib) b.mem_per_gib = std::max(b.mem_per_gib, div_ceil(micros * 1024, pt.usable_memory_mib));
                if (pt.type->gpus) b.gpu = std::max(b.gpu, div_ceil(micros, pt.type->gpus));
            }
        }
        if (b.priced) {
            for (const PartitionType& pt : p.types) {
                NodePrice price = node_price(cfg, *pt.type, p.capacity);
                if (!price.micros_per_hour || *price.micros_per_hour <= 0) continue;
                // What Slurm computes for a whole node: sum (or, with MAX_TRES, the
                // largest) of count x weight, truncated; weights in 1e-4 cents.
                uint64_t cpu = uint64_t{pt.type->vcpus} * b.cpu;
                uint64_t billing_units = cpu;
                if (max_tres) {
                    // Mem weight is per GiB; Slurm counts MiB: units x MiB / 1024.
                    uint64_t mem = b.mem_per_gib * pt.usable_memory_mib / 1024;
                    uint64_t gpu = uint64_t{pt.type->gpus} * b.gpu;
                    billing_units = std::max({cpu, mem, gpu});
                }
                b.types.push_back(TypeBilling{pt.type->name, price.micros_per_hour, billing_units / 10000});
            }
        }
        out.push_back(std::move(b));
    }
    return out;
}

namespace {

// 1e-4 units as a decimal without trailing zeros: 26300 -> "2.63", 10000 -> "1".
std::string weight_text(uint64_t units) {
    std::string s = std::to_string(units / 10000);
    uint64_t frac = units % 10000;
    if (frac) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "%04llu", static_cast<unsigned long long>(frac));
        std::string f = buf;
        while (!f.empty() && f.back() == '0') f.pop_back();
        s += "." + f;
    }
    return s;
}

}  // namespace

std::string billing_weights_value(const PartitionBilling& b, bool max_tres) {
    std::string v = "CPU=" + weight_text(b.cpu);
    if (max_tres) {
        if (b.mem_per_gib) v += ",Mem=" + weight_text(b.mem_per_gib) + "G";
        if (b.gpu) v += ",GRES/gpu=" + weight_text(b.gpu);
    }
    return v;
}

std::string billing_conf_text(const Config& cfg, bool max_tres) {
    std::string s;
    s += "# TRESBillingWeights from the Stratus catalog (region " + cfg.region + "), written by stratus-cost slurm-conf.\n";
    s += "# Units: billing = the hourly price in cents of what a job holds; a whole node bills its\n";
    s += "# instance type's price in cents per hour (Slurm truncates billing to an integer).\n";
    s += "# Usage is billing x minutes, so 6000 billing-minutes are one dollar:\n";
    s += "#   sacctmgr modify account NAME set GrpTRESMins=billing=600000   # caps NAME at $100\n";
    if (max_tres) {
        s += "# CPU, Mem and GRES/gpu weights each price a whole node: they need\n";
        s += "PriorityFlags=MAX_TRES\n";
    } else {
        s += "# CPU weights only: a job pays for the share of a node's CPUs it holds.\n";
    }
    for (const PartitionBilling& b : billing_weights(cfg, max_tres)) {
        s += "\n";
        if (!b.priced) {
            s += "# partition " + b.partition + ": no " + capacity_name(b.capacity) + " price in " + cfg.region +
                 " for any of its instance types; no weights\n";
            continue;
        }
        s += "# partition " + b.partition + " (" + capacity_name(b.capacity) + "):";
        for (size_t i = 0; i < b.types.size(); ++i) {
            const TypeBilling& t = b.types[i];
            s += (i ? "; " : " ") + t.instance_type + " $" + micros_decimal(*t.micros_per_hour, 4) + "/h bills " +
                 std::to_string(t.full_node_billing) + " per node";
        }
        s += "\n";
        for (const std::string& t : b.unpriced_types)
            s += "#   " + t + ": no " + std::string(capacity_name(b.capacity)) + " price, not weighed\n";
        s += "PartitionName=" + b.partition + " TRESBillingWeights=\"" + billing_weights_value(b, max_tres) + "\"\n";
    }
    return s;
}

}  // namespace stratus
