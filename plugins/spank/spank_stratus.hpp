// spank/stratus: shared declarations of the SPANK plugin's context files.
// pyxis layout: spank_stratus.cpp dispatches on spank_context() to
// options.cpp (all contexts), local.cpp (sbatch/salloc/srun) and
// remote.cpp (slurmstepd).
#pragma once

#include "slurm_api.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include "request.hpp"

namespace stratus::spank {

// Plugin-wide settings: plugstack.conf arguments and the values of the
// user's options from each source. Precedence: command line > STRATUS_*
// environment > plugstack.conf argument > built-in default.
struct Settings {
    std::string conf;              // conf=PATH (default: next to slurm.conf)
    bool enforce = true;           // enforce=yes|no: refuse, or only warn
    std::optional<bool> show_estimate;  // show_estimate=yes|no; unset: show unless slurmctld runs job_submit/stratus
    bool arch_guard = true;        // arch_guard=yes|no
    bool imds = true;              // imds=yes|no: ask EC2's metadata service for the node's type
    bool dry_run = false;          // --stratus-dry-run
    std::vector<std::optional<std::string>> from_cli;        // indexed like option_specs()
    std::vector<std::optional<std::string>> from_plugstack;  // indexed like option_specs()
};

Settings& settings();

// Registers the options and reads plugstack arguments (slurm_spank_init).
// Returns 0, or -1 after logging a bad plugstack argument.
int register_options(spank_t sp, int ac, char** av);

struct ResolvedOption {
    const OptionSpec* spec;
    std::string value;
};
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;

// Resolves every Stratus option in precedence order, validates it and
// applies it to `req`; `env` reads the environment values default from.
// Returns the user-facing error (with its source) for the first bad value.
std::optional<std::string> resolve_options(JobRequest& req, const EnvLookup& env,
                                           std::vector<ResolvedOption>* resolved);

// The stratus.conf and slurm.conf this process should read.
std::string stratus_conf_path();
std::string slurm_conf_path();

// Context entry points.
int local_post_opt(spank_t sp);   // sbatch, salloc, srun: client-side policy
int remote_user_init(spank_t sp); // slurmstepd, once per step before tasks fork
int remote_task_init(spank_t sp); // slurmstepd, in each task before exec

}  // namespace stratus::spank
