#include "burst/resume.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "aws/clock.hpp"
#include "aws/error.hpp"
#include "burst/fleet.hpp"
#include "burst/job_comment.hpp"
#include "burst/node_map.hpp"
#include "burst/util.hpp"
#include "hostlist.hpp"

namespace stratus::burst {

namespace {

using aws::AwsError;

// One set of nodes launched together.
struct Group {
    const PartitionConfig* partition = nullptr;
    std::vector<std::string> types;
    Capacity capacity = Capacity::on_demand;
    uint32_t job_id = 0;  // exclusive job, 0: none
    std::vector<ec2::Tag> tags;
    std::vector<std::string> nodes;
};

struct Assigned {
    std::string node;
    std::string instance_id, instance_type, availability_zone, lifecycle;
    std::string partition;
};

class Resumer {
public:
    Resumer(BurstContext& ctx) : ctx_(ctx), cfg_(ctx.config), b_(ctx.config.burst) {}

    ResumeResult run(const ResumeRequest& req);

private:
    void fail(const std::string& node, const std::string& reason, bool counts) {
        if (failed_reason_.count(node)) return;
        failed_reason_[node] = reason;
        failed_order_.push_back(node);
        if (counts) {
            auto p = partition_of_.find(node);
            if (p != partition_of_.end()) partition_failed_[p->second] = reason;
        }
    }
    void load_jobs(const ResumeRequest& req);
    void plan(const ResumeRequest& req, std::vector<Group>& groups);
    void terminate_stale(const std::vector<std::string>& nodes);
    void launch(Group& g);
    std::map<std::string, std::string> subnet_zones(const PartitionConfig& p);
    std::optional<ec2::CreateFleetResult> create_fleet(const ec2::CreateFleetRequest& r, const Group& g,
                                                       const std::vector<std::string>& batch,
                                                       std::vector<LaunchError>& errors, bool& capacity_error);
    void resolve_addresses();
    void tag_instances();
    void finish(ResumeResult& out, const ResumeRequest& req);
    void terminate(const std::vector<std::string>& ids, const std::string& why);

