// Loads the built job_submit/stratus plugin the way slurmctld does
// (dlopen RTLD_NOW, with slurm_* resolved from the host program) and checks
// its dynamic symbol table, identity symbols, and that every entry point
// survives NULL, sentinel and garbage input.
//
// This program stands in for slurmctld: it defines the Slurm functions the
// plugin imports (see slurm/slurm_exports.h) and is linked with
// -export-dynamic so that the plugin resolves them here.

#include "slurm_api.hpp"

#include <dlfcn.h>
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "elf_symbols.hpp"
#include "support.hpp"
#include "slurm_exports.h"


#ifndef STRATUS_PLUGIN_SO
#error "STRATUS_PLUGIN_SO must name the built job_submit_stratus.so"
#endif


// ---- what slurmctld provides ----------------------------------------------------------

namespace {
std::mutex log_mutex;
std::string log_text;  // "LEVEL: message\n" per call

__attribute__((format(printf, 2, 0))) void log_line(const char* level, const char* fmt, va_list ap) {
    char buf[8192];
    vsnprintf(buf, sizeof buf, fmt, ap);
    std::lock_guard<std::mutex> lock(log_mutex);
    log_text += std::string(level) + ": " + buf + "\n";
}

std::string take_log() {
    std::lock_guard<std::mutex> lock(log_mutex);
    std::string s;
    s.swap(log_text);
    return s;
}
}  // namespace

extern "C" {
char* slurm_xstrdup(const char* str) { return str ? strdup(str) : nullptr; }
void slurm_xfree(void** ptr) {
    if (ptr) {
        free(*ptr);
        *ptr = nullptr;
    }
}
#define STAND_IN_LOG(fn, level)          \
    void fn(const char* fmt, ...) {      \
        va_list ap;                      \
        va_start(ap, fmt);               \
        log_line(level, fmt, ap);        \
        va_end(ap);                      \
    }
STAND_IN_LOG(slurm_error, "error")
STAND_IN_LOG(slurm_info, "info")
STAND_IN_LOG(slurm_verbose, "verbose")
STAND_IN_LOG(slurm_debug, "debug")
}

// ---- the plugin --------------------------------------------------------------------

namespace {

struct Plugin {
    void* handle = nullptr;
    const char* name = nullptr;
    const char* type = nullptr;
    const uint32_t* version = nullptr;
    int (*init)(void) = nullptr;
    int (*fini)(void) = nullptr;
    int (*job_submit)(job_desc_msg_t*, uint32_t, char**) = nullptr;
#if STRATUS_SLURM_JOB_MODIFY_ERR_MSG
    using JobModify = int (*)(job_desc_msg_t*, void*, uint32_t, char**);
#else
    using JobModify = int (*)(job_desc_msg_t*, void*, uint32_t);
#endif
    JobModify job_modify = nullptr;

