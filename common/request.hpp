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
    // A job array's tasks (--array; 1 for a plain job), each priced as the
    // job; bad_array holds a --array value that cannot be counted.
    uint32_t array_tasks = 1;
    std::string bad_array;

    // Stratus options (SPANK options, or STRATUS_* variables in the job's SPANK environment).
    std::optional<Arch> arch;                   // nullopt = any
    std::vector<std::string> instance_types;    // lower case; empty = any
    std::optional<Capacity> capacity;           // nullopt = the partition's
    std::string cost_center;
    std::optional<double> max_cost_usd;
    bool max_cost_per_task = false;             // --max-cost=USD/task: each task of an array, not the whole

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

// The most GPUs a TRES string may ask for, per entry and in all: more than
// any machine or job has, and what GpuRequest's counts hold.
constexpr uint64_t kMaxGpuCount = 0xffffffff;

// Parses Slurm TRES request strings ("gres:gpu:h100:4", "gres/gpu=2",
// "gpu:4", several joined by ',' or ';') into the GPU count and model found
// (nullopt: no GPU entry). Non-GPU entries are skipped; the counts of
// several GPU entries add up. A count or a sum above kMaxGpuCount is
// refused: returns what is wrong and the value ("GPU count above
// 4294967295: 99999999999999999999") and leaves `out` unchanged.
struct GpuSpec {
    uint32_t count = 0;
    std::string model;
};
std::optional<std::string> parse_gpu_tres(std::string_view tres, std::optional<GpuSpec>& out);

// Indexes Slurm accepts in an array (MaxArraySize is at most 4000001).
inline constexpr uint32_t kMaxArrayIndex = 4000000;

// The number of distinct tasks of a job array specification as Slurm reads
// --array: "0-999", "1,3,5-9", "0-15:4" (a step), "0x1F" (a bit mask),
// each optionally followed by a "%N" throttle (which limits how many run at
// once, not how many there are). nullopt for text Slurm would not accept or
// an index above kMaxArrayIndex. Bounded: at most kMaxArrayIndex + 1 bits of
// work memory. Never throws except std::bad_alloc.
std::optional<uint32_t> count_array_tasks(std::string_view spec);

}  // namespace stratus
