// stratus-jobcost: records the actual cost of a finished job in its
// AdminComment, in the accounting store (slurmdbd). Run by slurmctld as
// EpilogSlurmctld, or by hand with job ids. See stratus-jobcost(8).

#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "slurm_accounting.hpp"
#include "config.hpp"
#include "cost.hpp"
#include "cost_record.hpp"
#include "cost_report.hpp"
#include "error.hpp"
#include "firewall.hpp"
#include "hostlist.hpp"
#include "job_pricing.hpp"
#include "text.hpp"

namespace {

const char kUsage[] =
    "Usage: stratus-jobcost [OPTIONS] [JOBID...]\n"
    "       stratus-jobcost [OPTIONS] --missing [--since T] [--until T]\n"
    "\n"
    "Records the actual cost of finished jobs: for each node, elapsed time x the hourly\n"
    "price of its instance type and capacity, summed, written into the job's AdminComment\n"
    "JSON (actual_usd, elapsed_s, instance, capacity, actual_usd_per_node_hour) in the\n"
    "accounting store, where sacct and stratus-cost report read it.\n"
    "\n"
    "As slurm.conf's EpilogSlurmctld it takes no arguments: the job is $SLURM_JOB_ID.\n"
    "By hand, give the ids of jobs that have ended (recording again replaces the figures).\n"
    "\n"
    "Options:\n"
    "  --dry-run            print the AdminComment that would be recorded; change nothing\n"
    "  --conf FILE          stratus.conf (default: $STRATUS_CONF, else next to slurm.conf)\n"
    "  --timeout SECONDS    wait this long for slurmdbd to hold the job's end (default 60)\n"
    "  --missing            record every job that ended in [--since, --until) without a\n"
    "                       recorded cost; T is YYYY-MM-DD[THH:MM[:SS]] (UTC), now or @EPOCH\n"
    "                       (default: since the 1st of this month, until now)\n"
    "  -q, --quiet          print nothing but errors\n"
    "  -h, --help           this text\n";

bool g_syslog = false;
bool g_quiet = false;

void log_line(int priority, const std::string& msg) {
    if (g_syslog) syslog(priority, "%s", msg.c_str());
    if (priority <= LOG_WARNING) std::fprintf(stderr, "stratus-jobcost: %s\n", msg.c_str());
    else if (!g_quiet) std::printf("stratus-jobcost: %s\n", msg.c_str());
}

[[noreturn]] void usage_error(const std::string& msg) {
    std::fprintf(stderr, "stratus-jobcost: %s\n(see stratus-jobcost --help)\n", msg.c_str());
    std::exit(2);
}

// SLURM_CONF of process `pid`, from /proc/PID/environ.
std::string environ_slurm_conf(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
    std::string env((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t pos = 0;
    while (pos < env.size()) {
        size_t end = env.find('\0', pos);
        if (end == std::string::npos) end = env.size();
        std::string_view var(env.data() + pos, end - pos);
        if (var.substr(0, 11) == "SLURM_CONF=") return std::string(var.substr(11));
        pos = end + 1;
    }
    return "";
}

pid_t parent_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t close = stat.rfind(')');
    if (close == std::string::npos) return 0;
    char state;
    int ppid = 0;
    if (std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid) != 2) return 0;
    return ppid;
}

// slurm.conf: $SLURM_CONF; as EpilogSlurmctld (whose environment Slurm
// builds without SLURM_CONF) the one of the slurmctld/slurmscriptd that
// started us; else Slurm's default. Exported so libslurm uses the same.
std::string find_slurm_conf() {
    if (const char* c = std::getenv("SLURM_CONF"); c && *c) return c;
    if (std::getenv("SLURM_SCRIPT_CONTEXT")) {
        pid_t pid = getppid();
        for (int depth = 0; depth < 3 && pid > 1; ++depth, pid = parent_of(pid)) {
            std::string conf = environ_slurm_conf(pid);
            if (!conf.empty()) {
                setenv("SLURM_CONF", conf.c_str(), 1);
                return conf;
            }
        }
    }
    return stratus::default_slurm_conf_path(STRATUS_SLURM_CONFDIR);
}

std::string summary(const stratus::JobCost& c) {
    std::string types;
    std::vector<std::pair<std::string, unsigned>> counts;
    for (const stratus::NodeCost& n : c.nodes) {
        std::string t = n.instance_type.empty() ? "unknown type" : n.instance_type;
        bool found = false;
        for (auto& [name, count] : counts)
            if (name == t) {
                ++count;
                found = true;
            }
        if (!found) counts.emplace_back(t, 1);
    }
    for (size_t i = 0; i < counts.size(); ++i)
        types += (i ? " + " : "") + std::to_string(counts[i].second) + " x " + counts[i].first;
    std::string s = c.cents ? stratus::cents_usd(*c.cents) : std::string("unknown (a node's instance type or price is unknown)");
    return s + " (" + (types.empty() ? "no nodes" : types) + " " + stratus::capacity_name(c.capacity) + ", " +
           std::to_string(c.elapsed_s) + " s)";
}

struct Options {
    bool dry_run = false;
    std::string conf;
    bool conf_given = false;
    unsigned timeout_s = 60;
    std::vector<uint32_t> jobs;
    bool epilog = false;  // no job ids: $SLURM_JOB_ID as EpilogSlurmctld
    bool missing = false;
    std::optional<std::time_t> since, until;
};

// Records one job; returns false after logging why it could not.
bool record(const Options& o, const stratus::Config& cfg, const std::string& slurm_conf, const std::string& cluster,
            uint32_t job_id) {
    namespace acct = stratus::accounting;
    std::string id = std::to_string(job_id);
    // slurmctld queues the job's end for slurmdbd just before it starts us:
    // wait until it is there, so that nothing from slurmctld overwrites us.
    std::optional<stratus::AccountingJob> job;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_s);
    for (;;) {
        acct::JobQuery q;
        q.cluster = cluster;
        q.job_ids = {job_id};
        std::vector<stratus::AccountingJob> found = acct::fetch_jobs(q);
        if (!found.empty() && found.back().end > 0) {
            job = found.back();
            break;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            log_line(LOG_ERR, "job " + id + ": " +
                                  (found.empty() ? "not in the accounting store" : "has not ended in the accounting store") +
                                  " after " + std::to_string(o.timeout_s) + " s; nothing recorded");
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (job->start <= 0) {
        log_line(LOG_INFO, "job " + id + ": never ran; no cost");
        return true;
    }
    // As EpilogSlurmctld, Slurm hands over the job's whole node list (the
    // store may still hold the list known at start).
    if (o.epilog) {
        if (const char* nl = std::getenv("SLURM_JOB_NODELIST"); nl && *nl) {
            job->nodelist = nl;
            job->nodes = stratus::hostlist_names(job->nodelist);
        }
    }
    std::map<std::string, std::string> features = acct::node_features();
    stratus::JobCost cost = acct::price_job(cfg, *job, acct::launched_types(cfg, *job), features, slurm_conf,
                                            stratus::elapsed_seconds(job->start, job->end));
    std::string text;
    try {
        text = stratus::admin_comment_with_cost(job->admin_comment, cost);
    } catch (const std::invalid_argument& e) {
        log_line(LOG_ERR, "job " + id + ": " + e.what() + ": " + job->admin_comment);
        return false;
    }
    if (o.dry_run) {
        std::printf("%s\n", text.c_str());
        return true;
    }
    // Into the accounting store: slurmctld (slurm_update_job) refuses any
    // update of a finished job in Slurm 22.05 (see stratus-jobcost(8)).
    acct::set_admin_comment(cluster, job_id, text);
    log_line(LOG_INFO, "job " + job->job_label + ": " + summary(cost));
    return true;
}

int run(int argc, char** argv) {
    Options o;
    o.conf = stratus::default_stratus_conf_path(STRATUS_SLURM_CONFDIR);
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            size_t eq = a.find('=');
            if (a.rfind("--", 0) == 0 && eq != std::string::npos) return a.substr(eq + 1);
            if (i + 1 >= argc) usage_error(a + " needs a value");
            return argv[++i];
        };
        std::string name = a.rfind("--", 0) == 0 ? a.substr(0, a.find('=')) : a;
        if (a == "-h" || a == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (a == "--dry-run") o.dry_run = true;
        else if (a == "-q" || a == "--quiet") g_quiet = true;
        else if (name == "--conf") {
            o.conf = value();
            o.conf_given = true;
        } else if (name == "--timeout") {
            std::string v = value();
            auto n = stratus::parse_u64(v);
            if (!n || *n > 3600) usage_error("--timeout: expected seconds (0-3600): " + v);
            o.timeout_s = static_cast<unsigned>(*n);
        } else if (a == "--missing") o.missing = true;
        else if (name == "--since" || name == "--until") {
            std::string v = value();
            auto t = stratus::parse_report_time(v, std::time(nullptr));
            if (!t) usage_error(name + ": expected YYYY-MM-DD[THH:MM[:SS]] (UTC), now or @EPOCH: " + v);
            (name == "--since" ? o.since : o.until) = *t;
        } else if (!a.empty() && a[0] == '-') usage_error("unknown option: " + a);
        else {
            auto n = stratus::parse_u64(a);
            if (!n || *n == 0 || *n > 0xfffffff0ULL) usage_error("not a job id: " + a);
            o.jobs.push_back(static_cast<uint32_t>(*n));
        }
    }
    if (o.missing && !o.jobs.empty()) usage_error("--missing takes no job ids");
    if ((o.since || o.until) && !o.missing) usage_error("--since and --until go with --missing");
    if (o.jobs.empty() && !o.missing) {
        const char* id = std::getenv("SLURM_JOB_ID");
        auto n = id ? stratus::parse_u64(id) : std::nullopt;
        if (!n || *n == 0 || *n > 0xfffffff0ULL)
            usage_error("no job id given and SLURM_JOB_ID is not set (run as EpilogSlurmctld, or give job ids)");
        o.jobs.push_back(static_cast<uint32_t>(*n));
        o.epilog = true;
        // slurmctld neither shows nor keeps our output: syslog is the log.
        g_syslog = true;
        g_quiet = true;
        openlog("stratus-jobcost", LOG_PID, LOG_DAEMON);
    }

    std::string slurm_conf = find_slurm_conf();
    if (FILE* f = std::fopen(slurm_conf.c_str(), "r")) std::fclose(f);
    else {
        log_line(LOG_ERR, "cannot read slurm.conf " + slurm_conf + ": " + std::strerror(errno) + " (set SLURM_CONF)");
        return 1;
    }
    // Next to the slurm.conf found above (unless $STRATUS_CONF or --conf say otherwise).
    if (!o.conf_given) o.conf = stratus::default_stratus_conf_path(STRATUS_SLURM_CONFDIR);
    stratus::Config cfg;
    try {
        cfg = stratus::load_config_or_default(o.conf, o.conf_given, slurm_conf);
    } catch (const stratus::ConfigError& e) {
        log_line(LOG_ERR, e.what());
        return 1;
    }
    stratus::accounting::init(slurm_conf);
    std::string cluster = stratus::slurm_cluster_name(slurm_conf).value_or("");

    if (o.missing) {
        std::time_t now = std::time(nullptr);
        std::time_t since = o.since.value_or(stratus::start_of_month_utc(now)), until = o.until.value_or(now);
        if (until <= since) usage_error("--until must be after --since");
        try {
            stratus::accounting::JobQuery q;
            q.cluster = cluster;
            q.since = since;
            q.until = until;
            for (const stratus::AccountingJob& j : stratus::accounting::fetch_jobs(q)) {
                if (j.start <= 0 || j.end <= 0 || j.end < since || j.end >= until) continue;
                if (stratus::parse_admin_comment(j.admin_comment).has_actual) continue;
                o.jobs.push_back(j.job_id);
            }
        } catch (const stratus::accounting::AccountingError& e) {
            log_line(LOG_ERR, e.what());
            return 1;
        }
        if (o.jobs.empty()) log_line(LOG_INFO, "no job without a recorded cost ended in " + stratus::format_utc(since) +
                                                   " .. " + stratus::format_utc(until));
    }

    int rc = 0;
    for (uint32_t id : o.jobs) {
        try {
            if (!record(o, cfg, slurm_conf, cluster, id)) rc = 1;
        } catch (const stratus::accounting::AccountingError& e) {
            log_line(LOG_ERR, "job " + std::to_string(id) + ": " + e.what());
            rc = 1;
        }
    }
    return rc;
}

void report(const char* where, const char* what) noexcept {
    if (g_syslog) syslog(LOG_ERR, "%s: %s", where, what);
    std::fprintf(stderr, "stratus-jobcost: %s: %s\n", where, what);
}

}  // namespace

int main(int argc, char** argv) { return stratus::guarded("main", 1, report, [&] { return run(argc, argv); }); }
