// What every burst operation (resume, suspend, reconcile) works with.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "burst/interfaces.hpp"
#include "burst/state.hpp"
#include "config.hpp"

namespace stratus::burst {

struct BurstContext {
    BurstContext(const Config& c, Ec2Api& e, SlurmApi& s, StateStore& st, BurstLog& l)
        : config(c), ec2(e), slurm(s), store(st), log(l), clock(BurstClock::system()) {}

    const Config& config;  // stratus.conf (partitions, BurstConfig)
    Ec2Api& ec2;
    SlurmApi& slurm;
    StateStore& store;
    BurstLog& log;
    BurstClock clock;
    std::string slurm_conf;  // read for the nodes' Features= (pinned instance types)
    // Epoch seconds; 0 = none. Resume gives up on nodes still waiting at
    // this time (they are failed with a reason), so it ends before
    // slurmctld's ResumeTimeout.
    int64_t deadline = 0;

    // Makes another EC2 client, for calls that may run side by side (the
    // CreateTags of many instances); null: everything goes through `ec2`,
    // one call at a time. At most `parallel_calls` run at once.
    std::function<std::unique_ptr<Ec2Api>()> ec2_factory;
    unsigned parallel_calls = 8;

    // ---- test only (stratus-resume(8), TESTING) ----
    // Called at named points ("create_fleet": CreateFleet answered, nothing
    // recorded yet); the test hook STRATUS_TEST_EXIT_AFTER ends the process there.
    std::function<void(const char* point)> checkpoint;
    // NodeAddr given to Slurm instead of the private IP (the sandbox runs
    // every "instance" on 127.0.0.1). NodeHostname is still EC2's name.
    std::string node_addr_override;

    int64_t now() const { return clock.now(); }
    bool past_deadline() const { return deadline != 0 && clock.now() >= deadline; }
};

}  // namespace stratus::burst
