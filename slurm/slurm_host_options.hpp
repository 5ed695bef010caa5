// The submitting command's own view of the job. sbatch, salloc and srun
// export their parsed options (the global `opt`: command line, environment
// and #SBATCH lines already merged by Slurm), and libslurm exports
// slurm_opt_create_job_desc(), which builds from them the job_desc_msg_t
// the command will send. The SPANK plugin looks these up at run time
// (it never links libslurm), so the client reads a job exactly as
// slurmctld's job_submit/stratus will.
#pragma once

#include "slurm_api.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

struct option;

namespace stratus::spank {

class HostOptions {
public:
    // Frees what slurm_opt_create_job_desc() allocated, and only that.
    class DescDeleter {
    public:
        explicit DescDeleter(void (*free_desc)(job_desc_msg_t*) = nullptr) noexcept : free_(free_desc) {}
        void operator()(job_desc_msg_t* d) const noexcept;

    private:
        void (*free_)(job_desc_msg_t*);
    };
    using JobDesc = std::unique_ptr<job_desc_msg_t, DescDeleter>;

    // nullopt when this process or Slurm version does not provide them.
    static std::optional<HostOptions> bind() noexcept;

    // The job description the command would send now; null when Slurm
    // cannot make one of the options (a GRES count it cannot hold, a bad
    // node list): Slurm has then printed why, and the command will not
    // submit the job either.
    JobDesc job_desc() const;
    // Replaces an option's value, as if the user had given it. False on error.
    bool set(const char* name, const char* value) const noexcept;
    // srun: the command it will run, found in its argv with Slurm's own
    // option table (getopt_long rules); nullopt if there is none.
    std::optional<std::string> command() const;

private:
    using CreateFn = job_desc_msg_t* (*)(void* opt, bool set_defaults);
    using FreeFn = void (*)(job_desc_msg_t*);
    using SetFn = int (*)(void* opt, const char* name, const char* value, bool early);
    using TableFn = struct option* (*)(void* opt, char** opt_string);
    using TableFreeFn = void (*)(struct option* table);
    struct Fns {
        CreateFn create;
        FreeFn free;
        SetFn set;
        TableFn table;
        TableFreeFn table_free;
    };
    HostOptions(void* opt, Fns fns) : opt_(opt), fns_(fns) {}
    void* opt_;
    Fns fns_;
};

}  // namespace stratus::spank
