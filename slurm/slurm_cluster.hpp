// slurmctld's view of the cluster for stratus-burstd: pending jobs, nodes
// and partitions as the planner's plain structs (common/burst/
// burstd_plan.hpp), and powering nodes up or down. Call slurm_init() first
// (LibslurmApi, slurm/slurm_burst.hpp). No Slurm types in this header.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "burst/burstd_plan.hpp"
#include "config.hpp"

namespace stratus::slurm {

// Fills in.nodes and in.jobs (pending jobs that wait for resources, not
// those completing, requeued or revoked). slurmctld hides powered-down
// CLOUD nodes unless slurm.conf says PrivateData=cloud: a partition's node
// it did not list is taken for one (powered down, idle; its type is the
// partition's when stratus.conf gives it one type). Returns how many such
// hidden nodes there were. Throws std::runtime_error when slurmctld does
// not answer.
size_t read_cluster(const Config& cfg, burstd::PlanInput& in);

// State=POWER_UP, or POWER_DOWN with `reason`, for the nodes in one update.
// Returns "" or Slurm's error.
std::string power_nodes(const std::vector<std::string>& nodes, bool up, const std::string& reason);

}  // namespace stratus::slurm
