// stratus-burstd: scales ahead of demand. Every BurstInterval it reads the
// pending jobs and the nodes from slurmctld (libslurm), plans per partition
// with the pure planner (common/burst/burstd_plan.hpp) and then raises or
// lowers a PCS compute node group's minInstanceCount (PCS mode) or powers
// CLOUD nodes up or down (self-managed mode). This file is the shim: Slurm
// and PCS in, actions out, the log and the status file.

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "aws/client.hpp"
#include "aws/error.hpp"
#include "aws/pcs.hpp"
#include "burst/burstd_plan.hpp"
#include "burst/burstd_status.hpp"
#include "burst/reconcile.hpp"
#include "slurm_burst.hpp"
#include "burst_tool.hpp"
#include "slurm_cluster.hpp"
#include "config.hpp"
#include "file.hpp"
#include "config_store.hpp"
#include "error.hpp"
#include "firewall.hpp"
#include "node_instance.hpp"
#include "text.hpp"

namespace {

namespace bd = stratus::burstd;
namespace aws = stratus::aws;

const char kUsage[] =
    "Usage: stratus-burstd [--conf FILE] [--once] [--dry-run]\n"
    "       stratus-burstd [--conf FILE] --status\n"
    "\n"
    "Scales Slurm partitions ahead of demand. Every BurstInterval seconds it reads\n"
    "the pending jobs and the nodes from slurmctld, works out per partition how many\n"
    "nodes the jobs that fit it need (held jobs, dependencies, begin times and QOS or\n"
    "association limits do not count) minus idle and powering-up nodes, and then:\n"
    "  PCS mode (PcsCluster= set, partition has PcsNodeGroup=): raises the compute\n"
    "    node group's minInstanceCount to pre-warm, and lowers it back once the\n"
    "    capacity has not been needed for ScaleDownIdleTime;\n"
    "  self-managed mode (partition has CLOUD nodes): powers powered-down nodes up\n"
    "    ahead of the scheduler, powers down those it powered up that no job took\n"
    "    within ScaleDownIdleTime, and runs the reconcile pass of\n"
    "    stratus-suspend --reconcile (set PrivateData=cloud in slurm.conf so that\n"
    "    slurmctld shows powered-down CLOUD nodes).\n"
    "Within MaxNodes (per partition), MaxSpendPerHour (all partitions) and\n"
    "BurstCooldown (between two actions of a partition). Each decision and its\n"
    "reasons go to BurstLog; the last cycle and what burstd remembers go to\n"
    "StateDir/burstd.status.\n"
    "\n"
    "Options:\n"
    "  --once        run one cycle, print its plan and what was done, and exit\n"
    "  --dry-run     plan only: change nothing, write neither status nor BurstLog;\n"
    "                print the plan (with --once: once, then exit; without: every\n"
    "                cycle)\n"
    "  --status      print StateDir/burstd.status readably and exit (1: no status yet)\n"
    "  --conf FILE   stratus.conf (default: $STRATUS_CONF, else next to $SLURM_CONF,\n"
    "                else " STRATUS_SLURM_CONFDIR "/stratus.conf)\n"
    "  -h, --help    this text\n"
    "\n"
    "Without --once it runs in the foreground until SIGTERM or SIGINT (see\n"
    "contrib/systemd/stratus-burstd.service); stratus.conf changes take effect\n"
    "at the next cycle.\n"
    "\n"
    "Exit status: 0 success (for --once: every action done, held, or waiting out a\n"
    "PCS conflict or throttle), 1 the cycle, an action or reconcile failed,\n"
    "2 usage or configuration error.\n"
    "\n"
    "Environment:\n"
    "  SLURM_CONF                                   the cluster to read\n"
    "  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE,\n"
    "  AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE PCS credentials (else the instance role)\n"
    "  AWS_ENDPOINT_URL_PCS, AWS_ENDPOINT_URL       PCS endpoint unless PcsEndpoint= is set\n"
    "  AWS_EC2_METADATA_SERVICE_ENDPOINT, AWS_EC2_METADATA_DISABLED   instance metadata\n";

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

// ---- logging -------------------------------------------------------------------

std::string g_log_file;  // BurstLog of the config in force
bool g_log_stderr = false;
bool g_dry_run = false;  // --dry-run: BurstLog is not written

std::string now_iso() { return stratus::format_utc(std::time(nullptr)); }

// One line to BurstLog (created with its directory if needed), in the
// format of stratus-resume and stratus-suspend (burst::FileLog); stderr as
// well when asked to, or when BurstLog cannot be written.
void log_line(const std::string& msg, stratus::burst::LogLevel level = stratus::burst::LogLevel::info) noexcept {
    try {
        std::string line = now_iso() + " stratus-burstd[" + std::to_string(getpid()) + "]: " +
                           stratus::burst::log_level_name(level) + ": ";
        for (char c : msg) line += (c == '\n' || c == '\r') ? ' ' : c;
        line += "\n";
        bool written = false;
        if (!g_log_file.empty() && !g_dry_run) {
            int fd = ::open(g_log_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
            if (fd < 0 && errno == ENOENT) {
                std::string dir = g_log_file.substr(0, g_log_file.rfind('/'));
                if (!dir.empty()) ::mkdir(dir.c_str(), 0755);
                fd = ::open(g_log_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
            }
            if (fd >= 0) {
                written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
                ::close(fd);
            }
        }
        if (!written || g_log_stderr) std::fputs(line.c_str(), stderr);
    } catch (...) {
    }
}

void report(const char* where, const char* what) noexcept {
    try {
        log_line(std::string(where) + ": " + what, stratus::burst::LogLevel::error);
    } catch (...) {
    }
}

// reconcile() logs through this, into the same BurstLog.
class ShimLog final : public stratus::burst::BurstLog {
public:
    void write(stratus::burst::LogLevel level, const std::string& line) noexcept override { log_line(line, level); }
};
ShimLog g_burst_log;

bool g_hidden_warned = false;

// Jobs, nodes and partitions from slurmctld. Throws std::runtime_error.
void read_slurm(const stratus::Config& cfg, bd::PlanInput& in) {
    size_t hidden = stratus::slurm::read_cluster(cfg, in);
    if (hidden && !g_hidden_warned) {
        log_line("slurmctld hides " + std::to_string(hidden) +
                     " powered-down CLOUD nodes (slurm.conf has no PrivateData=cloud): burstd takes them for powered "
                     "down and available, and cannot see whether they are down or drained",
                 stratus::burst::LogLevel::warning);
        g_hidden_warned = true;
    }
}

// ---- PCS -----------------------------------------------------------------------

struct Pcs {
    std::unique_ptr<aws::pcs::PcsClient> client;
    std::string key;  // region + endpoint it was made for
};

void retry_note(const std::string& msg) noexcept { log_line("PCS: " + msg); }

aws::pcs::PcsClient& pcs_client(Pcs& pcs, const stratus::Config& cfg) {
    std::string key = cfg.region + "\n" + cfg.burst.pcs_endpoint;
    if (!pcs.client || pcs.key != key) {
        aws::SessionOptions so;
        so.region = cfg.region;
        aws::ClientConfig cc = aws::make_client_config(so);
        cc.endpoint = cfg.burst.pcs_endpoint;
        cc.on_retry = retry_note;
        // A cycle must not hang: few attempts, short waits; a long
        // retryAfterSeconds comes back as ThrottlingError to wait out
        // across cycles.
        cc.retry.max_attempts = 3;
        cc.retry.max_retry_after = std::chrono::milliseconds(2000);
        cc.connect_timeout = std::chrono::milliseconds(3000);
        cc.timeout = std::chrono::milliseconds(15000);
        pcs.client = std::make_unique<aws::pcs::PcsClient>(std::move(cc));
        pcs.key = key;
    }
    return *pcs.client;
}

int64_t retry_after_s(const aws::AwsError& e) {
    if (!e.retry_after()) return 0;
    return static_cast<int64_t>((e.retry_after()->count() + 999) / 1000);
}

void read_groups(const stratus::Config& cfg, Pcs& pcs, bd::PlanInput& in, bd::State& state) {
    for (const stratus::PartitionConfig& p : cfg.partitions) {
        if (cfg.burst.pcs_cluster.empty() || p.pcs_node_group.empty()) continue;
        bd::GroupInfo g;
        if (state.pcs_retry_at > in.now) {
            g.error = "PCS is throttling burstd: next call in " + std::to_string(state.pcs_retry_at - in.now) + " s";
            in.groups[p.name] = g;
            continue;
        }
        try {
            aws::pcs::ComputeNodeGroup cng = pcs_client(pcs, cfg).get_compute_node_group(cfg.burst.pcs_cluster, p.pcs_node_group);
            g.status = cng.status;
            if (cng.scaling) {
                g.min = cng.scaling->min_instance_count;
                g.max = cng.scaling->max_instance_count;
            } else {
                g.error = "GetComputeNodeGroup: no scalingConfiguration in the answer";
            }
        } catch (const aws::pcs::ThrottlingError& e) {
            state.pcs_retry_at = in.now + std::max<int64_t>(1, retry_after_s(e));
            g.error = e.what();
        } catch (const aws::AwsError& e) {
            g.error = e.what();
        } catch (const std::bad_alloc&) {
            throw;
        } catch (const std::exception& e) {  // libcurl could not start, ...
            g.error = e.what();
        }
        in.groups[p.name] = g;
    }
}

// ---- actions ---------------------------------------------------------------------

struct Result {
    bd::Outcome outcome = bd::Outcome::done;
    int64_t retry_after = 0;
    std::string text;
};

Result run_pcs(const stratus::Config& cfg, Pcs& pcs, const bd::PartitionPlan& p) {
    Result r;
    try {
        aws::pcs::UpdateComputeNodeGroupRequest req;
        req.cluster = cfg.burst.pcs_cluster;
        req.node_group = p.node_group;
        req.scaling = aws::pcs::ScalingConfiguration{p.min_to, p.group_max.value_or(p.min_to)};
        req.client_token = aws::make_client_token();  // retries of this request replay it
        aws::pcs::ComputeNodeGroup g = pcs_client(pcs, cfg).update_compute_node_group(req);
        r.text = "UpdateComputeNodeGroup " + p.node_group + " minInstanceCount " + std::to_string(p.min_from) + " -> " +
                 std::to_string(p.min_to) + ": " + (g.status.empty() ? "accepted" : g.status);
    } catch (const aws::pcs::ConflictError& e) {
        r.outcome = bd::Outcome::conflict;
        r.text = std::string("conflict, the node group is being updated: trying again next cycle (") + e.what() + ")";
    } catch (const aws::pcs::ThrottlingError& e) {
        r.outcome = bd::Outcome::throttled;
        r.retry_after = retry_after_s(e);
        r.text = "throttled: no PCS call for " + std::to_string(std::max<int64_t>(1, r.retry_after)) + " s (" + e.what() + ")";
    } catch (const aws::AwsError& e) {
        r.outcome = bd::Outcome::failed;
        r.text = e.what();
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& e) {  // the outcome of earlier actions must still be recorded
        r.outcome = bd::Outcome::failed;
        r.text = e.what();
    }
    return r;
}

Result run_power(const bd::PartitionPlan& p) {
    Result r;
    bool up = p.action == bd::Action::power_up;
    std::string err = stratus::slurm::power_nodes(p.nodes, up, up ? "" : "stratus-burstd: prewarmed, no job took it");
    if (!err.empty()) {
        r.outcome = bd::Outcome::failed;
        r.text = err;
    } else {
        std::string names;
        for (const std::string& n : p.nodes) names += (names.empty() ? "" : ",") + n;
        r.text = std::string(up ? "powering up " : "powering down ") + names;
    }
    return r;
}

// ---- output ----------------------------------------------------------------------

std::string usd(const std::optional<double>& v) { return v ? "$" + stratus::format_fixed(*v, 2) + "/h" : "unknown"; }

void print_plan(const bd::Plan& plan, bool dry_run, const std::vector<Result>* results) {
    std::printf("stratus-burstd plan at %s%s\n", now_iso().c_str(), dry_run ? " (dry run: nothing is changed)" : "");
    std::printf("pending jobs: %" PRIu64 " (%" PRIu64 " in partitions stratus.conf does not manage)\n", plan.jobs_seen,
                plan.jobs_unmanaged);
    for (size_t i = 0; i < plan.partitions.size(); ++i) {
        const bd::PartitionPlan& p = plan.partitions[i];
        std::printf("\npartition %s (%s%s%s)\n", p.partition.c_str(), bd::mode_name(p.mode),
                    p.node_group.empty() ? "" : ", node group ", p.node_group.c_str());
        std::printf("  pending demand: %" PRIu64 " nodes for %" PRIu64 " jobs; not counted: %" PRIu64
                    " jobs waiting for other things, %" PRIu64 " that fit no instance type\n",
                    p.demand, p.jobs_counted, p.jobs_not_counted, p.jobs_no_fit);
        std::printf("  nodes up:       %u (%u busy, %u idle, %u powering up); %u powered down, %u unavailable\n",
                    p.busy + p.idle + p.powering_up, p.busy, p.idle, p.powering_up, p.powered_down, p.unavailable);
        if (p.group_min)
            std::printf("  node group:     %s, minInstanceCount %" PRId64 ", maxInstanceCount %" PRId64 ", baseline %" PRId64 "\n",
                        p.group_status.c_str(), *p.group_min, p.group_max.value_or(0), p.baseline);
        bd::Action a = p.action != bd::Action::none ? p.action : p.wanted;
        std::string change;
        switch (a) {
        case bd::Action::raise_min:
            change = "add " + std::to_string(p.add) + " nodes: raise minInstanceCount " + std::to_string(p.min_from) + " -> " +
                     std::to_string(p.min_to);
            break;
        case bd::Action::lower_min:
            change = "release " + std::to_string(p.release) + " nodes: lower minInstanceCount " + std::to_string(p.min_from) +
                     " -> " + std::to_string(p.min_to);
            break;
        case bd::Action::power_up:
        case bd::Action::power_down: {
            change = std::string(a == bd::Action::power_up ? "add " : "release ") + std::to_string(p.nodes.size()) +
                     " nodes: power " + (a == bd::Action::power_up ? "up " : "down ");
            for (size_t k = 0; k < p.nodes.size(); ++k) change += (k ? "," : "") + p.nodes[k];
            break;
        }
        case bd::Action::none: change = "none"; break;
        }
        if (!p.hold.empty()) change += " (held: " + p.hold + ")";
        std::printf("  change:         %s\n", change.c_str());
        if (results && i < results->size() && !(*results)[i].text.empty())
            std::printf("  result:         %s\n", (*results)[i].text.c_str());
        std::printf("  $/h:            %s -> %s (one node %s)\n", usd(p.usd_before).c_str(), usd(p.usd_after).c_str(),
                    usd(p.node_usd_per_hour).c_str());
        for (const std::string& why : p.reasons) std::printf("  why:            %s\n", why.c_str());
    }
    std::printf("\ntotal $/h: $%s -> $%s", stratus::format_fixed(plan.usd_before, 2).c_str(),
                stratus::format_fixed(plan.usd_after, 2).c_str());
    if (plan.max_spend) std::printf(" (MaxSpendPerHour $%s)", stratus::format_fixed(*plan.max_spend, 2).c_str());
    if (plan.usd_partial) std::printf(" (some partitions' prices are unknown)");
    std::printf("\n");
    std::fflush(stdout);
}

// Log lines are compared without their digits, so that a hold whose
// seconds tick is not logged again every cycle.
std::string shape(const std::string& s) {
    std::string out;
    for (char c : s)
        if (c < '0' || c > '9') out += c;
    return out;
}

// ---- files -------------------------------------------------------------------

void mkdirs(const std::string& dir) {
    for (size_t pos = 1; pos <= dir.size(); ++pos) {
        if (pos == dir.size() || dir[pos] == '/') {
            std::string d = dir.substr(0, pos);
            if (::mkdir(d.c_str(), 0755) != 0 && errno != EEXIST)
                throw std::runtime_error("cannot create " + d + ": " + std::strerror(errno));
        }
    }
}

// StateDir/burstd.status, or nullopt when there is none to read (`why`
// says why).
std::optional<std::string> read_status_file(const std::string& path, std::string* why = nullptr) {
    try {
        return stratus::read_regular_file(path);
    } catch (const stratus::FileReadError& e) {
        if (why) *why = e.reason();
        return std::nullopt;
    }
}

std::string status_path(const stratus::Config& cfg) { return cfg.burst.state_dir + "/burstd.status"; }

// One burstd at a time acts (the daemon and an admin's --once): an
// exclusive lock on StateDir/burstd.lock for the length of a cycle.
class CycleLock {
public:
    explicit CycleLock(const std::string& dir) {
        std::string path = dir + "/burstd.lock";
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
        while (::flock(fd_, LOCK_EX) != 0) {
            if (errno != EINTR) {
                ::close(fd_);
                throw std::runtime_error("cannot lock " + path + ": " + std::strerror(errno));
            }
        }
    }
    ~CycleLock() { ::close(fd_); }
    CycleLock(const CycleLock&) = delete;
    CycleLock& operator=(const CycleLock&) = delete;

private:
    int fd_ = -1;
};

// ---- the cycle ---------------------------------------------------------------------

struct Options {
    std::string conf;
    bool once = false, dry_run = false, status = false;
};

struct Daemon {
    Options opt;
    std::string slurm_conf;
    std::unique_ptr<stratus::ConfigStore> store;
    std::unique_ptr<stratus::slurm::LibslurmApi> slurm;  // slurm_init() for the process's life
    Pcs pcs;
    std::unique_ptr<stratus::burst::Ec2ClientApi> ec2;  // reconcile's; made when first needed
    std::string ec2_key;
    uint64_t cycle = 0;
    std::unordered_map<std::string, std::string> last_logged;  // partition -> shape of its last log line
};

// The burst core's reconcile pass (common/burst/reconcile.hpp), as
// `stratus-suspend --reconcile` runs it: orphaned and leaked instances,
// nodes whose instance vanished, failed nodes due back in service. Run
// each cycle when a partition is self-managed. Returns false on errors.
bool run_reconcile(Daemon& d, const stratus::Config& cfg, bd::StatusInfo& info) {
    namespace burst = stratus::burst;
    try {
        std::string key = cfg.region + "\n" + cfg.burst.ec2_endpoint;
        if (!d.ec2 || d.ec2_key != key) {
            d.ec2 = std::make_unique<burst::Ec2ClientApi>(stratus::tools::ec2_client_config(cfg, g_burst_log));
            d.ec2_key = key;
        }
        burst::StateStore store(cfg.burst.state_dir);
        burst::BurstContext ctx(cfg, *d.ec2, *d.slurm, store, g_burst_log);
        ctx.slurm_conf = d.slurm_conf;
        burst::ReconcileResult r = burst::reconcile(ctx);
        info.reconcile = std::to_string(r.terminated.size()) + " terminated, " + std::to_string(r.plan.power_down.size()) +
                         " powered down, " + std::to_string(r.plan.return_to_service.size()) + " back in service, " +
                         std::to_string(r.errors.size()) + " errors";
        return r.errors.empty();  // reconcile() logged them
    } catch (const burst::StateError& e) {
        info.reconcile = std::string("failed: ") + e.what();
    } catch (const aws::AwsError& e) {
        info.reconcile = std::string("failed: ") + e.what();
    }
    log_line("reconcile: " + info.reconcile, burst::LogLevel::error);
    return false;
}

// One cycle; returns false when it or an action failed.
bool run_cycle(Daemon& d) {
    d.store->reload_if_changed();
    std::shared_ptr<const stratus::Config> cfg = d.store->current();
    if (!cfg) throw std::runtime_error("no usable stratus.conf (" + d.opt.conf + ")");
    g_log_file = cfg->burst.log_file;
    ++d.cycle;

    std::unique_ptr<CycleLock> lock;
    bd::State state;
    if (!d.opt.dry_run) {
        mkdirs(cfg->burst.state_dir);
        lock = std::make_unique<CycleLock>(cfg->burst.state_dir);
    }
    if (auto text = read_status_file(status_path(*cfg))) {
        try {
            state = bd::parse_state(*text);
        } catch (const std::exception& e) {
            log_line(status_path(*cfg) + ": " + e.what() + "; starting without memory", stratus::burst::LogLevel::warning);
        }
    }

    bd::PlanInput in;
    in.now = static_cast<int64_t>(std::time(nullptr));
    bd::StatusInfo info;
    info.pid = getpid();
    info.run = d.opt.once ? "once" : "daemon";
    info.cycle = d.cycle;
    info.interval_s = cfg->burst.interval_s;
    try {
        read_slurm(*cfg, in);
        read_groups(*cfg, d.pcs, in, state);
    } catch (const std::exception& e) {
        info.error = e.what();
        if (!d.opt.dry_run) stratus::write_file_atomically(status_path(*cfg), bd::status_json(info, nullptr, state));
        throw;
    }

    bd::Plan plan = bd::plan(*cfg, in, state);
    bd::observe(state, plan, in);
    std::vector<Result> results(plan.partitions.size());
    bool ok = true;
    if (!d.opt.dry_run) {
        for (size_t i = 0; i < plan.partitions.size(); ++i) {
            const bd::PartitionPlan& p = plan.partitions[i];
            std::string line = bd::describe(p);
            bool acting = p.action != bd::Action::none;
            std::string& last = d.last_logged[p.partition];
            if (acting || (d.opt.once && (p.demand || p.wanted != bd::Action::none)) || shape(line) != last) {
                if (!(p.mode == bd::Mode::none && !p.demand && last.empty())) log_line(line);
                last = shape(line);
            }
            if (!acting) continue;
            Result r = p.mode == bd::Mode::pcs ? run_pcs(*cfg, d.pcs, p) : run_power(p);
            bd::record(state, p, r.outcome, in.now, r.retry_after);
            results[i] = r;
            info.outcomes.resize(plan.partitions.size());
            info.outcomes[i] = r.outcome == bd::Outcome::done       ? "done"
                               : r.outcome == bd::Outcome::conflict ? "conflict"
                               : r.outcome == bd::Outcome::throttled ? "throttled"
                                                                     : "failed";
            log_line("partition " + p.partition + ": " + info.outcomes[i] + ": " + r.text,
                     r.outcome == bd::Outcome::done     ? stratus::burst::LogLevel::info
                     : r.outcome == bd::Outcome::failed ? stratus::burst::LogLevel::error
                                                        : stratus::burst::LogLevel::warning);
            if (r.outcome == bd::Outcome::failed) ok = false;
            last.clear();  // log the next cycle's view of it
        }
        if (std::any_of(plan.partitions.begin(), plan.partitions.end(),
                        [](const bd::PartitionPlan& p) { return p.mode == bd::Mode::self_managed; }))
            ok = run_reconcile(d, *cfg, info) && ok;
        stratus::write_file_atomically(status_path(*cfg), bd::status_json(info, &plan, state));
    }
    if (d.opt.once || d.opt.dry_run) print_plan(plan, d.opt.dry_run, d.opt.dry_run ? nullptr : &results);
    return ok;
}

int cmd_status(const Options& opt) {
    std::string slurm_conf = stratus::default_slurm_conf_path(STRATUS_SLURM_CONFDIR);
    stratus::Config cfg = stratus::load_config(opt.conf, slurm_conf);
    std::string path = status_path(cfg);
    std::string why;
    std::optional<std::string> text = read_status_file(path, &why);
    if (!text) {
        std::fprintf(stderr, "stratus-burstd: no status yet: %s: %s\n", path.c_str(), why.c_str());
        return 1;
    }
    std::printf("stratus-burstd status (%s)\n", path.c_str());
    std::string body = bd::format_status(*text, static_cast<int64_t>(std::time(nullptr)));
    // Whether the writer still runs.
    if (size_t at = text->find("\"pid\":"); at != std::string::npos) {
        long pid = std::strtol(text->c_str() + at + 6, nullptr, 10);
        bool daemon = text->find("\"run\": \"daemon\"") != std::string::npos;
        if (daemon && pid > 0)
            std::printf("daemon:    pid %ld %s\n", pid, ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM ? "running" : "not running");
    }
    std::fputs(body.c_str(), stdout);
    return 0;
}

[[noreturn]] void usage_error(const std::string& msg) {
    std::fprintf(stderr, "stratus-burstd: %s\n(see stratus-burstd --help)\n", msg.c_str());
    std::exit(2);
}

int run(int argc, char** argv) {
    Options opt;
    opt.conf = stratus::default_stratus_conf_path(STRATUS_SLURM_CONFDIR);
    for (int i = 1; i < argc; ++i) {
        std::string o = argv[i];
        if (o == "-h" || o == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        }
        if (o == "--once") opt.once = true;
        else if (o == "--dry-run") opt.dry_run = true;
        else if (o == "--status") opt.status = true;
        else if (o == "--conf" && i + 1 < argc) opt.conf = argv[++i];
        else if (o.rfind("--conf=", 0) == 0) opt.conf = o.substr(7);
        else usage_error("unknown argument: " + o);
    }
    if (opt.status && (opt.once || opt.dry_run)) usage_error("--status goes alone");
    if (opt.status) {
        try {
            return cmd_status(opt);
        } catch (const stratus::ConfigError& e) {
            std::fprintf(stderr, "stratus-burstd: %s\n", e.what());
            return 2;
        }
    }

    // Check the configuration up front: a daemon that cannot start should say so.
    std::string slurm_conf = stratus::default_slurm_conf_path(STRATUS_SLURM_CONFDIR);
    try {
        stratus::Config cfg = stratus::load_config(opt.conf, slurm_conf);
        g_log_file = cfg.burst.log_file;
    } catch (const stratus::ConfigError& e) {
        std::fprintf(stderr, "stratus-burstd: %s\n", e.what());
        return 2;
    }
    g_log_stderr = !opt.once;  // a foreground daemon: journald keeps stderr too
    g_dry_run = opt.dry_run;

    Daemon d;
    d.opt = opt;
    d.slurm_conf = slurm_conf;
    d.slurm = std::make_unique<stratus::slurm::LibslurmApi>();  // slurm_init(NULL)
    // Reloads are worth a line in a daemon's log; a --once run only reports errors.
    const bool once = opt.once;
    d.store = std::make_unique<stratus::ConfigStore>(opt.conf, slurm_conf, [once](stratus::ConfigStore::Level level, const std::string& m) {
        if (level == stratus::ConfigStore::Level::error) log_line(m, stratus::burst::LogLevel::error);
        else if (!once) log_line(m);
    });

    if (opt.once) {
        bool ok = stratus::guarded("cycle", false, report, [&] { return run_cycle(d); });
        return ok ? 0 : 1;
    }

    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);
    log_line(std::string("started") + (opt.dry_run ? " (dry run)" : "") + ", stratus.conf " + opt.conf);
    while (!g_stop) {
        auto start = std::chrono::steady_clock::now();
        stratus::guarded("cycle", false, report, [&] { return run_cycle(d); });
        uint32_t interval = 10;
        if (auto cfg = d.store->current()) interval = cfg->burst.interval_s;
        auto next = start + std::chrono::seconds(interval);
        while (!g_stop && std::chrono::steady_clock::now() < next) ::usleep(100 * 1000);
    }
    log_line("stopped");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    return stratus::guarded("main", 1, [](const char* where, const char* what) noexcept {
        std::fprintf(stderr, "stratus-burstd: %s: %s\n", where, what);
    }, [&] { return run(argc, argv); });
}
