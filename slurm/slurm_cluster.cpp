#include "slurm_cluster.hpp"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

#include "hostlist.hpp"
#include "slurm_job.hpp"
#include "node_instance.hpp"
#include "slurm_api.hpp"

// libslurm exports the name squeue prints for a pending reason without
// declaring it; Slurm 23.11 renamed it. Weak: whichever this libslurm has.
extern "C" {
const char* slurm_job_reason_string(uint32_t inx) __attribute__((weak));
const char* slurm_job_state_reason_string(uint32_t inx) __attribute__((weak));
}

namespace stratus::slurm {

const char* job_reason_name(uint32_t reason) noexcept {
    if (slurm_job_state_reason_string) return slurm_job_state_reason_string(reason);
    if (slurm_job_reason_string) return slurm_job_reason_string(reason);
    return nullptr;
}

namespace bd = stratus::burstd;

namespace {

std::string error_text() { return slurm_strerror(last_error()); }

bd::Wait wait_of(const slurm_job_info_t& j, std::unordered_map<uint32_t, bd::Wait>& cache) {
    if (j.priority == 0 && j.state_reason != WAIT_HELD_USER) return bd::Wait::held_admin;
    auto it = cache.find(j.state_reason);
    if (it != cache.end()) return it->second;
    const char* name = job_reason_name(j.state_reason);
    bd::Wait w = bd::classify_reason(name ? name : "");
    cache.emplace(j.state_reason, w);
    return w;
}

// What slurmctld holds for a pending job, as the policy core's JobRequest
// (the same fields job_submit/stratus reads from the submission). Stratus'
// own options (--arch, --instance-type, ...) are not in slurmctld's job
// record; the constraint and sizes are. False for a job asking for more
// GPUs than any machine has (kMaxGpuCount): there is nothing to plan for it.
bool to_pending(const slurm_job_info_t& j, bd::PendingJob& out) {
    if (fill_job_request(j, out.req)) return false;
    out.job_id = j.job_id;
    out.exclusive = j.shared == JOB_SHARED_NONE;
    out.count = out.req.array_tasks;  // the tasks of an array still pending, as the policy prices them
    return true;
}

bd::NodeInfo to_node(const node_info_t& n, const Catalog& catalog) {
    bd::NodeInfo out;
    out.name = n.name;
    const uint32_t s = n.node_state, base = s & NODE_STATE_BASE;
    out.cloud = s & NODE_STATE_CLOUD;
    if (s & (NODE_STATE_POWERING_DOWN | NODE_STATE_POWER_DOWN | NODE_STATE_POWER_DRAIN))
        out.power = (s & NODE_STATE_POWERED_DOWN) ? bd::NodePower::powered_down : bd::NodePower::powering_down;
    else if (s & NODE_STATE_POWERED_DOWN) out.power = bd::NodePower::powered_down;
    else if (s & NODE_STATE_POWERING_UP) out.power = bd::NodePower::powering_up;
    else out.power = bd::NodePower::up;
    bool off = out.power != bd::NodePower::up;
    if (base == NODE_STATE_DOWN || base == NODE_STATE_UNKNOWN || base == NODE_STATE_FUTURE ||
        (s & (NODE_STATE_DRAIN | NODE_STATE_FAIL | NODE_STATE_MAINT | NODE_STATE_REBOOT_REQUESTED |
              NODE_STATE_REBOOT_ISSUED | NODE_STATE_INVALID_REG)) ||
        ((s & NODE_STATE_NO_RESPOND) && !off))
        out.use = bd::NodeUse::unavailable;
    else if (base == NODE_STATE_ALLOCATED || base == NODE_STATE_MIXED || (s & NODE_STATE_COMPLETING))
        out.use = bd::NodeUse::busy;
    else out.use = bd::NodeUse::idle;
    out.last_busy = static_cast<int64_t>(n.last_busy);
    if (n.features) out.type = instance_type_in_features(catalog, n.features);
    return out;
}


}  // namespace

size_t read_cluster(const Config& cfg, bd::PlanInput& in) {
    partition_info_msg_t* parts = nullptr;
    if (slurm_load_partitions(0, &parts, SHOW_ALL) != SLURM_SUCCESS)
        throw std::runtime_error("slurm_load_partitions: " + error_text());
    std::unordered_map<std::string, std::vector<std::string>> node_parts;
    for (uint32_t i = 0; i < parts->record_count; ++i) {
        const partition_info_t& p = parts->partition_array[i];
        if (!p.name) continue;
        for (std::string& n : hostlist_names(p.nodes ? p.nodes : "")) node_parts[n].push_back(p.name);
    }
    slurm_free_partition_info_msg(parts);

    node_info_msg_t* nodes = nullptr;
    if (slurm_load_node(0, &nodes, SHOW_ALL) != SLURM_SUCCESS) throw std::runtime_error("slurm_load_node: " + error_text());
    in.nodes.reserve(nodes->record_count);
    for (uint32_t i = 0; i < nodes->record_count; ++i) {
        const node_info_t& n = nodes->node_array[i];
        if (!n.name) continue;
        bd::NodeInfo ni = to_node(n, *cfg.catalog);
        auto it = node_parts.find(ni.name);
        if (it != node_parts.end()) ni.partitions = it->second;
        in.nodes.push_back(std::move(ni));
    }
    slurm_free_node_info_msg(nodes);
    std::unordered_map<std::string, bool> listed;
    for (const bd::NodeInfo& n : in.nodes) listed.emplace(n.name, true);
    std::vector<std::string> hidden;
    for (const auto& np : node_parts)
        if (!listed.count(np.first)) hidden.push_back(np.first);
    // cloud-2 before cloud-10.
    std::sort(hidden.begin(), hidden.end(), [](const std::string& a, const std::string& b) {
        return a.size() != b.size() ? a.size() < b.size() : a < b;
    });
    for (const std::string& name : hidden) {
        const std::vector<std::string>& part_names = node_parts[name];
        bd::NodeInfo ni;
        ni.name = name;
        ni.partitions = part_names;
        ni.cloud = true;
        ni.power = bd::NodePower::powered_down;
        ni.use = bd::NodeUse::idle;
        for (const std::string& pn : part_names)
            if (const PartitionConfig* pc = cfg.find_partition(pn); pc && pc->types.size() == 1) ni.type = pc->types[0].type;
        in.nodes.push_back(std::move(ni));
    }

    job_info_msg_t* jobs = nullptr;
    if (slurm_load_jobs(0, &jobs, SHOW_ALL) != SLURM_SUCCESS) throw std::runtime_error("slurm_load_jobs: " + error_text());
    std::unordered_map<uint32_t, bd::Wait> reasons;
    for (uint32_t i = 0; i < jobs->record_count; ++i) {
        const slurm_job_info_t& j = jobs->job_array[i];
        if ((j.job_state & JOB_STATE_BASE) != JOB_PENDING) continue;
        // Requeued jobs still completing, and hetjob components, wait for other things.
        if (j.job_state & (JOB_COMPLETING | JOB_REQUEUE | JOB_REVOKED)) continue;
        bd::PendingJob pj;
        if (!to_pending(j, pj)) continue;
        pj.reason = wait_of(j, reasons);
        in.jobs.push_back(std::move(pj));
    }
    slurm_free_job_info_msg(jobs);
    return hidden.size();
}

std::string power_nodes(const std::vector<std::string>& nodes, bool up, const std::string& reason) {
    std::string names;
    for (const std::string& n : nodes) names += (names.empty() ? "" : ",") + n;
    std::string why = reason;
    update_node_msg_t msg;
    slurm_init_update_node_msg(&msg);
    msg.node_names = names.data();
    msg.node_state = up ? NODE_STATE_POWER_UP : NODE_STATE_POWER_DOWN;
    if (!up && !why.empty()) msg.reason = why.data();
    if (slurm_update_node(&msg) != SLURM_SUCCESS) return "slurm_update_node " + names + ": " + error_text();
    return "";
}

}  // namespace stratus::slurm
