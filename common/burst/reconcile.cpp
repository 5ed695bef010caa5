#include "burst/reconcile.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "aws/error.hpp"
#include "burst/fleet.hpp"
#include "burst/util.hpp"

namespace stratus::burst {

namespace {

bool live(const std::string& state) { return state == "pending" || state == "running"; }
bool gone(const std::string& state) {
    return state == "shutting-down" || state == "terminated" || state == "stopping" || state == "stopped";
}

}  // namespace

ReconcilePlan plan_reconcile(const BurstState& state, const std::vector<ec2::Instance>& instances,
                             const std::optional<std::vector<SlurmNode>>& slurm_nodes, int64_t now,
                             const BurstConfig& b) {
    ReconcilePlan plan;
    const int64_t grace = b.orphan_grace_s;
    const int64_t settle = std::min<int64_t>(grace, 60);
    std::map<std::string, const ec2::Instance*> by_id;
    for (const ec2::Instance& i : instances) by_id[i.instance_id] = &i;
    std::map<std::string, const SlurmNode*> slurm;
    if (slurm_nodes)
        for (const SlurmNode& n : *slurm_nodes) slurm[n.name] = &n;
    std::set<std::string> planned;  // instance ids already decided

    // Records first: vanished and leaked instances.
    for (const auto& [node, r] : state.nodes) {
        if (!r.has_instance()) continue;
        auto it = by_id.find(r.instance_id);
        const ec2::Instance* inst = it == by_id.end() ? nullptr : it->second;
        int64_t age = r.launch_time ? now - r.launch_time : grace;
        if (!inst || gone(inst->state)) {
            if (age < settle) continue;  // EC2 may not list a new instance yet
            std::string why = inst ? "is " + inst->state : "is no longer listed by EC2";
            std::string detail = r.instance_id + " (" + r.instance_type + (r.lifecycle.empty() ? "" : ", " + r.lifecycle) +
                                 ") of node " + node + " " + why;
            plan.power_down.push_back(ReconcilePlan::PowerDown{node, r.instance_id, "stratus: instance " + detail});
            if (inst && (inst->state == "stopped" || inst->state == "stopping"))
                plan.terminate.push_back(ReconcilePlan::Terminate{r.instance_id, node, "stopped instance of node " + node});
            planned.insert(r.instance_id);
            continue;
        }
        auto s = slurm.find(node);
        if (s != slurm.end() && s->second->powered_down && !s->second->powering_up && age >= grace) {
            plan.terminate.push_back(ReconcilePlan::Terminate{
                r.instance_id, node,
                "leaked: node " + node + " is powered down in Slurm but its instance (" + r.instance_type + ") is " +
                    inst->state});
            planned.insert(r.instance_id);
        }
    }
    // Orphans.
    for (const ec2::Instance& i : instances) {
        if (!live(i.state) && i.state != "stopped" && i.state != "stopping") continue;
        if (planned.count(i.instance_id) || state.owner_of(i.instance_id)) continue;
        int64_t launched = parse_time(i.launch_time, 0);
        int64_t age = launched ? now - launched : grace;
        if (age < grace) continue;
        std::string node = i.tag(kTagNode);
        plan.terminate.push_back(ReconcilePlan::Terminate{
            i.instance_id, "",
            "orphan: " + i.instance_id + " (" + i.instance_type + ", " + i.state +
                (node.empty() ? "" : ", tagged for " + node) + ", launched " + i.launch_time +
                ") belongs to no node (OrphanGracePeriod " + std::to_string(grace) + " s)"});
    }
    // Failed nodes due back, expired avoidance, protected modes past cooldown.
    std::set<std::string> still_protected;
    for (const auto& [part, h] : state.partitions) {
        if (!h.protected_since) continue;
        if (b.protected_cooldown_s && h.protected_since + b.protected_cooldown_s <= now) plan.end_protected.push_back(part);
        else still_protected.insert(part);
    }
    for (const auto& [node, r] : state.nodes)
        if (r.status == kNodeFailed && r.retry_at && r.retry_at <= now && !still_protected.count(r.partition))
            plan.return_to_service.push_back(node);
    for (const auto& [type, a] : state.avoid)
        if (a.until <= now) plan.expired_avoid.push_back(type);
    return plan;
}

ReconcileResult reconcile(BurstContext& ctx) {
    ReconcileResult out;
    const BurstConfig& b = ctx.config.burst;
    if (b.cluster_name.empty()) {
        out.errors.push_back("no ClusterName (stratus.conf or slurm.conf): cannot tell this cluster's instances apart");
        ctx.log.error("reconcile: " + out.errors.back());
        return out;
    }
    std::vector<ec2::Instance> instances;
    try {
        instances = ctx.ec2.describe_instances({}, {{"tag:" + std::string(kTagCluster), {b.cluster_name}}});
    } catch (const aws::AwsError& e) {
        out.errors.push_back(std::string("DescribeInstances: ") + e.what());
        ctx.log.error("reconcile: " + out.errors.back() + "; nothing done");
        return out;
    }
    BurstState snapshot = ctx.store.load();
    std::vector<std::string> names;
    for (const auto& [node, r] : snapshot.nodes)
        if (r.has_instance()) names.push_back(node);
    // A recorded instance the tag listing misses (its tag removed by hand,
    // ClusterName changed, launched after the listing, or an EC2 that does
    // not tag fleet instances, as moto) is asked for by id: taking it for
    // vanished would drop the only record of an instance that may still run,
    // and no rule would ever terminate it. Only EC2 not knowing the id makes
    // it one.
    std::set<std::string> listed;
    for (const ec2::Instance& i : instances) listed.insert(i.instance_id);
    std::map<std::string, std::string> unlisted;  // instance id -> node
    for (const auto& [node, r] : snapshot.nodes)
        if (r.has_instance() && !listed.count(r.instance_id)) unlisted[r.instance_id] = node;
    try {
        std::vector<std::string> unlisted_ids;
        for (const auto& [id, node] : unlisted) unlisted_ids.push_back(id);
        for (ec2::Instance& i : describe_known(ctx.ec2, unlisted_ids)) {
            auto u = unlisted.find(i.instance_id);
            if (u == unlisted.end()) continue;
            ctx.log.warning("reconcile: " + i.instance_id + " (" + i.state + ") of node " + u->second +
                            " is not listed by its tag " + kTagCluster + "=" + b.cluster_name +
                            " (tag removed, ClusterName changed, or launched since); found by its id");
            instances.push_back(std::move(i));
        }
    } catch (const aws::AwsError& e) {
        out.errors.push_back(std::string("DescribeInstances (recorded instances not tagged): ") + e.what());
        ctx.log.error("reconcile: " + out.errors.back() + "; nothing done");
        return out;
    }
    std::optional<std::vector<SlurmNode>> slurm_nodes;
    if (!names.empty()) slurm_nodes = ctx.slurm.nodes(names);
    else slurm_nodes = std::vector<SlurmNode>{};
    int64_t now = ctx.now();
    out.plan = plan_reconcile(snapshot, instances, slurm_nodes, now, b);
    const ReconcilePlan& plan = out.plan;

    size_t live_count = 0;
    for (const ec2::Instance& i : instances) live_count += live(i.state);
    ctx.log.info("reconcile: " + std::to_string(live_count) + " live instance(s) tagged " + kTagCluster + "=" +
                 b.cluster_name + " or recorded, " + std::to_string(names.size()) + " node record(s) with an instance");

    // Terminations.
    std::vector<std::string> ids;
    for (const ReconcilePlan::Terminate& t : plan.terminate) {
        ctx.log.warning("reconcile: terminating " + t.instance_id + ": " + t.why);
        ids.push_back(t.instance_id);
    }
    const std::set<std::string> terminating(ids.begin(), ids.end());
    std::set<std::string> terminated;
    if (!ids.empty()) {
        try {
            ctx.ec2.terminate_instances(ids);
            terminated.insert(ids.begin(), ids.end());
        } catch (const aws::AwsError& e) {
            // One at a time, so one bad id does not keep the rest alive.
            for (const std::string& id : ids) {
                try {
                    ctx.ec2.terminate_instances({id});
                    terminated.insert(id);
                } catch (const aws::AwsError& e2) {
                    out.errors.push_back("TerminateInstances " + id + ": " + e2.what());
                    ctx.log.error("reconcile: " + out.errors.back());
                }
            }
        }
    }
    out.terminated.assign(terminated.begin(), terminated.end());
    // Vanished instances: the nodes go down so their jobs are requeued.
    for (const ReconcilePlan::PowerDown& p : plan.power_down) {
        ctx.log.warning("reconcile: powering down node " + p.node + ": " + p.why);
        std::string err = ctx.slurm.power_down({p.node}, p.why);
        if (!err.empty()) {
            out.errors.push_back("power down " + p.node + ": " + err);
            ctx.log.error("reconcile: " + out.errors.back());
        }
    }
    if (!plan.return_to_service.empty()) {
        std::string err = ctx.slurm.return_to_service(plan.return_to_service);
        ctx.log.info("reconcile: nodes " + hosts(plan.return_to_service) + " back in service (their retry time came)" +
                     (err.empty() ? "" : ": " + err));
    }
    for (const std::string& p : plan.end_protected)
        ctx.log.warning("reconcile: partition " + p + ": protected mode ends after ProtectedModeCooldown (" +
                        std::to_string(b.protected_cooldown_s) + " s)");
    for (const std::string& t : plan.expired_avoid) ctx.log.info("reconcile: " + t + " no longer avoided");

    ctx.store.update([&](BurstState& st) {
        for (const ReconcilePlan::Terminate& t : plan.terminate) {
            if (t.node.empty() || !terminated.count(t.instance_id)) continue;
            auto it = st.nodes.find(t.node);
            if (it == st.nodes.end() || it->second.instance_id != t.instance_id) continue;
            NodeRecord& r = it->second;
            r.instance_id.clear();
            r.private_ip.clear();
            r.private_dns.clear();
            if (r.status != kNodeFailed) r.status = kNodeIdle;
        }
        for (const ReconcilePlan::PowerDown& p : plan.power_down) {
            // A stopped instance is forgotten only once its termination is accepted.
            if (terminating.count(p.instance_id) && !terminated.count(p.instance_id)) continue;
            auto it = st.nodes.find(p.node);
            if (it == st.nodes.end() || it->second.instance_id != p.instance_id) continue;
            NodeRecord& r = it->second;
            r.instance_id.clear();
            r.private_ip.clear();
            r.private_dns.clear();
            r.status = kNodeIdle;
        }
        for (const std::string& n : plan.return_to_service) {
            auto it = st.nodes.find(n);
            if (it == st.nodes.end() || it->second.status != kNodeFailed) continue;
            it->second.status = kNodeIdle;
            it->second.reason.clear();
            it->second.failed_at = it->second.retry_at = 0;
        }
        for (const std::string& p : plan.end_protected) {
            auto it = st.partitions.find(p);
            if (it != st.partitions.end() && it->second.protected_since) it->second = PartitionHealth{};
        }
        for (const std::string& t : plan.expired_avoid) {
            auto it = st.avoid.find(t);
            if (it != st.avoid.end() && it->second.until <= now) st.avoid.erase(it);
        }
    });
    ctx.log.info("reconcile done: " + std::to_string(out.terminated.size()) + " terminated, " +
                 std::to_string(plan.power_down.size()) + " node(s) powered down, " +
                 std::to_string(plan.return_to_service.size()) + " back in service" +
                 (out.errors.empty() ? "" : ", " + std::to_string(out.errors.size()) + " error(s)"));
    return out;
}

}  // namespace stratus::burst
