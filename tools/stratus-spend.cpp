// stratus-spend: writes the spend snapshot job_submit/stratus checks budgets
// against (what each account and cost center actually spent, from Slurm
// accounting), and shows what is left of each budget. The snapshot is built
// in common/spend_snapshot.cpp from the accounting side's SpendSource
// (tools/accounting.hpp: fetch_spend); this program only wires them.
// See stratus-spend(8).

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "slurm_accounting.hpp"
#include "budget_check.hpp"
#include "config.hpp"
#include "error.hpp"
#include "firewall.hpp"
#include "spend_snapshot.hpp"

namespace {

const char kUsage[] =
    "Usage: stratus-spend [--conf FILE] COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  snapshot [--output FILE] [--cluster NAME] [--no-default-accounts]\n"
    "                       write the spend snapshot job_submit/stratus checks budgets\n"
    "                       against: what each account and cost center spent (actual\n"
    "                       cost of the jobs that ended, from slurmdbd) this month and in\n"
    "                       every budget date range running now, plus each user's default\n"
    "                       account; replaced atomically. Run it every few minutes (systemd\n"
    "                       timer or cron), well within SpendSnapshotMaxAge\n"
    "  show [--snapshot FILE] [--account NAME] [--cost-center NAME]\n"
    "                       the budgets of stratus.conf and what is left of each, per the\n"
    "                       snapshot (reads no database)\n"
    "\n"
    "Options:\n"
    "  --conf FILE          stratus.conf (default: $STRATUS_CONF, else next to $SLURM_CONF,\n"
    "                       else " STRATUS_SLURM_CONFDIR "/stratus.conf)\n"
    "  --output FILE, --snapshot FILE\n"
    "                       the snapshot (default: SpendSnapshot= of stratus.conf, else\n"
    "                       StateDir/spend.json)\n"
    "  --cluster NAME       accounting cluster (default: ClusterName of stratus.conf or slurm.conf)\n"
    "  -h, --help           this text\n";

[[noreturn]] void usage_error(const std::string& msg) {
    std::fprintf(stderr, "stratus-spend: %s\n(see stratus-spend --help)\n", msg.c_str());
    std::exit(2);
}

int fail(const std::string& msg) {
    std::fprintf(stderr, "stratus-spend: %s\n", msg.c_str());
    return 1;
}

void report(const char* where, const char* what) noexcept {
    std::fprintf(stderr, "stratus-spend: %s: internal error: %s\n", where, what);
}

struct Args {
    std::string conf;
    std::string command;
    std::string file;
    std::string cluster;
    std::string account, cost_center;
    bool default_accounts = true;
};

Args parse_args(int argc, char** argv) {
    Args a;
    auto value = [&](int& i, const std::string& opt) -> std::string {
        std::string arg = argv[i];
        if (arg.size() > opt.size() && arg.compare(0, opt.size() + 1, opt + "=") == 0) return arg.substr(opt.size() + 1);
        if (i + 1 >= argc) usage_error(opt + " needs a value");
        return argv[++i];
    };
    auto is = [](const std::string& arg, const char* opt) {
        return arg == opt || arg.rfind(std::string(opt) + "=", 0) == 0;
    };
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        } else if (is(arg, "--conf")) {
            a.conf = value(i, "--conf");
        } else if (is(arg, "--output") || is(arg, "--snapshot")) {
            a.file = value(i, arg.rfind("--output", 0) == 0 ? "--output" : "--snapshot");
        } else if (is(arg, "--cluster")) {
            a.cluster = value(i, "--cluster");
        } else if (is(arg, "--account")) {
            a.account = value(i, "--account");
        } else if (is(arg, "--cost-center")) {
            a.cost_center = value(i, "--cost-center");
        } else if (arg == "--no-default-accounts") {
            a.default_accounts = false;
        } else if (a.command.empty() && (arg == "snapshot" || arg == "show")) {
            a.command = arg;
        } else {
            usage_error("unknown argument: " + arg);
        }
    }
    if (a.command.empty()) usage_error("no command (snapshot or show)");
    return a;
}

int run(int argc, char** argv) {
    Args a = parse_args(argc, argv);
    std::string conf = a.conf.empty() ? stratus::default_stratus_conf_path(STRATUS_SLURM_CONFDIR) : a.conf;
    std::string slurm_conf = stratus::default_slurm_conf_path(STRATUS_SLURM_CONFDIR);
    stratus::Config cfg;
    try {
        cfg = stratus::load_config(conf, slurm_conf);
    } catch (const stratus::ConfigError& e) {
        return fail(e.what());
    }
    std::string path = a.file.empty() ? cfg.spend_snapshot_path() : a.file;
    std::time_t now = std::time(nullptr);

    if (a.command == "show") {
        stratus::SpendState st = stratus::load_spend_state(path, nullptr);
        std::fputs(stratus::budget_report(cfg, &st, now, a.account, a.cost_center).c_str(), stdout);
        return st.snapshot ? 0 : 1;
    }

    // snapshot
    std::string cluster = a.cluster.empty() ? cfg.burst.cluster_name : a.cluster;
    try {
        stratus::accounting::init(slurm_conf);
        std::map<uint32_t, std::string> defaults;
        if (a.default_accounts) {
            try {
                defaults = stratus::accounting::default_accounts(cluster);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "stratus-spend: %s (jobs without --account are then checked against no account budget)\n",
                             e.what());
            }
        }
        // The commitments first: a job that ends meanwhile is then in the
        // spend below as well, counted twice for one snapshot rather than not at all.
        std::optional<stratus::SpendTotals> committed;
        std::time_t read_at = std::time(nullptr);
        try {
            committed = stratus::committed_spend(stratus::accounting::live_job_costs(), read_at);
        } catch (const stratus::accounting::AccountingError& e) {
            std::fprintf(stderr, "stratus-spend: %s (the snapshot has no commitments: budgets count ended jobs only)\n",
                         e.what());
        }
        stratus::SpendSnapshot s = stratus::build_spend_snapshot(
            cfg, now,
            [&](std::time_t start, std::time_t end) { return stratus::accounting::fetch_spend(cluster, start, end, &cfg); },
            std::move(defaults));
        if (committed) {
            s.jobs_read_at = read_at;
            s.committed = std::move(*committed);
        }
        stratus::write_spend_snapshot(path, s);
        size_t accounts = 0, centers = 0;
        for (const stratus::SpendPeriod& p : s.periods) {
            accounts = std::max(accounts, p.account_cents.size());
            centers = std::max(centers, p.cost_center_cents.size());
        }
        std::printf("stratus-spend: wrote %s: %zu periods, up to %zu accounts and %zu cost centers, %zu default accounts\n",
                    path.c_str(), s.periods.size(), accounts, centers, s.default_accounts.size());
    } catch (const stratus::accounting::AccountingError& e) {
        return fail(e.what());
    } catch (const std::system_error& e) {
        return fail(e.what());
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) { return stratus::guarded("main", 1, report, [&] { return run(argc, argv); }); }