    Plugin() {
        handle = dlopen(STRATUS_PLUGIN_SO, RTLD_NOW | RTLD_LOCAL);
        ck_assert_msg(handle != nullptr, "dlopen: %s", dlerror());
        name = static_cast<const char*>(sym("plugin_name"));
        type = static_cast<const char*>(sym("plugin_type"));
        version = static_cast<const uint32_t*>(sym("plugin_version"));
        init = reinterpret_cast<int (*)(void)>(sym("init"));
        fini = reinterpret_cast<int (*)(void)>(sym("fini"));
        job_submit = reinterpret_cast<int (*)(job_desc_msg_t*, uint32_t, char**)>(sym("job_submit"));
        job_modify = reinterpret_cast<JobModify>(sym("job_modify"));
    }
    ~Plugin() {
        if (handle) dlclose(handle);
    }
    // job_modify as this Slurm release calls it (err_msg from 23.02).
    int modify(job_desc_msg_t* d, uint32_t uid, [[maybe_unused]] char** err_msg = nullptr) const {
#if STRATUS_SLURM_JOB_MODIFY_ERR_MSG
        return job_modify(d, nullptr, uid, err_msg);
#else
        return job_modify(d, nullptr, uid);
#endif
    }
    void* sym(const char* s) {
        void* p = dlsym(handle, s);
        ck_assert_msg(p != nullptr, "dlsym(%s): %s", s, dlerror());
        return p;
    }
};

// A job_desc_msg_t whose strings are owned (the plugin may replace them
// with slurm_xfree/slurm_xstrdup, as in slurmctld).
struct Job {
    job_desc_msg_t d;
    std::vector<char*> env;
    Job() { memset(&d, 0, sizeof d); }
    Job(const Job&) = delete;
    Job& operator=(const Job&) = delete;
    ~Job() {
        for (char* p : {d.partition, d.admin_comment, d.features, d.tres_per_node, d.tres_per_job, d.tres_per_task,
                        d.account})
            free(p);
        for (char* e : env) free(e);
    }
    static void set(char*& field, const char* value) {
        free(field);
        field = value ? strdup(value) : nullptr;
    }
    void set_env(std::initializer_list<const char*> entries) {
        for (char* e : env) free(e);
        env.clear();
        for (const char* e : entries) env.push_back(e ? strdup(e) : nullptr);
        d.spank_job_env = env.data();
        d.spank_job_env_size = static_cast<uint32_t>(env.size());
    }
    void no_val() {  // every number "unset", as slurm_init_job_desc_msg() leaves it
        d.min_nodes = d.max_nodes = d.num_tasks = d.min_cpus = d.time_limit = NO_VAL;
        d.ntasks_per_node = d.cpus_per_task = d.pn_min_cpus = NO_VAL16;
        d.pn_min_memory = NO_VAL64;
        stratus::slurm::set_job_id(d, NO_VAL);
    }
};

struct Call {
    int rc;
    std::string err_msg;
    bool has_err_msg;
};

Call submit(Plugin& p, Job& job, const char* preset_err = nullptr) {
    char* err = preset_err ? strdup(preset_err) : nullptr;
    int rc = p.job_submit(&job.d, 1000, &err);
    Call c{rc, err ? err : "", err != nullptr};
    free(err);
    return c;
}


// Points STRATUS_CONF/SLURM_CONF at a fresh directory's files; returns stratus.conf's path.
std::string use_config(const char* stratus_conf) {
    std::string dir = test_dir();
    write_file(dir + "/slurm.conf",
               "ClusterName=sandbox\n"
               "PartitionName=DEFAULT State=UP MaxTime=1-0\n"
               "PartitionName=graviton Nodes=g[1-4] Default=YES DefaultTime=1:00:00\n"
               "PartitionName=hpc Nodes=h[1-2] MaxTime=2-0\n"
               "PartitionName=gpu Nodes=p[1-2] DefaultTime=30 MaxTime=12:00:00\n"
               "PartitionName=debug Nodes=d1 MaxTime=UNLIMITED\n");
    std::string conf = dir + "/stratus.conf";
    if (stratus_conf) write_file(conf, stratus_conf);
    setenv("STRATUS_CONF", conf.c_str(), 1);
    setenv("SLURM_CONF", (dir + "/slurm.conf").c_str(), 1);
    return conf;
}

const char* const kSandbox =
    "PartitionName=graviton InstanceTypes=hpc7g.16xlarge,c7gn.16xlarge\n"
    "PartitionName=hpc InstanceTypes=hpc7a.96xlarge\n"
    "PartitionName=gpu InstanceTypes=g6e.12xlarge,p5.48xlarge\n";
// The offer check of kSandbox's line 2, logged at every load.
const std::string kHpc7aWarning =
    "hpc7a.96xlarge is not offered in us-east-1 (offered in eu-north-1, eu-west-1, eu-west-3, us-east-2); jobs are not "
    "routed to it";

}  // namespace

// ---- tests ---------------------------------------------------------------------

START_TEST(exports_exactly_the_plugin_api) {
    std::vector<DynSym> syms = exported_symbols(STRATUS_PLUGIN_SO);
    std::set<std::string> names;
    std::string all;
    for (const DynSym& s : syms) {
        names.insert(s.name);
        all += " " + s.name;
        ck_assert_msg(s.name.compare(0, 2, "_Z") != 0, "C++ symbol exported: %s", s.name.c_str());
    }
    const std::set<std::string> expected = {"plugin_name", "plugin_type", "plugin_version", "init",
                                            "fini",        "job_submit",  "job_modify"};
    ck_assert_msg(names == expected && syms.size() == expected.size(), "exported:%s", all.c_str());
    for (const DynSym& s : syms) {
        bool is_data = s.name.compare(0, 7, "plugin_") == 0;
        ck_assert_msg(s.type == (is_data ? STT_OBJECT : STT_FUNC), "%s has symbol type %u", s.name.c_str(), s.type);
    }
}
END_TEST

