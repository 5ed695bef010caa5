// stratus-resume: Slurm's ResumeProgram for CLOUD nodes on EC2. A thin
// shim over common/burst (resume.hpp); see stratus-resume(8).

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "aws/error.hpp"
#include "burst/resume.hpp"
#include "burst/util.hpp"
#include "slurm_burst.hpp"
#include "burst_tool.hpp"
#include "config.hpp"
#include "error.hpp"
#include "firewall.hpp"

namespace {

using namespace stratus;

const char kUsage[] =
    "Usage: stratus-resume [--conf FILE] HOSTLIST\n"
    "       stratus-resume [--conf FILE] --reset-protected PARTITION\n"
    "       stratus-resume [--conf FILE] --status\n"
    "\n"
    "Slurm's ResumeProgram: starts an EC2 instance for each node of HOSTLIST\n"
    "(and of the job -> node map in $SLURM_RESUME_FILE), sets the nodes'\n"
    "NodeAddr/NodeHostname, and sets nodes that cannot be started DOWN with the\n"
    "reason EC2 gave. Decisions go to BurstLog (stratus.conf).\n"
    "\n"
    "  --reset-protected P  end protected mode of partition P and return the\n"
    "                       nodes it failed to service\n"
    "  --status             print the node records, avoided instance types and\n"
    "                       partitions' launch failures\n"
    "  --conf FILE          stratus.conf (default: $STRATUS_CONF, else next to\n"
    "                       $SLURM_CONF, else " STRATUS_SLURM_CONFDIR "/stratus.conf)\n"
    "  -h, --help           this text\n";

void report(const char* where, const char* what) noexcept { std::fprintf(stderr, "stratus-resume: %s: %s\n", where, what); }

int status(const Config& cfg) {
    burst::StateStore store(cfg.burst.state_dir);
    burst::BurstState s = store.load();
    std::printf("state: %s\n", store.path().c_str());
    for (const auto& [name, h] : s.partitions)
        std::printf("partition %s: %u consecutive launch failure(s)%s%s\n", name.c_str(), h.consecutive_failures,
                    h.protected_since ? ", PROTECTED MODE since " : "",
                    h.protected_since ? burst::format_time(h.protected_since).c_str() : "");
    for (const auto& [type, a] : s.avoid)
        std::printf("avoid %s until %s: %s%s%s\n", type.c_str(), burst::format_time(a.until).c_str(), a.code.c_str(),
                    a.availability_zone.empty() ? "" : " in ", a.availability_zone.c_str());
    for (const auto& [name, r] : s.nodes) {
        std::printf("node %s: %s", name.c_str(), r.status.empty() ? "idle" : r.status.c_str());
        if (r.has_instance())
            std::printf(" %s %s %s %s", r.instance_id.c_str(), r.instance_type.c_str(),
                        r.private_ip.empty() ? "-" : r.private_ip.c_str(), burst::format_time(r.launch_time).c_str());
        if (!r.reason.empty()) std::printf(" reason=\"%s\"", r.reason.c_str());
        std::printf("\n");
    }
    return 0;
}

int run(int argc, char** argv) {
    // slurmctld's file lives only while we run: read it before anything else.
    std::optional<std::string> resume_json;
    std::string resume_file_error;
    try {
        const char* f = getenv("SLURM_RESUME_FILE");
        resume_json = burst::read_resume_file(f ? f : "");
    } catch (const burst::ResumeFileError& e) {
        resume_file_error = e.what();
    }
    tools::prepare_process_environment();

    std::string conf = default_stratus_conf_path(STRATUS_SLURM_CONFDIR);
    std::string slurm_conf = default_slurm_conf_path(STRATUS_SLURM_CONFDIR);
    std::string hostlist, reset_partition;
    bool want_status = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "-h" || a == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (a == "--conf" && i + 1 < argc) {
            conf = argv[++i];
        } else if (a.rfind("--conf=", 0) == 0) {
            conf = a.substr(7);
        } else if (a == "--reset-protected" && i + 1 < argc) {
            reset_partition = argv[++i];
        } else if (a.rfind("--reset-protected=", 0) == 0) {
            reset_partition = a.substr(18);
        } else if (a == "--status") {
            want_status = true;
        } else if (!a.empty() && a[0] != '-' && hostlist.empty()) {
            hostlist = a;
        } else {
            std::fprintf(stderr, "stratus-resume: unexpected argument: %s\n%s", a.c_str(), kUsage);
            return 2;
        }
    }
    if (hostlist.empty() && !resume_json && reset_partition.empty() && !want_status) {
        std::fputs(kUsage, stderr);
        return 2;
    }

