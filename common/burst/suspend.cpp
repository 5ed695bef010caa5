#include "burst/suspend.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "aws/error.hpp"
#include "burst/fleet.hpp"
#include "burst/util.hpp"

namespace stratus::burst {

// Terminates `ids`; an id EC2 no longer knows fails the whole call, so on
// InvalidInstanceID.NotFound the ids still listed are terminated alone.
// Returns the ids terminated (or already gone); throws AwsError otherwise.
static std::vector<std::string> terminate_known(Ec2Api& ec2, const std::vector<std::string>& ids, BurstLog& log) {
    if (ids.empty()) return {};
    try {
        ec2.terminate_instances(ids);
        return ids;
    } catch (const aws::AwsError& e) {
        if (!instance_not_found(e)) throw;
        log.info("TerminateInstances: " + std::string(e.what()) + "; terminating those EC2 still lists");
    }
    std::vector<std::string> alive;
    std::set<std::string> listed;
    for (const ec2::Instance& i : describe_known(ec2, ids)) {
        listed.insert(i.instance_id);
        if (i.state != "terminated" && i.state != "shutting-down") alive.push_back(i.instance_id);
    }
    for (const std::string& id : ids)
        if (!listed.count(id)) log.info(id + ": EC2 no longer lists it");
    if (!alive.empty()) ec2.terminate_instances(alive);
    return ids;
}

SuspendResult suspend(BurstContext& ctx, const std::vector<std::string>& nodes) {
    SuspendResult out;
    const BurstConfig& b = ctx.config.burst;
    ctx.log.info("suspend " + std::to_string(nodes.size()) + " node(s): " + hosts(nodes));
    if (nodes.empty()) return out;
    BurstState snapshot = ctx.store.load();
    std::map<std::string, std::string> node_of;  // instance id -> node
    for (const std::string& n : nodes) {
        auto it = snapshot.nodes.find(n);
        if (it != snapshot.nodes.end() && it->second.has_instance()) node_of[it->second.instance_id] = n;
    }
    // Instances tagged for nodes whose record holds none (a crash between
    // CreateFleet and the record, or a record lost by hand). Strays of
    // nodes that do have one are reconcile's (orphans).
    std::vector<std::string> unrecorded;
    for (const std::string& n : nodes)
        if (!std::count_if(node_of.begin(), node_of.end(), [&](const auto& kv) { return kv.second == n; }))
            unrecorded.push_back(n);
    if (!b.cluster_name.empty() && !unrecorded.empty()) {
        try {
            for (const std::vector<std::string>& chunk : batches(unrecorded, 200)) {
                std::vector<ec2::Filter> filters = {
                    {"tag:" + std::string(kTagCluster), {b.cluster_name}},
                    {"tag:" + std::string(kTagNode), chunk},
                    {"instance-state-name", {"pending", "running", "stopping", "stopped"}}};
                for (const ec2::Instance& i : ctx.ec2.describe_instances({}, filters)) {
                    if (node_of.count(i.instance_id)) continue;
                    std::string tagged = i.tag(kTagNode);
                    const std::string* owner = snapshot.owner_of(i.instance_id);
                    if (owner && *owner != tagged) continue;  // another node's now
                    ctx.log.warning("node " + tagged + ": " + i.instance_id + " (" + i.instance_type + ", " + i.state +
                                    ") is tagged for it but not recorded; terminating it too");
                    node_of[i.instance_id] = tagged;
                }
            }
        } catch (const aws::AwsError& e) {
            ctx.log.warning("DescribeInstances (instances tagged for these nodes): " + std::string(e.what()));
        }
    }
    std::vector<std::string> ids;
    for (const auto& [id, n] : node_of) ids.push_back(id);
    // The records first, then EC2: reconcile never sees a record whose
    // instance is already going (it would take it for a vanished one and
    // power the node down). An instance whose termination fails below is
    // then an orphan, which reconcile terminates.
    ctx.store.update([&](BurstState& st) {
        for (const std::string& n : nodes) {
            auto it = st.nodes.find(n);
            if (it == st.nodes.end()) continue;
            NodeRecord& r = it->second;
            // A node launched again since the snapshot keeps its new instance.
            if (r.has_instance() && !node_of.count(r.instance_id)) continue;
            r.instance_id.clear();
            r.instance_type.clear();
            r.private_ip.clear();
            r.private_dns.clear();
            r.availability_zone.clear();
            r.lifecycle.clear();
            r.launch_time = 0;
            r.job_id = 0;
            if (r.status != kNodeFailed) r.status = kNodeIdle;
        }
    });
    try {
        for (const std::vector<std::string>& chunk : batches(ids, 1000)) {
            for (const std::string& id : terminate_known(ctx.ec2, chunk, ctx.log)) {
                out.terminated.push_back(id);
                ctx.log.info("node " + node_of[id] + ": terminated " + id);
            }
        }
    } catch (const aws::AwsError& e) {
        std::string msg = std::string("TerminateInstances: ") + e.what() +
                          "; reconcile terminates what is left (orphans, after OrphanGracePeriod)";
        ctx.log.error(msg);
        out.errors.push_back(msg);
    }

    std::vector<NodeAddress> addresses;
    std::vector<NodeInstance> no_instances;
    for (const std::string& n : nodes) {
        addresses.push_back(NodeAddress{n, n, n});
        no_instances.push_back(NodeInstance{n, "", ""});
    }
    std::string err = ctx.slurm.set_addresses(addresses);
    if (!err.empty()) {
        ctx.log.warning("cannot set NodeAddr/NodeHostname of " + hosts(nodes) + " back to their names: " + err);
        out.errors.push_back(err);
    }
    if (std::string ierr = ctx.slurm.set_instances(no_instances); !ierr.empty())
        ctx.log.warning("cannot clear InstanceId/InstanceType of " + hosts(nodes) + ": " + ierr);
    ctx.log.info("suspend done: " + std::to_string(out.terminated.size()) + " instance(s) terminated" +
                 (out.errors.empty() ? "" : ", " + std::to_string(out.errors.size()) + " error(s)"));
    return out;
}

}  // namespace stratus::burst
