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

#include "catalog.hpp"
#include "text.hpp"

namespace stratus {

// One instance type as seen by one partition: the catalog entry plus what
// Slurm can schedule on it and what it costs in the configured region.
struct PartitionType {
    const InstanceType* type;
    uint64_t usable_memory_mib;
    std::optional<double> usd_per_hour[2];  // by Capacity, in the configured region; nullopt = unknown
};

struct PartitionConfig {
    std::string name;
    std::vector<PartitionType> types;  // in the order written
    Capacity capacity = Capacity::on_demand;  // what jobs get unless they ask (--capacity)
    // Time limits used when a job gives none: from stratus.conf, else slurm.conf.
    std::optional<SlurmDuration> default_time;
    std::optional<SlurmDuration> max_time;
    std::string file;  // where it was declared
    unsigned line = 0;
};

struct Config {
    std::shared_ptr<const Catalog> catalog;
    std::string region = "us-east-1";
    uint32_t memory_reserve_percent = 5;  // used when memory_reserve_mib is unset
    std::optional<uint64_t> memory_reserve_mib;
    bool route_jobs = true;
    bool show_estimate = true;
    Capacity default_capacity = Capacity::on_demand;
    uint32_t reload_interval_s = 10;
    std::vector<PartitionConfig> partitions;
    std::string default_partition;  // Slurm's Default=YES partition, if slurm.conf names one
    bool slurmctld_runs_stratus = false;  // slurm.conf's JobSubmitPlugins lists stratus
    std::vector<std::string> files;  // every file read (stratus.conf, Includes, catalogs, slurm.conf)

    const PartitionConfig* find_partition(std::string_view name) const noexcept;
    uint64_t usable_memory_mib(const InstanceType& t) const noexcept;
};

// Loads stratus.conf (and its Includes and catalog files), then reads
// slurm.conf (if readable) for partition DefaultTime/MaxTime/Default.
// Throws ConfigError naming file:line and key; never returns a partial config.
Config load_config(const std::string& stratus_conf, const std::string& slurm_conf);

// Where stratus.conf lives: $STRATUS_CONF, else the directory of
// $SLURM_CONF, else `slurm_confdir` (Slurm's built-in default).
std::string default_stratus_conf_path(const char* slurm_confdir);
// Where slurm.conf lives: $SLURM_CONF, else slurm_confdir/slurm.conf.
std::string default_slurm_conf_path(const char* slurm_confdir);

}  // namespace stratus
