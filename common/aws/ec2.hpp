// EC2 through its Query API (Version 2016-11-15): form-encoded POST bodies,
// XML answers. Request builders and response parsers are free functions
// so they can be tested without a network; Ec2Client sends them.
//
// Wire names follow botocore's EC2 serializer: lists are flattened as
// Name.1, Name.2, ... with no ".member".
//
// Errors: serialize_* are pure and throw only AwsError(local,
// InvalidArgument) where noted (and std::bad_alloc). parse_* throw
// XmlParseError for a body that is not XML or whose root element is not
// the operation's <Op>Response. Ec2Client methods throw AwsError only
// (service errors after retries; an unreadable answer is MalformedResponse,
// never retried) or std::bad_alloc; a failed call leaves the client usable.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"
#include "aws/query.hpp"

namespace stratus::aws::ec2 {

inline constexpr const char* kApiVersion = "2016-11-15";

struct Tag {
    std::string key, value;
};

struct Filter {
    std::string name;
    std::vector<std::string> values;
};

// ---- CreateFleet (type instant) ---------------------------------------------

struct LaunchTemplateSpec {
    std::string id;       // LaunchTemplateId, or
    std::string name;     // LaunchTemplateName
    std::string version;  // "$Latest", "$Default", "3"; empty: not sent
};

struct FleetOverride {
    std::string instance_type;
    std::string subnet_id;          // empty: not sent
    std::string availability_zone;  // empty: not sent
    std::optional<double> priority;           // lower = preferred ("prioritized" strategies)
    std::optional<double> weighted_capacity;
    std::string max_price;                    // spot, USD/h as text; empty: not sent
};

struct LaunchTemplateConfig {
    LaunchTemplateSpec launch_template;
    std::vector<FleetOverride> overrides;
};

enum class CapacityType { on_demand, spot };
const char* capacity_type_name(CapacityType t) noexcept;  // "on-demand", "spot"

struct FleetOptions {
    std::string allocation_strategy;  // on-demand: lowest-price|prioritized; spot: price-capacity-optimized|...; empty: not sent
    bool single_instance_type = false;
    bool single_availability_zone = false;
    std::optional<uint32_t> min_target_capacity;
    std::string instance_interruption_behavior;  // spot only; empty: not sent
};

struct TagSpecification {
    std::string resource_type;  // "instance", "fleet", "volume", ...
    std::vector<Tag> tags;
};

struct CreateFleetRequest {
    std::vector<LaunchTemplateConfig> launch_template_configs;
    uint32_t total_target_capacity = 0;
    std::optional<uint32_t> on_demand_target_capacity;
    std::optional<uint32_t> spot_target_capacity;
    CapacityType default_target_capacity_type = CapacityType::on_demand;
    std::optional<FleetOptions> on_demand_options;
    std::optional<FleetOptions> spot_options;
    std::vector<TagSpecification> tag_specifications;
    std::string client_token;  // idempotency; empty: not sent
    bool dry_run = false;
};

struct FleetInstance {
    std::string instance_id;
    std::string instance_type;
    std::string lifecycle;  // "on-demand" or "spot"
    std::string availability_zone, subnet_id, platform;
};

// One override that could not be launched (a normal outcome of instant fleets).
struct FleetError {
    std::string code;     // e.g. InsufficientInstanceCapacity
    std::string message;
    std::string instance_type, subnet_id, availability_zone;
    std::string lifecycle;
    std::string launch_template_id;
};

struct CreateFleetResult {
    std::string request_id;
    std::string fleet_id;
    std::vector<FleetInstance> instances;  // one entry per instance id
    std::vector<FleetError> errors;
};

// Action, Version, then the request's members in a fixed order (see ec2.cpp).
// Throws AwsError(local, InvalidArgument) for a request without configs or
// with a config that has neither launch template id nor name.
QueryParams serialize_create_fleet(const CreateFleetRequest& r);
// Throws XmlParseError for a body that is not XML.
CreateFleetResult parse_create_fleet(std::string_view xml);

// ---- DescribeInstances ---------------------------------------------------------

struct Instance {
    std::string instance_id;
    std::string instance_type;
    std::string state;  // pending|running|shutting-down|terminated|stopping|stopped
    std::string lifecycle;  // "spot", "capacity-block", or "on-demand" when EC2 sends none
    std::string image_id, private_ip, private_dns_name, availability_zone, subnet_id, architecture, launch_time;
    std::vector<Tag> tags;
    std::string tag(std::string_view key) const;  // "" when absent
};

template <class T>
struct Page {
    std::vector<T> items;
    std::string next_token;  // empty: last page
    std::string request_id;
};

QueryParams serialize_describe_instances(const std::vector<std::string>& instance_ids, const std::vector<Filter>& filters,
                                         const std::string& next_token, std::optional<uint32_t> max_results);
Page<Instance> parse_describe_instances(std::string_view xml);

// ---- TerminateInstances, CreateTags -------------------------------------------

struct InstanceStateChange {
    std::string instance_id;
    std::string current_state, previous_state;
};
QueryParams serialize_terminate_instances(const std::vector<std::string>& instance_ids);
std::vector<InstanceStateChange> parse_terminate_instances(std::string_view xml);

QueryParams serialize_create_tags(const std::vector<std::string>& resource_ids, const std::vector<Tag>& tags);

// ---- DescribeInstanceTypes ----------------------------------------------------

struct InstanceTypeInfo {
    std::string instance_type;
    std::vector<std::string> architectures;  // "x86_64", "arm64", "i386", ...
    uint32_t vcpus = 0;
    uint64_t memory_mib = 0;
    // Accelerators: GPUs, else Neuron devices, else inference accelerators.
    uint32_t gpus = 0;
    std::string gpu_model;           // as EC2 names it ("H100", "Trainium2")
    std::string gpu_manufacturer;    // "NVIDIA", "AWS", ...
    uint64_t gpu_memory_mib = 0;     // per device; 0 unknown
    bool efa = false;
    std::string network_performance;  // "Up to 12.5 Gigabit"
    double baseline_network_gbps = 0;  // sum over network cards; 0 unknown
    bool current_generation = false;
};
QueryParams serialize_describe_instance_types(const std::vector<std::string>& types, const std::vector<Filter>& filters,
                                              const std::string& next_token, std::optional<uint32_t> max_results);
Page<InstanceTypeInfo> parse_describe_instance_types(std::string_view xml);

// ---- DescribeSpotPriceHistory -----------------------------------------------

struct SpotPrice {
    std::string instance_type;
    std::string product_description;  // "Linux/UNIX"
    double usd_per_hour = 0;
    std::string timestamp;  // ISO-8601 as sent
    std::string availability_zone;
};
struct SpotPriceQuery {
    std::vector<std::string> instance_types;          // empty: all
    std::vector<std::string> product_descriptions;    // e.g. {"Linux/UNIX"}
    std::optional<TimePoint> start_time, end_time;
    std::string availability_zone;
    std::vector<Filter> filters;
    std::optional<uint32_t> max_results;
};
QueryParams serialize_describe_spot_price_history(const SpotPriceQuery& q, const std::string& next_token);
Page<SpotPrice> parse_describe_spot_price_history(std::string_view xml);

// ---- DescribeSubnets --------------------------------------------------------

// A subnet's zone, by name (us-east-1a, which differs between accounts) and
// by ID (use1-az6, the same zone for everyone: the catalog's offerings use it).
struct Subnet {
    std::string subnet_id, availability_zone, availability_zone_id;
};
QueryParams serialize_describe_subnets(const std::vector<std::string>& subnet_ids, const std::string& next_token);
Page<Subnet> parse_describe_subnets(std::string_view xml);

// ---- DescribeInstanceTypeOfferings ----------------------------------------------

struct InstanceTypeOffering {
    std::string instance_type, location_type, location;  // location: a region, zone name or zone ID
};
QueryParams serialize_describe_instance_type_offerings(const std::string& location_type,
                                                       const std::vector<Filter>& filters, const std::string& next_token,
                                                       std::optional<uint32_t> max_results);
Page<InstanceTypeOffering> parse_describe_instance_type_offerings(std::string_view xml);

// ---- the client ---------------------------------------------------------------

class Ec2Client {
public:
    // See ServiceClient (endpoint, credentials, retries). Not thread-safe.
    explicit Ec2Client(ClientConfig config);

