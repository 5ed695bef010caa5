// Loads the built spank/stratus plugin the way sbatch, srun and slurmstepd
// do (dlopen RTLD_NOW, spank_* and slurm_* resolved from the host program)
// and checks its exports, plugstack.conf arguments, option registration and
// callbacks, and the client-side policy against a job description.
//
// This program stands in for the SPANK host: it defines the functions the
// plugin imports and, like sbatch, exports `opt` and libslurm's
// slurm_opt_create_job_desc()/slurm_option_set(); it is linked with
// -export-dynamic so that the plugin resolves them here.

#include "slurm_api.hpp"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <map>
#include <thread>
#include <set>
#include <string>
#include <vector>

#include "elf_symbols.hpp"
#include "support.hpp"

#ifndef STRATUS_SPANK_SO
#error "STRATUS_SPANK_SO must name the built spank_stratus.so"
#endif


// ---- what the SPANK host provides ---------------------------------------------

namespace {
std::string log_text;  // "LEVEL: message\n" per call
spank_context_t context = S_CTX_ALLOCATOR;
struct Registered {
    std::string name, arginfo, usage;
    int has_arg, val;
    spank_opt_cb_f cb;
};
std::vector<Registered> registered;
std::map<std::string, std::string> job_control_env, task_env;
job_desc_msg_t host_job;                // what slurm_opt_create_job_desc returns a copy of
// sbatch's own submit line: slurm_opt_create_job_desc() hands it over
// without copying, so whoever frees the job description must not free it.
char host_submit_line[] = "sbatch -p graviton --wrap=true";
int freed_host_submit_line = 0;  // slurm_free_job_desc_msg calls that would have freed it
std::map<std::string, std::string> options_set;  // slurm_option_set calls
// libslurm's slurm_opt_create_job_desc() returns NULL, after printing why,
// for options it refuses (a GRES count it cannot hold, a bad node list).
bool host_refuses_options = false;

__attribute__((format(printf, 2, 0))) void log_line(const char* level, const char* fmt, va_list ap) {
    char buf[8192];
    vsnprintf(buf, sizeof buf, fmt, ap);
    log_text += std::string(level) + ": " + buf + "\n";
}
}  // namespace

extern "C" {
int opt;  // sbatch's parsed options: only its address matters here

void slurm_error(const char* fmt, ...) { va_list ap; va_start(ap, fmt); log_line("error", fmt, ap); va_end(ap); }
void slurm_info(const char* fmt, ...) { va_list ap; va_start(ap, fmt); log_line("info", fmt, ap); va_end(ap); }
void slurm_debug(const char* fmt, ...) { va_list ap; va_start(ap, fmt); log_line("debug", fmt, ap); va_end(ap); }
void slurm_xfree(void** p) { if (p) { free(*p); *p = nullptr; } }

spank_context_t spank_context(void) { return context; }
spank_err_t spank_option_register(spank_t, struct spank_option* o) {
    registered.push_back({o->name, o->arginfo ? o->arginfo : "", o->usage, o->has_arg, o->val, o->cb});
    return static_cast<spank_err_t>(ESPANK_SUCCESS);
}
spank_err_t spank_get_item(spank_t, spank_item_t, ...) { return static_cast<spank_err_t>(ESPANK_NOT_AVAIL); }
spank_err_t spank_getenv(spank_t, const char* var, char* buf, int len) {
    auto it = task_env.find(var);
    if (it == task_env.end()) return static_cast<spank_err_t>(ESPANK_ENV_NOEXIST);
    snprintf(buf, static_cast<size_t>(len), "%s", it->second.c_str());
    return static_cast<spank_err_t>(ESPANK_SUCCESS);
}
spank_err_t spank_setenv(spank_t, const char* var, const char* val, int) {
    task_env[var] = val;
    return static_cast<spank_err_t>(ESPANK_SUCCESS);
}
spank_err_t spank_job_control_setenv(spank_t, const char* var, const char* val, int) {
    job_control_env[var] = val;
    return static_cast<spank_err_t>(ESPANK_SUCCESS);
}
const char* spank_strerror(spank_err_t) { return "stub error"; }

job_desc_msg_t* slurm_opt_create_job_desc(void*, bool) {
    if (host_refuses_options) return nullptr;
    auto* d = static_cast<job_desc_msg_t*>(malloc(sizeof(job_desc_msg_t)));
    *d = host_job;
    return d;
}
void slurm_free_job_desc_msg(job_desc_msg_t* d) {
    // libslurm's frees every string of the description.
    if (d->submit_line == host_submit_line) ++freed_host_submit_line;
    free(d);
}
int slurm_option_set(void*, const char* name, const char* value, bool) {
    options_set[name] = value;
    return SLURM_SUCCESS;
}
struct option* slurm_option_table_create(void*, char** opt_string) {
    *opt_string = strdup("+N:n:p:");
    static struct option table[] = {{"partition", required_argument, nullptr, 'p'}, {nullptr, 0, nullptr, 0}};
    return table;
}
void slurm_option_table_destroy(struct option*) {}
}

