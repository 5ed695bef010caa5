// Runs the burst core's unit tests; the fakes they share.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "aws/clock.hpp"
#include "burst_unit.hpp"

namespace burst_test {

stratus::aws::AwsError aws_error(const std::string& code, long status, const std::string& message) {
    stratus::aws::AwsError::Details d;
    d.source = stratus::aws::ErrorSource::service;
    d.http_status = status;
    d.code = code;
    d.message = message.empty() ? code + " (scripted)" : message;
    d.service = "ec2";
    return stratus::aws::AwsError(d);
}

ec2::CreateFleetResult FakeEc2::create_fleet(const ec2::CreateFleetRequest& r) {
    fleets.push_back(r);
    if (throttle > 0) {
        --throttle;
        throw aws_error("RequestLimitExceeded", 503, "Request limit exceeded.");
    }
    if (create_error) throw aws_error(*create_error, 400);
    auto known = tokens_.find(r.client_token);
    if (!r.client_token.empty() && known != tokens_.end()) return known->second;
    ec2::CreateFleetResult result;
    result.fleet_id = "fleet-" + std::to_string(fleets.size());
    uint32_t need = r.total_target_capacity;
    std::set<std::string> failed_types;
    for (const ec2::FleetOverride& o : r.launch_template_configs.at(0).overrides) {
        if (need == 0) break;
        if (ice.count(o.instance_type)) {
            ec2::FleetError e;
            e.code = ice_code;
            e.message = "We currently do not have sufficient " + o.instance_type +
                        " capacity in the Availability Zone you requested (" + zone + ").";
            e.instance_type = o.instance_type;
            e.subnet_id = o.subnet_id;
            result.errors.push_back(e);
            if (no_fallback) break;
            continue;
        }
        uint32_t n = need;
        if (max_per_call >= 0) n = std::min<uint32_t>(n, static_cast<uint32_t>(max_per_call));
        for (uint32_t k = 0; k < n; ++k) {
            char id[32];
            std::snprintf(id, sizeof id, "i-%017x", next_++);
            ec2::Instance i;
            i.instance_id = id;
            i.instance_type = o.instance_type;
            i.state = "pending";
            i.private_ip = "10.0.0." + std::to_string(next_);
            i.private_dns_name = "ip-10-0-0-" + std::to_string(next_) + ".ec2.internal";
            i.availability_zone = zone;
            i.subnet_id = o.subnet_id;
            i.lifecycle = r.default_target_capacity_type == ec2::CapacityType::spot ? "spot" : "on-demand";
            i.launch_time = "2027-01-15T08:00:00Z";
            for (const ec2::TagSpecification& ts : r.tag_specifications)
                if (ts.resource_type == "instance") i.tags.insert(i.tags.end(), ts.tags.begin(), ts.tags.end());
            instances[i.instance_id] = i;
            ec2::FleetInstance fi;
            fi.instance_id = i.instance_id;
            fi.instance_type = i.instance_type;
            fi.lifecycle = i.lifecycle;
            fi.subnet_id = o.subnet_id;
            result.instances.push_back(fi);
        }
        need -= n;
        if (need > 0 && max_per_call >= 0) {
            ec2::FleetError e;
            e.code = ice_code;
            e.message = "partial";
            e.instance_type = o.instance_type;
            result.errors.push_back(e);
            break;
        }
    }
    if (!r.client_token.empty()) tokens_[r.client_token] = result;
    return result;
}

std::vector<ec2::Instance> FakeEc2::describe_instances(const std::vector<std::string>& ids,
                                                       const std::vector<ec2::Filter>& filters) {
    ++describe_calls;
    if (!ids.empty() && ids_not_found > 0) {
        --ids_not_found;
        throw aws_error("InvalidInstanceID.NotFound", 400, "The instance ID '" + ids[0] + "' does not exist");
    }
    if (hide_describes > 0) {
        --hide_describes;
        return {};
    }
    // As EC2: one id it does not know fails the whole call.
    std::vector<std::string> unknown;
    for (const std::string& id : ids)
        if (!instances.count(id)) unknown.push_back(id);
    if (unknown.size() == 1)
        throw aws_error("InvalidInstanceID.NotFound", 400, "The instance ID '" + unknown[0] + "' does not exist");
    if (!unknown.empty()) {
        std::string list;
        for (const std::string& id : unknown) list += (list.empty() ? "" : ", ") + id;
        throw aws_error("InvalidInstanceID.NotFound", 400, "The instance IDs '" + list + "' do not exist");
    }
    std::vector<ec2::Instance> out;
    for (const auto& [id, i] : instances) {
        if (!ids.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
        bool ok = true;
        for (const ec2::Filter& f : filters) {
            std::string value;
            if (f.name == "instance-id") value = id;
            else if (f.name == "instance-state-name") value = i.state;
            else if (f.name.rfind("tag:", 0) == 0) {
                bool has = false;
                for (const ec2::Tag& t : i.tags)
                    if (t.key == f.name.substr(4)) {
                        value = t.value;
                        has = true;
                    }
                if (!has) {
                    ok = false;
                    break;
                }
            }
            if (std::find(f.values.begin(), f.values.end(), value) == f.values.end()) ok = false;
        }
        if (ok) out.push_back(i);
    }
    return out;
}

std::vector<ec2::InstanceStateChange> FakeEc2::terminate_instances(const std::vector<std::string>& ids) {
    terminate_calls.push_back(ids);
    for (const std::string& id : ids)
        if (!instances.count(id)) throw aws_error("InvalidInstanceID.NotFound", 400, "The instance ID '" + id + "' does not exist");
    std::vector<ec2::InstanceStateChange> out;
    for (const std::string& id : ids) {
        out.push_back(ec2::InstanceStateChange{id, "shutting-down", instances[id].state});
        instances[id].state = "terminated";
    }
    return out;
}

void FakeEc2::create_tags(const std::vector<std::string>& ids, const std::vector<ec2::Tag>& tags) {
    tag_calls.emplace_back(ids, tags);
    for (const std::string& id : ids) {
        auto it = instances.find(id);
        if (it == instances.end()) throw aws_error("InvalidInstanceID.NotFound");
        for (const ec2::Tag& t : tags) it->second.tags.push_back(t);
    }
}

std::vector<ec2::Subnet> FakeEc2::describe_subnets(const std::vector<std::string>& ids) {
    ++describe_subnets_calls;
    if (subnets_error) throw aws_error(*subnets_error, 503);
    std::vector<ec2::Subnet> out;
    for (const std::string& id : ids)
        if (auto z = subnet_zone_ids.find(id); z != subnet_zone_ids.end()) out.push_back(ec2::Subnet{id, "", z->second});
    return out;
}

std::string FakeEc2::add_instance(const std::string& type, const std::vector<ec2::Tag>& tags, const std::string& launch_time) {
    char id[32];
    std::snprintf(id, sizeof id, "i-%017x", 0x100000 + next_++);
    ec2::Instance i;
    i.instance_id = id;
    i.instance_type = type;
    i.state = "running";
    i.private_ip = "10.0.9." + std::to_string(next_);
    i.launch_time = launch_time;
    i.tags = tags;
    instances[id] = i;
    return id;
}

size_t FakeEc2::live() const {
    size_t n = 0;
    for (const auto& [id, i] : instances) n += i.state == "pending" || i.state == "running";
    return n;
}

std::string FakeSlurm::set_addresses(const std::vector<NodeAddress>& nodes) {
    if (!set_addresses_error.empty()) return set_addresses_error;
    for (const NodeAddress& n : nodes) addresses[n.node] = n;
    return "";
}
std::string FakeSlurm::set_instances(const std::vector<NodeInstance>& nodes) {
    for (const NodeInstance& n : nodes) instances[n.node] = n;
    return "";
}
std::string FakeSlurm::mark_failed(const std::vector<std::string>& nodes, const std::string& reason) {
    for (const std::string& n : nodes) failed[n] = reason;
    return "";
}
std::string FakeSlurm::power_down(const std::vector<std::string>& nodes, const std::string& reason) {
    for (const std::string& n : nodes) powered_down[n] = reason;
    return "";
}
std::string FakeSlurm::return_to_service(const std::vector<std::string>& nodes) {
    returned.insert(returned.end(), nodes.begin(), nodes.end());
    return "";
}
std::optional<JobInfo> FakeSlurm::load_job(uint32_t job_id) {
    ++load_job_calls;
    auto it = jobs.find(job_id);
    if (it == jobs.end()) return std::nullopt;
    return it->second;
}
std::string FakeSlurm::set_admin_comment(uint32_t job_id, const std::string& admin_comment) {
    comments[job_id] = admin_comment;
    return "";
}
std::string FakeSlurm::notify_job(uint32_t job_id, const std::string& message) {
    notes[job_id] = message;
    return "";
}
std::optional<std::vector<SlurmNode>> FakeSlurm::nodes(const std::vector<std::string>&) { return node_list; }

bool MemoryLog::has(const std::string& needle) const {
    for (const std::string& l : lines)
        if (l.find(needle) != std::string::npos) return true;
    return false;
}

std::string MemoryLog::all() const {
    std::string out;
    for (const std::string& l : lines) out += "  | " + l + "\n";
    return out;
}

World::World(const std::string& extra_conf) : dir(test_dir()) {
    write_file(dir + "/slurm.conf",
               "ClusterName=slurmcluster\n"
               "NodeName=burst-[1-8] CPUs=2 RealMemory=3000 State=CLOUD\n"
               "NodeName=pin-1 CPUs=4 Features=c7g.xlarge,arm64 State=CLOUD\n"
               "NodeName=pin-2 CPUs=2 Features=c7g.large State=CLOUD\n"
               "NodeName=spot-[1-2] CPUs=2 State=CLOUD\n"
               "NodeName=other-1 CPUs=2\n"
               "PartitionName=burst Nodes=burst-[1-8] State=UP\n"
               "PartitionName=pinned Nodes=pin-[1-2]\n"
               "PartitionName=spot Nodes=spot-[1-2]\n"
               "PartitionName=static Nodes=other-1\n");
    write_file(dir + "/stratus.conf",
               "Region=us-east-1\n"
               "ClusterName=testcluster\n"
               "StateDir=" + dir + "/state\n"
               "BurstLog=" + dir + "/burst.log\n"
               "ResumeBatchSize=3\n"
               "CapacityAvoidTime=600\n"
               "ProtectedModeFailures=3\n"
               "ProtectedModeCooldown=1800\n"
               "OrphanGracePeriod=300\n"
               "PartitionName=burst InstanceTypes=c7g.xlarge,c7g.large LaunchTemplate=lt-0123456789abcdef0 "
               "Subnets=subnet-a,subnet-b\n"
               "PartitionName=pinned InstanceTypes=c7g.large,c7g.xlarge LaunchTemplate=burst-template LaunchTemplateVersion=3\n"
               "PartitionName=spot InstanceTypes=c7g.large Capacity=spot LaunchTemplate=lt-1 "
               "AllocationStrategy=price-capacity-optimized\n" +
                   extra_conf);
    config = load_config(dir + "/stratus.conf", dir + "/slurm.conf");
    store = std::make_unique<StateStore>(config.burst.state_dir);
    ctx = std::make_unique<BurstContext>(config, ec2, slurm, *store, log);
    ctx->slurm_conf = dir + "/slurm.conf";
    ctx->clock.now = [this] { return now + slept_ms / 1000; };
    ctx->clock.sleep = [this](std::chrono::milliseconds d) { slept_ms += d.count(); };
}

}  // namespace burst_test

int main() {
    return run_suites("burst", {hostlist_suite(), resume_file_suite(), node_map_suite(), fleet_suite(), state_suite(),
                                resume_suite(), reconcile_suite()});
}
