#include "aws/pcs.hpp"

#include "aws/json_doc.hpp"

namespace stratus::aws::pcs {

namespace {

std::string str(const json_t* o, const char* k) { return json_string(o, k).value_or(""); }

std::vector<std::string> strings(const json_t* array) {
    std::vector<std::string> out;
    size_t i;
    json_t* v;
    if (json_is_array(array))
        json_array_foreach(array, i, v) {
            if (auto s = json_as_string(v)) out.push_back(*s);
        }
    return out;
}

ComputeNodeGroup parse_group(const json_t* g) {
    if (!json_is_object(g)) throw JsonParseError("computeNodeGroup missing or not an object");
    ComputeNodeGroup out;
    out.name = str(g, "name");
    out.id = str(g, "id");
    out.arn = str(g, "arn");
    out.cluster_id = str(g, "clusterId");
    out.status = str(g, "status");
    out.created_at = str(g, "createdAt");
    out.modified_at = str(g, "modifiedAt");
    out.ami_id = str(g, "amiId");
    out.subnet_ids = strings(json_member(g, "subnetIds"));
    out.purchase_option = str(g, "purchaseOption");
    const json_t* lt = json_member(g, "customLaunchTemplate");
    out.launch_template_id = str(lt, "id");
    out.launch_template_version = str(lt, "version");
    out.iam_instance_profile_arn = str(g, "iamInstanceProfileArn");
    if (const json_t* sc = json_member(g, "scalingConfiguration"); json_is_object(sc)) {
        auto mn = json_int(sc, "minInstanceCount");
        auto mx = json_int(sc, "maxInstanceCount");
        if (!mn || !mx) throw JsonParseError("scalingConfiguration lacks minInstanceCount or maxInstanceCount");
        out.scaling = ScalingConfiguration{*mn, *mx};
    }
    size_t i;
    json_t* v;
    if (const json_t* ic = json_member(g, "instanceConfigs"); json_is_array(ic))
        json_array_foreach(ic, i, v) {
            if (auto t = json_string(v, "instanceType")) out.instance_types.push_back(*t);
        }
    out.spot_allocation_strategy = str(json_member(g, "spotOptions"), "allocationStrategy");
    if (const json_t* ei = json_member(g, "errorInfo"); json_is_array(ei))
        json_array_foreach(ei, i, v) { out.error_info.push_back(ErrorInfo{str(v, "code"), str(v, "message")}); }
    if (out.name.empty() && out.id.empty()) throw JsonParseError("computeNodeGroup has neither name nor id");
    return out;
}

}  // namespace

std::string serialize_get_compute_node_group(const std::string& cluster, const std::string& node_group) {
    JsonPtr o = json_new_object();
    json_set(o.get(), "clusterIdentifier", json_new_string(cluster));
    json_set(o.get(), "computeNodeGroupIdentifier", json_new_string(node_group));
    return json_dump(o.get());
}

std::string serialize_list_compute_node_groups(const std::string& cluster, const std::string& next_token,
                                               std::optional<int> max_results) {
    JsonPtr o = json_new_object();
    json_set(o.get(), "clusterIdentifier", json_new_string(cluster));
    if (!next_token.empty()) json_set(o.get(), "nextToken", json_new_string(next_token));
    if (max_results) json_set(o.get(), "maxResults", json_new_int(*max_results));
    return json_dump(o.get());
}

std::string serialize_update_compute_node_group(const UpdateComputeNodeGroupRequest& r) {
    if (!r.client_token.empty() && (r.client_token.size() < 8 || r.client_token.size() > 100))
        throw local_error(kCodeInvalidArgument, "PCS clientToken must be 8..100 characters");
    if (r.scaling && (r.scaling->min_instance_count < 0 || r.scaling->max_instance_count < r.scaling->min_instance_count))
        throw local_error(kCodeInvalidArgument, "PCS scaling configuration needs 0 <= min <= max");
    JsonPtr o = json_new_object();
    json_set(o.get(), "clusterIdentifier", json_new_string(r.cluster));
    json_set(o.get(), "computeNodeGroupIdentifier", json_new_string(r.node_group));
    if (r.scaling) {
        JsonPtr sc = json_new_object();
        json_set(sc.get(), "minInstanceCount", json_new_int(r.scaling->min_instance_count));
        json_set(sc.get(), "maxInstanceCount", json_new_int(r.scaling->max_instance_count));
        json_set(o.get(), "scalingConfiguration", std::move(sc));
    }
    if (!r.client_token.empty()) json_set(o.get(), "clientToken", json_new_string(r.client_token));
    return json_dump(o.get());
}

ComputeNodeGroup parse_compute_node_group_response(std::string_view json) {
    JsonPtr j = json_parse_object(json);
    return parse_group(json_member(j.get(), "computeNodeGroup"));
}

ListPage parse_list_compute_node_groups(std::string_view json) {
    JsonPtr j = json_parse_object(json);
    const json_t* list = json_member(j.get(), "computeNodeGroups");
    if (!json_is_array(list)) throw JsonParseError("computeNodeGroups missing or not an array");
    ListPage page;
    size_t i;
    json_t* v;
    json_array_foreach(list, i, v) {
        page.groups.push_back(ComputeNodeGroupSummary{str(v, "name"), str(v, "id"), str(v, "arn"), str(v, "clusterId"),
                                                      str(v, "status"), str(v, "createdAt"), str(v, "modifiedAt")});
    }
    page.next_token = str(j.get(), "nextToken");
    return page;
}

void throw_typed(const AwsError& e) {
    const std::string& c = e.code();
    if (e.source() == ErrorSource::service) {
        if (c == "ConflictException") throw ConflictError(e);
        if (c == "ThrottlingException") throw ThrottlingError(e);
        if (c == "ValidationException") throw ValidationError(e);
        if (c == "ServiceQuotaExceededException") throw ServiceQuotaExceededError(e);
        if (c == "ResourceNotFoundException") throw ResourceNotFoundError(e);
    }
    throw e;
}

PcsClient::PcsClient(ClientConfig config) : client_(Service::pcs, std::move(config)) {}

std::string PcsClient::call(const char* operation, const std::string& body) {
    try {
        return client_.call(operation, body).body;
    } catch (const AwsError& e) {
        throw_typed(e);
    }
}

namespace {

template <class Parse>
auto parsed(ServiceClient& c, const char* op, const std::string& body, Parse parse) -> decltype(parse(body)) {
    try {
        return parse(body);
    } catch (const JsonParseError& e) {
        throw c.malformed(op, e.what());
    }
}

}  // namespace

ComputeNodeGroup PcsClient::get_compute_node_group(const std::string& cluster, const std::string& node_group) {
    std::string body = call("GetComputeNodeGroup", serialize_get_compute_node_group(cluster, node_group));
    return parsed(client_, "GetComputeNodeGroup", body, parse_compute_node_group_response);
}

std::vector<ComputeNodeGroupSummary> PcsClient::list_compute_node_groups(const std::string& cluster, int page_size) {
    std::vector<ComputeNodeGroupSummary> out;
    std::string token;
    for (unsigned page = 0;; ++page) {
        if (page >= 10000) throw client_.malformed("ListComputeNodeGroups", "too many pages");
        std::string body = call("ListComputeNodeGroups", serialize_list_compute_node_groups(cluster, token, page_size));
        ListPage p = parsed(client_, "ListComputeNodeGroups", body, parse_list_compute_node_groups);
        for (auto& g : p.groups) out.push_back(std::move(g));
        if (p.next_token.empty()) break;
        if (p.next_token == token) throw client_.malformed("ListComputeNodeGroups", "the same nextToken came back twice");
        token = std::move(p.next_token);
    }
    return out;
}

ComputeNodeGroup PcsClient::update_compute_node_group(const UpdateComputeNodeGroupRequest& r) {
    std::string request;
    if (r.client_token.empty()) {
        // Retries resend the same token: PCS replays the first answer.
        UpdateComputeNodeGroupRequest with_token = r;
        with_token.client_token = make_client_token();
        request = serialize_update_compute_node_group(with_token);
    } else {
        request = serialize_update_compute_node_group(r);
    }
    std::string body = call("UpdateComputeNodeGroup", request);
    return parsed(client_, "UpdateComputeNodeGroup", body, parse_compute_node_group_response);
}

}  // namespace stratus::aws::pcs
