// What a job asks for, in plain C++ types. Hosts (job_submit, SPANK) fill a
// JobRequest from Slurm's structures; unset Slurm fields become nullopt or
// empty, never sentinel numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog.hpp"

namespace stratus {

struct GpuRequest {
    std::optional<uint32_t> per_node;  // --gpus-per-node, --gres=gpu:N
    std::optional<uint32_t> per_job;   // --gpus
    std::optional<uint32_t> per_task;  // --gpus-per-task
    std::string model;                 // lower case; empty = any
};

struct JobRequest {
    std::vector<std::string> partitions;  // empty: the job named none
    std::optional<uint32_t> min_nodes, max_nodes;
    std::optional<uint32_t> num_tasks, tasks_per_node, cpus_per_task;
    std::optional<uint32_t> min_cpus_per_node;  // --mincpus
    std::optional<uint32_t> min_cpus;           // total CPUs for the job
    std::optional<uint64_t> mem_per_node_mib, mem_per_cpu_mib;
    GpuRequest gpus;
    std::string constraint;                     // --constraint as written
    std::optional<uint32_t> time_limit_min;
    bool time_unlimited = false;
    std::string account;

    // Stratus options (SPANK options, or STRATUS_* variables in the job's SPANK environment).
    std::optional<Arch> arch;                   // nullopt = any
    std::vector<std::string> instance_types;    // lower case; empty = any
    std::optional<Capacity> capacity;           // nullopt = the partition's
    std::string cost_center;
    std::optional<double> max_cost_usd;

    // Client side only (srun): the architecture of the program the job
    // runs, and its name as the user wrote it, for the architecture guard.
    std::optional<Arch> executable_arch;
    std::string executable;
};

// The user-facing Stratus options. One table serves the SPANK plugin (names,
// help), job_submit (environment names) and the man pages.
enum class Option { arch, instance_type, capacity, cost_center, max_cost };

struct OptionSpec {
    Option id;
    const char* name;     // command-line option without dashes
    const char* env;      // STRATUS_* variable (user default, and the name passed to slurmctld)
    const char* arginfo;
    const char* help;     // without the "[stratus]" prefix
};

const std::vector<OptionSpec>& option_specs();
const OptionSpec& option_spec(Option id);

// Validates `value` for option `id` and stores it in `req`. On bad input
// returns the user-facing message "stratus: --NAME: PROBLEM: VALUE" and
// leaves `req` unchanged. Idempotent: applying the same value twice is the
// same as once.
std::optional<std::string> apply_option(JobRequest& req, Option id, std::string_view value);

// Reads Stratus options from "NAME=value" strings (a job's spank_job_env).
// Unknown names are ignored; the first invalid value's message is returned.
std::optional<std::string> apply_option_env(JobRequest& req, const char* const* env, size_t count);

// Parses Slurm TRES request strings ("gres:gpu:h100:4", "gres/gpu=2",
// "gpu:4", several joined by ',' or ';') and returns the GPU count and model
// found, if any. Non-GPU entries are skipped.
struct GpuSpec {
    uint32_t count = 0;
    std::string model;
};
std::optional<GpuSpec> parse_gpu_tres(std::string_view tres);

}  // namespace stratus
