// stratus-suspend: Slurm's SuspendProgram for CLOUD nodes on EC2, and the
// reconcile pass (--reconcile). A thin shim over common/burst (suspend.hpp,
// reconcile.hpp); see stratus-suspend(8).

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "aws/error.hpp"
#include "burst/reconcile.hpp"
#include "burst/suspend.hpp"
#include "slurm_burst.hpp"
#include "burst_tool.hpp"
#include "config.hpp"
#include "error.hpp"
#include "firewall.hpp"
#include "hostlist.hpp"

namespace {

using namespace stratus;

const char kUsage[] =
    "Usage: stratus-suspend [--conf FILE] HOSTLIST\n"
    "       stratus-suspend [--conf FILE] --reconcile\n"
    "\n"
    "Slurm's SuspendProgram: terminates the EC2 instances of the nodes of\n"
    "HOSTLIST and sets their NodeAddr/NodeHostname back to their names.\n"
    "\n"
    "  --reconcile   terminate instances of this cluster that no node owns\n"
    "                (after OrphanGracePeriod), power down nodes whose instance\n"
    "                is gone (their jobs are requeued), return failed nodes to\n"
    "                service when their time comes\n"
    "  --conf FILE   stratus.conf (default: $STRATUS_CONF, else next to\n"
    "                $SLURM_CONF, else " STRATUS_SLURM_CONFDIR "/stratus.conf)\n"
    "  -h, --help    this text\n";

void report(const char* where, const char* what) noexcept { std::fprintf(stderr, "stratus-suspend: %s: %s\n", where, what); }

int run(int argc, char** argv) {
    tools::prepare_process_environment();
    std::string conf = default_stratus_conf_path(STRATUS_SLURM_CONFDIR);
    std::string slurm_conf = default_slurm_conf_path(STRATUS_SLURM_CONFDIR);
    std::string hostlist;
    bool reconcile = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "-h" || a == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (a == "--conf" && i + 1 < argc) {
            conf = argv[++i];
        } else if (a.rfind("--conf=", 0) == 0) {
            conf = a.substr(7);
        } else if (a == "--reconcile") {
            reconcile = true;
        } else if (!a.empty() && a[0] != '-' && hostlist.empty()) {
            hostlist = a;
        } else {
            std::fprintf(stderr, "stratus-suspend: unexpected argument: %s\n%s", a.c_str(), kUsage);
            return 2;
        }
    }
    if (hostlist.empty() == !reconcile) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    Config cfg;
    try {
        cfg = load_config(conf, slurm_conf);
    } catch (const ConfigError& e) {
        burst::FileLog log(BurstConfig().log_file, "stratus-suspend", true);
        log.error(std::string("stratus.conf: ") + e.what() + (hostlist.empty() ? "" : "; instances of " + hostlist + " left running"));
        return 1;
    }
    burst::FileLog log(cfg.burst.log_file, "stratus-suspend", isatty(2) != 0);
    std::vector<std::string> nodes;
    if (!hostlist.empty()) {
        try {
            nodes = hostlist_expand(hostlist);
        } catch (const HostlistError& e) {
            log.error(e.what());
            return 1;
        }
    }
    std::unique_ptr<burst::Ec2ClientApi> ec2;
    try {
        ec2 = std::make_unique<burst::Ec2ClientApi>(tools::ec2_client_config(cfg, log));
    } catch (const aws::AwsError& e) {
        log.error(std::string("no EC2 client: ") + e.what() + (hostlist.empty() ? "" : "; instances of " + hostlist + " left running"));
        return 1;
    }
    slurm::LibslurmApi slurm(slurm::LibslurmApi::Init::at_first_call);
    burst::StateStore store(cfg.burst.state_dir);
    burst::BurstContext ctx(cfg, *ec2, slurm, store, log);
    ctx.slurm_conf = slurm_conf;
    try {
        if (reconcile) {
            burst::ReconcileResult r = burst::reconcile(ctx);
            std::printf("reconcile: %zu terminated, %zu node(s) powered down, %zu back in service, %zu error(s)\n",
                        r.terminated.size(), r.plan.power_down.size(), r.plan.return_to_service.size(), r.errors.size());
            for (const std::string& e : r.errors) std::fprintf(stderr, "stratus-suspend: %s\n", e.c_str());
            return r.errors.empty() ? 0 : 1;
        }
        burst::SuspendResult r = burst::suspend(ctx, nodes);
        return r.errors.empty() ? 0 : 1;
    } catch (const burst::StateError& e) {
        log.error(std::string("StateDir: ") + e.what());
        return 1;
    }
}

}  // namespace

int main(int argc, char** argv) { return stratus::guarded("main", 1, report, [&] { return run(argc, argv); }); }