    Config cfg;
    try {
        cfg = load_config(conf, slurm_conf);
    } catch (const ConfigError& e) {
        // Without a configuration nothing can launch: say so on the nodes.
        burst::FileLog log(BurstConfig().log_file, "stratus-resume", true);
        log.error(std::string("stratus.conf: ") + e.what());
        if (!hostlist.empty()) {
            slurm::LibslurmApi slurm(slurm::LibslurmApi::Init::at_first_call);
            std::vector<std::string> nodes;
            try {
                nodes = hostlist_expand(hostlist);
            } catch (const HostlistError&) {
            }
            std::string err = slurm.mark_failed(nodes, std::string("stratus: bad stratus.conf: ") + e.what());
            if (!err.empty()) log.error("cannot set " + hostlist + " DOWN: " + err);
        }
        return 1;
    }
    if (want_status) return status(cfg);

    burst::FileLog log(cfg.burst.log_file, "stratus-resume", isatty(2) != 0);
    slurm::LibslurmApi slurm(slurm::LibslurmApi::Init::at_first_call);
    burst::StateStore store(cfg.burst.state_dir);
    std::unique_ptr<burst::Ec2ClientApi> ec2;
    std::optional<aws::ClientConfig> client_config;
    std::string ec2_error;
    try {
        client_config = tools::ec2_client_config(cfg, log);
        ec2 = std::make_unique<burst::Ec2ClientApi>(*client_config);
    } catch (const aws::AwsError& e) {
        ec2_error = e.what();
    }
    struct NoEc2 final : burst::Ec2Api {
        std::string why;
        [[noreturn]] void fail() { throw aws::local_error(aws::kCodeNoCredentials, why); }
        burst::ec2::CreateFleetResult create_fleet(const burst::ec2::CreateFleetRequest&) override { fail(); }
        std::vector<burst::ec2::Instance> describe_instances(const std::vector<std::string>&,
                                                             const std::vector<burst::ec2::Filter>&) override { fail(); }
        std::vector<burst::ec2::InstanceStateChange> terminate_instances(const std::vector<std::string>&) override { fail(); }
        void create_tags(const std::vector<std::string>&, const std::vector<burst::ec2::Tag>&) override { fail(); }
        std::vector<burst::ec2::Subnet> describe_subnets(const std::vector<std::string>&) override { fail(); }
    } no_ec2;
    no_ec2.why = ec2_error;
    burst::BurstContext ctx(cfg, ec2 ? static_cast<burst::Ec2Api&>(*ec2) : no_ec2, slurm, store, log);
    ctx.slurm_conf = slurm_conf;
    if (client_config) {
        // More clients for the CreateTags of many instances (one HTTP handle each).
        const aws::ClientConfig* cc = &*client_config;
        ctx.ec2_factory = [cc] { return std::make_unique<burst::Ec2ClientApi>(*cc); };
    }

    if (!reset_partition.empty()) {
        if (!cfg.find_partition(reset_partition)) {
            std::fprintf(stderr, "stratus-resume: no partition %s in %s\n", reset_partition.c_str(), conf.c_str());
            return 1;
        }
        std::printf("%s\n", burst::reset_protected(ctx, reset_partition).c_str());
        return 0;
    }

    // Give up on nodes well before slurmctld does (ResumeTimeout).
    uint32_t timeout = tools::slurm_resume_timeout(slurm_conf);
    ctx.deadline = ctx.now() + std::max<int64_t>(20, int64_t{timeout} * 3 / 4);
    tools::apply_test_hooks(ctx);

    burst::ResumeRequest req;
    try {
        if (resume_json) req = burst::parse_resume_file(*resume_json);
        if (req.nodes.empty()) {
            burst::ResumeRequest from_arg = burst::resume_request_from_hostlist(hostlist);
            req.nodes = from_arg.nodes;
        }
    } catch (const burst::ResumeFileError& e) {
        log.error(e.what());
        try {
            req = burst::resume_request_from_hostlist(hostlist);
        } catch (const burst::ResumeFileError& e2) {
            log.error(std::string("nothing to resume: ") + e2.what());
            return 1;
        }
    }
    if (!resume_file_error.empty()) log.warning(resume_file_error + "; using the hostlist argument");
    if (!ec2_error.empty()) {
        log.error("no EC2 client: " + ec2_error);
        burst::fail_nodes(ctx, req.nodes, "stratus: " + ec2_error, req.jobs);
        return 1;
    }
    try {
        burst::ResumeResult r = burst::resume(ctx, req);
        return r.failed.empty() ? 0 : 1;
    } catch (const burst::StateError& e) {
        log.error(std::string("StateDir: ") + e.what() + "; launching nothing");
        burst::fail_nodes(ctx, req.nodes, std::string("stratus: StateDir unusable: ") + e.what(), req.jobs);
        return 1;
    }
}

}  // namespace

int main(int argc, char** argv) { return stratus::guarded("main", 1, report, [&] { return run(argc, argv); }); }
