// Shared pieces of the burst core's unit tests (tests/unit/test_burst):
// a scripted EC2, a recording Slurm, a memory log, a test clock, and a
// World that ties them to a configuration in a fresh directory.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "aws/error.hpp"
#include "burst/context.hpp"
#include "config.hpp"
#include "../expect.hpp"
#include "../support.hpp"

Suite* hostlist_suite();
Suite* resume_file_suite();
Suite* node_map_suite();
Suite* fleet_suite();
Suite* state_suite();
Suite* resume_suite();
Suite* reconcile_suite();

namespace burst_test {

using namespace stratus;
using namespace stratus::burst;

stratus::aws::AwsError aws_error(const std::string& code, long status = 400, const std::string& message = "");

// EC2 as a script: capacity by instance type, faults by count, state kept.
// Like EC2, describe_instances by ids fails with InvalidInstanceID.NotFound
// when one of them is unknown.
class FakeEc2 final : public Ec2Api {
public:
    std::map<std::string, ec2::Instance> instances;
    std::set<std::string> ice;  // types without capacity
    std::string ice_code = "InsufficientInstanceCapacity";
    int throttle = 0;           // the next N create_fleet calls throw RequestLimitExceeded
    std::optional<std::string> create_error;  // every create_fleet throws this code
    int hide_describes = 0;     // the next N describe calls list nothing (eventual consistency)
    int ids_not_found = 0;      // the next N describe calls by InstanceId.N fail with InvalidInstanceID.NotFound
    int max_per_call = -1;      // launch at most this many per override (partial capacity)
    bool no_fallback = false;   // an override that fails ends the call (nothing else launched)
    std::string zone = "us-east-1a";
    std::map<std::string, std::string> subnet_zone_ids;  // what describe_subnets knows
    std::optional<std::string> subnets_error;            // describe_subnets throws this code
    unsigned describe_subnets_calls = 0;

    std::vector<ec2::CreateFleetRequest> fleets;  // every create_fleet call
    std::vector<std::vector<std::string>> terminate_calls;
    std::vector<std::pair<std::vector<std::string>, std::vector<ec2::Tag>>> tag_calls;
    unsigned describe_calls = 0;

    ec2::CreateFleetResult create_fleet(const ec2::CreateFleetRequest& r) override;
    std::vector<ec2::Instance> describe_instances(const std::vector<std::string>& ids,
                                                  const std::vector<ec2::Filter>& filters) override;
    std::vector<ec2::InstanceStateChange> terminate_instances(const std::vector<std::string>& ids) override;
    void create_tags(const std::vector<std::string>& ids, const std::vector<ec2::Tag>& tags) override;
    std::vector<ec2::Subnet> describe_subnets(const std::vector<std::string>& ids) override;

    // An instance launched outside resume (an orphan), running since `launch_time`.
    std::string add_instance(const std::string& type, const std::vector<ec2::Tag>& tags, const std::string& launch_time);
    size_t live() const;

private:
    std::map<std::string, ec2::CreateFleetResult> tokens_;
    int next_ = 1;
};

// An EC2 whose TerminateInstances always fails with `code` (HTTP `status`);
// everything else goes to `inner`.
// Passes every call to a FakeEc2; a test overrides the one it changes.
struct ForwardingEc2 : public Ec2Api {
    FakeEc2& inner;
    explicit ForwardingEc2(FakeEc2& i) : inner(i) {}
    ec2::CreateFleetResult create_fleet(const ec2::CreateFleetRequest& r) override { return inner.create_fleet(r); }
    std::vector<ec2::Instance> describe_instances(const std::vector<std::string>& ids,
                                                  const std::vector<ec2::Filter>& f) override {
        return inner.describe_instances(ids, f);
    }
    std::vector<ec2::InstanceStateChange> terminate_instances(const std::vector<std::string>& ids) override {
        return inner.terminate_instances(ids);
    }
    void create_tags(const std::vector<std::string>& ids, const std::vector<ec2::Tag>& t) override { inner.create_tags(ids, t); }
    std::vector<ec2::Subnet> describe_subnets(const std::vector<std::string>& ids) override {
        return inner.describe_subnets(ids);
    }
};

struct TerminateFailsEc2 final : public ForwardingEc2 {
    std::string code;
    long status;
    TerminateFailsEc2(FakeEc2& i, std::string c, long s) : ForwardingEc2(i), code(std::move(c)), status(s) {}
    std::vector<ec2::InstanceStateChange> terminate_instances(const std::vector<std::string>&) override {
        throw aws_error(code, status);
    }
};

class FakeSlurm final : public SlurmApi {
public:
    std::map<std::string, NodeAddress> addresses;
    std::map<std::string, NodeInstance> instances;  // set_instances
    std::map<std::string, std::string> failed;      // node -> reason (mark_failed)
    std::map<std::string, std::string> powered_down;  // node -> reason
    std::vector<std::string> returned;
    std::map<uint32_t, JobInfo> jobs;
    int load_job_calls = 0;
    std::map<uint32_t, std::string> comments;       // set_admin_comment
    std::map<uint32_t, std::string> notes;          // notify_job
    std::optional<std::vector<SlurmNode>> node_list = std::vector<SlurmNode>{};
    std::string set_addresses_error;

    std::string set_addresses(const std::vector<NodeAddress>& nodes) override;
    std::string set_instances(const std::vector<NodeInstance>& nodes) override;
    std::string mark_failed(const std::vector<std::string>& nodes, const std::string& reason) override;
    std::string power_down(const std::vector<std::string>& nodes, const std::string& reason) override;
    std::string return_to_service(const std::vector<std::string>& nodes) override;
    std::optional<JobInfo> load_job(uint32_t job_id) override;
    std::string set_admin_comment(uint32_t job_id, const std::string& admin_comment) override;
    std::string notify_job(uint32_t job_id, const std::string& message) override;
    std::optional<std::vector<SlurmNode>> nodes(const std::vector<std::string>& names) override;
};

class MemoryLog final : public BurstLog {
public:
    std::vector<std::string> lines;
    void write(LogLevel level, const std::string& line) noexcept override {
        lines.push_back(std::string(log_level_name(level)) + ": " + line);
    }
    bool has(const std::string& needle) const;
    std::string all() const;
};

// A configuration with partitions burst (c7g.xlarge,c7g.large written;
// two subnets), pinned (nodes whose Features name their type) and spot,
// StateDir and BurstLog in a fresh directory, and the fakes around it.
struct World {
    explicit World(const std::string& extra_conf = "");
    std::string dir;
    Config config;
    FakeEc2 ec2;
    FakeSlurm slurm;
    MemoryLog log;
    std::unique_ptr<StateStore> store;
    std::unique_ptr<BurstContext> ctx;
    int64_t now = 1800000000;  // 2027-01-15T08:00:00Z
    int64_t slept_ms = 0;

    BurstState state() const { return store->load(); }
};

}  // namespace burst_test
