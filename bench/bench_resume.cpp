// bench/bench_resume: stratus-resume's core (burst::resume) and suspend
// against the fake AWS (tests/fake_aws) for 10, 100 and 1000 nodes: EC2
// calls per operation and wall time. Slurm is a no-op here (the RPCs to
// slurmctld are one per 500 nodes). Target: 1000 nodes in at most 2
// CreateFleet calls (ResumeBatchSize=500).
//
// Usage: bench_resume SRCDIR [--sizes 10,100,1000] [--parallel N]
// Prints greppable lines:
//   burst.resume.nodes=N create_fleet_calls=C describe_calls=D create_tags_calls=T wall_s=S
//   burst.suspend.nodes=N terminate_calls=C wall_s=S
//   burst.resume.target: 1000 nodes in C CreateFleet calls (target <= 2): OK|MISSED
// Exit status 77 (skip) without python3 or the fake.

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "aws/credentials.hpp"
#include "aws/http.hpp"
#include "aws/json_doc.hpp"
#include "burst/resume.hpp"
#include "burst/suspend.hpp"
#include "hostlist.hpp"
#include "text.hpp"

#ifndef STRATUS_PYTHON3
#define STRATUS_PYTHON3 "python3"
#endif

using namespace stratus;
using namespace stratus::burst;
using Steady = std::chrono::steady_clock;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void spit(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
}

class Fake {
public:
    Fake(const std::string& srcdir, const std::string& dir) {
        std::string script = srcdir + "/tests/fake_aws/fake_aws.py";
        std::string port_file = dir + "/fake.port";
        pid_ = fork();
        if (pid_ == 0) {
            execlp(STRATUS_PYTHON3, STRATUS_PYTHON3, script.c_str(), "--port", "0", "--port-file", port_file.c_str(),
                   "--catalog", (srcdir + "/data/ec2-instance-types.csv").c_str(), static_cast<char*>(nullptr));
            _exit(127);
        }
        for (int i = 0; i < 200 && port_ == 0; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            port_ = std::atoi(slurp(port_file).c_str());
            int status;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                break;
            }
        }
    }
    ~Fake() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            int status;
            waitpid(pid_, &status, 0);
        }
    }
    bool up() const { return port_ > 0; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    void reset() {
        aws::HttpRequest r;
        r.method = "POST";
        r.url = url() + "/_fake/reset";
        r.body = "{}";
        r.use_proxy = false;
        r.headers = {"Content-Type: application/json"};
        http_.perform(r);
    }

    // Milliseconds the fake itself spent per operation (its recorded calls).
    std::map<std::string, double> busy_ms() {
        aws::HttpRequest r;
        r.url = url() + "/_fake/calls";
        r.use_proxy = false;
        aws::HttpResponse resp = http_.perform(r);
        std::map<std::string, double> out;
        aws::JsonPtr doc = aws::json_parse(resp.body);
        const json_t* calls = aws::json_member(doc.get(), "calls");
        for (size_t i = 0; calls && i < json_array_size(calls); ++i) {
            const json_t* c = json_array_get(calls, i);
            out[aws::json_string(c, "operation").value_or("?")] += aws::json_number(c, "duration_ms").value_or(0);
        }
        return out;
    }

private:
    pid_t pid_ = -1;
    int port_ = 0;
    aws::CurlTransport http_;
};

// Counts the calls that reach EC2.
class Counting final : public Ec2Api {
public:
    explicit Counting(Ec2Api& inner) : inner_(inner) {}
    std::map<std::string, unsigned> calls;
    ec2::CreateFleetResult create_fleet(const ec2::CreateFleetRequest& r) override {
        ++calls["CreateFleet"];
        return inner_.create_fleet(r);
    }
    std::vector<ec2::Instance> describe_instances(const std::vector<std::string>& ids,
                                                  const std::vector<ec2::Filter>& filters) override {
        ++calls["DescribeInstances"];
        return inner_.describe_instances(ids, filters);
    }
    std::vector<ec2::InstanceStateChange> terminate_instances(const std::vector<std::string>& ids) override {
        calls["TerminateInstances"] += static_cast<unsigned>((ids.size() + 999) / 1000);
        return inner_.terminate_instances(ids);
    }
    void create_tags(const std::vector<std::string>& ids, const std::vector<ec2::Tag>& tags) override {
        ++calls["CreateTags"];
        inner_.create_tags(ids, tags);
    }

private:
    Ec2Api& inner_;
};

