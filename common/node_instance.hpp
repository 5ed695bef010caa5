// Which instance type a Slurm node is. On AWS the instance metadata service
// answers; anywhere, the node's slurm.conf Features name it (as
// `stratus-catalog node-line` writes them).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "catalog.hpp"
#include "hostlist.hpp"  // hostlist_contains (it lived here first)

namespace stratus {

// The Features= value of node `node` in slurm.conf (its NodeName line, or
// NodeName=DEFAULT before it). nullopt when slurm.conf is unreadable or does
// not list the node. Never throws ConfigError.
std::optional<std::string> node_features(const std::string& slurm_conf, const std::string& node);

// The first feature (',' '&' separated) that names a catalog instance type.
const InstanceType* instance_type_in_features(const Catalog& catalog, std::string_view features);

}  // namespace stratus
