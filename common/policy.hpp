// The Stratus policy: feasibility, routing and cost estimate for one job.
// Pure, in-memory and bounded (O(partitions x instance types)); safe to call
// with slurmctld's locks held. Exception guarantee: decide() only throws
// std::bad_alloc; it never touches files, network or clocks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include "request.hpp"

namespace stratus {

enum class Verdict {
    not_managed,  // no partition of the job is in stratus.conf: leave it alone
    accept,
    refuse,
};

// Why a job was refused; hosts map this to their own error codes.
enum class Refusal {
    none, bad_option, arch, executable_arch, instance_type, constraint, gpu, cpu, memory, nodes, mixed, max_cost,
    budget };  // budget: set by apply_budgets() (budget_check.hpp), never by decide()

enum class TimeBasis { time_limit, partition_default, partition_max, unknown };
const char* time_basis_name(TimeBasis b) noexcept;

struct Estimate {
    const PartitionConfig* partition = nullptr;
    const InstanceType* type = nullptr;
    Capacity capacity = Capacity::on_demand;
    uint32_t nodes = 0;
    std::optional<double> usd_per_node_hour;  // nullopt: price unknown
    bool spot_snapshot = false;               // spot priced from the built-in snapshot (SpotSnapshotPrice=)
    Offered offered = Offered::unknown;       // the type in the configured region
    std::optional<uint32_t> minutes;          // nullopt: no time limit known
    TimeBasis basis = TimeBasis::unknown;
    uint32_t tasks = 1;                       // a job array's tasks
    std::optional<double> usd;                // tasks x nodes x price x time, rounded to cents
    std::optional<double> usd_task;           // one task's (nodes x price x time), rounded to cents
};

struct Decision {
    Verdict verdict = Verdict::not_managed;
    Refusal refusal = Refusal::none;
    // Refusal text, or on acceptance the estimate line for the user (empty
    // when ShowEstimate=no). Always starts with "stratus: ".
    std::string message;
    // The job's new partition list, when Stratus routed it or dropped
    // partitions that can never run it; nullopt = leave the field alone.
    std::optional<std::string> new_partitions;
    std::optional<Estimate> estimate;  // cheapest fitting partition
    std::optional<double> max_usd;     // highest known estimate over the fitting partitions
    std::string admin_comment;         // compact JSON (keys in job_submit_stratus(8)); empty unless accepted
};

Decision decide(const Config& cfg, const JobRequest& req);

// decide()'s node-count logic alone, for hosts that judge many jobs at once
// (stratus-burstd): for each instance type of `p`, in the order written,
// whether `req` fits it exactly as decide() means "fits" (architecture,
// --instance-type, constraint, GPUs, CPUs, memory, node count) and how many
// nodes of it the job needs. No messages, prices or JSON. `out` is
// cleared first. Same guarantees as decide().
struct TypeNeed {
    const PartitionType* type = nullptr;
    bool fits = false;
    uint32_t nodes = 0;             // nodes of this type the job needs (when it fits)
    uint64_t cpus_per_node = 0;     // at least one task's worth
    uint64_t mem_per_node_mib = 0;  // 0: no memory request
    uint32_t gpus_per_node = 0;     // 0: none per node
};
void fit_types(const Config& cfg, const PartitionConfig& p, const JobRequest& req, std::vector<TypeNeed>& out);

}  // namespace stratus