    // Partial success is a normal answer: launched instances and per-override
    // errors both come back as data. Throws AwsError only when the call
    // itself failed (after retries). Without a client_token one is made up,
    // so a retry after a timeout cannot launch a second fleet; callers that
    // may call again themselves should pass their own.
    CreateFleetResult create_fleet(const CreateFleetRequest& r);
    // By ids (empty: all) and/or filters; follows NextToken. Ids are sent
    // in batches of 200; `page_size` (5..1000, default 200) applies to
    // listings without ids (EC2 refuses MaxResults with InstanceId.N, so a
    // batch is one answer). 200 keeps an answer well under
    // kMaxResponseBytes even for instances with 32 network interfaces.
    std::vector<Instance> describe_instances(const std::vector<std::string>& instance_ids,
                                             const std::vector<Filter>& filters = {},
                                             std::optional<uint32_t> page_size = std::nullopt);
    // In batches of 1000 ids.
    std::vector<InstanceStateChange> terminate_instances(const std::vector<std::string>& instance_ids);
    void create_tags(const std::vector<std::string>& resource_ids, const std::vector<Tag>& tags);
    // Follows NextToken (pages of 100).
    std::vector<InstanceTypeInfo> describe_instance_types(const std::vector<std::string>& types = {},
                                                          const std::vector<Filter>& filters = {});
    // Follows NextToken (pages of 1000 unless q.max_results says otherwise).
    std::vector<SpotPrice> describe_spot_price_history(const SpotPriceQuery& q);
    // By id (SubnetId.N, 200 a call); EC2 fails the call with
    // InvalidSubnetID.NotFound when one is unknown.
    std::vector<Subnet> describe_subnets(const std::vector<std::string>& subnet_ids);
    // Per instance type, the zone IDs of the client's region that offer it
    // (LocationType=availability-zone-id); `types` empty: all types.
    std::map<std::string, std::vector<std::string>> zones_offering(const std::vector<std::string>& types);

    ServiceClient& service() noexcept { return client_; }

private:
    std::string call(const QueryParams& p);
    template <class T, class Serialize, class Parse>
    std::vector<T> paginate(const char* action, Serialize s, Parse parse);

    ServiceClient client_;
};

// Upper bound on pages followed by one call (protects against a service
// that keeps returning tokens).
inline constexpr unsigned kMaxPages = 10000;

}  // namespace stratus::aws::ec2