// The clients of the tagging threads: count their CreateTags.
std::atomic<unsigned> tags_elsewhere{0};
class TagCounting final : public Ec2Api {
public:
    explicit TagCounting(const aws::ClientConfig& c) : client_(c) {}
    ec2::CreateFleetResult create_fleet(const ec2::CreateFleetRequest& r) override { return client_.create_fleet(r); }
    std::vector<ec2::Instance> describe_instances(const std::vector<std::string>& ids,
                                                  const std::vector<ec2::Filter>& filters) override {
        return client_.describe_instances(ids, filters);
    }
    std::vector<ec2::InstanceStateChange> terminate_instances(const std::vector<std::string>& ids) override {
        return client_.terminate_instances(ids);
    }
    void create_tags(const std::vector<std::string>& ids, const std::vector<ec2::Tag>& tags) override {
        ++tags_elsewhere;
        client_.create_tags(ids, tags);
    }

private:
    Ec2ClientApi client_;
};

class NoSlurm final : public SlurmApi {
public:
    Steady::time_point addressed{};  // when the nodes got their NodeAddr
    std::string set_addresses(const std::vector<NodeAddress>&) override {
        addressed = Steady::now();
        return "";
    }
    std::string set_instances(const std::vector<NodeInstance>&) override { return ""; }
    std::string mark_failed(const std::vector<std::string>&, const std::string&) override { return ""; }
    std::string power_down(const std::vector<std::string>&, const std::string&) override { return ""; }
    std::string return_to_service(const std::vector<std::string>&) override { return ""; }
    std::optional<JobInfo> load_job(uint32_t) override { return std::nullopt; }
    std::string set_admin_comment(uint32_t, const std::string&) override { return ""; }
    std::string notify_job(uint32_t, const std::string&) override { return ""; }
    std::optional<std::vector<SlurmNode>> nodes(const std::vector<std::string>&) override {
        return std::vector<SlurmNode>{};
    }
};

