// sbatch, salloc and srun (allocator and local contexts): the client-side
// mirror of job_submit/stratus. On AWS PCS, whose slurmctld loads no custom
// job_submit plugin, this is the only place policy can act; where slurmctld
// runs job_submit/stratus too, both give the same answer (one policy core,
// one translator of job_desc_msg_t) and slurmctld stays authoritative.

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "budget_check.hpp"
#include "error.hpp"
#include "executable.hpp"
#include "slurm_host_options.hpp"
#include "policy.hpp"
#include "slurm_exports.h"
#include "slurm_job.hpp"
#include "spank_stratus.hpp"
#include "text.hpp"

namespace stratus::spank {

namespace {

std::optional<std::string> process_env(const char* name) {
    const char* v = std::getenv(name);
    if (!v) return std::nullopt;
    return std::string(v);
}

// stratus.conf for the client. A missing file means the site runs no client
// checks; a broken one is reported and the job goes on unchecked
// (slurmctld, where it runs job_submit/stratus, still judges it).
std::shared_ptr<const Config> load_client_config() {
    std::string path = stratus_conf_path();
    if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT && settings().conf.empty()) {
        slurm_debug("stratus: %s absent: no client-side checks", path.c_str());
        return nullptr;
    }
    try {
        return std::make_shared<const Config>(load_config(path, slurm_conf_path()));
    } catch (const ConfigError& e) {
        slurm_error("stratus: %s (job not checked by the client)", e.what());
        return nullptr;
    }
}

// srun inside an allocation starts a step, not a job.
bool is_step(spank_context_t ctx) { return ctx == S_CTX_LOCAL && (std::getenv("SLURM_JOB_ID") || std::getenv("SLURM_JOBID")); }

// The architecture guard's input: the program srun will run. (SPANK gives
// srun's argv only after the allocation, when cloud nodes have booted.)
void add_executable(const HostOptions& host, JobRequest& req) {
    std::optional<std::string> command = host.command();
    char cwd[4096];
    if (!command || !::getcwd(cwd, sizeof cwd)) return;
    const char* path = std::getenv("PATH");
    std::optional<std::string> file = resolve_command(*command, path ? path : "", cwd);
    if (!file) return;
    if (auto arch = executable_arch(*file)) {
        req.executable_arch = arch->arch;
        req.executable = *command;
    }
}

void set_job_env(spank_t sp, const char* name, const std::string& value) {
    spank_err_t rc = spank_job_control_setenv(sp, name, value.c_str(), 1);
    if (rc != ESPANK_SUCCESS) slurm_debug("stratus: cannot pass %s to slurmctld: %s", name, spank_strerror(rc));
}

// --stratus-dry-run ends here: like --test-only, nothing is submitted and
// nothing failed.
[[noreturn]] void finish_dry_run(const std::string& text) {
    std::printf("%s\n", text.c_str());
    std::fflush(stdout);
    std::exit(0);
}

std::string dry_run_report(const Decision& d, const JobRequest& req) {
    std::string where = d.new_partitions ? *d.new_partitions : "";
    if (where.empty())
        for (const std::string& p : req.partitions) where += (where.empty() ? "" : ",") + p;
    std::string text = "stratus: dry run: the job would be submitted to partition " + where + "\n";
    if (!d.message.empty()) text += d.message + "\n";
    return text + "stratus: dry run: AdminComment " + d.admin_comment;
}

// Budgets, as job_submit/stratus checks them, where this user can read the
// spend snapshot; where it cannot, slurmctld (if it runs job_submit/stratus)
// judges alone.
void check_budgets(const Config& cfg, const JobRequest& req, Decision& d) {
    if (cfg.budget.budgets.empty() || d.verdict != Verdict::accept) return;
    SpendState spend = load_spend_state(cfg.spend_snapshot_path(), nullptr);
    if (!spend.snapshot) {
        slurm_debug("stratus: %s: budgets not checked by the client", spend.problem.c_str());
        return;
    }
    BudgetOutcome b = apply_budgets(cfg, req, &spend, nullptr, std::time(nullptr), static_cast<uint32_t>(::getuid()), d);
    for (const std::string& note : b.unchecked) slurm_debug("stratus: %s", note.c_str());
}

}  // namespace

