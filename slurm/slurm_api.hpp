// The Slurm adapter layer's one door to Slurm's headers. Every file that
// needs a Slurm type includes this, never <slurm/...> itself, and every
// difference between Slurm releases is decided here or in slurm/*.cpp on
// SLURM_VERSION_NUMBER, nowhere else.
//
// Supported: Slurm 22.05 to 26.05 (configure refuses others). Tested:
// 22.05 (Debian 12), 24.11 (trixie), 26.05 (sid); see scripts/test --slurm.
#pragma once

extern "C" {
#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>
#include <slurm/spank.h>
}

#include <cerrno>
#include <cstdint>

#define STRATUS_SLURM_AT_LEAST(major, minor) (SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(major, minor, 0))

#if !STRATUS_SLURM_AT_LEAST(22, 5) || STRATUS_SLURM_AT_LEAST(26, 11)
#error "Stratus supports Slurm 22.05 to 26.05"
#endif

// job_modify() gains `char **err_msg` (23.02): the user sees why an update is refused.
#define STRATUS_SLURM_JOB_MODIFY_ERR_MSG STRATUS_SLURM_AT_LEAST(23, 2)
// Nodes carry InstanceId and InstanceType (23.11): scontrol and sacctmgr show them.
#define STRATUS_SLURM_NODE_INSTANCE STRATUS_SLURM_AT_LEAST(23, 11)

namespace stratus::slurm {

// Slurm's lists: List/ListIterator up to 23.02, list_t */list_itr_t * since.
using list_ptr = decltype(slurm_list_create(nullptr));
using list_iterator = decltype(slurm_list_iterator_create(nullptr));

// The error of the last failed libslurm call. libslurm sets errno (its
// slurm_get_errno(), gone in 24.11, only returned it).
inline int last_error() noexcept { return errno; }

// The name of a pending job's reason (libslurm exports it without declaring
// it; renamed in 23.11).
const char* job_reason_name(uint32_t reason) noexcept;

// A job description's job id (26.05 replaces job_id with step_id). An
// update names its job by job_id_str ("42", "42_7" for an array task).
inline uint32_t job_id_of(const job_desc_msg_t& d) noexcept {
#if STRATUS_SLURM_AT_LEAST(26, 5)
    uint32_t id = d.step_id.job_id;
#else
    uint32_t id = d.job_id;
#endif
    if ((id == 0 || id == NO_VAL) && d.job_id_str) {
        uint64_t v = 0;
        const char* p = d.job_id_str;
        for (; *p >= '0' && *p <= '9' && v <= 0xffffffffu; ++p) v = v * 10 + static_cast<uint64_t>(*p - '0');
        if (p != d.job_id_str && v <= 0xffffffffu) id = static_cast<uint32_t>(v);
    }
    return id;
}

inline void set_job_id(job_desc_msg_t& d, uint32_t job_id) noexcept {
#if STRATUS_SLURM_AT_LEAST(26, 5)
    d.step_id.job_id = job_id;
#else
    d.job_id = job_id;
#endif
}

// slurm_load_job() and slurm_notify_job() take a slurm_step_id_t in 26.05;
// their C11 _Generic wrappers cannot be used from C++, hence (name)(...).
inline int load_job(job_info_msg_t** resp, uint32_t job_id, uint16_t show_flags) {
#if STRATUS_SLURM_AT_LEAST(26, 5)
    slurm_step_id_t id = SLURM_STEP_ID_INITIALIZER;
    id.job_id = job_id;
    return (slurm_load_job)(resp, id, show_flags);
#else
    return slurm_load_job(resp, job_id, show_flags);
#endif
}

inline int notify_job(uint32_t job_id, char* message) {
#if STRATUS_SLURM_AT_LEAST(26, 5)
    slurm_step_id_t id = SLURM_STEP_ID_INITIALIZER;
    id.job_id = job_id;
    return (slurm_notify_job)(id, message);
#else
    return slurm_notify_job(job_id, message);
#endif
}

// The uid an update's reason is recorded under (26.05 takes it from the
// RPC's credentials and has no field for it).
inline void set_reason_uid([[maybe_unused]] update_node_msg_t& msg, [[maybe_unused]] uint32_t uid) noexcept {
#if !STRATUS_SLURM_AT_LEAST(26, 5)
    msg.reason_uid = uid;
#endif
}

}  // namespace stratus::slurm
