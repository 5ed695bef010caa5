// stratus-cost: actual cost reports from Slurm accounting, one job's
// breakdown, and TRESBillingWeights for slurm.conf. See stratus-cost(1).

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "slurm_accounting.hpp"
#include "job_pricing.hpp"
#include "config.hpp"
#include "cost.hpp"
#include "cost_record.hpp"
#include "cost_report.hpp"
#include "error.hpp"
#include "firewall.hpp"
#include "text.hpp"

namespace {

const char kUsage[] =
    "Usage: stratus-cost [--conf FILE] [--cluster NAME] COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  report [--since T] [--until T] [--by user|account|cost-center|partition|instance-type]\n"
    "         [--format table|csv|json]\n"
    "                       actual cost of the jobs that ended in [since, until), from Slurm\n"
    "                       accounting, grouped (default: by account), with totals and the\n"
    "                       share of spot; T is YYYY-MM-DD[THH:MM[:SS]] in UTC, 'now' or\n"
    "                       @EPOCH (default: since the 1st of this month, until now)\n"
    "  job JOBID [--format table|csv|json]\n"
    "                       one job's cost per node: instance type, capacity, elapsed\n"
    "                       time, hourly price, cost (a running job: so far)\n"
    "  slurm-conf [--max-tres]\n"
    "                       TRESBillingWeights per partition from the catalog prices, so\n"
    "                       that Slurm's billing TRES is cents per hour\n"
    "\n"
    "Options:\n"
    "  --conf FILE          stratus.conf (default: $STRATUS_CONF, else next to $SLURM_CONF,\n"
    "                       else " STRATUS_SLURM_CONFDIR "/stratus.conf)\n"
    "  --cluster NAME       accounting cluster (default: ClusterName of slurm.conf)\n"
    "  -h, --help           this text\n";

[[noreturn]] void usage_error(const std::string& msg) {
    std::fprintf(stderr, "stratus-cost: %s\n(see stratus-cost --help)\n", msg.c_str());
    std::exit(2);
}

int fail(const std::string& msg) {
    std::fprintf(stderr, "stratus-cost: %s\n", msg.c_str());
    return 1;
}

struct Args {
    std::string conf;
    bool conf_given = false;
    std::string cluster;
    std::string command;
    std::vector<std::string> rest;
};

// Option parsing for a subcommand: "--name value" or "--name=value".
class SubArgs {
public:
    SubArgs(const std::string& command, const std::vector<std::string>& rest) : command_(command), rest_(rest) {}
    bool next() {
        if (i_ >= rest_.size()) return false;
        arg_ = rest_[i_++];
        inline_.reset();
        name_ = arg_;
        if (arg_.rfind("--", 0) == 0 && arg_.find('=') != std::string::npos) {
            name_ = arg_.substr(0, arg_.find('='));
            inline_ = arg_.substr(arg_.find('=') + 1);
        }
        return true;
    }
    const std::string& name() const { return name_; }
    const std::string& arg() const { return arg_; }
    std::string value() {
        if (inline_) return *inline_;
        if (i_ >= rest_.size()) usage_error(command_ + ": " + name_ + " needs a value");
        return rest_[i_++];
    }

private:
    std::string command_;
    const std::vector<std::string>& rest_;
    size_t i_ = 0;
    std::string arg_, name_;
    std::optional<std::string> inline_;
};

// libslurm exits the process when it cannot read slurm.conf: check first.
bool slurm_ready(const std::string& slurm_conf) {
    if (FILE* f = std::fopen(slurm_conf.c_str(), "r")) {
        std::fclose(f);
        stratus::accounting::init(slurm_conf);
        return true;
    }
    std::fprintf(stderr, "stratus-cost: cannot read slurm.conf %s: %s (set SLURM_CONF)\n", slurm_conf.c_str(),
                 std::strerror(errno));
    return false;
}

stratus::ReportFormat format_of(const std::string& command, const std::string& v) {
    auto f = stratus::parse_report_format(v);
    if (!f) usage_error(command + ": --format: expected table, csv or json: " + v);
    return *f;
}

int cmd_slurm_conf(const stratus::Config& cfg, const std::vector<std::string>& rest) {
    bool max_tres = false;
    for (const std::string& r : rest) {
        if (r == "--max-tres") max_tres = true;
        else usage_error("slurm-conf: unexpected argument: " + r);
    }
    if (cfg.partitions.empty()) return fail("no partitions in stratus.conf; nothing to weigh");
    std::fputs(stratus::billing_conf_text(cfg, max_tres).c_str(), stdout);
    return 0;
}

int cmd_report(const Args& a, const stratus::Config& cfg, const std::string& slurm_conf) {
    std::time_t now = std::time(nullptr);
    std::time_t since = stratus::start_of_month_utc(now), until = now;
    stratus::GroupBy by = stratus::GroupBy::account;
    stratus::ReportFormat format = stratus::ReportFormat::table;
    SubArgs s("report", a.rest);
    while (s.next()) {
        if (s.name() == "--since" || s.name() == "--until") {
            std::string v = s.value();
            auto t = stratus::parse_report_time(v, now);
            if (!t) usage_error("report: " + s.name() + ": expected YYYY-MM-DD[THH:MM[:SS]] (UTC), now or @EPOCH: " + v);
            (s.name() == "--since" ? since : until) = *t;
        } else if (s.name() == "--by") {
            std::string v = s.value();
            auto g = stratus::parse_group_by(v);
            if (!g) usage_error("report: --by: expected user, account, cost-center, partition or instance-type: " + v);
            by = *g;
        } else if (s.name() == "--format") {
            format = format_of("report", s.value());
        } else {
            usage_error("report: unexpected argument: " + s.arg());
        }
    }
    if (until <= since) usage_error("report: --until must be after --since");
    if (!slurm_ready(slurm_conf)) return 1;
    std::vector<stratus::JobCostRecord> records = stratus::accounting::fetch_cost_records(a.cluster, since, until, &cfg);
    stratus::CostReport rep = stratus::build_cost_report(records, by, since, until);
    std::string out = format == stratus::ReportFormat::csv    ? stratus::report_csv(rep)
                      : format == stratus::ReportFormat::json ? stratus::report_json(rep)
                                                              : stratus::report_table(rep);
    std::fputs(out.c_str(), stdout);
    return 0;
}

int cmd_job(const Args& a, const stratus::Config& cfg, const std::string& slurm_conf) {
    namespace acct = stratus::accounting;
    std::optional<uint32_t> id;
    stratus::ReportFormat format = stratus::ReportFormat::table;
    SubArgs s("job", a.rest);
    while (s.next()) {
        if (s.name() == "--format") format = format_of("job", s.value());
        else if (!id && !s.arg().empty() && s.arg()[0] != '-') {
            auto n = stratus::parse_u64(s.arg());
            if (!n || *n == 0 || *n > 0xfffffff0ULL) usage_error("job: not a job id: " + s.arg());
            id = static_cast<uint32_t>(*n);
        } else {
            usage_error("job: unexpected argument: " + s.arg());
        }
    }
    if (!id) usage_error("job: JOBID missing");
    if (!slurm_ready(slurm_conf)) return 1;

    stratus::JobBreakdown b;
    std::optional<acct::LiveJob> live = acct::load_live_job(*id);
    std::optional<stratus::AccountingJob> stored;
    std::string store_problem;
    if (!live || live->finished) {
        try {
            acct::JobQuery q;
            q.cluster = a.cluster;
            q.job_ids = {*id};
            std::vector<stratus::AccountingJob> found = acct::fetch_jobs(q);
            if (!found.empty()) stored = found.back();
        } catch (const acct::AccountingError& e) {
            store_problem = e.what();
        }
    }
    if (stored && stored->end == 0 && live && live->finished) stored.reset();  // its end not stored yet
    if (stored) {
        b.job = *stored;
        if (live) b.state = live->state;
    } else if (live) {
        b.job = live->job;
        b.state = live->state;
    } else {
        return fail("job " + std::to_string(*id) + ": not found" +
                    (store_problem.empty() ? " in slurmctld nor in the accounting store" : " (" + store_problem + ")"));
    }
    stratus::AdminComment ac = stratus::parse_admin_comment(b.job.admin_comment);
    b.cost_center = ac.cost_center;
    if (std::optional<stratus::JobCost> recorded = stratus::recorded_job_cost(b.job, ac)) {
        b.cost = *recorded;
        b.recorded = true;
        b.recorded_cents = ac.actual_cents;
    } else {
        std::time_t end = b.job.end ? b.job.end : std::time(nullptr);
        int64_t elapsed = b.job.start ? stratus::elapsed_seconds(b.job.start, end) : 0;
        b.cost = acct::price_job(cfg, b.job, acct::launched_types(cfg, b.job), acct::node_features(), slurm_conf, elapsed);
    }
    std::string out = format == stratus::ReportFormat::csv    ? stratus::job_csv(b)
                      : format == stratus::ReportFormat::json ? stratus::job_json(b)
                                                              : stratus::job_table(b);
    std::fputs(out.c_str(), stdout);
    return 0;
}

int run(int argc, char** argv) {
    Args a;
    int i = 1;
    for (; i < argc; ++i) {
        std::string o = argv[i];
        if (o == "-h" || o == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        }
        if ((o == "--conf" || o == "--cluster") && i + 1 < argc) {
            (o == "--conf" ? a.conf : a.cluster) = argv[++i];
            if (o == "--conf") a.conf_given = true;
        } else if (o.rfind("--conf=", 0) == 0) {
            a.conf = o.substr(7);
            a.conf_given = true;
        } else if (o.rfind("--cluster=", 0) == 0) {
            a.cluster = o.substr(10);
        } else if (!o.empty() && o[0] == '-') {
            usage_error("unknown option: " + o);
        } else {
            break;
        }
    }
    if (i >= argc) usage_error("no command given");
    a.command = argv[i++];
    for (; i < argc; ++i) a.rest.emplace_back(argv[i]);
    if (!a.conf_given) a.conf = stratus::default_stratus_conf_path(STRATUS_SLURM_CONFDIR);

    std::string slurm_conf = stratus::default_slurm_conf_path(STRATUS_SLURM_CONFDIR);
    stratus::Config cfg;
    try {
        cfg = stratus::load_config_or_default(a.conf, a.conf_given, slurm_conf);
    } catch (const stratus::ConfigError& e) {
        return fail(e.what());
    }
    if (a.cluster.empty()) a.cluster = stratus::slurm_cluster_name(slurm_conf).value_or("");
    try {
        if (a.command == "slurm-conf") return cmd_slurm_conf(cfg, a.rest);
        if (a.command == "report") return cmd_report(a, cfg, slurm_conf);
        if (a.command == "job") return cmd_job(a, cfg, slurm_conf);
    } catch (const stratus::accounting::AccountingError& e) {
        return fail(e.what());
    }
    usage_error("unknown command: " + a.command);
}

void report(const char* where, const char* what) noexcept { std::fprintf(stderr, "stratus-cost: %s: %s\n", where, what); }

}  // namespace

int main(int argc, char** argv) { return stratus::guarded("main", 1, report, [&] { return run(argc, argv); }); }
