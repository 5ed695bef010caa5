// What the burst core (stratus-resume, stratus-suspend, reconcile) needs
// from the outside world, as interfaces: EC2, Slurm, a log and a clock.
// The tools implement Slurm with libslurm (slurm/slurm_burst.cpp) and
// EC2 with common/aws (Ec2ClientApi below); unit tests script both.
// No Slurm headers here.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/client.hpp"
#include "aws/ec2.hpp"

namespace stratus::burst {

namespace ec2 = stratus::aws::ec2;

// ---- EC2 ----------------------------------------------------------------------

// The EC2 calls the burst tools make. Implementations throw aws::AwsError
// when a call fails (after their own retries), std::bad_alloc, nothing else.
class Ec2Api {
public:
    virtual ~Ec2Api() = default;
    virtual ec2::CreateFleetResult create_fleet(const ec2::CreateFleetRequest& r) = 0;
    // By ids (empty: all) and/or filters, all pages. By ids, as EC2 does,
    // the whole call fails with InvalidInstanceID.NotFound when one id is
    // unknown (describe_known in fleet.hpp copes with that).
    virtual std::vector<ec2::Instance> describe_instances(const std::vector<std::string>& ids,
                                                          const std::vector<ec2::Filter>& filters) = 0;
    virtual std::vector<ec2::InstanceStateChange> terminate_instances(const std::vector<std::string>& ids) = 0;
    virtual void create_tags(const std::vector<std::string>& ids, const std::vector<ec2::Tag>& tags) = 0;
    // By ids; the whole call fails when one is unknown (InvalidSubnetID.NotFound).
    virtual std::vector<ec2::Subnet> describe_subnets(const std::vector<std::string>& ids) = 0;
};

// Ec2Api over the common/aws client (one HTTP handle; not thread-safe).
class Ec2ClientApi final : public Ec2Api {
public:
    explicit Ec2ClientApi(aws::ClientConfig config) : client_(std::move(config)) {}
    ec2::CreateFleetResult create_fleet(const ec2::CreateFleetRequest& r) override { return client_.create_fleet(r); }
    std::vector<ec2::Instance> describe_instances(const std::vector<std::string>& ids,
                                                  const std::vector<ec2::Filter>& filters) override {
        return client_.describe_instances(ids, filters);
    }
    std::vector<ec2::InstanceStateChange> terminate_instances(const std::vector<std::string>& ids) override {
        return client_.terminate_instances(ids);
    }
    void create_tags(const std::vector<std::string>& ids, const std::vector<ec2::Tag>& tags) override {
        client_.create_tags(ids, tags);
    }
    std::vector<ec2::Subnet> describe_subnets(const std::vector<std::string>& ids) override {
        return client_.describe_subnets(ids);
    }
    ec2::Ec2Client& client() noexcept { return client_; }

private:
    ec2::Ec2Client client_;
};

// ---- Slurm ----------------------------------------------------------------------

struct NodeAddress {
    std::string node, addr, hostname;
};

// The EC2 instance behind a node ("" and "": none, as after suspend).
struct NodeInstance {
    std::string node, instance_id, instance_type;
};

// What the core needs to know about a job it launches nodes for.
struct JobInfo {
    uint32_t job_id = 0;
    std::string partition;
    std::string user, account;
    std::string admin_comment;  // as stored (Stratus writes a JSON object)
    bool exclusive = false;     // whole nodes for this job alone (--exclusive, OverSubscribe=EXCLUSIVE)
};

// A node as slurmctld sees it (only what reconcile looks at).
struct SlurmNode {
    std::string name;
    bool powered_down = false;   // POWERED_DOWN (and not POWERING_UP)
    bool powering_up = false;
    bool powering_down = false;
    bool down = false;           // base state DOWN
    std::string reason;
};

// Slurm operations. Each returns "" on success, else Slurm's error text;
// they never throw (std::bad_alloc aside). Node lists may be long (one
// call per list, not per node).
class SlurmApi {
public:
    virtual ~SlurmApi() = default;
    // NodeAddr/NodeHostname of each node (back to the node name on suspend).
    virtual std::string set_addresses(const std::vector<NodeAddress>& nodes) = 0;
    // Each node's InstanceId and InstanceType, where the Slurm release keeps
    // them (23.11+: `scontrol show node`, `sacctmgr show instance`); a
    // no-op on older releases. One update per node (the ids differ).
    virtual std::string set_instances(const std::vector<NodeInstance>& nodes) = 0;
    // The nodes could not be started: DOWN with `reason` (slurmctld requeues
    // their batch jobs), then powered down so that they show "down~" with
    // the reason until returned to service (return_to_service).
    virtual std::string mark_failed(const std::vector<std::string>& nodes, const std::string& reason) = 0;
    // The nodes' instances are gone: DOWN with `reason` (their batch jobs
    // are requeued at once), powered down, and back in service (idle~
    // after SuspendTimeout).
    virtual std::string power_down(const std::vector<std::string>& nodes, const std::string& reason) = 0;
    // State=RESUME: a DOWN powered-down node becomes idle~ again.
    virtual std::string return_to_service(const std::vector<std::string>& nodes) = 0;
    virtual std::optional<JobInfo> load_job(uint32_t job_id) = 0;
    virtual std::string set_admin_comment(uint32_t job_id, const std::string& admin_comment) = 0;
    // A message to the job's user (slurm_notify_job); may fail for jobs not running.
    virtual std::string notify_job(uint32_t job_id, const std::string& message) = 0;
    // The named nodes (all nodes when empty); nullopt when slurmctld cannot be asked.
    virtual std::optional<std::vector<SlurmNode>> nodes(const std::vector<std::string>& names) = 0;
};

// ---- log and clock ------------------------------------------------------------

enum class LogLevel { info, warning, error };

// One line per decision. write() must not throw.
class BurstLog {
public:
    virtual ~BurstLog() = default;
    virtual void write(LogLevel level, const std::string& line) noexcept = 0;
    void info(const std::string& line) noexcept { write(LogLevel::info, line); }
    void warning(const std::string& line) noexcept { write(LogLevel::warning, line); }
    void error(const std::string& line) noexcept { write(LogLevel::error, line); }
};

// Appends "2026-11-28T07:02:43Z PROGRAM[PID]: LEVEL: LINE" to a file (one
// write(2) per line, O_APPEND, so concurrent tools interleave whole
// lines); the directory is created if missing. When the file cannot be
// opened, lines go to standard error instead (and the first one says why).
// `echo_stderr` copies every line to standard error as well.
class FileLog final : public BurstLog {
public:
    FileLog(const std::string& path, std::string program, bool echo_stderr);
    ~FileLog() override;
    FileLog(const FileLog&) = delete;
    FileLog& operator=(const FileLog&) = delete;
    void write(LogLevel level, const std::string& line) noexcept override;
    const std::string& open_error() const noexcept { return open_error_; }

private:
    int fd_ = -1;
    std::string program_;
    bool echo_;
    std::string open_error_;
};

const char* log_level_name(LogLevel l) noexcept;  // "info", "warning", "error"

// Wall clock in whole seconds since the epoch, and sleeping; injectable.
struct BurstClock {
    std::function<int64_t()> now;
    std::function<void(std::chrono::milliseconds)> sleep;
    static BurstClock system();
};

}  // namespace stratus::burst
