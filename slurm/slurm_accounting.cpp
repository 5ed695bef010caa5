// The Slurm side of the cost tools and the spend snapshot: libslurm's
// slurmdb and job/node APIs.
// Slurm's structures are allocated by Slurm's allocator (xmalloc); this
// file never frees Slurm memory with free() nor hands Slurm memory it
// allocated itself, except where noted.

#include "slurm_accounting.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <type_traits>

#include "config.hpp"
#include "cost_report.hpp"
#include "hostlist.hpp"
#include "request.hpp"
#include "slurm_api.hpp"

extern "C" {
#include <slurm/slurmdb.h>
}

// Exported by libslurm but absent from its public headers (slurmdb_defs.h,
// xstring.h): a job record with every field "unset" (NO_VAL where Slurm
// means so), Slurm's strdup (slurmdb_destroy_job_rec frees with xfree) and
// the name of a job state.
extern "C" {
slurmdb_job_rec_t* slurmdb_create_job_rec(void);
char* slurm_xstrdup(const char* str);
// The name of a job state ("RUNNING"); a static string.
char* slurm_job_state_string(uint32_t state);
}

namespace stratus::accounting {

namespace {

std::string slurm_error_text(int err) {
    const char* s = slurm_strerror(err);
    return s ? s : "error " + std::to_string(err);
}

std::string str(const char* s) { return s ? s : ""; }

std::string user_name(const char* name, uint32_t uid) {
    if (name && *name) return name;
    struct passwd pw {};
    struct passwd* found = nullptr;
    char buf[4096];
    if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found) return found->pw_name;
    return std::to_string(uid);
}

std::string job_label(uint32_t job_id, uint32_t array_job_id, uint32_t array_task_id, uint32_t het_job_id,
                      uint32_t het_job_offset) {
    if (array_job_id && array_task_id != NO_VAL && array_task_id != INFINITE)
        return std::to_string(array_job_id) + "_" + std::to_string(array_task_id);
    if (het_job_id && het_job_offset != NO_VAL) return std::to_string(het_job_id) + "+" + std::to_string(het_job_offset);
    return std::to_string(job_id);
}

// A Slurm List with no destructor: it owns neither the items nor their memory.
struct ListDeleter {
    void operator()(void* l) const noexcept {
        if (l) slurm_list_destroy(static_cast<slurm::list_ptr>(l));
    }
};
using ListPtr = std::unique_ptr<std::remove_pointer_t<slurm::list_ptr>, ListDeleter>;



struct DbConn {
    void* conn = nullptr;
    DbConn() {
        errno = 0;
        conn = slurmdb_connection_get(nullptr);
        if (!conn)
            throw AccountingError("cannot connect to slurmdbd: " + slurm_error_text(errno ? errno : SLURM_ERROR) +
                                  " (is AccountingStorageType=accounting_storage/slurmdbd set and slurmdbd running?)");
    }
    ~DbConn() {
        if (conn) slurmdb_connection_close(&conn);
    }
    DbConn(const DbConn&) = delete;
    DbConn& operator=(const DbConn&) = delete;
};

// The job condition over our own storage; never passed to slurmdb_destroy_job_cond.
struct JobCond {
    slurmdb_job_cond_t cond;
    ListPtr clusters, steps, states;
    std::vector<slurm_selected_step_t> selected;
    std::string cluster;
    std::vector<std::string> state_names;

