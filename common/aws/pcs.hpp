// AWS Parallel Computing Service (awsJson 1.0, X-Amz-Target
// AWSParallelComputingService.<Operation>): compute node groups.
// Builders and parsers are free functions for tests; PcsClient sends them.
//
// Errors: serialize_* throw AwsError(local, InvalidArgument) where noted;
// parse_* throw JsonParseError; PcsClient methods throw the typed errors
// below (all AwsError) or AwsError, and std::bad_alloc.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client.hpp"

namespace stratus::aws::pcs {

struct ScalingConfiguration {
    int64_t min_instance_count = 0;
    int64_t max_instance_count = 0;
};

struct ErrorInfo {
    std::string code, message;
};

struct ComputeNodeGroup {
    std::string name, id, arn, cluster_id;
    std::string status;  // CREATING|ACTIVE|UPDATING|DELETING|CREATE_FAILED|...
    std::string created_at, modified_at;  // ISO-8601 as sent
    std::string ami_id;
    std::vector<std::string> subnet_ids;
    std::string purchase_option;  // ONDEMAND|SPOT|CAPACITY_BLOCK|...; "" when absent
    std::string launch_template_id, launch_template_version;
    std::string iam_instance_profile_arn;
    std::optional<ScalingConfiguration> scaling;
    std::vector<std::string> instance_types;  // instanceConfigs[].instanceType
    std::string spot_allocation_strategy;
    std::vector<ErrorInfo> error_info;
};

struct ComputeNodeGroupSummary {
    std::string name, id, arn, cluster_id, status, created_at, modified_at;
};

struct UpdateComputeNodeGroupRequest {
    std::string cluster;     // name or id
    std::string node_group;  // name or id
    std::optional<ScalingConfiguration> scaling;
    std::string client_token;  // 8..100 characters; empty: not sent
};

// Request bodies (compact JSON, members in the order shown).
// serialize_update_compute_node_group throws AwsError(local,
// InvalidArgument) for a token outside 8..100 characters or min > max.
std::string serialize_get_compute_node_group(const std::string& cluster, const std::string& node_group);
std::string serialize_list_compute_node_groups(const std::string& cluster, const std::string& next_token,
                                               std::optional<int> max_results);
std::string serialize_update_compute_node_group(const UpdateComputeNodeGroupRequest& r);

// {"computeNodeGroup": {...}} (Get and Update). Throws JsonParseError.
ComputeNodeGroup parse_compute_node_group_response(std::string_view json);
struct ListPage {
    std::vector<ComputeNodeGroupSummary> groups;
    std::string next_token;
};
ListPage parse_list_compute_node_groups(std::string_view json);

// Typed PCS errors: PcsClient throws these (all are AwsError) for the
// matching codes, and plain AwsError for the rest.
class ConflictError : public AwsError {
public:
    explicit ConflictError(const AwsError& e) : AwsError(e) {}
    std::string resource_id() const { return field("resourceId"); }
    std::string resource_type() const { return field("resourceType"); }
};
class ThrottlingError : public AwsError {  // retry_after() from retryAfterSeconds
public:
    explicit ThrottlingError(const AwsError& e) : AwsError(e) {}
};
class ValidationError : public AwsError {  // field_list() from fieldList
public:
    explicit ValidationError(const AwsError& e) : AwsError(e) {}
    std::string reason() const { return field("reason"); }
};
class ServiceQuotaExceededError : public AwsError {
public:
    explicit ServiceQuotaExceededError(const AwsError& e) : AwsError(e) {}
    std::string service_code() const { return field("serviceCode"); }
    std::string quota_code() const { return field("quotaCode"); }
    std::string resource_id() const { return field("resourceId"); }
    std::string resource_type() const { return field("resourceType"); }
};
class ResourceNotFoundError : public AwsError {
public:
    explicit ResourceNotFoundError(const AwsError& e) : AwsError(e) {}
    std::string resource_id() const { return field("resourceId"); }
    std::string resource_type() const { return field("resourceType"); }
};
// Throws the typed error for e.code(), or e itself.
[[noreturn]] void throw_typed(const AwsError& e);

class PcsClient {
public:
    explicit PcsClient(ClientConfig config);

    ComputeNodeGroup get_compute_node_group(const std::string& cluster, const std::string& node_group);
    // Follows nextToken; `page_size` is maxResults (1..100).
    std::vector<ComputeNodeGroupSummary> list_compute_node_groups(const std::string& cluster, int page_size = 100);
    // Without a client_token one is made up, so a retried request replays
    // instead of conflicting with its own first attempt.
    ComputeNodeGroup update_compute_node_group(const UpdateComputeNodeGroupRequest& r);

    ServiceClient& service() noexcept { return client_; }

private:
    std::string call(const char* operation, const std::string& body);
    ServiceClient client_;
};

}  // namespace stratus::aws::pcs
