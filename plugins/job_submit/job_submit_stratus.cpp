// job_submit/stratus: instance-aware partitions inside slurmctld.
// A thin shim: translates job_desc_msg_t into a stratus::JobRequest, asks the
// policy core, and writes the decision back. Runs with slurmctld's locks
// held, so it only reads the in-memory Config snapshot: no I/O, no waits.
// Config changes are picked up by the ConfigStore's watcher thread.

#include <ctime>
#include <memory>
#include <string>

#include "budget_check.hpp"
#include "config_store.hpp"
#include "firewall.hpp"
#include "job_update.hpp"
#include "policy.hpp"
#include "slurm_api.hpp"
#include "slurm_exports.h"
#include "slurm_job.hpp"

#define STRATUS_EXPORT __attribute__((visibility("default")))

extern "C" {
STRATUS_EXPORT extern const char plugin_name[] = "Stratus instance-aware partitions";
STRATUS_EXPORT extern const char plugin_type[] = "job_submit/stratus";
STRATUS_EXPORT extern const uint32_t plugin_version = SLURM_VERSION_NUMBER;
STRATUS_EXPORT int init(void);
STRATUS_EXPORT int fini(void);
STRATUS_EXPORT int job_submit(job_desc_msg_t* job_desc, uint32_t submit_uid, char** err_msg);
#if STRATUS_SLURM_JOB_MODIFY_ERR_MSG
STRATUS_EXPORT int job_modify(job_desc_msg_t* job_desc, void* job_ptr, uint32_t submit_uid, char** err_msg);
#else
STRATUS_EXPORT int job_modify(job_desc_msg_t* job_desc, void* job_ptr, uint32_t submit_uid);
#endif
}

namespace {

std::unique_ptr<stratus::ConfigStore> store;

void log_exception(const char* where, const char* what) noexcept {
    slurm_error("%s: %s: internal error, job passed unchecked: %s", plugin_type, where, what);
}

void log_store(stratus::ConfigStore::Level level, const std::string& text) {
    if (level == stratus::ConfigStore::Level::error) slurm_error("%s: %s", plugin_type, text.c_str());
    else slurm_info("%s: %s", plugin_type, text.c_str());
}

void set_string(char** field, const std::string& value) {
    slurm_xfree(reinterpret_cast<void**>(field));
    *field = slurm_xstrdup(value.c_str());
}

// Adds a line for the user; an earlier plugin in the chain may have left one.
void tell_user(char** err_msg, const std::string& text) {
    if (!err_msg || text.empty()) return;
    set_string(err_msg, *err_msg ? std::string(*err_msg) + "\n" + text : text);
}

int submit(job_desc_msg_t* job_desc, uint32_t submit_uid, char** err_msg) {
    if (!job_desc) return SLURM_ERROR;
    std::shared_ptr<const stratus::Config> cfg = store ? store->current() : nullptr;
    if (!cfg) return SLURM_SUCCESS;  // no valid stratus.conf yet: logged by the store

    stratus::JobRequest req;
    if (auto bad = stratus::job_request_from_slurm(*job_desc, req)) {
        slurm_info("%s: refused job from uid %u: %s", plugin_type, submit_uid, bad->message.c_str());
        tell_user(err_msg, bad->message);
        return stratus::slurm_error_code(bad->refusal);
    }
    // Budgets: against the spend snapshot the watcher keeps in memory, and
    // what was accepted since it read slurmctld's jobs (the ledger).
    std::shared_ptr<const stratus::SpendState> spend = store->spend();
    req.account = stratus::charged_account(req, spend.get(), submit_uid);
    stratus::Decision d = stratus::decide(*cfg, req);
    stratus::BudgetOutcome b =
        stratus::apply_budgets(*cfg, req, spend.get(), &store->ledger(), std::time(nullptr), submit_uid, d);
    for (const std::string& note : b.unchecked) slurm_verbose("%s: %s", plugin_type, note.c_str());
    switch (d.verdict) {
    case stratus::Verdict::not_managed:
        return SLURM_SUCCESS;
    case stratus::Verdict::refuse:
        slurm_info("%s: refused job from uid %u: %s", plugin_type, submit_uid, d.message.c_str());
        tell_user(err_msg, d.message);
        return stratus::slurm_error_code(d.refusal);
    case stratus::Verdict::accept:
        break;
    }
    if (d.new_partitions) set_string(&job_desc->partition, *d.new_partitions);
    set_string(&job_desc->admin_comment, d.admin_comment);
    tell_user(err_msg, d.message);
    return SLURM_SUCCESS;
}

// An update, judged with the job's own record: its AdminComment (the
// estimate and request job_submit stored) and account from slurmctld's job
// record, the changed fields from the update. Slurm 23.02+ tells the user
// why an update is refused (err_msg); 22.05 only logs it.
int modify(job_desc_msg_t* job_desc, void* job_ptr, uint32_t submit_uid, char** err_msg) {
    if (!job_desc) return SLURM_SUCCESS;
    std::shared_ptr<const stratus::Config> cfg = store ? store->current() : nullptr;
    if (!cfg) return SLURM_SUCCESS;
    uint32_t job_id = stratus::slurm::job_id_of(*job_desc);
    auto refused = [&](const std::string& text, stratus::Refusal why) {
        slurm_info("%s: refused update of job %u from uid %u: %s", plugin_type, job_id, submit_uid, text.c_str());
        tell_user(err_msg, text);
        return stratus::slurm_error_code(why);
    };
    stratus::JobRequest update;
    if (auto bad = stratus::job_request_from_slurm(*job_desc, update)) return refused(bad->message, bad->refusal);
    std::optional<stratus::JobRecordText> job = stratus::job_record_text(job_ptr);
    std::shared_ptr<const stratus::SpendState> spend = store->spend();
    stratus::UpdateDecision u =
        stratus::judge_update(*cfg, job ? job->admin_comment : "", job ? job->account : "", update,
                              stratus::is_slurm_admin(submit_uid), spend.get(), &store->ledger(), std::time(nullptr));
    for (const std::string& note : u.budget.unchecked) slurm_verbose("%s: %s", plugin_type, note.c_str());
    if (u.verdict == stratus::Verdict::refuse) return refused(u.message, u.refusal);
    if (!u.admin_comment.empty()) {
        if (stratus::set_job_record_admin_comment(job_ptr, u.admin_comment))
            slurm_info("%s: job %u updated by uid %u: %s", plugin_type, job_id, submit_uid, u.message.c_str());
        tell_user(err_msg, u.message);
    }
    return SLURM_SUCCESS;
}

}  // namespace