    JobCond(const std::string& cluster_name, const std::vector<uint32_t>& ids) : cluster(cluster_name) {
        std::memset(&cond, 0, sizeof cond);
        cond.flags = JOBCOND_FLAG_NO_STEP | JOBCOND_FLAG_NO_TRUNC;
        // 0 would select jobs whose flags have no bit set in 0: none at all.
        cond.db_flags = SLURMDB_JOB_FLAG_NOTSET;
        if (!cluster.empty()) {
            clusters.reset(slurm_list_create(nullptr));
            slurm_list_append(clusters.get(), &cluster[0]);
            cond.cluster_list = clusters.get();
        }
        if (!ids.empty()) {
            selected.resize(ids.size());
            steps.reset(slurm_list_create(nullptr));
            for (size_t i = 0; i < ids.size(); ++i) {
                slurm_selected_step_t& s = selected[i];
                std::memset(&s, 0, sizeof s);
                s.array_task_id = NO_VAL;
                s.het_job_offset = NO_VAL;
                s.step_id.job_id = ids[i];
                s.step_id.step_id = NO_VAL;
                s.step_id.step_het_comp = NO_VAL;
                slurm_list_append(steps.get(), &s);
            }
            cond.step_list = steps.get();
        }
    }
    // Slurm may hang lists of its own on the condition; free those.
    ~JobCond() {
        slurm::list_ptr* all[] = {&cond.acct_list,  &cond.associd_list, &cond.cluster_list, &cond.constraint_list,
                       &cond.format_list, &cond.groupid_list, &cond.jobname_list, &cond.partition_list,
                       &cond.qos_list,   &cond.reason_list,  &cond.resv_list,    &cond.resvid_list,
                       &cond.state_list, &cond.step_list,    &cond.userid_list,  &cond.wckey_list};
        for (slurm::list_ptr* l : all) {
            if (*l && *l != clusters.get() && *l != steps.get() && *l != states.get()) slurm_list_destroy(*l);
            *l = nullptr;
        }
    }
    // Jobs that ENDED in [since, until]: given final states, slurmdbd
    // selects on each job's end time and returns no running jobs. Like
    // sacct's windows, it only sees a job once slurmdbd has the time it
    // became eligible, which slurmctld may send a second or two after the
    // job's end.
    void ended_between(std::time_t since, std::time_t until) {
        static const uint32_t kEnded[] = {JOB_COMPLETE, JOB_CANCELLED, JOB_FAILED,    JOB_TIMEOUT, JOB_NODE_FAIL,
                                          JOB_PREEMPTED, JOB_BOOT_FAIL, JOB_DEADLINE, JOB_OOM,     JOB_REQUEUE};
        state_names.clear();
        for (uint32_t st : kEnded) state_names.push_back(std::to_string(st));
        states.reset(slurm_list_create(nullptr));
        for (std::string& n : state_names) slurm_list_append(states.get(), &n[0]);
        cond.state_list = states.get();
        cond.usage_start = since;
        cond.usage_end = until;
    }
    JobCond(const JobCond&) = delete;
    JobCond& operator=(const JobCond&) = delete;
};

AccountingJob from_record(const slurmdb_job_rec_t* r) {
    AccountingJob j;
    j.job_id = r->jobid;
    j.job_label = job_label(r->jobid, r->array_job_id, r->array_task_id, r->het_job_id, r->het_job_offset);
    j.user = user_name(r->user, r->uid);
    j.account = str(r->account);
    j.partition = str(r->partition);
    std::string nodes = str(r->nodes);
    if (nodes != "None assigned" && nodes != "(null)") j.nodelist = nodes;
    if (!j.nodelist.empty()) j.nodes = hostlist_names(j.nodelist);
    j.submit = r->submit;
    j.start = r->start;
    j.end = r->end;
    j.admin_comment = str(r->admin_comment);
    return j;
}

}  // namespace

void init(const std::string& slurm_conf) { slurm_init(slurm_conf.empty() ? nullptr : slurm_conf.c_str()); }

std::vector<AccountingJob> fetch_jobs(const JobQuery& q) {
    DbConn db;
    JobCond jc(q.cluster, q.job_ids);
    if (q.since || q.until) jc.ended_between(q.since, q.until);
    errno = 0;
    slurm::list_ptr jobs = slurmdb_jobs_get(db.conn, &jc.cond);
    if (!jobs) throw AccountingError("slurmdbd returned no job list: " + slurm_error_text(errno ? errno : SLURM_ERROR));
    std::vector<AccountingJob> out;
    slurm::list_iterator it = slurm_list_iterator_create(jobs);
    while (auto* r = static_cast<slurmdb_job_rec_t*>(slurm_list_next(it))) out.push_back(from_record(r));
    slurm_list_iterator_destroy(it);
    slurm_list_destroy(jobs);
    return out;
}

void set_admin_comment(const std::string& cluster, uint32_t job_id, const std::string& text) {
    DbConn db;
    JobCond jc(cluster, {job_id});
    slurmdb_job_rec_t* rec = slurmdb_create_job_rec();
    rec->admin_comment = slurm_xstrdup(text.c_str());
    errno = 0;
    slurm::list_ptr changed = slurmdb_job_modify(db.conn, &jc.cond, rec);
    int err = errno;
    slurmdb_destroy_job_rec(rec);
    size_t count = changed ? static_cast<size_t>(slurm_list_count(changed)) : 0;
    if (changed) slurm_list_destroy(changed);
    if (!count) {
        slurmdb_connection_commit(db.conn, false);
        throw AccountingError("slurmdbd did not update job " + std::to_string(job_id) + ": " +
                              (err == SLURM_NO_CHANGE_IN_DATA || !err ? std::string("no such job in the accounting store")
                                                                      : slurm_error_text(err)));
    }
    int rc = slurmdb_connection_commit(db.conn, true);
    if (rc != SLURM_SUCCESS) throw AccountingError("slurmdbd did not commit the update: " + slurm_error_text(rc));
}

std::vector<JobCostRecord> fetch_cost_records(const std::string& cluster, std::time_t start, std::time_t end,
                                              const Config* cfg) {
    JobQuery q;
    q.cluster = cluster;
    q.since = start;
    q.until = end;
    std::vector<JobCostRecord> out;
    for (const AccountingJob& j : fetch_jobs(q)) {
        JobCostRecord r = cost_record(j, cfg);
        if (charged_in(r, start, end)) out.push_back(std::move(r));
    }
    return out;
}

SpendTotals fetch_spend(const std::string& cluster, std::time_t start, std::time_t end, const Config* cfg) {
    return sum_actual_spend(fetch_cost_records(cluster, start, end, cfg), start, end);
}