// slurmctld loads the plugin: it brings no libslurm (plugins resolve
// Slurm's symbols from the daemon) and none of the AWS client's libraries.
START_TEST(needs_only_the_cxx_runtime) {
    std::string all;
    for (const std::string& lib : needed_libraries(STRATUS_PLUGIN_SO)) {
        all += " " + lib;
        for (const char* banned : {"libslurm", "libcurl", "libjansson", "libxml2"})
            ck_assert_msg(lib.compare(0, strlen(banned), banned) != 0, "job_submit_stratus.so needs %s", lib.c_str());
    }
    ck_assert_msg(all.find("libc.so") != std::string::npos, "DT_NEEDED read wrong:%s", all.c_str());
}
END_TEST

START_TEST(identity) {
    Plugin p;
    ck_assert_str_eq(p.type, "job_submit/stratus");
    ck_assert_str_eq(p.name, "Stratus instance-aware partitions");
    ck_assert_uint_eq(*p.version, SLURM_VERSION_NUMBER);
}
END_TEST

START_TEST(null_input_without_init) {
    Plugin p;
    ck_assert_int_eq(p.job_submit(nullptr, 0, nullptr), SLURM_ERROR);
    char* err = nullptr;
    ck_assert_int_eq(p.job_submit(nullptr, 1000, &err), SLURM_ERROR);
    ck_assert_ptr_null(err);
    ck_assert_int_eq(p.modify(nullptr, 0), SLURM_SUCCESS);
    Job zero;
    ck_assert_int_eq(p.job_submit(&zero.d, 1000, nullptr), SLURM_SUCCESS);  // no config: passes unchecked
    ck_assert_int_eq(p.modify(&zero.d, 1000), SLURM_SUCCESS);
    ck_assert_int_eq(p.fini(), SLURM_SUCCESS);  // fini without init
    ck_assert_int_eq(p.fini(), SLURM_SUCCESS);
}
END_TEST

START_TEST(init_missing_config) {
    std::string conf = use_config(nullptr);
    Plugin p;
    take_log();
    ck_assert_int_eq(p.init(), SLURM_SUCCESS);
    EXPECT_STR(take_log(), "error: job_submit/stratus: " + conf +
                               ":0: cannot read " + conf + ": No such file or directory (no configuration in force)\n");
    Job job;
    job.no_val();
    Job::set(job.d.partition, "gpu");
    Job::set(job.d.tres_per_node, "gres:gpu:16");
    Call c = submit(p, job);
    ck_assert_int_eq(c.rc, SLURM_SUCCESS);  // passes unchecked until the file is fixed
    ck_assert(!c.has_err_msg);
    ck_assert_str_eq(job.d.partition, "gpu");
    ck_assert_ptr_null(job.d.admin_comment);
    ck_assert_int_eq(p.fini(), SLURM_SUCCESS);
}
END_TEST

START_TEST(init_bad_config) {
    std::string conf = use_config("Region=us-east-1\nBogus=1\n");
    Plugin p;
    take_log();
    ck_assert_int_eq(p.init(), SLURM_SUCCESS);
    EXPECT_STR(take_log(), "error: job_submit/stratus: " + conf + ":2: Bogus: unknown key (no configuration in force)\n");
    Job job;
    job.no_val();
    ck_assert_int_eq(submit(p, job).rc, SLURM_SUCCESS);
    ck_assert_ptr_null(job.d.partition);
    ck_assert_int_eq(p.fini(), SLURM_SUCCESS);
}
END_TEST

