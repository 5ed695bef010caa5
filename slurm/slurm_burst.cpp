#include "slurm_burst.hpp"

#include <pwd.h>
#include <stdint.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "slurm_api.hpp"
#include "text.hpp"

namespace stratus::slurm {

namespace {

std::string error_text() {
    int e = last_error();
    const char* s = slurm_strerror(e);
    return std::string(s ? s : "unknown error") + " (" + std::to_string(e) + ")";
}

// One update RPC per chunk of nodes (a hostlist of thousands is fine for
// slurmctld, but keep messages moderate).
constexpr size_t kChunk = 500;

std::string update_state(const std::vector<std::string>& nodes, uint32_t state, const std::string& reason) {
    std::string errors;
    for (size_t i = 0; i < nodes.size(); i += kChunk) {
        std::vector<std::string> chunk(nodes.begin() + static_cast<std::ptrdiff_t>(i),
                                       nodes.begin() + static_cast<std::ptrdiff_t>(std::min(nodes.size(), i + kChunk)));
        std::string names = join(chunk);
        std::string why = reason;
        update_node_msg_t msg;
        slurm_init_update_node_msg(&msg);
        msg.node_names = &names[0];
        msg.node_state = state;
        if (!why.empty()) {
            msg.reason = &why[0];
            set_reason_uid(msg, static_cast<uint32_t>(getuid()));
        }
        if (slurm_update_node(&msg) != SLURM_SUCCESS) errors += (errors.empty() ? "" : "; ") + error_text();
    }
    return errors;
}

}  // namespace

void LibslurmApi::ready() {
    if (initialized_) return;
    slurm_init(nullptr);
    initialized_ = true;
}

LibslurmApi::~LibslurmApi() {
    if (initialized_) slurm_fini();
}

std::string LibslurmApi::set_addresses(const std::vector<burst::NodeAddress>& nodes) {
    ready();
    std::string errors;
    for (size_t i = 0; i < nodes.size(); i += kChunk) {
        std::string names, addrs, hostnames;
        for (size_t k = i; k < std::min(nodes.size(), i + kChunk); ++k) {
            const char* sep = k == i ? "" : ",";
            names += sep + nodes[k].node;
            addrs += sep + nodes[k].addr;
            hostnames += sep + nodes[k].hostname;
        }
        update_node_msg_t msg;
        slurm_init_update_node_msg(&msg);
        msg.node_names = &names[0];
        msg.node_addr = &addrs[0];
        msg.node_hostname = &hostnames[0];
        if (slurm_update_node(&msg) != SLURM_SUCCESS) errors += (errors.empty() ? "" : "; ") + error_text();
    }
    return errors;
}

std::string LibslurmApi::set_instances([[maybe_unused]] const std::vector<burst::NodeInstance>& nodes) {
#if STRATUS_SLURM_NODE_INSTANCE
    ready();
    std::string errors;
    for (const burst::NodeInstance& n : nodes) {
        std::string name = n.node, id = n.instance_id, type = n.instance_type;
        update_node_msg_t msg;
        slurm_init_update_node_msg(&msg);
        msg.node_names = &name[0];
        msg.instance_id = &id[0];  // "" clears it
        msg.instance_type = &type[0];
        if (slurm_update_node(&msg) != SLURM_SUCCESS) errors += (errors.empty() ? "" : "; ") + n.node + ": " + error_text();
    }
    return errors;
#else
    return "";
#endif
}

std::string LibslurmApi::mark_failed(const std::vector<std::string>& nodes, const std::string& reason) {
    ready();
    // DOWN first: slurmctld requeues the batch jobs waiting for the nodes.
    std::string err = update_state(nodes, NODE_STATE_DOWN, reason);
    // Then POWER_DOWN_FORCE: the node stops POWERING_UP (no ResumeTimeout,
    // which would replace the reason) and ends DOWN+POWERED_DOWN, "down~".
    std::string err2 = update_state(nodes, NODE_STATE_POWER_DOWN | NODE_STATE_POWERED_DOWN, reason);
    if (!err2.empty()) err += (err.empty() ? "" : "; ") + std::string("power down: ") + err2;
    return err;
}

std::string LibslurmApi::power_down(const std::vector<std::string>& nodes, const std::string& reason) {
    ready();
    // DOWN first: the jobs are requeued at once (POWER_DOWN_FORCE alone
    // requeues them too, but leaves them COMPLETING until the node, whose
    // slurmd went with its instance, is declared not responding). Then
    // POWER_DOWN_FORCE, then RESUME: the node is powered down (SuspendProgram)
    // and becomes idle~, ready for the next launch.
    std::string err = update_state(nodes, NODE_STATE_DOWN, reason);
    std::string err2 = update_state(nodes, NODE_STATE_POWER_DOWN | NODE_STATE_POWERED_DOWN, reason);
    if (!err2.empty()) err += (err.empty() ? "" : "; ") + std::string("power down: ") + err2;
    std::string err3 = update_state(nodes, NODE_RESUME, "");
    if (!err3.empty()) err += (err.empty() ? "" : "; ") + std::string("resume: ") + err3;
    return err;
}

std::string LibslurmApi::return_to_service(const std::vector<std::string>& nodes) {
    ready();
    return update_state(nodes, NODE_RESUME, "");
}

std::optional<burst::JobInfo> LibslurmApi::load_job(uint32_t job_id) {
    ready();
    job_info_msg_t* resp = nullptr;
    if (slurm::load_job(&resp, job_id, SHOW_ALL) != SLURM_SUCCESS || !resp) return std::nullopt;
    std::optional<burst::JobInfo> out;
    for (uint32_t i = 0; i < resp->record_count; ++i) {
        const slurm_job_info_t& j = resp->job_array[i];
        if (j.job_id != job_id) continue;
        burst::JobInfo info;
        info.job_id = job_id;
        info.partition = j.partition ? j.partition : "";
        info.account = j.account ? j.account : "";
        info.admin_comment = j.admin_comment ? j.admin_comment : "";
        info.exclusive = j.shared == 0;  // JOB_SHARED_NONE: whole nodes for this job
        if (j.user_name && *j.user_name) {
            info.user = j.user_name;
        } else {
            struct passwd pw, *found = nullptr;
            char buf[4096];
            if (getpwuid_r(j.user_id, &pw, buf, sizeof buf, &found) == 0 && found) info.user = found->pw_name;
            else info.user = std::to_string(j.user_id);
        }
        out = info;
        break;
    }
    slurm_free_job_info_msg(resp);
    return out;
}

std::string LibslurmApi::set_admin_comment(uint32_t job_id, const std::string& admin_comment) {
    ready();
    job_desc_msg_t desc;
    slurm_init_job_desc_msg(&desc);
    set_job_id(desc, job_id);
    std::string copy = admin_comment;
    desc.admin_comment = &copy[0];
    return slurm_update_job(&desc) == SLURM_SUCCESS ? "" : error_text();
}

std::string LibslurmApi::notify_job(uint32_t job_id, const std::string& message) {
    ready();
    std::string copy = message;
    return slurm::notify_job(job_id, &copy[0]) == SLURM_SUCCESS ? "" : error_text();
}

std::optional<std::vector<burst::SlurmNode>> LibslurmApi::nodes(const std::vector<std::string>& names) {
    ready();
    node_info_msg_t* resp = nullptr;
    if (slurm_load_node(0, &resp, SHOW_ALL) != SLURM_SUCCESS || !resp) return std::nullopt;
    std::set<std::string> wanted(names.begin(), names.end());
    std::vector<burst::SlurmNode> out;
    for (uint32_t i = 0; i < resp->record_count; ++i) {
        const node_info_t& n = resp->node_array[i];
        if (!n.name || (!wanted.empty() && !wanted.count(n.name))) continue;
        burst::SlurmNode s;
        s.name = n.name;
        s.powering_up = (n.node_state & NODE_STATE_POWERING_UP) != 0;
        s.powered_down = (n.node_state & NODE_STATE_POWERED_DOWN) != 0 && !s.powering_up;
        s.powering_down = (n.node_state & NODE_STATE_POWERING_DOWN) != 0;
        s.down = (n.node_state & NODE_STATE_BASE) == NODE_STATE_DOWN;
        s.reason = n.reason ? n.reason : "";
        out.push_back(std::move(s));
    }
    slurm_free_node_info_msg(resp);
    return out;
}

}  // namespace stratus::slurm