    BurstContext& ctx_;
    const Config& cfg_;
    const BurstConfig& b_;
    std::map<uint32_t, JobInfo> jobs_;
    std::map<std::string, uint32_t> exclusive_job_;   // node -> its exclusive job
    std::map<std::string, std::string> preferred_;    // node -> the partition of a job it runs
    std::map<std::string, std::string> partition_of_;  // node -> partition launched in
    std::map<std::string, std::string> failed_reason_;
    std::vector<std::string> failed_order_;
    std::map<std::string, std::string> partition_failed_;  // partition -> last launch failure
    std::set<std::string> partitions_tried_;
    std::vector<Assigned> assigned_;
    std::vector<std::string> started_;
    unsigned calls_ = 0;
};

void Resumer::load_jobs(const ResumeRequest& req) {
    for (const ResumeJob& j : req.jobs) {
        // Releases after 22.05 write each job's partition and sharing into the
        // resume file: a job that shares its nodes needs nothing more (only
        // a job with whole nodes to itself gets job tags and its capacity,
        // which need its user, account and AdminComment from slurmctld).
        if (!j.partition.empty() && j.exclusive && !*j.exclusive) {
            JobInfo job;
            job.job_id = j.job_id;
            job.partition = j.partition;
            jobs_[j.job_id] = job;
            for (const std::string& n : j.nodes) preferred_.emplace(n, job.partition);
            continue;
        }
        std::optional<JobInfo> info = ctx_.slurm.load_job(j.job_id);
        JobInfo job;
        if (info) {
            job = *info;
        } else {
            ctx_.log.warning("job " + std::to_string(j.job_id) + ": slurmctld does not say who runs it; no job tags");
            job.job_id = j.job_id;
        }
        if (!j.partition.empty()) job.partition = j.partition;
        if (j.exclusive) job.exclusive = *j.exclusive && info.has_value();
        jobs_[j.job_id] = job;
        for (const std::string& n : j.nodes) {
            if (!job.partition.empty()) preferred_.emplace(n, job.partition);
            if (job.exclusive) exclusive_job_[n] = j.job_id;
        }
    }
}

void Resumer::plan(const ResumeRequest& req, std::vector<Group>& groups) {
    SlurmNodeFeatures features = SlurmNodeFeatures::load(ctx_.slurm_conf);
    std::map<std::string, size_t> index;
    for (const std::string& node : req.nodes) {
        uint32_t job_id = 0;
        std::optional<Capacity> capacity;
        auto ex = exclusive_job_.find(node);
        if (ex != exclusive_job_.end()) {
            job_id = ex->second;
            capacity = comment_capacity(jobs_[job_id].admin_comment);
        }
        auto pref = preferred_.find(node);
        NodePlan p = plan_node(cfg_, features, node, pref == preferred_.end() ? "" : pref->second, capacity);
        if (!p.partition) {
            ctx_.log.error("node " + node + ": no partition of stratus.conf lists it (PartitionName=P with P's slurm.conf Nodes=)");
            fail(node, "stratus: node is in no partition of stratus.conf", false);
            continue;
        }
        partition_of_[node] = p.partition->name;
        Capacity cap = capacity.value_or(p.partition->capacity);
        std::string key = p.partition->name + "|" + join(p.types) + "|" + capacity_name(cap) + "|" + std::to_string(job_id);
        auto it = index.find(key);
        if (it == index.end()) {
            Group g;
            g.partition = p.partition;
            g.types = p.types;
            g.capacity = cap;
            g.job_id = job_id;
            g.tags = {{kTagCluster, b_.cluster_name}, {kTagPartition, p.partition->name}};
            if (job_id) {
                const JobInfo& j = jobs_[job_id];
                g.tags.push_back({kTagJobId, std::to_string(job_id)});
                if (!j.user.empty()) g.tags.push_back({kTagUser, j.user.substr(0, 256)});
                if (!j.account.empty()) g.tags.push_back({kTagAccount, j.account.substr(0, 256)});
                std::string cc = comment_cost_center(j.admin_comment);
                if (!cc.empty()) g.tags.push_back({kTagCostCenter, cc.substr(0, 256)});
            }
            it = index.emplace(key, groups.size()).first;
            groups.push_back(std::move(g));
        }
        groups[it->second].nodes.push_back(node);
    }
}

void Resumer::terminate(const std::vector<std::string>& ids, const std::string& why) {
    if (ids.empty()) return;
    try {
        ctx_.ec2.terminate_instances(ids);
        ctx_.log.info("terminated " + join(ids) + ": " + why);
    } catch (const AwsError& e) {
        // Left for reconcile: no record will own them.
        ctx_.log.error("could not terminate " + join(ids) + " (" + why + "): " + e.what() +
                       "; reconcile terminates them after OrphanGracePeriod");
    }
}

void Resumer::terminate_stale(const std::vector<std::string>& nodes) {
    BurstState s = ctx_.store.load();
    std::vector<std::string> ids;
    for (const std::string& n : nodes) {
        auto it = s.nodes.find(n);
        if (it == s.nodes.end() || !it->second.has_instance()) continue;
        ctx_.log.warning("node " + n + ": still holds " + it->second.instance_id + " (" + it->second.instance_type +
                         ", status " + it->second.status + ") from an earlier launch; terminating it");
        ids.push_back(it->second.instance_id);
    }
    if (ids.empty()) return;
    // Records first, then EC2: reconcile never sees a record whose instance
    // is already going (it would take it for a vanished one).
    ctx_.store.update([&](BurstState& st) {
        for (const std::string& n : nodes) {
            auto it = st.nodes.find(n);
            if (it == st.nodes.end()) continue;
            if (std::find(ids.begin(), ids.end(), it->second.instance_id) == ids.end()) continue;
            NodeRecord& r = it->second;
            r.instance_id.clear();
            r.instance_type.clear();
            r.private_ip.clear();
            r.private_dns.clear();
            r.status = kNodeIdle;
        }
    });
    terminate(ids, "replaced by a new launch");
}

std::optional<ec2::CreateFleetResult> Resumer::create_fleet(const ec2::CreateFleetRequest& r, const Group& g,
                                                            const std::vector<std::string>& batch,
                                                            std::vector<LaunchError>& errors, bool& capacity_error) {
    // The client retries throttling and 5xx itself; after that, a few more
    // tries with the same ClientToken (a repeat cannot launch twice).
    std::chrono::milliseconds wait(2000);
    for (int attempt = 1;; ++attempt) {
        try {
            ++calls_;
            return ctx_.ec2.create_fleet(r);
        } catch (const AwsError& e) {
            bool throttled = aws::is_throttling_error(e.code()) || e.source() == aws::ErrorSource::transport ||
                             e.http_status() >= 500;
            if (throttled && attempt < 4 && !ctx_.past_deadline()) {
                ctx_.log.warning("CreateFleet for " + hosts(batch) + ": " + e.what() + "; trying again in " +
                                 std::to_string(wait.count() / 1000) + " s with the same ClientToken");
                ctx_.clock.sleep(wait);
                wait *= 2;
                continue;
            }
            LaunchError le{e.code(), e.message(), "", ""};
            if (aws::is_capacity_error(e.code())) {
                // Which override EC2 meant is unknown: every type of the call.
                capacity_error = true;
                for (const std::string& t : g.types) errors.push_back(LaunchError{e.code(), e.message(), t, ""});
            } else {
                errors.push_back(le);
            }
            ctx_.log.error("CreateFleet for " + hosts(batch) + " failed: " + e.what());
            return std::nullopt;
        }
    }
}

// The zone IDs of the partition's subnets: from the state file, else asked
// once of EC2 and kept there. Without an answer the launch goes ahead
// unchecked (EC2 then refuses a type a zone lacks, and fail-over moves on).
std::map<std::string, std::string> Resumer::subnet_zones(const PartitionConfig& p) {
    std::map<std::string, std::string> known = ctx_.store.load().subnet_zones;
    std::vector<std::string> missing;
    for (const std::string& s : p.subnets)
        if (!known.count(s)) missing.push_back(s);
    if (!missing.empty()) {
        try {
            std::map<std::string, std::string> learned;
            for (const ec2::Subnet& s : ctx_.ec2.describe_subnets(missing))
                if (!s.availability_zone_id.empty()) learned[s.subnet_id] = s.availability_zone_id;
            ctx_.store.update([&](BurstState& st) {
                for (const auto& [subnet, zone] : learned) st.subnet_zones[subnet] = zone;
            });
            known.insert(learned.begin(), learned.end());
        } catch (const aws::AwsError& e) {
            ctx_.log.warning("partition " + p.name + ": DescribeSubnets failed (" + e.what() +
                             "); launching without zone checks");
        }
    }
    std::map<std::string, std::string> out;
    for (const std::string& s : p.subnets)
        if (auto z = known.find(s); z != known.end()) out[s] = z->second;
    return out;
}

void Resumer::launch(Group& g) {
    const std::string& part = g.partition->name;
    partitions_tried_.insert(part);
    std::vector<std::string> remaining = g.nodes;
    std::sort(remaining.begin(), remaining.end());
    std::set<std::string> excluded;  // types that failed with a capacity error in this run
    std::vector<LaunchError> errors;  // everything EC2 said, for the reason
    const std::map<std::string, std::string> zones = subnet_zones(*g.partition);
    for (const ZoneSkip& z : zone_skips(FleetSpec{g.partition, g.types, g.capacity, {}, cfg_.region, zones}))
        ctx_.log.info("partition " + part + ": not asking for " + z.instance_type + " in " + z.subnet + " (" + z.zone_id +
                      "): " + cfg_.region + "'s zone does not offer it (instance catalog)");
    for (unsigned attempt = 0; !remaining.empty(); ++attempt) {
        if (ctx_.past_deadline()) {
            for (const std::string& n : remaining)
                fail(n, "stratus: gave up: no instance before the time limit (ResumeTimeout)", true);
            return;
        }
        int64_t now = ctx_.now();
        BurstState snapshot = ctx_.store.load();
        std::vector<std::string> types;
        std::vector<LaunchError> avoided;
        for (const std::string& t : g.types) {
            if (excluded.count(t)) continue;
            if (snapshot.avoided(t, now)) {
                const CapacityAvoid& a = snapshot.avoid.at(t);
                if (attempt == 0)
                    ctx_.log.info("partition " + part + ": skipping " + t + ": " + a.code + " at " + format_time(a.since) +
                                  ", avoided until " + format_time(a.until) + " (CapacityAvoidTime)");
                avoided.push_back(LaunchError{a.code, a.message, t, a.availability_zone});
                continue;
            }
            types.push_back(t);
        }
        if (types.empty()) {
            std::vector<LaunchError> why = errors;
            for (const LaunchError& a : avoided) why.push_back(a);
            std::string reason = failure_reason(why);
            ctx_.log.error("partition " + part + ": no instance type left to try for " + hosts(remaining) + ": " + reason);
            for (const std::string& n : remaining) fail(n, reason, true);
            return;
        }
        std::vector<std::string> next;
        bool progress = false;
        for (const std::vector<std::string>& batch : batches(remaining, b_.resume_batch_size)) {
            // New launch generation for these nodes (part of the ClientToken).
            std::vector<NodeGeneration> gens;
            ctx_.store.update([&](BurstState& st) {
                for (const std::string& n : batch) {
                    NodeRecord& r = st.nodes[n];
                    if (attempt == 0 || r.generation == 0) ++r.generation;
                    r.partition = part;
                    r.status = kNodeLaunching;
                    r.job_id = g.job_id;
                    r.reason.clear();
                    r.failed_at = r.retry_at = 0;
                    gens.push_back(NodeGeneration{n, r.generation});
                }
            });
            std::string token = fleet_client_token(b_.cluster_name, gens, attempt);
            FleetSpec spec{g.partition, types, g.capacity, g.tags, cfg_.region, zones};
            ec2::CreateFleetRequest request;
            try {
                request = build_fleet_request(spec, static_cast<uint32_t>(batch.size()), token);
            } catch (const std::invalid_argument& e) {
                ctx_.log.error("partition " + part + ": " + e.what());
                for (const std::string& n : batch) fail(n, std::string("stratus: ") + e.what(), true);
                continue;
            }
            ctx_.log.info("launch: partition " + part + ": " + std::to_string(batch.size()) + " node(s) " + hosts(batch) +
                          " as " + join(types) + " (" + capacity_name(g.capacity) + ", " +
                          std::to_string(std::max<size_t>(1, g.partition->subnets.size())) + " subnet(s)" +
                          (g.job_id ? ", exclusive job " + std::to_string(g.job_id) : "") + "), ClientToken " + token);
            bool capacity_error = false;
            std::optional<ec2::CreateFleetResult> result = create_fleet(request, g, batch, errors, capacity_error);
            if (ctx_.checkpoint) ctx_.checkpoint("create_fleet");
            if (!result) {
                if (capacity_error) {
                    for (const std::string& t : types) excluded.insert(t);
                    progress = true;
                    next.insert(next.end(), batch.begin(), batch.end());
                } else {
                    std::string reason = failure_reason(std::vector<LaunchError>{errors.back()});
                    for (const std::string& n : batch) fail(n, reason, true);
                }
                continue;
            }
            // Capacity errors: avoid the type, fail over.
            std::map<std::string, CapacityAvoid> new_avoid;
            bool batch_capacity = false;
            for (const ec2::FleetError& fe : result->errors) {
                LaunchError le = launch_error(fe);
                errors.push_back(le);
                if (aws::is_capacity_error(le.code) && !le.instance_type.empty()) {
                    batch_capacity = true;
                    if (excluded.insert(le.instance_type).second) progress = true;
                    if (!new_avoid.count(le.instance_type)) {
                        new_avoid[le.instance_type] = CapacityAvoid{le.code, le.message, le.availability_zone, now,
                                                                    now + static_cast<int64_t>(b_.capacity_avoid_s)};
                        ctx_.log.warning("capacity: " + le.code + " for " + le.instance_type +
                                         (le.availability_zone.empty() ? "" : " in " + le.availability_zone) +
                                         " (partition " + part + "): avoiding " + le.instance_type + " for " +
                                         std::to_string(b_.capacity_avoid_s) + " s; EC2 said: " + le.message);
                    }
                } else {
                    ctx_.log.error("CreateFleet error for " + (le.instance_type.empty() ? "the fleet" : le.instance_type) +
                                   ": " + le.code + ": " + le.message);
                }
            }
            // Instances -> nodes, in order.
            std::vector<Assigned> got;
            std::vector<std::string> extra;
            size_t k = 0;
            for (const ec2::FleetInstance& fi : result->instances) {
                if (k < batch.size()) {
                    got.push_back(Assigned{batch[k++], fi.instance_id, fi.instance_type, fi.availability_zone,
                                           fi.lifecycle, part});
                } else {
                    extra.push_back(fi.instance_id);
                }
            }
            ctx_.store.update([&](BurstState& st) {
                for (auto& [type, a] : new_avoid) st.avoid[type] = a;
                for (const Assigned& a : got) {
                    NodeRecord& r = st.nodes[a.node];
                    r.instance_id = a.instance_id;
                    r.instance_type = a.instance_type;
                    r.availability_zone = a.availability_zone;
                    r.lifecycle = a.lifecycle;
                    r.launch_time = now;
                    r.status = kNodeLaunching;
                }
            });
            for (const Assigned& a : got)
                ctx_.log.info("node " + a.node + ": " + a.instance_id + " (" + a.instance_type +
                              (a.lifecycle.empty() ? "" : ", " + a.lifecycle) + ")");
            if (!extra.empty()) terminate(extra, "more instances than nodes");
            if (!got.empty()) progress = true;
            assigned_.insert(assigned_.end(), got.begin(), got.end());
            // Nodes left: fail over when EC2 ran out of capacity, else fail.
            std::vector<std::string> left(batch.begin() + static_cast<std::ptrdiff_t>(got.size()), batch.end());
            if (left.empty()) continue;
            if (batch_capacity) {
                ctx_.log.info("partition " + part + ": " + std::to_string(left.size()) + " node(s) " + hosts(left) +
                              " not launched; trying the next instance type");
                next.insert(next.end(), left.begin(), left.end());
            } else {
                std::string reason = errors.empty() ? "stratus: CreateFleet launched " + std::to_string(got.size()) +
                                                          " of " + std::to_string(batch.size()) + " instances"
                                                    : failure_reason(errors);
                for (const std::string& n : left) fail(n, reason, true);
            }
        }
        remaining = std::move(next);
        if (!remaining.empty() && !progress) {
            std::string reason = failure_reason(errors);
            for (const std::string& n : remaining) fail(n, reason, true);
            return;
        }
    }
}

void Resumer::resolve_addresses() {
    if (assigned_.empty()) return;
    std::map<std::string, const Assigned*> pending;  // instance id -> assignment
    for (const Assigned& a : assigned_) pending[a.instance_id] = &a;
    std::map<std::string, ec2::Instance> found;
    std::map<std::string, std::string> dead;  // instance id -> why
    std::chrono::milliseconds wait(500);
    const int kAttempts = 8;
    for (int attempt = 1; !pending.empty(); ++attempt) {
        std::vector<std::string> ids;
        for (const auto& [id, a] : pending) ids.push_back(id);
        try {
            // EC2 is eventually consistent: an id it does not know yet is
            // missing from the answer, and asked again next time.
            for (ec2::Instance& i : describe_known(ctx_.ec2, ids)) {
                if (!pending.count(i.instance_id)) continue;
                if (i.state == "shutting-down" || i.state == "terminated" || i.state == "stopping" ||
                    i.state == "stopped") {
                    dead[i.instance_id] = "instance " + i.instance_id + " is " + i.state + " right after launch";
                    pending.erase(i.instance_id);
                } else if (!i.private_ip.empty()) {
                    pending.erase(i.instance_id);
                    found[i.instance_id] = std::move(i);
                }
            }
        } catch (const AwsError& e) {
            ctx_.log.warning("DescribeInstances (attempt " + std::to_string(attempt) + "): " + e.what());
        }
        if (pending.empty() || attempt >= kAttempts || ctx_.past_deadline()) break;
        ctx_.clock.sleep(wait);
        wait = std::min(wait * 2, std::chrono::milliseconds(5000));
    }
    for (const auto& [id, a] : pending) dead[id] = "no private IP for " + id + " from DescribeInstances";
    // (finish() clears their records, then terminates them.)
    for (const auto& [id, why] : dead) {
        const Assigned* a = nullptr;
        for (const Assigned& x : assigned_)
            if (x.instance_id == id) a = &x;
        if (!a) continue;
        ctx_.log.error("node " + a->node + ": " + why);
        fail(a->node, "stratus: " + why, true);
    }
    // Records, then Slurm.
    std::vector<NodeAddress> addresses;
    std::vector<const Assigned*> ok;
    for (const Assigned& a : assigned_) {
        auto it = found.find(a.instance_id);
        if (it == found.end()) continue;
        const ec2::Instance& i = it->second;
        std::string addr = ctx_.node_addr_override.empty() ? i.private_ip : ctx_.node_addr_override;
        std::string host = i.private_dns_name.empty() ? i.private_ip : i.private_dns_name;
        addresses.push_back(NodeAddress{a.node, addr, host});
        ok.push_back(&a);
    }
    if (addresses.empty()) return;
    int64_t now = ctx_.now();
    ctx_.store.update([&](BurstState& st) {
        for (const Assigned* a : ok) {
            const ec2::Instance& i = found.at(a->instance_id);
            NodeRecord& r = st.nodes[a->node];
            r.private_ip = i.private_ip;
            r.private_dns = i.private_dns_name;
            if (!i.availability_zone.empty()) r.availability_zone = i.availability_zone;
            if (!i.instance_type.empty()) r.instance_type = i.instance_type;
            r.lifecycle = i.lifecycle.empty() ? r.lifecycle : i.lifecycle;
            r.launch_time = parse_time(i.launch_time, r.launch_time ? r.launch_time : now);
            r.status = kNodeRunning;
        }
    });
    std::string err = ctx_.slurm.set_addresses(addresses);
    if (!err.empty()) {
        ctx_.log.error("cannot set NodeAddr/NodeHostname of " + std::to_string(addresses.size()) + " node(s): " + err);
        for (const Assigned* a : ok) fail(a->node, "stratus: slurmctld refused NodeAddr: " + err, true);
        return;
    }
    for (const NodeAddress& n : addresses) {
        ctx_.log.info("node " + n.node + ": NodeAddr=" + n.addr + " NodeHostname=" + n.hostname);
        started_.push_back(n.node);
    }
    // For people and Slurm's accounting (23.11+); the records above are what
    // Stratus itself relies on, so a failure here is only a warning.
    std::vector<NodeInstance> instances;
    for (const Assigned* a : ok)
        instances.push_back(NodeInstance{a->node, a->instance_id, found.at(a->instance_id).instance_type});
    if (std::string ierr = ctx_.slurm.set_instances(instances); !ierr.empty())
        ctx_.log.warning("cannot set InstanceId/InstanceType of " + std::to_string(instances.size()) + " node(s): " + ierr);
}

// stratus:node and Name on each started instance, once the nodes are
// usable: ownership is in the records, the tags are for people (and the
// sandbox's launch hook). One CreateTags per instance (the values differ),
// side by side when the context can make more clients; stops at the deadline.
void Resumer::tag_instances() {
    std::vector<const Assigned*> todo;
    for (const Assigned& a : assigned_)
        if (std::find(started_.begin(), started_.end(), a.node) != started_.end()) todo.push_back(&a);
    if (todo.empty()) return;
    std::atomic<size_t> next{0};
    std::mutex mutex;
    std::vector<std::string> problems;
    size_t skipped = 0;
    auto work = [&](Ec2Api& ec2) {
        for (size_t i = next++; i < todo.size(); i = next++) {
            const Assigned& a = *todo[i];
            if (ctx_.past_deadline()) {
                std::lock_guard<std::mutex> l(mutex);
                ++skipped;
                continue;
            }
            try {
                ec2.create_tags({a.instance_id}, {{kTagNode, a.node}, {"Name", a.node}});
            } catch (const std::exception& e) {
                std::lock_guard<std::mutex> l(mutex);
                problems.push_back("node " + a.node + ": cannot tag " + a.instance_id + ": " + e.what());
            }
        }
    };
    unsigned threads = ctx_.ec2_factory ? std::min<unsigned>(ctx_.parallel_calls, static_cast<unsigned>(todo.size())) : 1;
    if (threads <= 1) {
        work(ctx_.ec2);
    } else {
        std::vector<std::thread> pool;
        for (unsigned t = 1; t < threads; ++t)
            pool.emplace_back([&] {
                // No exception leaves a thread body.
                try {
                    std::unique_ptr<Ec2Api> mine = ctx_.ec2_factory();
                    work(*mine);
                } catch (const std::exception& e) {
                    std::lock_guard<std::mutex> l(mutex);
                    problems.push_back(std::string("tagging thread: ") + e.what());
                } catch (...) {
                    std::lock_guard<std::mutex> l(mutex);
                    problems.push_back("tagging thread: unknown error");
                }
            });
        try {
            work(ctx_.ec2);
        } catch (...) {
            for (std::thread& t : pool) t.join();
            throw;
        }
        for (std::thread& t : pool) t.join();
    }
    for (const std::string& p : problems) ctx_.log.warning(p);
    if (skipped) ctx_.log.warning(std::to_string(skipped) + " instance(s) left without stratus:node/Name tags: time limit");
    ctx_.log.info("tagged " + std::to_string(todo.size() - skipped - problems.size()) + " instance(s) with stratus:node and Name");
}

void Resumer::finish(ResumeResult& out, const ResumeRequest& req) {
    int64_t now = ctx_.now();
    // Failed nodes that got an instance: give it back.
    std::vector<std::string> ids;
    for (const Assigned& a : assigned_)
        if (failed_reason_.count(a.node) &&
            std::find(started_.begin(), started_.end(), a.node) == started_.end())
            ids.push_back(a.instance_id);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    // (Instances already terminated above are harmless to name again.)
    std::vector<std::string> health_log;
    try {
        ctx_.store.update([&](BurstState& st) {
            for (const std::string& n : failed_order_) {
                NodeRecord& r = st.nodes[n];
                auto p = partition_of_.find(n);
                if (p != partition_of_.end()) r.partition = p->second;
                r.status = kNodeFailed;
                r.reason = failed_reason_[n];
                r.instance_id.clear();
                r.instance_type.clear();
                r.private_ip.clear();
                r.private_dns.clear();
                r.failed_at = now;
                r.retry_at = now + static_cast<int64_t>(b_.capacity_avoid_s);
                auto h = st.partitions.find(r.partition);
                if (h != st.partitions.end() && h->second.protected_since)
                    r.retry_at = b_.protected_cooldown_s ? h->second.protected_since + b_.protected_cooldown_s : 0;
            }
            for (const std::string& part : partitions_tried_) {
                PartitionHealth& h = st.partitions[part];
                auto f = partition_failed_.find(part);
                if (f == partition_failed_.end()) {
                    if (h.consecutive_failures) health_log.push_back("partition " + part + ": launches work again after " +
                                                                     std::to_string(h.consecutive_failures) +
                                                                     " consecutive failure(s)");
                    h.consecutive_failures = 0;
                    continue;
                }
                ++h.consecutive_failures;
                h.last_error = f->second;
                if (b_.protected_failures && h.consecutive_failures >= b_.protected_failures && !h.protected_since) {
                    h.protected_since = now;
                    health_log.push_back(
                        "PROTECTED MODE: partition " + part + ": " + std::to_string(h.consecutive_failures) +
                        " consecutive launch failures (last: " + f->second + "); no more launches in " + part +
                        (b_.protected_cooldown_s ? " for " + std::to_string(b_.protected_cooldown_s) + " s" : "") +
                        " or until `stratus-resume --reset-protected " + part + "`");
                    for (auto& [name, r] : st.nodes)
                        if (r.partition == part && r.status == kNodeFailed && failed_reason_.count(name))
                            r.retry_at = b_.protected_cooldown_s ? now + b_.protected_cooldown_s : 0;
                } else {
                    health_log.push_back("partition " + part + ": " + std::to_string(h.consecutive_failures) +
                                         " consecutive launch failure(s)" +
                                         (b_.protected_failures ? " of " + std::to_string(b_.protected_failures) +
                                                                      " before protected mode"
                                                                : ""));
                }
            }
        });
    } catch (const StateError& e) {
        ctx_.log.error("cannot record the failed nodes: " + std::string(e.what()));
    }
    for (const std::string& line : health_log) {
        if (line.rfind("PROTECTED MODE", 0) == 0) ctx_.log.error(line);
        else ctx_.log.info(line);
    }
    if (!ids.empty()) terminate(ids, "their nodes failed");

    // Slurm: DOWN with the reason, grouped by reason.
    std::map<std::string, std::vector<std::string>> by_reason;
    for (const std::string& n : failed_order_) by_reason[failed_reason_[n]].push_back(n);
    for (const auto& [reason, nodes] : by_reason) {
        ctx_.log.error("DOWN " + hosts(nodes) + ": " + reason);
        std::string err = ctx_.slurm.mark_failed(nodes, reason);
        if (!err.empty()) ctx_.log.error("cannot set " + hosts(nodes) + " DOWN: " + err);
    }
    // The jobs waiting for them.
    for (const ResumeJob& j : req.jobs) {
        std::string reason;
        for (const std::string& n : j.nodes) {
            auto f = failed_reason_.find(n);
            if (f != failed_reason_.end()) {
                reason = f->second;
                break;
            }
        }
        if (reason.empty()) continue;
        std::string text = reason + " (nodes " + hosts(j.nodes) + "); Slurm requeues the job";
        auto job = jobs_.find(j.job_id);
        std::string comment = job != jobs_.end() ? job->second.admin_comment : "";
        if (std::optional<std::string> updated = comment_with_wait_reason(comment, text)) {
            std::string err = ctx_.slurm.set_admin_comment(j.job_id, *updated);
            if (err.empty()) ctx_.log.info("job " + std::to_string(j.job_id) + ": AdminComment wait_reason: " + text);
            else ctx_.log.warning("job " + std::to_string(j.job_id) + ": cannot set AdminComment: " + err);
        } else {
            ctx_.log.warning("job " + std::to_string(j.job_id) + ": AdminComment is not a JSON object; left as it is");
        }
        std::string err = ctx_.slurm.notify_job(j.job_id, text);
        if (!err.empty()) ctx_.log.info("job " + std::to_string(j.job_id) + ": slurm_notify_job: " + err);
    }
    out.started = started_;
    for (const std::string& n : failed_order_) out.failed.emplace_back(n, failed_reason_[n]);
    out.create_fleet_calls = calls_;
}

ResumeResult Resumer::run(const ResumeRequest& req) {
    ResumeResult out;
    std::string job_list;
    for (const ResumeJob& j : req.jobs) job_list += (job_list.empty() ? "" : ",") + std::to_string(j.job_id);
    ctx_.log.info("resume " + std::to_string(req.nodes.size()) + " node(s): " + hosts(req.nodes) +
                  (job_list.empty() ? (req.from_file ? "" : " (no SLURM_RESUME_FILE)") : " for job(s) " + job_list));
    if (req.nodes.empty()) return out;
    if (b_.cluster_name.empty()) {
        ctx_.log.error("no ClusterName (stratus.conf or slurm.conf): instances could not be told apart; launching nothing");
        for (const std::string& n : req.nodes) fail(n, "stratus: no ClusterName in stratus.conf or slurm.conf", false);
        finish(out, req);
        return out;
    }
    load_jobs(req);
    std::vector<Group> groups;
    plan(req, groups);

    // Protected mode: partitions that may not launch now.
    int64_t now = ctx_.now();
    std::set<std::string> blocked;
    std::vector<std::string> ended;
    ctx_.store.update([&](BurstState& st) {
        for (const Group& g : groups) {
            auto it = st.partitions.find(g.partition->name);
            if (it == st.partitions.end() || !it->second.protected_since) continue;
            PartitionHealth& h = it->second;
            if (b_.protected_cooldown_s && h.protected_since + b_.protected_cooldown_s <= now) {
                ended.push_back(g.partition->name);
                h = PartitionHealth{};
            } else {
                blocked.insert(g.partition->name);
            }
        }
    });
    for (const std::string& p : ended)
        ctx_.log.warning("partition " + p + ": protected mode ends after ProtectedModeCooldown (" +
                         std::to_string(b_.protected_cooldown_s) + " s); launching again");
    BurstState snapshot = ctx_.store.load();
    std::vector<std::string> launchable;
    for (Group& g : groups) {
        if (blocked.count(g.partition->name)) {
            const PartitionHealth& h = snapshot.partitions[g.partition->name];
            std::string reason = "stratus: partition " + g.partition->name + " in protected mode after " +
                                 std::to_string(h.consecutive_failures) +
                                 " consecutive launch failures; stratus-resume --reset-protected " + g.partition->name;
            ctx_.log.error("PROTECTED MODE: partition " + g.partition->name + ": not launching " + hosts(g.nodes) +
                           " (since " + format_time(h.protected_since) + "; last: " + h.last_error + ")");
            for (const std::string& n : g.nodes) fail(n, reason, false);
            continue;
        }
        launchable.insert(launchable.end(), g.nodes.begin(), g.nodes.end());
    }
    terminate_stale(launchable);
    for (Group& g : groups)
        if (!blocked.count(g.partition->name)) launch(g);
    resolve_addresses();
    finish(out, req);
    tag_instances();
    ctx_.log.info("resume done: " + std::to_string(out.started.size()) + " started, " +
                  std::to_string(out.failed.size()) + " failed, " + std::to_string(out.create_fleet_calls) +
                  " CreateFleet call(s)");
    return out;
}

}  // namespace

ResumeResult resume(BurstContext& ctx, const ResumeRequest& req) {
    Resumer r(ctx);
    return r.run(req);
}

std::string reset_protected(BurstContext& ctx, const std::string& partition) {
    std::vector<std::string> nodes;
    bool was = false;
    uint32_t failures = 0;
    ctx.store.update([&](BurstState& st) {
        PartitionHealth& h = st.partitions[partition];
        was = h.protected_since != 0;
        failures = h.consecutive_failures;
        h = PartitionHealth{};
        for (auto& [name, r] : st.nodes)
            if (r.partition == partition && r.status == kNodeFailed) {
                nodes.push_back(name);
                r.status = kNodeIdle;
                r.reason.clear();
                r.failed_at = r.retry_at = 0;
            }
    });
    std::string msg = "partition " + partition + ": " +
                      (was ? "protected mode ended by an administrator"
                           : "not in protected mode; failure count reset") +
                      " (" + std::to_string(failures) + " consecutive failure(s) forgotten)";
    ctx.log.warning(msg);
    if (!nodes.empty()) {
        std::string err = ctx.slurm.return_to_service(nodes);
        std::string line = "partition " + partition + ": nodes " + hosts(nodes) + " back in service" +
                           (err.empty() ? "" : " failed: " + err);
        ctx.log.info(line);
        msg += "; " + line;
    }
    return msg;
}

void fail_nodes(BurstContext& ctx, const std::vector<std::string>& nodes, const std::string& reason,
                const std::vector<ResumeJob>& jobs) noexcept {
    try {
        int64_t now = ctx.now();
        try {
            ctx.store.update([&](BurstState& st) {
                for (const std::string& n : nodes) {
                    NodeRecord& r = st.nodes[n];
                    r.status = kNodeFailed;
                    r.reason = reason;
                    r.failed_at = now;
                    r.retry_at = now + static_cast<int64_t>(ctx.config.burst.capacity_avoid_s);
                }
            });
        } catch (const StateError& e) {
            ctx.log.error(std::string("cannot record the failed nodes: ") + e.what());
        }
        ctx.log.error("DOWN " + hosts(nodes) + ": " + reason);
        std::string err = ctx.slurm.mark_failed(nodes, reason);
        if (!err.empty()) ctx.log.error("cannot set " + hosts(nodes) + " DOWN: " + err);
        for (const ResumeJob& j : jobs) {
            std::string text = reason + " (nodes " + hosts(j.nodes) + "); Slurm requeues the job";
            std::optional<JobInfo> info = ctx.slurm.load_job(j.job_id);
            if (auto updated = comment_with_wait_reason(info ? info->admin_comment : "", text))
                ctx.slurm.set_admin_comment(j.job_id, *updated);
            ctx.slurm.notify_job(j.job_id, text);
        }
    } catch (...) {
        // Best effort: the caller is already failing.
    }
}

}  // namespace stratus::burst