START_TEST(good_config) {
    std::string conf = use_config(kSandbox);
    Plugin p;
    take_log();
    ck_assert_int_eq(p.init(), SLURM_SUCCESS);
    EXPECT_STR(take_log(), "info: job_submit/stratus: loaded " + conf + ": 3 partitions, 152 instance types\n" +
                               "error: job_submit/stratus: warning: " + conf + ":2: " + kHpc7aWarning + "\n");

    // NULL job.
    char* err = nullptr;
    ck_assert_int_eq(p.job_submit(nullptr, 1000, &err), SLURM_ERROR);
    ck_assert_ptr_null(err);
    ck_assert_int_eq(p.modify(nullptr, 1000), SLURM_SUCCESS);

    // A real refusal.
    Job gpu;
    gpu.no_val();
    Job::set(gpu.d.partition, "gpu");
    Job::set(gpu.d.tres_per_node, "gres:gpu:16");
    const char* refusal = "stratus: partition gpu: no instance type has 16 GPUs per node (largest: p5.48xlarge, 8 x h100)";
    Call c = submit(p, gpu);
    ck_assert_int_eq(c.rc, ESLURM_INVALID_GRES);
    EXPECT_STR(c.err_msg, refusal);
    ck_assert_str_eq(gpu.d.partition, "gpu");
    ck_assert_ptr_null(gpu.d.admin_comment);
    EXPECT_STR(take_log(), std::string("info: job_submit/stratus: refused job from uid 1000: ") + refusal + "\n");
    // An earlier plugin's message is kept.
    c = submit(p, gpu, "earlier plugin");
    EXPECT_STR(c.err_msg, std::string("earlier plugin\n") + refusal);
    // No err_msg pointer at all.
    ck_assert_int_eq(p.job_submit(&gpu.d, 1000, nullptr), ESLURM_INVALID_GRES);
    // The same request as an update; from Slurm 23.02 the user is told why.
    take_log();
    stratus::slurm::set_job_id(gpu.d, 42);
    char* update_msg = nullptr;
    ck_assert_int_eq(p.modify(&gpu.d, 1000, &update_msg), ESLURM_INVALID_GRES);
#if STRATUS_SLURM_JOB_MODIFY_ERR_MSG
    EXPECT_STR(update_msg, refusal);
    std::free(update_msg);
#else
    ck_assert_ptr_null(update_msg);
#endif
    EXPECT_STR(take_log(), std::string("info: job_submit/stratus: refused update of job 42 from uid 1000: ") + refusal + "\n");

    // Acceptance: routed, with the estimate for the user and admin_comment.
    Job routed;
    routed.no_val();
    c = submit(p, routed);
    ck_assert_int_eq(c.rc, SLURM_SUCCESS);
    EXPECT_STR(c.err_msg,
               "stratus: routed to graviton,gpu (cheapest first); partition graviton: estimate $1.68 (1 x "
               "hpc7g.16xlarge on-demand at $1.6832/h for 1h00, no time limit given: partition DefaultTime); up to $5.25 "
               "in another partition");
    ck_assert_str_eq(routed.d.partition, "graviton,gpu");
    ck_assert_str_eq(routed.d.admin_comment,
                     "{\"v\":1,\"partition\":\"graviton\",\"instance_type\":\"hpc7g.16xlarge\",\"capacity\":"
                     "\"on-demand\",\"region\":\"us-east-1\",\"nodes\":1,\"usd_per_node_hour\":1.6832,\"minutes\":60,"
                     "\"basis\":\"partition_default\",\"est_usd\":1.68,\"partitions\":\"graviton,gpu\","
                     "\"est_usd_max\":5.25,\"req\":{}}");

    // Not ours: untouched.
    Job debug;
    debug.no_val();
    Job::set(debug.d.partition, "debug");
    c = submit(p, debug);
    ck_assert_int_eq(c.rc, SLURM_SUCCESS);
    ck_assert(!c.has_err_msg);
    ck_assert_str_eq(debug.d.partition, "debug");
    ck_assert_ptr_null(debug.d.admin_comment);

    // job_modify: only a partition change is judged.
    Job update;
    update.no_val();
    Job::set(update.d.tres_per_node, "gres:gpu:16");
    ck_assert_int_eq(p.modify(&update.d, 1000), SLURM_SUCCESS);
    Job::set(update.d.partition, "graviton");
    Job::set(update.d.tres_per_node, nullptr);
    ck_assert_int_eq(p.modify(&update.d, 1000), SLURM_SUCCESS);
    ck_assert_str_eq(update.d.partition, "graviton");
    ck_assert_ptr_null(update.d.admin_comment);

    ck_assert_int_eq(p.fini(), SLURM_SUCCESS);
    // After fini: jobs pass unchecked, nothing crashes.
    ck_assert_int_eq(submit(p, gpu).rc, SLURM_SUCCESS);
}
END_TEST

