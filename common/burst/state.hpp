// The burst tools' durable state in StateDir (stratus.conf): which instance
// each node runs on, instance types to avoid after capacity errors, and
// each partition's launch-failure count and protected mode.
//
// One JSON file, StateDir/state.json, replaced atomically (temporary file,
// fsync, rename, fsync of the directory) under an exclusive flock(2) of
// StateDir/state.lock, so that stratus-resume, stratus-suspend and
// stratus-burstd running at once never lose each other's changes. Hold the
// lock only for the read-modify-write (StateStore::update), never across
// an AWS call.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace stratus::burst {

// Node record statuses.
inline constexpr const char* kNodeLaunching = "launching";  // instance asked for (or assigned), address not yet set
inline constexpr const char* kNodeRunning = "running";      // instance running, NodeAddr set in Slurm
inline constexpr const char* kNodeFailed = "failed";        // could not be started; DOWN in Slurm until retry_at
inline constexpr const char* kNodeIdle = "";                // no instance (powered down)

struct NodeRecord {
    std::string partition;
    std::string status;  // one of the kNode* above
    std::string instance_id, instance_type, private_ip, private_dns, availability_zone, lifecycle;
    int64_t launch_time = 0;  // epoch seconds: EC2's LaunchTime once known, else when CreateFleet answered
    uint32_t job_id = 0;      // the exclusive job it was launched for, if any
    uint64_t generation = 0;  // launches asked for this node so far (part of the ClientToken)
    std::string reason;       // why it failed (the Slurm node reason)
    int64_t failed_at = 0;
    int64_t retry_at = 0;     // failed nodes return to service at this time (0: only by hand)

    bool has_instance() const noexcept { return !instance_id.empty(); }
};

// An instance type launches skip until `until` (CapacityAvoidTime).
struct CapacityAvoid {
    std::string code, message, availability_zone;
    int64_t since = 0, until = 0;
};

struct PartitionHealth {
    uint32_t consecutive_failures = 0;
    int64_t protected_since = 0;  // 0: not in protected mode
    std::string last_error;
};

struct BurstState {
    std::map<std::string, NodeRecord> nodes;            // by node name
    std::map<std::string, CapacityAvoid> avoid;         // by instance type
    std::map<std::string, PartitionHealth> partitions;  // by partition name
    // Subnet id -> zone ID, learned by DescribeSubnets (a subnet never changes zone).
    std::map<std::string, std::string> subnet_zones;

    // The node whose record holds `instance_id`; nullptr when none does.
    const std::string* owner_of(const std::string& instance_id) const;
    bool avoided(const std::string& instance_type, int64_t now) const;
};

class StateError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// JSON form (version 1). parse_state throws StateError for a document it
// cannot read; a missing member is its default.
std::string serialize_state(const BurstState& s);
BurstState parse_state(const std::string& json);

class StateStore {
public:
    // `dir` is created (mode 0755, parents too) on first use.
    explicit StateStore(std::string dir);

    // A snapshot, read under the lock. A missing file is an empty state;
    // an unreadable or corrupt one throws StateError (never treated as
    // empty: reconcile would take every instance for an orphan), and so
    // does one that is not a regular file or holds more than 128 MiB.
    BurstState load() const;
    // Locks, loads, calls f(state), writes the result atomically, unlocks.
    // Throws StateError (lock, read, parse, write failures) and whatever f
    // throws (then nothing is written).
    void update(const std::function<void(BurstState&)>& f);

    const std::string& dir() const noexcept { return dir_; }
    std::string path() const { return dir_ + "/state.json"; }

private:
    std::string dir_;
};

}  // namespace stratus::burst
