// Which partition a Slurm node belongs to and which EC2 instance types may
// be launched for it, in the order they are tried.
//
// Convention (see stratus-resume(8)): a partition's nodes are its slurm.conf
// Nodes=. A node whose slurm.conf Features name one instance type of the
// catalog (as `stratus-catalog node-line` writes them) is launched only as
// that type; any other node of the partition may be launched as any of the
// partition's InstanceTypes, cheapest known price first (for the
// partition's Capacity; a spot price falls back to the on-demand price when
// unknown; types of unknown price come last, in the order written). Such
// nodes should be sized in slurm.conf for the smallest of those types.
// ParallelCluster's QUEUE-dy-RESOURCE-N nodes map onto this directly: one
// Stratus partition per queue, one node range per compute resource with its
// instance type in Features.
#pragma once

#include <optional>
#include <unordered_map>
#include <string>
#include <vector>

#include "config.hpp"

namespace stratus::burst {

// NodeName lines of slurm.conf: the hostlist and Features of each, with
// NodeName=DEFAULT applied. Read once, looked up many times.
class SlurmNodeFeatures {
public:
    // Reads `slurm_conf` (Includes followed); an unreadable file gives an
    // empty map. Never throws ConfigError.
    static SlurmNodeFeatures load(const std::string& slurm_conf);
    void add(const std::string& hostlist, const std::string& features);
    // The Features= of `node`; nullopt when slurm.conf does not list it.
    std::optional<std::string> features(const std::string& node) const;

private:
    struct Entry {
        std::string hostlist, features;
    };
    std::unordered_map<std::string, std::string> by_name_;  // expanded NodeName lines
    std::vector<Entry> unexpanded_;                          // lines hostlist_expand refused
};

// The partition's instance types in launch order for `capacity` (see above).
std::vector<std::string> types_in_price_order(const Config& cfg, const PartitionConfig& p, Capacity capacity);

// Where a node launches.
struct NodePlan {
    std::string node;
    const PartitionConfig* partition = nullptr;  // null: no Stratus partition has this node
    std::vector<std::string> types;              // launch order; empty when partition is null
    bool pinned = false;                         // its Features name the type
};

// The partition of `node`: `preferred` (the job's partition) when it lists
// the node, else the first partition of stratus.conf whose slurm.conf Nodes=
// list it. `capacity` picks the price column (nullopt: the partition's).
NodePlan plan_node(const Config& cfg, const SlurmNodeFeatures& features, const std::string& node,
                   const std::string& preferred = "", std::optional<Capacity> capacity = std::nullopt);

}  // namespace stratus::burst
