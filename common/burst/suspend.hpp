// stratus-suspend's work: give back the instances of nodes slurmctld
// powers down. See stratus-suspend(8).
#pragma once

#include <string>
#include <vector>

#include "burst/context.hpp"

namespace stratus::burst {

struct SuspendResult {
    std::vector<std::string> terminated;  // instance ids
    std::vector<std::string> errors;
};

// Gives back the instances the records hold for `nodes`, and any running
// instance tagged stratus:cluster=ClusterName and stratus:node=NODE of a
// node whose record holds none (a launch that crashed before recording
// it): clears the records first (a failed node stays failed until it
// returns to service), then TerminateInstances in batches of 1000 (an id
// EC2 no longer knows is dropped and the rest terminated; instances whose
// termination fails are orphans for reconcile), then sets the nodes'
// NodeAddr and NodeHostname back to their names. Every decision is logged.
// Throws StateError when StateDir cannot be used.
SuspendResult suspend(BurstContext& ctx, const std::vector<std::string>& nodes);

}  // namespace stratus::burst
