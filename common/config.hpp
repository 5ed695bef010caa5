// stratus.conf: the site's partitions and their instance types.
// A Config is immutable once loaded and self-contained (it owns its catalog),
// so one can be shared between threads and swapped atomically on reload.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "budget.hpp"
#include "catalog.hpp"
#include "text.hpp"

namespace stratus {

// One instance type as seen by one partition: the catalog entry plus what
// Slurm can schedule on it and what it costs in the configured region.
struct PartitionType {
    const InstanceType* type;
    uint64_t usable_memory_mib;
    std::optional<double> usd_per_hour[2];  // by Capacity, in the configured region; nullopt = unknown
    Offered offered = Offered::unknown;     // in the configured region; no: never routed to
    bool spot_is_snapshot = false;          // the spot price is the built-in snapshot's (SpotSnapshotPrice=)
};

struct PartitionConfig {
    std::string name;
    std::vector<PartitionType> types;  // in the order written
    Capacity capacity = Capacity::on_demand;  // what jobs get unless they ask (--capacity)
    // Time limits used when a job gives none: from stratus.conf, else slurm.conf.
    std::optional<SlurmDuration> default_time;
    std::optional<SlurmDuration> max_time;
    std::string slurm_nodes;  // the partition's Nodes= in slurm.conf (a hostlist), if any

    // Burst (stratus-resume, stratus-burstd); see stratus.conf(5).
    std::string launch_template;       // LaunchTemplate=: an id (lt-...) or a name
    std::string launch_template_version;  // LaunchTemplateVersion=; empty: the template's default
    std::vector<std::string> subnets;  // Subnets=
    std::string allocation_strategy;   // AllocationStrategy=; empty: EC2's default for the capacity
    std::optional<uint32_t> max_nodes;  // MaxNodes=: burstd never asks for more
    std::string pcs_node_group;        // PcsNodeGroup=: burstd scales this PCS compute node group

    std::string file;  // where it was declared
    unsigned line = 0;
};

// Settings of the burst tools, global in stratus.conf.
struct BurstConfig {
    std::string cluster_name;          // ClusterName= (default: slurm.conf's ClusterName); EC2 tag stratus:cluster
    std::string state_dir = "/var/lib/stratus";  // StateDir=: node records, capacity and protected-mode state
    std::string log_file = "/var/log/stratus/burst.log";  // BurstLog=
    uint32_t resume_batch_size = 500;       // ResumeBatchSize=: instances per CreateFleet call
    uint32_t capacity_avoid_s = 600;        // CapacityAvoidTime=: skip a type after a capacity error
    uint32_t protected_failures = 10;       // ProtectedModeFailures=: consecutive failures; 0 = never
    uint32_t protected_cooldown_s = 1800;   // ProtectedModeCooldown=: 0 = until an admin resets
    uint32_t orphan_grace_s = 300;          // OrphanGracePeriod=: unowned instances live this long
    uint32_t interval_s = 10;               // BurstInterval=: stratus-burstd's cycle
    uint32_t cooldown_s = 60;               // BurstCooldown=: between two scaling actions of a partition
    uint32_t scale_down_idle_s = 600;       // ScaleDownIdleTime=: idle before burstd releases capacity
    std::optional<double> max_spend_per_hour;  // MaxSpendPerHour=: USD/h for everything burstd runs
    std::string pcs_cluster;                // PcsCluster=: PCS mode when partitions name a PcsNodeGroup
    std::string ec2_endpoint, pcs_endpoint, pricing_endpoint;  // Ec2Endpoint=, PcsEndpoint=, PricingEndpoint=: override AWS's
};

// Dollar budgets (Budget= lines) and how job_submit learns what was spent:
// a spend snapshot written by `stratus-spend snapshot`; see stratus.conf(5).
struct BudgetConfig {
    std::vector<Budget> budgets;           // in the order written
    std::string snapshot;                  // SpendSnapshot=; empty: StateDir/spend.json (see spend_snapshot_path())
    uint32_t snapshot_max_age_s = 3600;    // SpendSnapshotMaxAge=: older is stale
    bool refuse_on_stale = false;          // BudgetOnStale=refuse (default allow: fail open)
};

struct Config {
    std::shared_ptr<const Catalog> catalog;
    std::string region = "us-east-1";
    SpotSnapshotEnd spot_snapshot_end = SpotSnapshotEnd::max;  // SpotSnapshotPrice=
    uint32_t memory_reserve_percent = 5;  // used when memory_reserve_mib is unset
    std::optional<uint64_t> memory_reserve_mib;
    bool route_jobs = true;
    bool show_estimate = true;
    Capacity default_capacity = Capacity::on_demand;
    uint32_t reload_interval_s = 10;
    std::vector<PartitionConfig> partitions;
    std::string default_partition;  // Slurm's Default=YES partition, if slurm.conf names one
    bool slurmctld_runs_stratus = false;  // slurm.conf's JobSubmitPlugins lists stratus
    BurstConfig burst;
    BudgetConfig budget;
    bool tag_failure_fails = false;  // TagFailure=fail: stratus-tag fails the prolog/epilog when tagging fails
    std::vector<std::string> files;  // every file read (stratus.conf, Includes, catalogs, slurm.conf)
    // What loads but will not work as written: "FILE:LINE: TYPE is not offered
    // in REGION (offered in ...)" and a Region the catalog knows nothing of.
    std::vector<std::string> warnings;

    const PartitionConfig* find_partition(std::string_view name) const noexcept;
    uint64_t usable_memory_mib(const InstanceType& t) const noexcept;
    // SpendSnapshot=, else StateDir/spend.json.
    std::string spend_snapshot_path() const;
};

// Loads stratus.conf (and its Includes and catalog files), then reads
// slurm.conf (if readable) for partition DefaultTime/MaxTime/Default.
// Throws ConfigError naming file:line and key; never returns a partial config.
// A partition type that the catalog says Region does not offer is a warning,
// not an error (Config::warnings): the snapshot may predate a launch, and an
// InstanceCatalog row with that region declares the offering.
// The files are bounded as read_conf_file() says; catalog files must be
// regular files of kMaxFileBytes (file.hpp) at most, and all of them together too.
Config load_config(const std::string& stratus_conf, const std::string& slurm_conf);

// The configuration of a node or tool without stratus.conf: the built-in
// catalog (spot priced as load_config() prices it) and every default.
Config default_config();
// The tools' rule: default_config() when `stratus_conf` was not named by the
// user and cannot be opened, else load_config() (which throws ConfigError).
Config load_config_or_default(const std::string& stratus_conf, bool named, const std::string& slurm_conf);

// Where stratus.conf lives: $STRATUS_CONF, else the directory of
// $SLURM_CONF, else `slurm_confdir` (Slurm's built-in default).
std::string default_stratus_conf_path(const char* slurm_confdir);
// Where slurm.conf lives: $SLURM_CONF, else slurm_confdir/slurm.conf.
std::string default_slurm_conf_path(const char* slurm_confdir);

}  // namespace stratus
