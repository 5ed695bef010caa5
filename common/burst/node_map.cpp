#include "burst/node_map.hpp"

#include <algorithm>

#include "conf_reader.hpp"
#include "error.hpp"
#include "hostlist.hpp"
#include "node_instance.hpp"
#include "text.hpp"

namespace stratus::burst {

SlurmNodeFeatures SlurmNodeFeatures::load(const std::string& slurm_conf) {
    SlurmNodeFeatures out;
    std::string default_features;
    try {
        read_conf_file(
            slurm_conf,
            [&](const ConfLine& l) {
                if (!iequals(l.words[0].key, "NodeName") || !l.words[0].has_value) return;
                std::string f;
                bool has = false;
                for (const ConfWord& w : l.words)
                    if (iequals(w.key, "Features") || iequals(w.key, "Feature")) {
                        f = w.value;
                        has = true;
                    }
                if (iequals(l.words[0].value, "DEFAULT")) {
                    if (has) default_features = f;
                    return;
                }
                out.add(l.words[0].value, has ? f : default_features);
            },
            nullptr, false);
    } catch (const ConfigError&) {
        // slurm.conf is Slurm's to judge: keep what was read.
    }
    return out;
}

void SlurmNodeFeatures::add(const std::string& hostlist, const std::string& features) {
    try {
        for (std::string& n : hostlist_expand(hostlist)) by_name_.emplace(std::move(n), features);
    } catch (const HostlistError&) {
        unexpanded_.push_back(Entry{hostlist, features});
    }
}

std::optional<std::string> SlurmNodeFeatures::features(const std::string& node) const {
    auto it = by_name_.find(node);
    if (it != by_name_.end()) return it->second;
    for (const Entry& e : unexpanded_)
        if (hostlist_contains(e.hostlist, node)) return e.features;
    return std::nullopt;
}

std::vector<std::string> types_in_price_order(const Config& cfg, const PartitionConfig& p, Capacity capacity) {
    (void)cfg;
    struct Item {
        std::string name;
        std::optional<double> price;
    };
    std::vector<Item> items;
    for (const PartitionType& t : p.types) {
        std::optional<double> price = t.usd_per_hour[static_cast<int>(capacity)];
        if (!price && capacity == Capacity::spot) price = t.usd_per_hour[static_cast<int>(Capacity::on_demand)];
        items.push_back(Item{t.type->name, price});
    }
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
        if (a.price.has_value() != b.price.has_value()) return a.price.has_value();
        return a.price && *a.price < *b.price;
    });
    std::vector<std::string> out;
    for (Item& i : items) out.push_back(std::move(i.name));
    return out;
}

NodePlan plan_node(const Config& cfg, const SlurmNodeFeatures& features, const std::string& node,
                   const std::string& preferred, std::optional<Capacity> capacity) {
    NodePlan plan;
    plan.node = node;
    if (!preferred.empty())
        if (const PartitionConfig* p = cfg.find_partition(preferred))
            if (!p->slurm_nodes.empty() && hostlist_contains(p->slurm_nodes, node)) plan.partition = p;
    if (!plan.partition)
        for (const PartitionConfig& p : cfg.partitions)
            if (!p.slurm_nodes.empty() && hostlist_contains(p.slurm_nodes, node)) {
                plan.partition = &p;
                break;
            }
    if (!plan.partition) return plan;
    if (auto f = features.features(node))
        if (const InstanceType* t = instance_type_in_features(*cfg.catalog, *f)) {
            plan.types = {t->name};
            plan.pinned = true;
            return plan;
        }
    plan.types = types_in_price_order(cfg, *plan.partition, capacity.value_or(plan.partition->capacity));
    return plan;
}

}  // namespace stratus::burst
