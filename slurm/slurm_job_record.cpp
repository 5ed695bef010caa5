// job_modify's view of slurmctld's job record (slurm_job.hpp).
#include <dlfcn.h>
#include <sys/types.h>

#include "slurm_exports.h"
#include "slurm_job.hpp"

namespace stratus {

namespace {

// The start of job_record_t: in 22.05 (src/slurmctld/slurmctld.h) and 24.11
// (src/common/job_record.h) magic first ("DO NOT ALPHABETIZE"), then the
// fields in alphabetical order; 26.05 puts the job's slurm_step_id_t (its
// sluid and job id) before the magic. The releases between were not tested,
// so both layouts are tried, the one of the headers built against first.
struct MagicFirst {
    uint32_t magic;
    char* account;
    char* admin_comment;
};
struct StepIdFirst {
    slurm_step_id_t step_id;
    MagicFirst rest;
};
constexpr uint32_t kJobMagic = 0xf0b7392c;  // JOB_MAGIC

MagicFirst* head_of(const void* job_ptr) noexcept {
    if (!job_ptr) return nullptr;
    auto* magic_first = static_cast<MagicFirst*>(const_cast<void*>(job_ptr));
    auto* step_id_first = &static_cast<StepIdFirst*>(const_cast<void*>(job_ptr))->rest;
    constexpr bool step_id_expected = STRATUS_SLURM_AT_LEAST(26, 5);
    MagicFirst* order[] = {step_id_expected ? step_id_first : magic_first,
                           step_id_expected ? magic_first : step_id_first};
    for (MagicFirst* h : order)
        if (h->magic == kJobMagic) return h;
    return nullptr;
}

}  // namespace

std::optional<JobRecordText> job_record_text(const void* job_ptr) noexcept {
    try {
        MagicFirst* h = head_of(job_ptr);
        if (!h) return std::nullopt;
        return JobRecordText{h->account ? h->account : "", h->admin_comment ? h->admin_comment : ""};
    } catch (...) {  // std::bad_alloc copying the strings
        return std::nullopt;
    }
}

bool set_job_record_admin_comment(void* job_ptr, const std::string& text) noexcept {
    MagicFirst* h = head_of(job_ptr);
    if (!h) return false;
    char* copy = slurm_xstrdup(text.c_str());
    if (!copy) return false;
    slurm_xfree(reinterpret_cast<void**>(&h->admin_comment));
    h->admin_comment = copy;
    return true;
}

bool is_slurm_admin(uint32_t uid) noexcept {
    using Validate = bool (*)(uid_t);
    static const Validate validate = reinterpret_cast<Validate>(dlsym(RTLD_DEFAULT, "validate_super_user"));
    return validate ? validate(static_cast<uid_t>(uid)) : uid == 0;
}

}  // namespace stratus