class NullLog final : public BurstLog {
public:
    size_t lines = 0;
    void write(LogLevel, const std::string&) noexcept override { ++lines; }
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_resume SRCDIR [--sizes 10,100,1000]\n");
        return 2;
    }
    std::string srcdir = argv[1];
    std::vector<size_t> sizes = {10, 100, 1000};
    unsigned parallel = 8;
    for (int i = 2; i + 1 < argc; ++i) {
        if (std::string(argv[i]) == "--sizes") {
            sizes.clear();
            for (const std::string& s : split_list(argv[i + 1])) sizes.push_back(std::strtoul(s.c_str(), nullptr, 10));
        } else if (std::string(argv[i]) == "--parallel") {
            parallel = static_cast<unsigned>(std::strtoul(argv[i + 1], nullptr, 10));
        }
    }
    if (access((srcdir + "/tests/fake_aws/fake_aws.py").c_str(), R_OK) != 0) {
        std::printf("burst.resume: SKIP: no fake AWS in %s\n", srcdir.c_str());
        return 77;
    }
    char tmpl[] = "/tmp/stratus-bench-resume-XXXXXX";
    if (!mkdtemp(tmpl)) return 99;
    std::string dir = tmpl;
    Fake fake(srcdir, dir);
    if (!fake.up()) {
        std::printf("burst.resume: SKIP: the fake AWS did not start (python3?)\n");
        return 77;
    }
    size_t biggest = 0;
    for (size_t n : sizes) biggest = std::max(biggest, n);
    spit(dir + "/slurm.conf", "ClusterName=bench\nNodeName=b-[1-" + std::to_string(biggest) +
                                  "] CPUs=2 State=CLOUD\nPartitionName=burst Nodes=b-[1-" + std::to_string(biggest) + "]\n");
    spit(dir + "/stratus.conf", "Region=us-east-1\nStateDir=" + dir + "/state\nBurstLog=" + dir +
                                    "/burst.log\nResumeBatchSize=500\n"
                                    "PartitionName=burst InstanceTypes=c7g.xlarge,c7g.large LaunchTemplate=lt-0bench "
                                    "Subnets=subnet-a,subnet-b\n");
    Config cfg = load_config(dir + "/stratus.conf", dir + "/slurm.conf");
    aws::ClientConfig cc;
    cc.region = "us-east-1";
    cc.endpoint = fake.url();
    cc.credentials = std::make_shared<aws::StaticCredentialsProvider>(
        aws::Credentials{"AKIDSTRATUSFAKE", "stratus-fake-secret", "", std::nullopt, "bench"});
    Ec2ClientApi client(cc);
    Counting ec2(client);
    NoSlurm slurm;
    NullLog log;
    StateStore store(cfg.burst.state_dir);
    int rc = 0;
    unsigned calls_1000 = 0;
    for (size_t n : sizes) {
        fake.reset();
        ec2.calls.clear();
        std::vector<std::string> nodes = hostlist_expand("b-[1-" + std::to_string(n) + "]");
        BurstContext ctx(cfg, ec2, slurm, store, log);
        ctx.slurm_conf = dir + "/slurm.conf";
        ctx.ec2_factory = [&cc]() -> std::unique_ptr<Ec2Api> { return std::make_unique<TagCounting>(cc); };
        ctx.parallel_calls = parallel;
        tags_elsewhere = 0;
        slurm.addressed = Steady::time_point{};
        ResumeRequest req;
        req.nodes = nodes;
        auto t0 = Steady::now();
        ResumeResult r = resume(ctx, req);
        double resume_s = std::chrono::duration<double>(Steady::now() - t0).count();
        double addressed_s = std::chrono::duration<double>(slurm.addressed - t0).count();
        std::printf("burst.resume.nodes=%zu started=%zu failed=%zu create_fleet_calls=%u describe_calls=%u "
                    "create_tags_calls=%u nodes_addressed_s=%.3f wall_s=%.3f\n",
                    n, r.started.size(), r.failed.size(), ec2.calls["CreateFleet"], ec2.calls["DescribeInstances"],
                    ec2.calls["CreateTags"] + tags_elsewhere.load(), addressed_s, resume_s);
        std::string busy;
        for (const auto& [op, ms] : fake.busy_ms()) busy += " " + op + "=" + std::to_string(static_cast<long>(ms));
        std::printf("burst.fake.busy_ms.nodes=%zu%s\n", n, busy.c_str());
        if (r.started.size() != n) rc = 1;
        if (n == 1000) calls_1000 = ec2.calls["CreateFleet"];
        ec2.calls.clear();
        t0 = Steady::now();
        SuspendResult s = suspend(ctx, nodes);
        double suspend_s = std::chrono::duration<double>(Steady::now() - t0).count();
        std::printf("burst.suspend.nodes=%zu terminated=%zu terminate_calls=%u describe_calls=%u wall_s=%.3f\n", n,
                    s.terminated.size(), ec2.calls["TerminateInstances"], ec2.calls["DescribeInstances"], suspend_s);
        std::fflush(stdout);
    }
    if (calls_1000) {
        bool ok = calls_1000 <= 2;
        std::printf("burst.resume.target: 1000 nodes in %u CreateFleet calls (target <= 2): %s\n", calls_1000,
                    ok ? "OK" : "MISSED");
        if (!ok) rc = 1;
    }
    std::string cleanup = dir;
    std::remove((cleanup + "/state/state.json").c_str());
    std::remove((cleanup + "/state/state.lock").c_str());
    rmdir((cleanup + "/state").c_str());
    std::remove((cleanup + "/burst.log").c_str());
    std::remove((cleanup + "/fake.port").c_str());
    std::remove((cleanup + "/stratus.conf").c_str());
    std::remove((cleanup + "/slurm.conf").c_str());
    rmdir(cleanup.c_str());
    return rc;
}