std::optional<LiveJob> load_live_job(uint32_t job_id) {
    job_info_msg_t* msg = nullptr;
    if (slurm::load_job(&msg, job_id, SHOW_DETAIL) != SLURM_SUCCESS || !msg) return std::nullopt;
    std::optional<LiveJob> out;
    for (uint32_t i = 0; i < msg->record_count; ++i) {
        const slurm_job_info_t& j = msg->job_array[i];
        if (j.job_id != job_id) continue;
        LiveJob l;
        l.job.job_id = j.job_id;
        l.job.job_label = job_label(j.job_id, j.array_job_id, j.array_task_id, j.het_job_id, j.het_job_offset);
        l.job.user = user_name(j.user_name, j.user_id);
        l.job.account = str(j.account);
        l.job.partition = str(j.partition);
        l.job.nodelist = str(j.nodes);
        if (!l.job.nodelist.empty()) l.job.nodes = hostlist_names(l.job.nodelist);
        l.job.submit = j.submit_time;
        l.job.start = j.start_time;
        uint32_t base = j.job_state & JOB_STATE_BASE;
        l.finished = base > JOB_SUSPENDED;
        bool started = base != JOB_PENDING && j.start_time > 0;
        if (!started) l.job.start = 0;
        l.job.end = l.finished ? j.end_time : 0;
        l.job.admin_comment = str(j.admin_comment);
        l.state = str(slurm_job_state_string(j.job_state));
        out = std::move(l);
        break;
    }
    slurm_free_job_info_msg(msg);
    return out;
}

std::vector<LiveJobCost> live_job_costs() {
    job_info_msg_t* msg = nullptr;
    if (slurm_load_jobs(0, &msg, SHOW_ALL) != SLURM_SUCCESS || !msg)
        throw AccountingError("cannot read slurmctld's jobs: " + slurm_error_text(slurm::last_error()));
    std::vector<LiveJobCost> out;
    for (uint32_t i = 0; i < msg->record_count; ++i) {
        const slurm_job_info_t& j = msg->job_array[i];
        uint32_t base = j.job_state & JOB_STATE_BASE;
        if (base != JOB_PENDING && base != JOB_RUNNING && base != JOB_SUSPENDED) continue;
        if (!j.admin_comment || !*j.admin_comment) continue;
        LiveJobCost c;
        c.account = str(j.account);
        c.admin_comment = j.admin_comment;
        c.running = base != JOB_PENDING;
        c.start = j.start_time;
        if (j.time_limit != NO_VAL && j.time_limit != INFINITE) c.time_limit_min = j.time_limit;
        if (j.array_task_str && *j.array_task_str && j.array_task_id == NO_VAL)
            c.tasks = count_array_tasks(j.array_task_str).value_or(1);
        out.push_back(std::move(c));
    }
    slurm_free_job_info_msg(msg);
    return out;
}

std::map<std::string, std::string> node_features() {
    std::map<std::string, std::string> out;
    node_info_msg_t* msg = nullptr;
    if (slurm_load_node(0, &msg, SHOW_ALL) != SLURM_SUCCESS || !msg) return out;
    for (uint32_t i = 0; i < msg->record_count; ++i) {
        const node_info_t& n = msg->node_array[i];
        if (!n.name) continue;
        out[n.name] = str(n.features_act && *n.features_act ? n.features_act : n.features);
    }
    slurm_free_node_info_msg(msg);
    return out;
}

std::map<uint32_t, std::string> default_accounts(const std::string& cluster_name) {
    std::string cluster = cluster_name;
    std::map<uint32_t, std::string> out;
    errno = 0;
    void* conn = slurmdb_connection_get(nullptr);
    if (!conn) throw AccountingError("cannot connect to slurmdbd to read default accounts");
    // slurmdbd fills default_acct only along with the associations (22.05),
    // which are per cluster.
    slurmdb_assoc_cond_t assoc;
    std::memset(&assoc, 0, sizeof assoc);
    slurm::list_ptr clusters = nullptr;
    if (!cluster.empty()) {
        clusters = slurm_list_create(nullptr);
        slurm_list_append(clusters, &cluster[0]);
        assoc.cluster_list = clusters;
    }
    slurmdb_user_cond_t cond;
    std::memset(&cond, 0, sizeof cond);
    cond.assoc_cond = &assoc;
    cond.with_assocs = 1;
    slurm::list_ptr users = slurmdb_users_get(conn, &cond);
    if (clusters) slurm_list_destroy(clusters);
    if (users) {
        slurm::list_iterator it = slurm_list_iterator_create(users);
        while (auto* u = static_cast<slurmdb_user_rec_t*>(slurm_list_next(it))) {
            if (!u->name || !u->default_acct || !*u->default_acct) continue;
            // The uid as this host knows the user (slurmctld's view), else slurmdbd's.
            uint32_t uid = u->uid;
            struct passwd pw {};
            struct passwd* found = nullptr;
            char buf[4096];
            if (getpwnam_r(u->name, &pw, buf, sizeof buf, &found) == 0 && found) uid = found->pw_uid;
            if (uid == NO_VAL) continue;
            out[uid] = u->default_acct;
        }
        slurm_list_iterator_destroy(it);
        slurm_list_destroy(users);
    }
    slurmdb_connection_close(&conn);
    return out;
}

}  // namespace stratus::accounting