START_TEST(sentinels) {
    use_config(kSandbox);
    Plugin p;
    ck_assert_int_eq(p.init(), SLURM_SUCCESS);

    // All zero: -t 0 means no time limit, so the estimate has no time.
    Job zero;
    Call c = submit(p, zero);
    ck_assert_int_eq(c.rc, SLURM_SUCCESS);
    EXPECT_STR(c.err_msg,
               "stratus: routed to graviton,gpu (cheapest first); partition graviton: estimate: no time limit (job, "
               "DefaultTime or MaxTime); 1 x hpc7g.16xlarge on-demand at $1.6832/h per node");
    ck_assert_str_eq(zero.d.partition, "graviton,gpu");

    // INFINITE counts are "unset" too; INFINITE time is no limit.
    Job inf;
    inf.no_val();
    inf.d.min_nodes = inf.d.max_nodes = inf.d.num_tasks = inf.d.min_cpus = inf.d.time_limit = INFINITE;
    inf.d.ntasks_per_node = inf.d.cpus_per_task = inf.d.pn_min_cpus = INFINITE16;
    Job::set(inf.d.partition, "graviton");
    c = submit(p, inf);
    ck_assert_int_eq(c.rc, SLURM_SUCCESS);
    EXPECT_STR(c.err_msg,
               "stratus: partition graviton: estimate: no time limit (job, DefaultTime or MaxTime); 1 x hpc7g.16xlarge "
               "on-demand at $1.6832/h per node");

    // --mem-per-cpu so large that x CPUs overflows 64 bits: refused, no crash.
    Job mem;
    mem.no_val();
    Job::set(mem.d.partition, "graviton");
    mem.d.pn_min_memory = MEM_PER_CPU | (uint64_t{1} << 62);
    mem.d.cpus_per_task = 4;
    mem.d.num_tasks = 1;
    c = submit(p, mem);
    ck_assert_int_eq(c.rc, ESLURM_INVALID_TASK_MEMORY);
    EXPECT_STR(c.err_msg,
               "stratus: partition graviton: no instance type has 18446744073709551615 MiB of memory per node "
               "(largest: hpc7g.16xlarge, 124519 MiB usable)");

    // Largest counts Slurm could pass.
    Job big;
    big.no_val();
    big.d.num_tasks = NO_VAL - 1;
    big.d.min_cpus = NO_VAL - 1;
    big.d.cpus_per_task = NO_VAL16 - 1;
    big.d.ntasks_per_node = NO_VAL16 - 1;
    big.d.time_limit = NO_VAL - 1;
    c = submit(p, big);
    ck_assert_int_eq(c.rc, ESLURM_INVALID_CPU_COUNT);
    ck_assert_msg(c.err_msg.compare(0, 9, "stratus: ") == 0, "%s", c.err_msg.c_str());
    ck_assert_int_eq(p.fini(), SLURM_SUCCESS);
}
END_TEST

START_TEST(garbage) {
    use_config(kSandbox);
    Plugin p;
    ck_assert_int_eq(p.init(), SLURM_SUCCESS);

    Job job;
    job.no_val();
    Job::set(job.d.partition, ",,,");
    Job::set(job.d.features, "[(|");
    Job::set(job.d.tres_per_node, "gres:gpu:99999999999999999999");
    Job::set(job.d.tres_per_job, "gres/gpu=");
    Job::set(job.d.tres_per_task, ";;;");
    Job::set(job.d.account, "\xff\xfe");
    job.set_env({"NOEQUALS", "=", nullptr, "STRATUS_ARCH", "STRATUS_MAX_COST_USD=12,5", "STRATUS_ARCH=sparc"});
    Call c = submit(p, job);
    ck_assert_int_eq(c.rc, ESLURM_INVALID_FEATURE);
    EXPECT_STR(c.err_msg, "stratus: --max-cost: not a dollar amount: 12,5");
    ck_assert_str_eq(job.d.partition, ",,,");
    ck_assert_ptr_null(job.d.admin_comment);
    ck_assert_int_eq(p.modify(&job.d, 1000), ESLURM_INVALID_FEATURE);

    // The same garbage without the bad option: the GPU count decides.
    job.set_env({"NOEQUALS", "=", nullptr, "STRATUS_ARCH", "PATH=/bin"});
    c = submit(p, job);
    ck_assert_int_eq(c.rc, ESLURM_INVALID_GRES);
    EXPECT_STR(c.err_msg, "stratus: --gpus-per-node/--gres: GPU count above 4294967295: 99999999999999999999");

    // Empty strings everywhere.
    Job empty;
    empty.no_val();
    for (char** f : {&empty.d.partition, &empty.d.features, &empty.d.tres_per_node, &empty.d.tres_per_job,
                     &empty.d.tres_per_task, &empty.d.account})
        Job::set(*f, "");
    empty.set_env({""});
    c = submit(p, empty);
    ck_assert_int_eq(c.rc, SLURM_SUCCESS);
    ck_assert_str_eq(empty.d.partition, "graviton,gpu");
    ck_assert_int_eq(p.fini(), SLURM_SUCCESS);
}
END_TEST