// ---- the plugin ------------------------------------------------------------------

namespace {

using SpankFn = int (*)(spank_t, int, char**);

struct Plugin {
    void* handle;
    SpankFn init, post_opt;
    Plugin() {
        handle = dlopen(STRATUS_SPANK_SO, RTLD_NOW | RTLD_LOCAL);
        ck_assert_msg(handle, "dlopen: %s", dlerror());
        init = reinterpret_cast<SpankFn>(dlsym(handle, "slurm_spank_init"));
        post_opt = reinterpret_cast<SpankFn>(dlsym(handle, "slurm_spank_init_post_opt"));
        ck_assert(init && post_opt);
    }
    ~Plugin() { dlclose(handle); }
    int call_init(std::vector<std::string> args) {
        std::vector<char*> av;
        for (std::string& a : args) av.push_back(&a[0]);
        return init(nullptr, static_cast<int>(av.size()), av.data());
    }
    const Registered& option(const std::string& name) {
        for (const Registered& r : registered)
            if (r.name == name) return r;
        ck_abort_msg("option --%s not registered", name.c_str());
        return registered.front();
    }
};

std::string take_log() {
    std::string t = log_text;
    log_text.clear();
    return t;
}

// A stratus.conf for the client, with the sandbox's partitions.
void use_sandbox_config() {
    std::string dir = test_dir();
    write_file(dir + "/stratus.conf",
               "PartitionName=graviton InstanceTypes=hpc7g.16xlarge,c7gn.16xlarge\n"
               "PartitionName=hpc InstanceTypes=hpc7a.96xlarge\n"
               "PartitionName=gpu InstanceTypes=g6e.12xlarge,p5.48xlarge\n");
    setenv("STRATUS_CONF", (dir + "/stratus.conf").c_str(), 1);
    setenv("SLURM_CONF", (dir + "/slurm.conf").c_str(), 1);  // absent: no DefaultTime, no JobSubmitPlugins
}

void blank_job() {
    slurm_init_job_desc_msg(&host_job);
    host_job.submit_line = host_submit_line;
}

}  // namespace

extern "C" void slurm_init_job_desc_msg(job_desc_msg_t* d) {
    // libslurm's own sets every field to its "unset" value; the subset the translator reads:
    memset(d, 0, sizeof *d);
    d->min_nodes = d->max_nodes = d->num_tasks = d->min_cpus = d->time_limit = NO_VAL;
    d->ntasks_per_node = d->cpus_per_task = d->pn_min_cpus = NO_VAL16;
    d->pn_min_memory = NO_VAL64;
}

