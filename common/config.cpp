#include "config.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "conf_reader.hpp"
#include "error.hpp"
#include "file.hpp"

namespace stratus {

const PartitionConfig* Config::find_partition(std::string_view name) const noexcept {
    for (const PartitionConfig& p : partitions)
        if (p.name == name) return &p;
    return nullptr;
}

std::string Config::spend_snapshot_path() const {
    return budget.snapshot.empty() ? burst.state_dir + "/spend.json" : budget.snapshot;
}

uint64_t Config::usable_memory_mib(const InstanceType& t) const noexcept {
    uint64_t reserve = memory_reserve_mib ? *memory_reserve_mib : t.memory_mib * memory_reserve_percent / 100;
    return t.memory_mib > reserve ? t.memory_mib - reserve : 0;
}

namespace {

struct PendingPartition {
    PartitionConfig config;
    std::vector<std::string> type_names;
    std::optional<Capacity> capacity;  // resolved against DefaultCapacity at the end
};

[[noreturn]] void fail(const ConfLine& l, const ConfWord& w, const std::string& msg) {
    throw ConfigError(l.file, l.line, w.key, msg);
}

const std::string& need_value(const ConfLine& l, const ConfWord& w) {
    if (!w.has_value || w.value.empty()) fail(l, w, "missing value");
    return w.value;
}

uint64_t need_number(const ConfLine& l, const ConfWord& w, uint64_t max) {
    auto v = parse_u64(need_value(l, w));
    if (!v || *v > max) fail(l, w, "not a whole number from 0 to " + std::to_string(max) + ": " + w.value);
    return *v;
}

bool need_bool(const ConfLine& l, const ConfWord& w) {
    auto b = parse_bool(need_value(l, w));
    if (!b) fail(l, w, "expected yes or no: " + w.value);
    return *b;
}

Capacity need_capacity(const ConfLine& l, const ConfWord& w) {
    auto c = parse_capacity(need_value(l, w));
    if (!c) fail(l, w, "expected on-demand or spot: " + w.value);
    return *c;
}

SlurmDuration need_duration(const ConfLine& l, const ConfWord& w) {
    auto d = parse_slurm_duration(need_value(l, w));
    if (!d) fail(l, w, "not a Slurm time (minutes, HH:MM:SS, D-HH:MM or UNLIMITED): " + w.value);
    return *d;
}

std::string resolve(const std::string& relative_to_file, const std::string& path) {
    return (!path.empty() && path[0] == '/') ? path : dir_name(relative_to_file) + "/" + path;
}

// The burst tools' global keys; false if `w` is not one of them.
bool parse_burst_key(const ConfLine& l, const ConfWord& w, BurstConfig& b) {
    struct Seconds { const char* key; uint32_t* field; };
    const Seconds numbers[] = {{"ResumeBatchSize", &b.resume_batch_size}, {"CapacityAvoidTime", &b.capacity_avoid_s},
                               {"ProtectedModeFailures", &b.protected_failures},
                               {"ProtectedModeCooldown", &b.protected_cooldown_s},
                               {"OrphanGracePeriod", &b.orphan_grace_s}, {"BurstInterval", &b.interval_s},
                               {"BurstCooldown", &b.cooldown_s}, {"ScaleDownIdleTime", &b.scale_down_idle_s}};
    for (const Seconds& n : numbers)
        if (iequals(w.key, n.key)) {
            *n.field = static_cast<uint32_t>(need_number(l, w, 10000000));
            if (iequals(w.key, "ResumeBatchSize") && (*n.field == 0 || *n.field > 1000))
                fail(l, w, "must be 1 to 1000 (EC2's limit per CreateFleet call): " + w.value);
            if (iequals(w.key, "BurstInterval") && *n.field == 0) fail(l, w, "must be at least 1 second: " + w.value);
            return true;
        }
    struct Text { const char* key; std::string* field; };
    const Text texts[] = {{"ClusterName", &b.cluster_name}, {"StateDir", &b.state_dir}, {"BurstLog", &b.log_file},
                          {"PcsCluster", &b.pcs_cluster}, {"Ec2Endpoint", &b.ec2_endpoint},
                          {"PcsEndpoint", &b.pcs_endpoint}, {"PricingEndpoint", &b.pricing_endpoint}};
    for (const Text& t : texts)
        if (iequals(w.key, t.key)) {
            *t.field = need_value(l, w);
            return true;
        }
    if (iequals(w.key, "MaxSpendPerHour")) {
        auto usd = parse_decimal(need_value(l, w));
        if (!usd) fail(l, w, "not a dollar amount: " + w.value);
        b.max_spend_per_hour = usd;
        return true;
    }
    return false;
}

// "Budget=account:chem Amount=5000 Period=month" (Period defaults to month).
void parse_budget_line(const ConfLine& l, std::vector<Budget>& out) {
    const ConfWord& first = l.words[0];
    const std::string& spec = need_value(l, first);
    size_t colon = spec.find(':');
    std::string scope = lower(spec.substr(0, colon == std::string::npos ? 0 : colon));
    Budget b;
    if (scope == "account") b.scope = BudgetScope::account;
    else if (scope == "cost-center") b.scope = BudgetScope::cost_center;
    else fail(l, first, "expected account:NAME or cost-center:NAME: " + spec);
    b.name = spec.substr(colon + 1);
    if (b.name.empty()) fail(l, first, "missing the " + std::string(budget_scope_name(b.scope)) + " name: " + spec);
    b.file = l.file;
    b.line = l.line;
    bool has_amount = false;
    for (size_t i = 1; i < l.words.size(); ++i) {
        const ConfWord& w = l.words[i];
        if (iequals(w.key, "Amount")) {
            auto cents = parse_usd_cents(need_value(l, w));
            if (!cents) fail(l, w, "not a dollar amount (digits, at most two decimals): " + w.value);
            b.amount_cents = *cents;
            has_amount = true;
        } else if (iequals(w.key, "Period")) {
            auto p = parse_budget_period(need_value(l, w));
            if (!p) fail(l, w, "expected month or FIRST..LAST (YYYY-MM-DD..YYYY-MM-DD, FIRST not after LAST): " + w.value);
            b.period = *p;
        } else if (iequals(w.key, "Budget")) {
            fail(l, w, "one budget per line");
        } else {
            fail(l, w, "unknown budget key");
        }
    }
    if (!has_amount) throw ConfigError(l.file, l.line, "Amount", "budget " + spec + " has no Amount");
    for (const Budget& other : out)
        if (other.scope == b.scope && other.period == b.period &&
            (b.scope == BudgetScope::account ? iequals(other.name, b.name) : other.name == b.name))
            fail(l, first, "duplicate budget " + spec + " for period " + budget_period_text(b.period) +
                               " (first declared at " + other.file + ":" + std::to_string(other.line) + ")");
    out.push_back(std::move(b));
}

// Budget and tagging keys that stand alone; false if `w` is not one of them.
bool parse_budget_key(const ConfLine& l, const ConfWord& w, Config& cfg) {
    if (iequals(w.key, "SpendSnapshot")) {
        cfg.budget.snapshot = resolve(l.file, need_value(l, w));
    } else if (iequals(w.key, "SpendSnapshotMaxAge")) {
        cfg.budget.snapshot_max_age_s = static_cast<uint32_t>(need_number(l, w, 100000000));
        if (cfg.budget.snapshot_max_age_s == 0) fail(l, w, "must be at least 1 second: " + w.value);
    } else if (iequals(w.key, "BudgetOnStale")) {
        const std::string& v = need_value(l, w);
        if (iequals(v, "allow")) cfg.budget.refuse_on_stale = false;
        else if (iequals(v, "refuse")) cfg.budget.refuse_on_stale = true;
        else fail(l, w, "expected allow or refuse: " + v);
    } else if (iequals(w.key, "TagFailure")) {
        const std::string& v = need_value(l, w);
        if (iequals(v, "ignore")) cfg.tag_failure_fails = false;
        else if (iequals(v, "fail")) cfg.tag_failure_fails = true;
        else fail(l, w, "expected fail or ignore: " + v);
    } else if (iequals(w.key, "Budget")) {
        fail(l, w, "Budget must start its line");
    } else {
        return false;
    }
    return true;
}

void parse_partition_line(const ConfLine& l, std::vector<PendingPartition>& out) {
    PendingPartition p;
    p.config.name = need_value(l, l.words[0]);
    p.config.file = l.file;
    p.config.line = l.line;
    bool has_types = false;
    for (size_t i = 1; i < l.words.size(); ++i) {
        const ConfWord& w = l.words[i];
        if (iequals(w.key, "InstanceTypes")) {
            p.type_names = split_list(need_value(l, w));
            if (p.type_names.empty()) fail(l, w, "missing value");
            has_types = true;
        } else if (iequals(w.key, "Capacity")) {
            p.capacity = need_capacity(l, w);
        } else if (iequals(w.key, "DefaultTime")) {
            p.config.default_time = need_duration(l, w);
        } else if (iequals(w.key, "MaxTime")) {
            p.config.max_time = need_duration(l, w);
        } else if (iequals(w.key, "LaunchTemplate")) {
            p.config.launch_template = need_value(l, w);
        } else if (iequals(w.key, "LaunchTemplateVersion")) {
            p.config.launch_template_version = need_value(l, w);
        } else if (iequals(w.key, "Subnets")) {
            p.config.subnets = split_list(need_value(l, w));
        } else if (iequals(w.key, "AllocationStrategy")) {
            p.config.allocation_strategy = need_value(l, w);
        } else if (iequals(w.key, "MaxNodes")) {
            p.config.max_nodes = static_cast<uint32_t>(need_number(l, w, 1000000));
        } else if (iequals(w.key, "PcsNodeGroup")) {
            p.config.pcs_node_group = need_value(l, w);
        } else {
            fail(l, w, "unknown partition key");
        }
    }
    if (!has_types) throw ConfigError(l.file, l.line, "InstanceTypes", "partition " + p.config.name + " has no InstanceTypes");
    for (const PendingPartition& other : out)
        if (other.config.name == p.config.name)
            fail(l, l.words[0], "duplicate partition " + p.config.name + " (first declared at " + other.config.file + ":" +
                                    std::to_string(other.config.line) + ")");
    out.push_back(std::move(p));
}

// Reads what Stratus needs from slurm.conf: JobSubmitPlugins, DefaultTime/MaxTime per
// partition (PartitionName=DEFAULT lines included) and the Default=YES one.
// slurm.conf is Slurm's file: we never reject it, only skip what we cannot read.
void read_slurm_partitions(const std::string& slurm_conf, Config& cfg, std::vector<PendingPartition>& parts) {
    std::optional<SlurmDuration> dflt_default, dflt_max;
    std::string slurm_cluster_name;
    try {
        read_conf_file(
            slurm_conf,
            [&](const ConfLine& l) {
                if (iequals(l.words[0].key, "ClusterName")) {
                    slurm_cluster_name = l.words[0].value;
                    return;
                }
                if (iequals(l.words[0].key, "JobSubmitPlugins")) {
                    for (const std::string& plugin : split_list(l.words[0].value))
                        if (iequals(plugin, "stratus") || iequals(plugin, "job_submit/stratus")) cfg.slurmctld_runs_stratus = true;
                    return;
                }
                if (!iequals(l.words[0].key, "PartitionName") || !l.words[0].has_value) return;
                const std::string& name = l.words[0].value;
                std::optional<SlurmDuration> def = dflt_default, max = dflt_max;
                bool is_default = false;
                std::string nodes;
                for (const ConfWord& w : l.words) {
                    if (iequals(w.key, "Nodes")) nodes = w.value;
                    else if (iequals(w.key, "DefaultTime")) def = parse_slurm_duration(w.value);
                    else if (iequals(w.key, "MaxTime")) max = parse_slurm_duration(w.value);
                    else if (iequals(w.key, "Default")) is_default = parse_bool(w.value).value_or(false);
                }
                if (iequals(name, "DEFAULT")) {
                    dflt_default = def;
                    dflt_max = max;
                    return;
                }
                if (is_default) cfg.default_partition = name;
                for (PendingPartition& p : parts) {
                    if (p.config.name != name) continue;
                    if (!p.config.default_time) p.config.default_time = def;
                    if (!p.config.max_time) p.config.max_time = max;
                    p.config.slurm_nodes = nodes;
                }
            },
            &cfg.files, false);
    } catch (const ConfigError&) {
        // Malformed slurm.conf line (e.g. unterminated quote): slurmctld
        // itself judges slurm.conf; we keep what we read so far.
    }
    if (cfg.burst.cluster_name.empty()) cfg.burst.cluster_name = slurm_cluster_name;
}

}  // namespace

Config load_config(const std::string& stratus_conf, const std::string& slurm_conf) {
    Config cfg;
    std::vector<PendingPartition> parts;
    struct CatalogRef { std::string path; std::string file; unsigned line; };
    std::vector<CatalogRef> catalog_files;
    std::string region_line;  // where Region= was set, for warnings

    read_conf_file(
        stratus_conf,
        [&](const ConfLine& l) {
            const ConfWord& first = l.words[0];
            if (iequals(first.key, "PartitionName")) {
                parse_partition_line(l, parts);
                return;
            }
            if (iequals(first.key, "Budget")) {
                parse_budget_line(l, cfg.budget.budgets);
                return;
            }
            for (const ConfWord& w : l.words) {
                if (iequals(w.key, "Region")) {
                    cfg.region = lower(need_value(l, w));
                    region_line = l.file + ":" + std::to_string(l.line);
                } else if (iequals(w.key, "SpotSnapshotPrice")) {
                    auto end = parse_spot_snapshot_end(need_value(l, w));
                    if (!end) fail(l, w, "max or min: " + w.value);
                    cfg.spot_snapshot_end = *end;
                } else if (iequals(w.key, "InstanceCatalog")) {
                    catalog_files.push_back({resolve(l.file, need_value(l, w)), l.file, l.line});
                } else if (iequals(w.key, "MemoryReserve")) {
                    const std::string& v = need_value(l, w);
                    if (v.back() == '%') {
                        auto pct = parse_u64(std::string_view(v).substr(0, v.size() - 1));
                        if (!pct || *pct > 90) fail(l, w, "percentage must be 0% to 90%: " + v);
                        cfg.memory_reserve_percent = static_cast<uint32_t>(*pct);
                        cfg.memory_reserve_mib.reset();
                    } else {
                        cfg.memory_reserve_mib = need_number(l, w, 1ULL << 40);
                    }
                } else if (iequals(w.key, "RouteJobs")) {
                    cfg.route_jobs = need_bool(l, w);
                } else if (iequals(w.key, "ShowEstimate")) {
                    cfg.show_estimate = need_bool(l, w);
                } else if (iequals(w.key, "DefaultCapacity")) {
                    cfg.default_capacity = need_capacity(l, w);
                } else if (parse_budget_key(l, w, cfg)) {
                } else if (parse_burst_key(l, w, cfg.burst)) {
                } else if (iequals(w.key, "ReloadInterval")) {
                    cfg.reload_interval_s = static_cast<uint32_t>(need_number(l, w, 86400));
                } else if (iequals(w.key, "PartitionName")) {
                    fail(l, w, "PartitionName must start its line");
                } else {
                    fail(l, w, "unknown key");
                }
            }
        },
        &cfg.files, true);

    auto catalog = std::make_shared<Catalog>(Catalog::builtin());
    size_t catalog_bytes_left = kMaxFileBytes;  // as for Includes: however many InstanceCatalog lines name them
    for (const CatalogRef& ref : catalog_files) {
        std::string text;
        try {
            text = read_regular_file(ref.path);
        } catch (const FileReadError& e) {
            throw ConfigError::unreadable(ref.file, ref.line, "InstanceCatalog", ref.path, e.reason());
        }
        if (text.size() > catalog_bytes_left)
            throw ConfigError::unreadable(ref.file, ref.line, "InstanceCatalog", ref.path,
                                          "more than " + format_bytes(kMaxFileBytes) +
                                              " together with the catalogs read before it");
        catalog_bytes_left -= text.size();
        catalog->merge_csv(text, ref.path);
        cfg.files.push_back(ref.path);
    }
    catalog->price_spot_from_snapshot(cfg.spot_snapshot_end);
    cfg.catalog = catalog;
    const bool region_known = catalog->knows_region(cfg.region);
    if (!region_known)
        cfg.warnings.push_back((region_line.empty() ? stratus_conf + ":0" : region_line) + ": Region=" + cfg.region +
                               ": the instance catalog knows no type in this region, so prices are unknown and offers "
                               "unchecked (rows with region " + cfg.region + " in an InstanceCatalog file add them)");

    read_slurm_partitions(slurm_conf, cfg, parts);

    for (PendingPartition& p : parts) {
        for (const std::string& name : p.type_names) {
            const InstanceType* t = catalog->find(name);
            if (!t) throw ConfigError(p.config.file, p.config.line, "InstanceTypes", "unknown instance type: " + name);
            for (const PartitionType& seen : p.config.types)
                if (seen.type == t)
                    throw ConfigError(p.config.file, p.config.line, "InstanceTypes", "instance type listed twice: " + name);
            const RegionOffer* offer = t->in_region(cfg.region);
            Offered offered = region_known ? t->offered_in(cfg.region) : Offered::unknown;
            if (offered == Offered::no)
                cfg.warnings.push_back(p.config.file + ":" + std::to_string(p.config.line) + ": " + t->name +
                                       " is not offered in " + cfg.region + " (offered in " + t->region_list() +
                                       "); jobs are not routed to it");
            p.config.types.push_back(PartitionType{t,
                                                   cfg.usable_memory_mib(*t),
                                                   {t->price(cfg.region, Capacity::on_demand), t->price(cfg.region, Capacity::spot)},
                                                   offered,
                                                   offer && offer->spot_is_snapshot});
        }
        p.config.capacity = p.capacity.value_or(cfg.default_capacity);
        cfg.partitions.push_back(std::move(p.config));
    }
    return cfg;
}

Config default_config() {
    Config cfg;
    auto catalog = std::make_shared<Catalog>(Catalog::builtin());
    catalog->price_spot_from_snapshot(cfg.spot_snapshot_end);
    cfg.catalog = catalog;
    return cfg;
}

Config load_config_or_default(const std::string& stratus_conf, bool named, const std::string& slurm_conf) {
    if (!named) {
        FILE* f = std::fopen(stratus_conf.c_str(), "r");
        if (!f) return default_config();
        std::fclose(f);
    }
    return load_config(stratus_conf, slurm_conf);
}

std::string default_stratus_conf_path(const char* slurm_confdir) {
    if (const char* e = std::getenv("STRATUS_CONF"); e && *e) return e;
    if (const char* s = std::getenv("SLURM_CONF"); s && *s) return dir_name(s) + "/stratus.conf";
    return std::string(slurm_confdir) + "/stratus.conf";
}

std::string default_slurm_conf_path(const char* slurm_confdir) {
    if (const char* s = std::getenv("SLURM_CONF"); s && *s) return s;
    return std::string(slurm_confdir) + "/slurm.conf";
}

}  // namespace stratus
