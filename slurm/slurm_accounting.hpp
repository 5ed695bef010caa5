// Slurm accounting (slurmdbd, through libslurm's slurmdb API) and the bits
// of slurmctld the cost tools need, behind an interface without Slurm
// types (part of the Slurm adapter layer). Used by stratus-cost and
// stratus-jobcost; stratus-spend uses fetch_spend() and default_accounts()
// for the spend snapshot.
//
// Call stratus::accounting::init() once (it loads slurm.conf through
// libslurm) before anything else here. Errors are AccountingError.
#pragma once

#include <cstdint>
#include <ctime>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cost_record.hpp"
#include "spend_snapshot.hpp"

namespace stratus {
struct Config;
}

namespace stratus::accounting {

class AccountingError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Initialises libslurm with slurm.conf at `slurm_conf` (empty: Slurm's own
// default: $SLURM_CONF, else its built-in path).
void init(const std::string& slurm_conf);

// ---- slurmdbd ------------------------------------------------------------------------

struct JobQuery {
    std::string cluster;            // empty: every cluster slurmdbd knows
    std::vector<uint32_t> job_ids;  // empty: all jobs
    // When either is set: only jobs that ended in [since, until] (0:
    // unbounded), in any final state (requeued runs included).
    std::time_t since = 0, until = 0;
};

// Job records (no steps). For a job id given in `job_ids`, the latest
// record of that id (a requeued job has several). Throws AccountingError.
std::vector<AccountingJob> fetch_jobs(const JobQuery& q);

// Sets the AdminComment of the latest accounting record of `job_id` (in
// `cluster`, empty: the default one) and commits. Throws AccountingError.
void set_admin_comment(const std::string& cluster, uint32_t job_id, const std::string& text);

// The cost records of the jobs that ended in [start, end) on `cluster`
// (see cost_record()); `cfg` gives partition capacities (may be null).
std::vector<JobCostRecord> fetch_cost_records(const std::string& cluster, std::time_t start, std::time_t end,
                                              const Config* cfg);

// The SpendSource of the spend snapshot: sum_actual_spend() over
// fetch_cost_records(cluster, start, end, cfg).
SpendTotals fetch_spend(const std::string& cluster, std::time_t start, std::time_t end, const Config* cfg);

// ---- slurmctld ------------------------------------------------------------------------

// A job as slurmctld still knows it (nullopt: purged or unknown). `state`
// is Slurm's state name ("RUNNING", "COMPLETED", ...).
struct LiveJob {
    AccountingJob job;
    std::string state;
    bool finished = false;
};
std::optional<LiveJob> load_live_job(uint32_t job_id);

// slurmctld's pending and running jobs, for the spend snapshot's
// commitments (a pending array's record with the tasks still pending).
// Throws AccountingError when slurmctld does not answer.
std::vector<LiveJobCost> live_job_costs();

// Node name -> features (active features when set) of every node slurmctld
// knows; empty when slurmctld does not answer.
std::map<std::string, std::string> node_features();

// ---- users ------------------------------------------------------------------------------

// Each user's default account (uid -> account) in `cluster` (empty: all),
// from slurmdbd, for jobs submitted without --account. Users unknown to
// this host are skipped. Throws AccountingError.
std::map<uint32_t, std::string> default_accounts(const std::string& cluster);

}  // namespace stratus::accounting
