// slurmstepd (remote context): tells each task what it runs on and what it
// costs, and stops a foreign-architecture program before exec with a
// message instead of a bare "Exec format error".

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "aws/error.hpp"
#include "aws/imds.hpp"
#include "error.hpp"
#include "executable.hpp"
#include "node_instance.hpp"
#include "slurm_exports.h"
#include "spank_stratus.hpp"
#include "text.hpp"

namespace stratus::spank {

namespace {

std::optional<std::string> job_env(spank_t sp, const char* name) {
    char buf[4096];
    if (spank_getenv(sp, name, buf, sizeof buf) != ESPANK_SUCCESS) return std::nullopt;
    return std::string(buf);
}

// What this node is, worked out once per step (in slurmstepd, before the
// tasks fork) from the node's slurm.conf features and stratus.conf.
struct NodeFacts {
    std::string node;
    std::shared_ptr<const Config> cfg;  // owns *type; default_config() without a stratus.conf on the node
    const InstanceType* type = nullptr;
    Arch arch = host_arch();
    Capacity capacity = Capacity::on_demand;
    std::optional<double> usd_per_hour;
    JobRequest options;  // the user's Stratus options, from the job's command line or environment
};

std::unique_ptr<NodeFacts>& facts() {
    static std::unique_ptr<NodeFacts> f;
    return f;
}

// On EC2 the instance metadata service knows the node's type. Off EC2 it
// does not answer: short timeouts, and imds=no in plugstack.conf skips it.
const InstanceType* type_from_imds(const Catalog& catalog) {
    if (!settings().imds) return nullptr;
    try {
        aws::ImdsOptions options;
        options.connect_timeout = std::chrono::milliseconds(300);
        options.timeout = std::chrono::milliseconds(1000);
        aws::ImdsClient imds(options);
        if (imds.disabled()) return nullptr;
        std::optional<std::string> type = imds.get("/latest/meta-data/instance-type");
        return type ? catalog.find(trim(*type)) : nullptr;
    } catch (const aws::AwsError& e) {
        slurm_debug("stratus: instance metadata: %s", e.what());
        return nullptr;
    }
}

}  // namespace

int remote_user_init(spank_t sp) {
    auto f = std::make_unique<NodeFacts>();
    if (const char* node = std::getenv("SLURMD_NODENAME")) f->node = node;  // slurmstepd's own environment
    if (auto bad = resolve_options(f->options, [&](const char* n) { return job_env(sp, n); }, nullptr))
        slurm_error("%s: ignored", bad->c_str());  // already refused where the job was submitted
    try {
        f->cfg = std::make_shared<const Config>(load_config(stratus_conf_path(), slurm_conf_path()));
    } catch (const ConfigError& e) {
        slurm_debug("stratus: %s", e.what());
        f->cfg = std::make_shared<const Config>(default_config());
    }
    if (auto features = node_features(slurm_conf_path(), f->node))
        f->type = instance_type_in_features(*f->cfg->catalog, *features);
    if (!f->type) f->type = type_from_imds(*f->cfg->catalog);
    const PartitionConfig* part = nullptr;
    if (auto p = job_env(sp, "SLURM_JOB_PARTITION")) part = f->cfg->find_partition(*p);
    f->capacity = f->options.capacity.value_or(part ? part->capacity : Capacity::on_demand);
    if (f->type) {
        f->arch = f->type->arch;
        f->usd_per_hour = f->type->price(f->cfg->region, f->capacity);
    }
    facts() = std::move(f);
    return 0;
}

int remote_task_init(spank_t sp) {
    const NodeFacts* f = facts().get();
    if (!f) return 0;
    auto put = [&](const char* name, const std::string& value) { spank_setenv(sp, name, value.c_str(), 1); };
    if (f->type) put("STRATUS_INSTANCE_TYPE", f->type->name);
    put("STRATUS_ARCH", arch_name(f->arch));
    put("STRATUS_CAPACITY", capacity_name(f->capacity));
    if (f->usd_per_hour) put("STRATUS_PRICE_USD_H", format_fixed(*f->usd_per_hour, 4));
    if (!f->options.cost_center.empty()) put("STRATUS_COST_CENTER", f->options.cost_center);
    // STRATUS_EST_USD arrives in the job's environment from sbatch/srun.

    if (!settings().arch_guard) return 0;
    int argc = 0;
    char** argv = nullptr;
    if (spank_get_item(sp, S_JOB_ARGV, &argc, &argv) != ESPANK_SUCCESS || argc < 1 || !argv || !argv[0]) return 0;
    char cwd[4096];
    if (!::getcwd(cwd, sizeof cwd)) return 0;
    std::optional<std::string> file = resolve_command(argv[0], job_env(sp, "PATH").value_or(""), cwd);
    if (!file) return 0;
    std::optional<ExecutableArch> exe = executable_arch(*file);
    if (!exe || exe->arch == f->arch) return 0;
    std::string runs = std::string(arch_name(f->arch)) + (f->type ? " (" + f->type->name + ")" : "");
    std::string msg = std::string("stratus: ") + argv[0] + " is an " + arch_name(exe->arch) + " executable but node " +
                      f->node + " runs " + runs;
    slurm_error("%s", msg.c_str());
    std::fprintf(stderr, "%s\n", msg.c_str());  // the task's stderr: where the user looks
    return -1;
}

}  // namespace stratus::spank
