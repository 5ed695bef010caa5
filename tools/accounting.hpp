// Slurm accounting (slurmdbd, through libslurm's slurmdb API) and the bits
// of slurmctld the cost tools need, behind an interface without Slurm
// types. Used by stratus-cost and stratus-jobcost; the budget tools use
// fetch_cost_records()/fetch_spend() for the spend snapshot.
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

// Node name -> features (active features when set) of every node slurmctld
// knows; empty when slurmctld does not answer.
std::map<std::string, std::string> node_features();

// ---- pricing a job from Slurm's view of its nodes ----------------------------------------

// The instance types the burst tools launched for the job's nodes (their
// node records in StateDir/state.json, common/burst/state.hpp): node ->
// type, for nodes whose current instance was launched no later than the
// job started (so it is the instance the job ran on). Empty when the burst
// tools keep no state or it cannot be read. Never throws.
std::map<std::string, std::string> launched_types(const Config& cfg, const AccountingJob& job);

// The cost of `job` for `elapsed_s` seconds: each node's instance type from
// the burst tools' record (`launched`, from launched_types()), else
// slurmctld's node features (`features`, from node_features()), else the
// node's Features in `slurm_conf`, else the partition's only type; the
// capacity per job_capacity(); prices from the catalog of `cfg`.
JobCost price_job(const Config& cfg, const AccountingJob& job, const std::map<std::string, std::string>& launched,
                  const std::map<std::string, std::string>& features, const std::string& slurm_conf, int64_t elapsed_s);

// ---- hostlists ------------------------------------------------------------------------

// The host names of a Slurm hostlist expression, in order (Slurm's parser).
std::vector<std::string> expand_hostlist(const std::string& hostlist);

}  // namespace stratus::accounting
