// Pricing a finished or running job from what Slurm and the burst tools
// know of its nodes; shared by stratus-jobcost and stratus-cost. No Slurm
// types: the job comes from slurm/slurm_accounting.hpp.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "config.hpp"
#include "cost.hpp"
#include "cost_record.hpp"

namespace stratus::accounting {

// The instance types the burst tools launched for the job's nodes (their
// node records in StateDir/state.json, common/burst/state.hpp): node ->
// type, for nodes whose current instance was launched no later than the
// job started (so it is the instance the job ran on). Empty when the burst
// tools keep no state or it cannot be read. Never throws.
std::map<std::string, std::string> launched_types(const Config& cfg, const AccountingJob& job);

// The cost of `job` for `elapsed_s` seconds: each node's instance type from
// the burst tools' record (`launched`, from launched_types()), else
// slurmctld's node features (`features`, from node_features()), else the
// node's Features in `slurm_conf`, else the partition's only type; the
// capacity per job_capacity(); prices from the catalog of `cfg`.
JobCost price_job(const Config& cfg, const AccountingJob& job, const std::map<std::string, std::string>& launched,
                  const std::map<std::string, std::string>& features, const std::string& slurm_conf, int64_t elapsed_s);

}  // namespace stratus::accounting