// A stand-in for EC2's instance metadata service (IMDSv2): a token for a PUT,
// the instance type for a GET that carries it. Serves `requests` requests.
struct FakeImds {
    int fd = -1;
    int port = 0;
    std::thread server;
    explicit FakeImds(int requests, std::string type) {
        fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ck_assert_int_eq(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        socklen_t len = sizeof a;
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
        listen(fd, 4);
        server = std::thread([this, requests, type] {
            for (int i = 0; i < requests; ++i) {
                int c = accept(fd, nullptr, nullptr);
                if (c < 0) return;
                std::string req;
                char buf[2048];
                while (req.find("\r\n\r\n") == std::string::npos) {
                    ssize_t n = read(c, buf, sizeof buf);
                    if (n <= 0) break;
                    req.append(buf, static_cast<size_t>(n));
                }
                std::string body, status = "200 OK";
                if (req.rfind("PUT /latest/api/token", 0) == 0) body = "fake-token";
                else if (req.find("GET /latest/meta-data/instance-type") == 0 &&
                         req.find("fake-token") != std::string::npos) body = type;
                else status = "401 Unauthorized";
                std::string resp = "HTTP/1.1 " + status + "\r\nContent-Length: " + std::to_string(body.size()) +
                                   "\r\nConnection: close\r\n\r\n" + body;
                ssize_t w = write(c, resp.data(), resp.size());
                (void)w;
                close(c);
            }
        });
        setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", ("http://127.0.0.1:" + std::to_string(port)).c_str(), 1);
    }
    ~FakeImds() {
        shutdown(fd, SHUT_RDWR);
        close(fd);
        if (server.joinable()) server.join();
    }
};

// ---- tests -------------------------------------------------------------------------

// sbatch, srun and slurmstepd load the plugin: it brings no libslurm of
// its own (it resolves Slurm's symbols from the program that loads it).
START_TEST(needs_no_libslurm) {
    std::string all;
    for (const std::string& lib : needed_libraries(STRATUS_SPANK_SO)) {
        all += " " + lib;
        ck_assert_msg(lib.compare(0, 8, "libslurm") != 0, "spank_stratus.so needs %s", lib.c_str());
    }
    ck_assert_msg(all.find("libc.so") != std::string::npos, "DT_NEEDED read wrong:%s", all.c_str());
}
END_TEST

START_TEST(exports_exactly_the_spank_api) {
    std::vector<DynSym> syms = exported_symbols(STRATUS_SPANK_SO);
    std::set<std::string> names;
    std::string all;
    for (const DynSym& s : syms) {
        names.insert(s.name);
        all += " " + s.name;
    }
    const std::set<std::string> expected = {"plugin_name", "plugin_type", "plugin_version", "slurm_spank_init",
                                            "slurm_spank_init_post_opt", "slurm_spank_user_init",
                                            "slurm_spank_task_init"};
    ck_assert_msg(names == expected && syms.size() == expected.size(), "exported:%s", all.c_str());
    Plugin p;
    ck_assert_str_eq(static_cast<const char*>(dlsym(p.handle, "plugin_type")), "spank");
    ck_assert_str_eq(static_cast<const char*>(dlsym(p.handle, "plugin_name")), "stratus");
    ck_assert_uint_eq(*static_cast<const unsigned*>(dlsym(p.handle, "plugin_version")), SLURM_VERSION_NUMBER);
}
END_TEST

START_TEST(registers_options) {
    Plugin p;
    ck_assert_int_eq(p.call_init({}), 0);
    std::vector<std::string> names;
    for (const Registered& r : registered) {
        names.push_back(r.name);
        ck_assert_msg(r.usage.rfind("[stratus] ", 0) == 0, "--%s help lacks the prefix: %s", r.name.c_str(),
                      r.usage.c_str());
    }
    ck_assert_uint_eq(names.size(), 6);
    EXPECT_STR(names[0] + " " + names[1] + " " + names[2] + " " + names[3] + " " + names[4] + " " + names[5],
               "arch instance-type capacity cost-center max-cost stratus-dry-run");
    ck_assert_int_eq(p.option("max-cost").has_arg, 1);
    ck_assert_int_eq(p.option("stratus-dry-run").has_arg, 0);
    EXPECT_STR(p.option("max-cost").usage, "[stratus] Refuse the job if its cost estimate exceeds USD dollars (with /task: each task of an array) (env STRATUS_MAX_COST_USD)");
}
END_TEST

START_TEST(nothing_in_slurmd) {
    context = S_CTX_SLURMD;
    Plugin p;
    ck_assert_int_eq(p.call_init({"enforce=no"}), 0);
    ck_assert_uint_eq(registered.size(), 0);
}
END_TEST

START_TEST(plugstack_arguments) {
    Plugin p;
    ck_assert_int_eq(p.call_init({"enforce=maybe"}), -1);
    EXPECT_STR(take_log(), "error: stratus: plugstack.conf: enforce: expected yes or no: maybe\n");
    ck_assert_int_eq(p.call_init({"bogus=1"}), -1);
    EXPECT_STR(take_log(), "error: stratus: plugstack.conf: unknown argument: bogus=1\n");
    ck_assert_int_eq(p.call_init({"conf"}), -1);
    EXPECT_STR(take_log(), "error: stratus: plugstack.conf: expected key=value: conf\n");
    ck_assert_int_eq(p.call_init({"max-cost=abc"}), -1);
    EXPECT_STR(take_log(), "error: stratus: --max-cost: not a dollar amount: abc (from plugstack.conf)\n");
    registered.clear();
    ck_assert_int_eq(p.call_init({"enforce=no", "show_estimate=yes", "arch_guard=no", "capacity=spot",
                                  "cost_center=chem", "conf=/etc/other.conf"}),
                     0);
    EXPECT_STR(take_log(), "");
}
END_TEST

START_TEST(callbacks_validate_and_are_idempotent) {
    Plugin p;
    ck_assert_int_eq(p.call_init({}), 0);
    const Registered& max_cost = p.option("max-cost");
    ck_assert_int_eq(max_cost.cb(max_cost.val, "12,5", 0), -1);
    EXPECT_STR(take_log(), "error: stratus: --max-cost: not a dollar amount: 12,5\n");
    ck_assert_int_eq(max_cost.cb(max_cost.val, "12.5", 0), 0);
    ck_assert_int_eq(max_cost.cb(max_cost.val, "12.5", 0), 0);
    const Registered& cc = p.option("cost-center");
    ck_assert_int_eq(cc.cb(cc.val, "bad value!", 0), -1);
    EXPECT_STR(take_log(), "error: stratus: --cost-center: must be 1-256 letters, digits or _.:/=+-@: bad value!\n");
    const Registered& arch = p.option("arch");
    ck_assert_int_eq(arch.cb(arch.val, "sparc", 0), -1);
    EXPECT_STR(take_log(), "error: stratus: --arch: unknown architecture (arm64, x86_64 or any): sparc\n");
}
END_TEST

START_TEST(post_opt_precedence_and_job_env) {
    use_sandbox_config();
    blank_job();
    host_job.partition = const_cast<char*>("graviton");
    host_job.time_limit = 60;
    Plugin p;
    ck_assert_int_eq(p.call_init({"capacity=on-demand", "cost-center=site"}), 0);
    // Environment beats plugstack.conf; the command line beats both.
    setenv("STRATUS_COST_CENTER", "from-env", 1);
    setenv("STRATUS_MAX_COST_USD", "12,5", 1);  // bad, but the command line overrides it
    const Registered& max_cost = p.option("max-cost");
    ck_assert_int_eq(max_cost.cb(max_cost.val, "20", 0), 0);
    ck_assert_int_eq(p.post_opt(nullptr, 0, nullptr), 0);
    EXPECT_STR(job_control_env["STRATUS_COST_CENTER"], "from-env");
    EXPECT_STR(job_control_env["STRATUS_CAPACITY"], "on-demand");
    EXPECT_STR(job_control_env["STRATUS_MAX_COST_USD"], "20");
    unsetenv("STRATUS_COST_CENTER");
    unsetenv("STRATUS_MAX_COST_USD");
}
END_TEST

// The job description sbatch will send keeps its submit line: freeing it
// made sbatch send freed memory to slurmctld.
START_TEST(post_opt_leaves_the_submit_line_to_sbatch) {
    use_sandbox_config();
    blank_job();
    host_job.partition = const_cast<char*>("graviton");
    freed_host_submit_line = 0;
    Plugin p;
    ck_assert_int_eq(p.call_init({}), 0);
    ck_assert_int_eq(p.post_opt(nullptr, 0, nullptr), 0);
    ck_assert_int_eq(freed_host_submit_line, 0);
}
END_TEST

START_TEST(post_opt_bad_env_value) {
    use_sandbox_config();
    blank_job();
    Plugin p;
    ck_assert_int_eq(p.call_init({}), 0);
    setenv("STRATUS_MAX_COST_USD", "12,5", 1);
    take_log();
    ck_assert_int_eq(p.post_opt(nullptr, 0, nullptr), -1);
    EXPECT_STR(take_log(), "error: stratus: --max-cost: not a dollar amount: 12,5 (from STRATUS_MAX_COST_USD)\n");
    unsetenv("STRATUS_MAX_COST_USD");
}
END_TEST

START_TEST(post_opt_refuses_like_the_server) {
    use_sandbox_config();
    blank_job();
    host_job.partition = const_cast<char*>("gpu");
    host_job.tres_per_node = const_cast<char*>("gres:gpu:16");
    Plugin p;
    ck_assert_int_eq(p.call_init({}), 0);
    take_log();
    ck_assert_int_eq(p.post_opt(nullptr, 0, nullptr), -1);
    EXPECT_STR(take_log(),
               "error: stratus: partition gpu: no instance type has 16 GPUs per node (largest: p5.48xlarge, 8 x h100)\n");
    // enforce=no: a warning, and the job goes on.
    registered.clear();
    ck_assert_int_eq(p.call_init({"enforce=no"}), 0);
    ck_assert_int_eq(p.post_opt(nullptr, 0, nullptr), 0);
    EXPECT_STR(take_log(), "info: stratus: partition gpu: no instance type has 16 GPUs per node (largest: "
                           "p5.48xlarge, 8 x h100) (not enforced)\n");
}
END_TEST

// GPU counts no machine can hold: refused as job_submit/stratus refuses them.
START_TEST(post_opt_gpu_counts_beyond_any_machine) {
    use_sandbox_config();
    blank_job();
    host_job.partition = const_cast<char*>("gpu");
    std::string wrap;
    for (int i = 0; i < 4294; ++i) wrap += "gres/gpu:1000000,";
    wrap += "gres/gpu:967296,gres/gpu:1";  // wrapped to 1 GPU in 32 bits
    host_job.tres_per_node = &wrap[0];
    Plugin p;
    ck_assert_int_eq(p.call_init({}), 0);
    take_log();
    ck_assert_int_eq(p.post_opt(nullptr, 0, nullptr), -1);
    EXPECT_STR(take_log(), "error: stratus: --gpus-per-node/--gres: GPU counts add up to more than 4294967295: 4294967297\n");
    host_job.tres_per_node = nullptr;
}
END_TEST

// When Slurm itself cannot make a job of the options it says why, and the
// job is not submitted: no "internal error: out of memory" on top.
START_TEST(post_opt_when_slurm_refuses_the_options) {
    use_sandbox_config();
    blank_job();
    host_refuses_options = true;
    Plugin p;
    ck_assert_int_eq(p.call_init({}), 0);
    take_log();
    ck_assert_int_eq(p.post_opt(nullptr, 0, nullptr), -1);
    EXPECT_STR(take_log(), "error: stratus: Slurm cannot make a job of these options (its error above says why)\n");
}
END_TEST

START_TEST(post_opt_routes_and_shows_estimate) {
    use_sandbox_config();
    blank_job();
    host_job.min_nodes = host_job.max_nodes = 2;
    host_job.time_limit = 120;
    Plugin p;
    ck_assert_int_eq(p.call_init({}), 0);
    take_log();
    ck_assert_int_eq(p.post_opt(nullptr, 0, nullptr), 0);
    EXPECT_STR(options_set["partition"], "graviton,gpu");
    EXPECT_STR(take_log(), "info: stratus: routed to graviton,gpu (cheapest first); partition graviton: estimate "
                           "$6.73 (2 x hpc7g.16xlarge on-demand at $1.6832/h for 2h00, time limit); up to $41.97 in "
                           "another partition\n");
    EXPECT_STR(job_control_env["STRATUS_EST_USD"], "6.73");
    EXPECT_STR(getenv("STRATUS_EST_USD"), "6.73");
}
END_TEST

START_TEST(remote_task_env_from_imds) {
    // A node slurm.conf does not describe (a cloud node): its type comes from IMDS.
    use_sandbox_config();
    FakeImds imds(2, "c7gn.16xlarge");
    setenv("SLURMD_NODENAME", "cloud-7", 1);
    task_env["SLURM_JOB_PARTITION"] = "graviton";
    context = S_CTX_REMOTE;
    Plugin p;
    ck_assert_int_eq(p.call_init({}), 0);
    auto user_init = reinterpret_cast<SpankFn>(dlsym(p.handle, "slurm_spank_user_init"));
    auto task_init = reinterpret_cast<SpankFn>(dlsym(p.handle, "slurm_spank_task_init"));
    ck_assert_int_eq(user_init(nullptr, 0, nullptr), 0);
    ck_assert_int_eq(task_init(nullptr, 0, nullptr), 0);
    EXPECT_STR(task_env["STRATUS_INSTANCE_TYPE"], "c7gn.16xlarge");
    EXPECT_STR(task_env["STRATUS_ARCH"], "arm64");
    EXPECT_STR(task_env["STRATUS_PRICE_USD_H"], "3.9936");
    EXPECT_STR(task_env["STRATUS_CAPACITY"], "on-demand");
}
END_TEST

START_TEST(remote_without_imds) {
    use_sandbox_config();
    setenv("SLURMD_NODENAME", "cloud-7", 1);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1", 1);  // nothing listens
    context = S_CTX_REMOTE;
    Plugin p;
    ck_assert_int_eq(p.call_init({"imds=no"}), 0);
    auto user_init = reinterpret_cast<SpankFn>(dlsym(p.handle, "slurm_spank_user_init"));
    auto task_init = reinterpret_cast<SpankFn>(dlsym(p.handle, "slurm_spank_task_init"));
    ck_assert_int_eq(user_init(nullptr, 0, nullptr), 0);
    ck_assert_int_eq(task_init(nullptr, 0, nullptr), 0);
    ck_assert(task_env.count("STRATUS_INSTANCE_TYPE") == 0);
    EXPECT_STR(task_env["STRATUS_ARCH"], "x86_64");  // the machine's own
    ck_assert(task_env.count("STRATUS_PRICE_USD_H") == 0);
}
END_TEST

Suite* spank_suite() {
    Suite* s = suite_create("spank_stratus.so");
    TCase* tc = make_tcase("spank");
    // Every test starts from a fresh host, also without Check's fork mode
    // (CK_FORK=no runs them all in this process): a step's task environment
    // left by one test must not be the next test's. The plugin itself is
    // loaded afresh by each test's Plugin.
    tcase_add_checked_fixture(tc, [] {
        context = S_CTX_ALLOCATOR;
        registered.clear();
        log_text.clear();
        job_control_env.clear();
        task_env.clear();
        options_set.clear();
        host_refuses_options = false;
    }, nullptr);
    tcase_add_test(tc, exports_exactly_the_spank_api);
    tcase_add_test(tc, needs_no_libslurm);
    tcase_add_test(tc, registers_options);
    tcase_add_test(tc, nothing_in_slurmd);
    tcase_add_test(tc, plugstack_arguments);
    tcase_add_test(tc, callbacks_validate_and_are_idempotent);
    tcase_add_test(tc, post_opt_precedence_and_job_env);
    tcase_add_test(tc, post_opt_leaves_the_submit_line_to_sbatch);
    tcase_add_test(tc, post_opt_bad_env_value);
    tcase_add_test(tc, post_opt_refuses_like_the_server);
    tcase_add_test(tc, post_opt_gpu_counts_beyond_any_machine);
    tcase_add_test(tc, post_opt_when_slurm_refuses_the_options);
    tcase_add_test(tc, post_opt_routes_and_shows_estimate);
    tcase_add_test(tc, remote_task_env_from_imds);
    tcase_add_test(tc, remote_without_imds);
    suite_add_tcase(s, tc);
    return s;
}

int main() { return run_suites("spank", {spank_suite()}); }
