// spank/stratus: Stratus options for sbatch, salloc and srun, client-side
// policy, and the job environment on the nodes. This file only dispatches:
// every entry point runs behind the exception firewall.

#include "firewall.hpp"
#include "slurm_exports.h"
#include "spank_stratus.hpp"

#define STRATUS_EXPORT __attribute__((visibility("default")))

// SPANK_PLUGIN() would give these internal linkage in C++: declare them.
extern "C" {
STRATUS_EXPORT extern const char plugin_name[] = "stratus";
STRATUS_EXPORT extern const char plugin_type[] = "spank";
STRATUS_EXPORT extern const unsigned int plugin_version = SLURM_VERSION_NUMBER;
STRATUS_EXPORT int slurm_spank_init(spank_t sp, int ac, char** av);
STRATUS_EXPORT int slurm_spank_init_post_opt(spank_t sp, int ac, char** av);
STRATUS_EXPORT int slurm_spank_user_init(spank_t sp, int ac, char** av);
STRATUS_EXPORT int slurm_spank_task_init(spank_t sp, int ac, char** av);
}

namespace {
void log_exception(const char* where, const char* what) noexcept {
    slurm_error("stratus: %s: internal error: %s", where, what);
}
}  // namespace

namespace ss = stratus::spank;

extern "C" int slurm_spank_init(spank_t sp, int ac, char** av) {
    return stratus::guarded("init", -1, log_exception, [&] {
        switch (spank_context()) {
        case S_CTX_LOCAL: case S_CTX_ALLOCATOR: case S_CTX_REMOTE:
            return ss::register_options(sp, ac, av);
        default:  // slurmd, job_script (prolog/epilog): nothing to do
            return 0;
        }
    });
}

extern "C" int slurm_spank_init_post_opt(spank_t sp, int, char**) {
    return stratus::guarded("init_post_opt", -1, log_exception, [&] {
        switch (spank_context()) {
        case S_CTX_LOCAL: case S_CTX_ALLOCATOR:
            return ss::local_post_opt(sp);
        default:
            return 0;
        }
    });
}

extern "C" int slurm_spank_user_init(spank_t sp, int, char**) {
    return stratus::guarded("user_init", 0, log_exception,
                            [&] { return spank_context() == S_CTX_REMOTE ? ss::remote_user_init(sp) : 0; });
}

extern "C" int slurm_spank_task_init(spank_t sp, int, char**) {
    return stratus::guarded("task_init", 0, log_exception,
                            [&] { return spank_context() == S_CTX_REMOTE ? ss::remote_task_init(sp) : 0; });
}
