// stratus-resume's work: start EC2 instances for the nodes slurmctld
// resumes, with capacity fail-over, and tell Slurm (and the waiting jobs)
// what happened. See stratus-resume(8).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "burst/context.hpp"
#include "burst/resume_file.hpp"

namespace stratus::burst {

struct ResumeResult {
    std::vector<std::string> started;                          // instance running, NodeAddr set
    std::vector<std::pair<std::string, std::string>> failed;   // node, Slurm node reason
    unsigned create_fleet_calls = 0;
};

// Resumes `req.nodes`:
//  1. maps each node to its partition and instance types (node_map.hpp);
//     nodes of no partition, of a partition in protected mode, or whose
//     every type is avoided after a capacity error fail at once;
//  2. terminates instances its records still hold for these nodes (a
//     launch slurmctld gave up on);
//  3. per partition, instance types, capacity and exclusive job: CreateFleet
//     (type instant) in batches of ResumeBatchSize, overrides in price
//     order x Subnets, tags stratus:cluster/partition (+ job-id, user,
//     account, cost-center for an exclusive job), a ClientToken from the
//     nodes' launch generation and the attempt; each instance is recorded
//     for its node at once, then tagged stratus:node and Name;
//  4. a type that fails with a capacity error (aws::is_capacity_error) is
//     avoided for CapacityAvoidTime, and the nodes not launched are tried
//     again at once with the types left;
//  5. DescribeInstances (retried with back-off: EC2 is eventually
//     consistent) for the private IPs; NodeAddr/NodeHostname in Slurm;
//  6. nodes that could not be started: their instances terminated, the
//     nodes DOWN with a reason ("stratus: InsufficientInstanceCapacity for
//     c7g.large in us-east-1a"), the jobs told (AdminComment "wait_reason",
//     slurm_notify_job); Slurm requeues batch jobs of DOWN nodes;
//  7. a partition's consecutive launch failures are counted; at
//     ProtectedModeFailures it enters protected mode.
// Every decision is logged. Throws StateError when StateDir cannot be used
// (nothing is launched then) and std::bad_alloc; AWS and Slurm errors are
// outcomes, not exceptions.
ResumeResult resume(BurstContext& ctx, const ResumeRequest& req);

// Ends protected mode of `partition` and returns the nodes it failed to
// service (State=RESUME). Returns what was done, for the administrator.
std::string reset_protected(BurstContext& ctx, const std::string& partition);

// Fails `nodes` with `reason` (records, Slurm DOWN, jobs told), as resume
// does; for the tools' own errors (bad configuration, unreadable state).
// Never throws; best effort.
void fail_nodes(BurstContext& ctx, const std::vector<std::string>& nodes, const std::string& reason,
                const std::vector<ResumeJob>& jobs = {}) noexcept;

}  // namespace stratus::burst
