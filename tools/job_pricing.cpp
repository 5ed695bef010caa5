#include "job_pricing.hpp"

#include <sys/stat.h>

#include <exception>
#include <optional>
#include <vector>

#include "burst/state.hpp"
#include "cost_report.hpp"
#include "node_instance.hpp"

namespace stratus::accounting {

std::map<std::string, std::string> launched_types(const Config& cfg, const AccountingJob& job) {
    std::map<std::string, std::string> out;
    try {
        // Only read: StateStore would create StateDir on a cluster without burst tools.
        struct stat st {};
        if (cfg.burst.state_dir.empty() || ::stat((cfg.burst.state_dir + "/state.json").c_str(), &st) != 0) return out;
        burst::BurstState state = burst::StateStore(cfg.burst.state_dir).load();
        for (const std::string& node : job.nodes) {
            auto it = state.nodes.find(node);
            if (it == state.nodes.end()) continue;
            const burst::NodeRecord& r = it->second;
            if (!r.has_instance() || r.instance_type.empty()) continue;
            if (r.launch_time > 0 && job.start > 0 && r.launch_time > job.start) continue;  // a later instance
            out[node] = r.instance_type;
        }
    } catch (const std::exception&) {
        // No readable record: the node's features say the type.
        out.clear();
    }
    return out;
}

JobCost price_job(const Config& cfg, const AccountingJob& job, const std::map<std::string, std::string>& launched,
                  const std::map<std::string, std::string>& features, const std::string& slurm_conf, int64_t elapsed_s) {
    std::vector<const InstanceType*> types;
    types.reserve(job.nodes.size());
    for (const std::string& node : job.nodes) {
        std::optional<std::string> l, f;
        if (auto it = launched.find(node); it != launched.end()) l = it->second;
        if (auto it = features.find(node); it != features.end()) f = it->second;
        else f = stratus::node_features(slurm_conf, node);
        types.push_back(resolve_node_type(cfg, job.partition, l, f));
    }
    AdminComment ac = parse_admin_comment(job.admin_comment);
    return compute_job_cost(cfg, job.nodes, types, job_capacity(cfg, job.partition, ac), elapsed_s);
}

}  // namespace stratus::accounting
