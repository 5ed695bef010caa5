// Reconcile: bring EC2, the node records and Slurm back in line. Run by
// `stratus-suspend --reconcile` (cron, systemd timer) and by
// stratus-burstd on every cycle. Safe to run at any time, alongside
// stratus-resume and stratus-suspend.
//
//   #include "burst/reconcile.hpp"
//   stratus::burst::BurstContext ctx(config, ec2, slurm, store, log);
//   stratus::burst::ReconcileResult r = stratus::burst::reconcile(ctx);
//
// Decisions (plan_reconcile, pure and unit-tested; reconcile carries them out):
//  - orphan: an instance tagged stratus:cluster=ClusterName, pending,
//    running, stopping or stopped, that no node record owns, launched more
//    than OrphanGracePeriod ago -> terminated;
//  - leaked: an instance a record owns whose node Slurm shows powered down
//    (not powering up), older than OrphanGracePeriod -> terminated, record
//    cleared (slurmctld gave up on the node without calling SuspendProgram);
//  - vanished: a record's instance that EC2 lists as shutting-down,
//    terminated, stopping or stopped, or does not know at all (neither
//    listed by the tag nor found by its id), when the record is older than
//    min(OrphanGracePeriod, 60 s) (EC2 is eventually consistent) -> the node
//    is powered down (POWER_DOWN_FORCE: Slurm requeues its batch jobs), a
//    stopped instance is terminated, the record cleared (a stopped
//    instance's only once EC2 accepted its termination: an instance is
//    never forgotten while it may still exist);
//  - failed nodes whose retry time has come (CapacityAvoidTime after the
//    failure, or the end of protected mode) -> State=RESUME (idle~ again);
//  - expired capacity avoidance and protected modes past
//    ProtectedModeCooldown are dropped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "burst/context.hpp"

namespace stratus::burst {

struct ReconcilePlan {
    struct Terminate {
        std::string instance_id;
        std::string node;  // the record to clear; "" for orphans
        std::string why;
    };
    struct PowerDown {
        std::string node, instance_id, why;
    };
    std::vector<Terminate> terminate;
    std::vector<PowerDown> power_down;
    std::vector<std::string> return_to_service;  // failed nodes
    std::vector<std::string> expired_avoid;      // instance types
    std::vector<std::string> end_protected;      // partitions
};

// `instances`: everything EC2 lists with the cluster's tag (all states),
// and the records' instances that listing missed as EC2 describes them by
// id; a record's instance in neither is one EC2 does not know.
// `slurm_nodes`: Slurm's view of the records' nodes, nullopt when unknown
// (the leaked rule is skipped then).
ReconcilePlan plan_reconcile(const BurstState& state, const std::vector<ec2::Instance>& instances,
                             const std::optional<std::vector<SlurmNode>>& slurm_nodes, int64_t now,
                             const BurstConfig& burst);

struct ReconcileResult {
    ReconcilePlan plan;
    std::vector<std::string> terminated;  // instance ids EC2 accepted
    std::vector<std::string> errors;
};

// Lists the cluster's instances (DescribeInstances, filter
// tag:stratus:cluster), looks up by id the recorded instances not listed
// (describe_known, fleet.hpp), asks Slurm about the records' nodes, plans,
// and carries the plan out, logging every decision. Throws StateError when
// StateDir cannot be used; AWS errors end the run early and are reported
// in `errors` (nothing is terminated on a partial listing).
ReconcileResult reconcile(BurstContext& ctx);

}  // namespace stratus::burst