int local_post_opt(spank_t sp) {
    Settings& s = settings();
    spank_context_t ctx = spank_context();

    JobRequest req;
    std::vector<ResolvedOption> resolved;
    std::optional<HostOptions> host = HostOptions::bind();
    bool step = is_step(ctx);
    if (host && !step) {
        HostOptions::JobDesc desc = host->job_desc();
        if (!desc) {
            slurm_error("stratus: Slurm cannot make a job of these options (its error above says why)");
            return -1;
        }
        if (auto bad = job_request_from_slurm(*desc, req)) {  // (no STRATUS_* in it yet)
            slurm_error("%s", bad->message.c_str());
            return -1;
        }
    }
    if (auto bad = resolve_options(req, process_env, &resolved)) {
        slurm_error("%s", bad->c_str());
        return -1;
    }
    if (!step)
        for (const ResolvedOption& o : resolved) set_job_env(sp, o.spec->env, o.value);  // for job_submit/stratus

    std::shared_ptr<const Config> cfg = load_client_config();
    if (!cfg) {
        if (s.dry_run) finish_dry_run("stratus: dry run: no stratus.conf here; Stratus would not judge this job");
        return 0;
    }
    if (step) {
        // Only the architecture guard applies: the allocation exists.
        req = JobRequest{};
        if (const char* part = std::getenv("SLURM_JOB_PARTITION")) req.partitions = split_list(part);
    } else if (!host) {
        slurm_debug("stratus: this Slurm does not expose the job's options to plugins: no client-side checks");
        return 0;
    }
    if (s.arch_guard && ctx == S_CTX_LOCAL && host) add_executable(*host, req);

    Decision d = decide(*cfg, req);
    if (!step) check_budgets(*cfg, req, d);
    switch (d.verdict) {
    case Verdict::not_managed:
        if (s.dry_run) finish_dry_run("stratus: dry run: no partition of this job is in stratus.conf; Stratus would not judge it");
        return 0;
    case Verdict::refuse:
        if (!s.enforce && !s.dry_run) {
            slurm_info("%s (not enforced)", d.message.c_str());
            return 0;
        }
        slurm_error("%s", d.message.c_str());
        return -1;
    case Verdict::accept:
        break;
    }
    if (step) {
        // Nothing is submitted for a step either: srun must not run it.
        if (s.dry_run) {
            const char* job = std::getenv("SLURM_JOB_ID") ? std::getenv("SLURM_JOB_ID") : std::getenv("SLURM_JOBID");
            finish_dry_run(std::string("stratus: dry run: the step would run in job ") + job +
                           "; only the architecture guard judges steps, and it lets this one run");
        }
        return 0;
    }

    if (d.new_partitions && !host->set("partition", d.new_partitions->c_str()))
        slurm_error("stratus: could not set the partition to %s", d.new_partitions->c_str());
    if (s.dry_run) finish_dry_run(dry_run_report(d, req));
    // Where slurmctld runs job_submit/stratus it shows the estimate itself,
    // but for the partitions set here: only this side can say it routed the job.
    if (s.show_estimate.value_or(!cfg->slurmctld_runs_stratus) && !d.message.empty())
        slurm_info("%s", d.message.c_str());
    else if (!d.message.empty() && req.partitions.empty() && d.new_partitions)
        slurm_info("stratus: routed to %s (cheapest first)", d.new_partitions->c_str());
    if (d.estimate && d.estimate->usd) {
        // For the job's tasks (remote context) and its prolog/epilog.
        ::setenv("STRATUS_EST_USD", format_fixed(*d.estimate->usd, 2).c_str(), 1);
        set_job_env(sp, "STRATUS_EST_USD", format_fixed(*d.estimate->usd, 2));
    }
    return 0;
}

}  // namespace stratus::spank