extern "C" int init(void) {
    return stratus::guarded("init", SLURM_SUCCESS, log_exception, [] {
        store = std::make_unique<stratus::ConfigStore>(stratus::default_stratus_conf_path(STRATUS_SLURM_CONFDIR),
                                                       stratus::default_slurm_conf_path(STRATUS_SLURM_CONFDIR), log_store);
        // A bad stratus.conf must not stop slurmctld: the store logs it and
        // jobs pass unchecked until the file is fixed (the watcher retries).
        store->reload_if_changed();
        store->reload_spend_if_changed(std::time(nullptr));
        store->start_watching();
        return SLURM_SUCCESS;
    });
}

extern "C" int fini(void) {
    return stratus::guarded("fini", SLURM_SUCCESS, log_exception, [] {
        store.reset();
        return SLURM_SUCCESS;
    });
}

extern "C" int job_submit(job_desc_msg_t* job_desc, uint32_t submit_uid, char** err_msg) {
    return stratus::guarded("job_submit", SLURM_SUCCESS, log_exception,
                            [&] { return submit(job_desc, submit_uid, err_msg); });
}

#if STRATUS_SLURM_JOB_MODIFY_ERR_MSG
extern "C" int job_modify(job_desc_msg_t* job_desc, void* job_ptr, uint32_t submit_uid, char** err_msg) {
    return stratus::guarded("job_modify", SLURM_SUCCESS, log_exception,
                            [&] { return modify(job_desc, job_ptr, submit_uid, err_msg); });
}
#else
extern "C" int job_modify(job_desc_msg_t* job_desc, void* job_ptr, uint32_t submit_uid) {
    return stratus::guarded("job_modify", SLURM_SUCCESS, log_exception,
                            [&] { return modify(job_desc, job_ptr, submit_uid, nullptr); });
}
#endif
