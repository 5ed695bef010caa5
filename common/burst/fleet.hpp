// Building CreateFleet requests and reading their answers: batches,
// idempotency tokens, overrides in price order, tags, and the text a
// failed launch leaves on the Slurm node; looking launched instances up
// by id.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "burst/interfaces.hpp"
#include "catalog.hpp"
#include "config.hpp"

namespace stratus::burst {

// Tag keys on every instance Stratus launches.
inline constexpr const char* kTagCluster = "stratus:cluster";
inline constexpr const char* kTagPartition = "stratus:partition";
inline constexpr const char* kTagNode = "stratus:node";
inline constexpr const char* kTagJobId = "stratus:job-id";
inline constexpr const char* kTagUser = "stratus:user";
inline constexpr const char* kTagAccount = "stratus:account";
inline constexpr const char* kTagCostCenter = "stratus:cost-center";

// `items` cut into consecutive pieces of at most `size` (size 0 = 1).
template <class T>
std::vector<std::vector<T>> batches(const std::vector<T>& items, size_t size) {
    if (size == 0) size = 1;
    std::vector<std::vector<T>> out;
    for (size_t i = 0; i < items.size(); i += size)
        out.emplace_back(items.begin() + static_cast<std::ptrdiff_t>(i),
                         items.begin() + static_cast<std::ptrdiff_t>(std::min(items.size(), i + size)));
    return out;
}

// EC2's error for an instance id it does not know (InvalidInstanceID.NotFound).
bool instance_not_found(const aws::AwsError& e) noexcept;

// The instances EC2 knows among `ids`, in any state; an id it does not
// know (not yet, eventual consistency; or no more, terminated long ago) is
// simply absent. By InstanceId.N first; EC2 fails that whole call with
// InvalidInstanceID.NotFound when it does not know one id, and then the
// ids are asked again by the instance-id filter (200 values a call), which
// lists the known ones and leaves the others out. Throws aws::AwsError for
// any other failure.
std::vector<ec2::Instance> describe_known(Ec2Api& ec2, const std::vector<std::string>& ids);

// A node of a launch with the launch generation its record holds.
struct NodeGeneration {
    std::string node;
    uint64_t generation = 0;
};

// The CreateFleet ClientToken of one call: "stratus-" and 48 hex digits of
// SHA-256 over the cluster, the nodes (sorted) with their generations, and
// the attempt. The same nodes at the same generation and attempt give the
// same token, so a call repeated after a timeout or a crash returns the
// first call's instances instead of launching more; the next launch of a
// node (generation + 1) or the next fail-over attempt gets a new one.
// 56 characters (EC2 allows 64).
std::string fleet_client_token(const std::string& cluster, std::vector<NodeGeneration> nodes, unsigned attempt);

// Everything one CreateFleet call needs besides the nodes.
struct FleetSpec {
    const PartitionConfig* partition = nullptr;
    std::vector<std::string> types;  // in the order to try (price order)
    Capacity capacity = Capacity::on_demand;
    std::vector<ec2::Tag> tags;      // instance tags (cluster, partition, job)
    std::string region;              // stratus.conf's Region: whose zone offerings count
    std::map<std::string, std::string> subnet_zones;  // subnet -> zone ID, where known
};

// The type/subnet pairs of `spec` whose subnet's zone the catalog knows
// does not offer the type (CreateFleet would answer Unsupported).
struct ZoneSkip {
    std::string instance_type, subnet, zone_id;
};
std::vector<ZoneSkip> zone_skips(const FleetSpec& spec);

// A type=instant CreateFleet for `count` instances: one launch template
// config (LaunchTemplate= is an id when it starts with "lt-", else a
// name), overrides = types x Subnets (no subnet when the partition has
// none) less zone_skips(), with Priority = the type's rank, the
// partition's AllocationStrategy when set, the instance tags, and
// `client_token`. Throws std::invalid_argument when the partition has no
// LaunchTemplate, or when no subnet is in a zone that offers any type.
ec2::CreateFleetRequest build_fleet_request(const FleetSpec& spec, uint32_t count, const std::string& client_token);

// A launch error as the Slurm node reason shows it (after "stratus: "):
// "InsufficientInstanceCapacity for c7g.large in us-east-1a". The zone is
// the error's, else one named in EC2's message ("... (us-east-2b)"), else
// left out.
struct LaunchError {
    std::string code, message, instance_type, availability_zone;
};
LaunchError launch_error(const ec2::FleetError& e);
// "stratus: CODE for TYPE in AZ, TYPE2 in AZ2; CODE2 for ..." (codes in
// order of first appearance, types of a code in order), at most 240
// characters.
std::string failure_reason(const std::vector<LaunchError>& errors);

// An availability zone named in `text` ("us-east-2b", "use1-az4" is not one), or "".
std::string zone_in_text(const std::string& text);

}  // namespace stratus::burst