// GPU counts no machine can hold are refused, saying so: they neither wrap
// (4294 x 1000000 + 967296 + 1 GPUs counted as 1) nor pass for a smaller
// count, on every partition (Slurm could not run them anywhere).
START_TEST(gpu_counts_beyond_any_machine) {
    use_config(kSandbox);
    Plugin p;
    ck_assert_int_eq(p.init(), SLURM_SUCCESS);
    take_log();
    std::string wrap;
    for (int i = 0; i < 4294; ++i) wrap += "gres:gpu:1000000,";
    wrap += "gres:gpu:967296,gres:gpu:1";
    Job job;
    job.no_val();
    Job::set(job.d.partition, "gpu");
    Job::set(job.d.tres_per_node, wrap.c_str());
    Call c = submit(p, job);
    ck_assert_int_eq(c.rc, ESLURM_INVALID_GRES);
    EXPECT_STR(c.err_msg, "stratus: --gpus-per-node/--gres: GPU counts add up to more than 4294967295: 4294967297");
    ck_assert_ptr_null(job.d.admin_comment);
    EXPECT_STR(take_log(), "info: job_submit/stratus: refused job from uid 1000: " + c.err_msg + "\n");

    Job huge;
    huge.no_val();
    Job::set(huge.d.partition, "debug");
    Job::set(huge.d.tres_per_job, "gres/gpu:99999999999999999999");
    c = submit(p, huge);
    ck_assert_int_eq(c.rc, ESLURM_INVALID_GRES);
    EXPECT_STR(c.err_msg, "stratus: --gpus: GPU count above 4294967295: 99999999999999999999");
    Job::set(huge.d.tres_per_job, nullptr);
    Job::set(huge.d.tres_per_task, "gres/gpu:h100:4294967296");
    c = submit(p, huge);
    ck_assert_int_eq(c.rc, ESLURM_INVALID_GRES);
    EXPECT_STR(c.err_msg, "stratus: --gpus-per-task: GPU count above 4294967295: 4294967296");
    // The largest count that fits is a count, judged as such.
    Job::set(huge.d.partition, "gpu");
    Job::set(huge.d.tres_per_task, "gres/gpu:4294967295");
    c = submit(p, huge);
    ck_assert_int_eq(c.rc, ESLURM_INVALID_GRES);
    EXPECT_STR(c.err_msg, "stratus: partition gpu: no instance type has 4294967295 GPUs per node (largest: p5.48xlarge, 8 x h100)");
    ck_assert_int_eq(p.fini(), SLURM_SUCCESS);
}
END_TEST

START_TEST(reload_and_reinit) {
    // fini/dlclose/dlopen/init again, as on "scontrol reconfigure".
    std::string conf = use_config(kSandbox);
    for (int round = 0; round < 3; ++round) {
        Plugin p;
        take_log();
        ck_assert_int_eq(p.init(), SLURM_SUCCESS);
        EXPECT_STR(take_log(), "info: job_submit/stratus: loaded " + conf + ": 3 partitions, 152 instance types\n" +
                               "error: job_submit/stratus: warning: " + conf + ":2: " + kHpc7aWarning + "\n");
        Job gpu;
        gpu.no_val();
        Job::set(gpu.d.partition, "gpu");
        Job::set(gpu.d.tres_per_node, "gres:gpu:16");
        ck_assert_int_eq(submit(p, gpu).rc, ESLURM_INVALID_GRES);
        ck_assert_int_eq(p.fini(), SLURM_SUCCESS);
    }
}
END_TEST

Suite* plugin_suite() {
    Suite* s = suite_create("job_submit_stratus.so");
    TCase* tc = make_tcase("symbols");
    tcase_add_test(tc, exports_exactly_the_plugin_api);
    tcase_add_test(tc, needs_only_the_cxx_runtime);
    tcase_add_test(tc, identity);
    suite_add_tcase(s, tc);
    tc = make_tcase("entry_points");
    tcase_add_test(tc, null_input_without_init);
    tcase_add_test(tc, init_missing_config);
    tcase_add_test(tc, init_bad_config);
    tcase_add_test(tc, good_config);
    tcase_add_test(tc, sentinels);
    tcase_add_test(tc, garbage);
    tcase_add_test(tc, gpu_counts_beyond_any_machine);
    tcase_add_test(tc, reload_and_reinit);
    suite_add_tcase(s, tc);

    return s;
}

int main() { return run_suites("plugin", {plugin_suite()}); }
