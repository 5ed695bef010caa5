#include "aws/ec2.hpp"

#include <algorithm>

#include "aws/xml_doc.hpp"
#include "text.hpp"

namespace stratus::aws::ec2 {

namespace {

QueryParams start(const char* action) {
    QueryParams p;
    p.add("Action", action).add("Version", kApiVersion);
    return p;
}

std::string n(size_t i) { return std::to_string(i + 1); }

void add_filters(QueryParams& p, const std::vector<Filter>& filters) {
    for (size_t i = 0; i < filters.size(); ++i) {
        std::string prefix = "Filter." + n(i);
        p.add(prefix + ".Name", filters[i].name);
        p.add_list(prefix + ".Value", filters[i].values);
    }
}

void add_tags(QueryParams& p, const std::string& prefix, const std::vector<Tag>& tags) {
    for (size_t i = 0; i < tags.size(); ++i) {
        p.add(prefix + "." + n(i) + ".Key", tags[i].key);
        p.add(prefix + "." + n(i) + ".Value", tags[i].value);
    }
}

void add_options(QueryParams& p, const std::string& prefix, const FleetOptions& o, bool spot) {
    if (!o.allocation_strategy.empty()) p.add(prefix + ".AllocationStrategy", o.allocation_strategy);
    if (spot && !o.instance_interruption_behavior.empty())
        p.add(prefix + ".InstanceInterruptionBehavior", o.instance_interruption_behavior);
    if (o.single_instance_type) p.add(prefix + ".SingleInstanceType", true);
    if (o.single_availability_zone) p.add(prefix + ".SingleAvailabilityZone", true);
    if (o.min_target_capacity) p.add(prefix + ".MinTargetCapacity", *o.min_target_capacity);
}

std::string request_id_of(const XmlNode& root) {
    if (auto id = root.child_text("requestId")) return *id;
    return root.child_text_or_empty("RequestId");
}

uint64_t u64(const XmlNode& n) {
    auto v = parse_u64(trim(n.text()));
    return v ? *v : 0;
}

double decimal(const XmlNode& n) {
    auto v = parse_decimal(trim(n.text()));
    return v ? *v : 0;
}

// An xsd:boolean: EC2 writes "true"/"false", moto 5.1 "True"/"False".
// Anything else, absence included, is false.
bool flag(const XmlNode& n) { return iequals(trim(n.text()), "true"); }

std::string text_of(const XmlNode& parent, std::initializer_list<std::string_view> path) {
    return parent.path(path).text();
}

// An answer whose items are ROOT/SET/item, as most Describe calls give
// them: the root must be `response`; `read` turns each item into a T.
template <class T, class Read>
Page<T> parse_item_page(std::string_view xml, const char* response, const char* set, Read read) {
    XmlDoc doc = XmlDoc::parse(xml);
    XmlNode root = doc.root();
    if (root.name() != response) throw XmlParseError(std::string("expected ") + response + ", got " + std::string(root.name()));
    Page<T> page;
    page.request_id = request_id_of(root);
    page.next_token = std::string(trim(root.child_text_or_empty("nextToken")));
    for (const XmlNode& it : root.child(set).children("item")) page.items.push_back(read(it));
    return page;
}

}  // namespace

const char* capacity_type_name(CapacityType t) noexcept { return t == CapacityType::spot ? "spot" : "on-demand"; }

// ---- CreateFleet -----------------------------------------------------------

QueryParams serialize_create_fleet(const CreateFleetRequest& r) {
    if (r.launch_template_configs.empty())
        throw local_error(kCodeInvalidArgument, "CreateFleet needs at least one launch template config");
    QueryParams p = start("CreateFleet");
    // Members in the order of the model's CreateFleetRequest shape.
    if (r.dry_run) p.add("DryRun", true);
    if (!r.client_token.empty()) p.add("ClientToken", r.client_token);
    if (r.spot_options) add_options(p, "SpotOptions", *r.spot_options, true);
    if (r.on_demand_options) add_options(p, "OnDemandOptions", *r.on_demand_options, false);
    for (size_t i = 0; i < r.launch_template_configs.size(); ++i) {
        const LaunchTemplateConfig& c = r.launch_template_configs[i];
        std::string prefix = "LaunchTemplateConfigs." + n(i);
        const LaunchTemplateSpec& lt = c.launch_template;
        if (lt.id.empty() == lt.name.empty())
            throw local_error(kCodeInvalidArgument, "CreateFleet: launch template config " + n(i) +
                                                        " needs exactly one of launch template id and name");
        if (!lt.id.empty()) p.add(prefix + ".LaunchTemplateSpecification.LaunchTemplateId", lt.id);
        else p.add(prefix + ".LaunchTemplateSpecification.LaunchTemplateName", lt.name);
        if (!lt.version.empty()) p.add(prefix + ".LaunchTemplateSpecification.Version", lt.version);
        for (size_t j = 0; j < c.overrides.size(); ++j) {
            const FleetOverride& o = c.overrides[j];
            std::string op = prefix + ".Overrides." + n(j);
            if (!o.instance_type.empty()) p.add(op + ".InstanceType", o.instance_type);
            if (!o.max_price.empty()) p.add(op + ".MaxPrice", o.max_price);
            if (!o.subnet_id.empty()) p.add(op + ".SubnetId", o.subnet_id);
            if (!o.availability_zone.empty()) p.add(op + ".AvailabilityZone", o.availability_zone);
            if (o.weighted_capacity) p.add_number(op + ".WeightedCapacity", *o.weighted_capacity);
            if (o.priority) p.add_number(op + ".Priority", *o.priority);
        }
    }
    p.add("TargetCapacitySpecification.TotalTargetCapacity", r.total_target_capacity);
    if (r.on_demand_target_capacity)
        p.add("TargetCapacitySpecification.OnDemandTargetCapacity", *r.on_demand_target_capacity);
    if (r.spot_target_capacity) p.add("TargetCapacitySpecification.SpotTargetCapacity", *r.spot_target_capacity);
    p.add("TargetCapacitySpecification.DefaultTargetCapacityType", capacity_type_name(r.default_target_capacity_type));
    p.add("Type", "instant");
    for (size_t i = 0; i < r.tag_specifications.size(); ++i) {
        std::string prefix = "TagSpecification." + n(i);
        p.add(prefix + ".ResourceType", r.tag_specifications[i].resource_type);
        add_tags(p, prefix + ".Tag", r.tag_specifications[i].tags);
    }
    return p;
}

CreateFleetResult parse_create_fleet(std::string_view xml) {
    XmlDoc doc = XmlDoc::parse(xml);
    XmlNode root = doc.root();
    if (root.name() != "CreateFleetResponse")
        throw XmlParseError("expected CreateFleetResponse, got " + std::string(root.name()));
    CreateFleetResult out;
    out.request_id = request_id_of(root);
    out.fleet_id = root.child_text_or_empty("fleetId");
    for (const XmlNode& item : root.child("errorSet").children("item")) {
        FleetError e;
        XmlNode lto = item.child("launchTemplateAndOverrides");
        XmlNode ov = lto.child("overrides");
        e.code = item.child_text_or_empty("errorCode");
        e.message = item.child_text_or_empty("errorMessage");
        e.lifecycle = item.child_text_or_empty("lifecycle");
        e.instance_type = ov.child_text_or_empty("instanceType");
        e.subnet_id = ov.child_text_or_empty("subnetId");
        e.availability_zone = ov.child_text_or_empty("availabilityZone");
        e.launch_template_id = text_of(lto, {"launchTemplateSpecification", "launchTemplateId"});
        out.errors.push_back(std::move(e));
    }
    for (const XmlNode& item : root.child("fleetInstanceSet").children("item")) {
        XmlNode ov = item.path({"launchTemplateAndOverrides", "overrides"});
        FleetInstance proto;
        proto.instance_type = item.child_text_or_empty("instanceType");
        if (proto.instance_type.empty()) proto.instance_type = ov.child_text_or_empty("instanceType");
        proto.lifecycle = item.child_text_or_empty("lifecycle");
        if (proto.lifecycle.empty()) proto.lifecycle = "on-demand";
        proto.availability_zone = item.child_text_or_empty("availabilityZone");
        if (proto.availability_zone.empty()) proto.availability_zone = ov.child_text_or_empty("availabilityZone");
        proto.subnet_id = item.child_text_or_empty("subnetId");
        if (proto.subnet_id.empty()) proto.subnet_id = ov.child_text_or_empty("subnetId");
        proto.platform = item.child_text_or_empty("platform");
        for (const XmlNode& id : item.child("instanceIds").children("item")) {
            FleetInstance fi = proto;
            fi.instance_id = std::string(trim(id.text()));
            if (!fi.instance_id.empty()) out.instances.push_back(std::move(fi));
        }
    }
    return out;
}

// ---- DescribeInstances -------------------------------------------------------

std::string Instance::tag(std::string_view key) const {
    for (const Tag& t : tags)
        if (t.key == key) return t.value;
    return {};
}

QueryParams serialize_describe_instances(const std::vector<std::string>& instance_ids, const std::vector<Filter>& filters,
                                         const std::string& next_token, std::optional<uint32_t> max_results) {
    QueryParams p = start("DescribeInstances");
    add_filters(p, filters);
    p.add_list("InstanceId", instance_ids);
    if (max_results) p.add("MaxResults", *max_results);
    if (!next_token.empty()) p.add("NextToken", next_token);
    return p;
}

Page<Instance> parse_describe_instances(std::string_view xml) {
    XmlDoc doc = XmlDoc::parse(xml);
    XmlNode root = doc.root();
    if (root.name() != "DescribeInstancesResponse")
        throw XmlParseError("expected DescribeInstancesResponse, got " + std::string(root.name()));
    Page<Instance> page;
    page.request_id = request_id_of(root);
    page.next_token = std::string(trim(root.child_text_or_empty("nextToken")));
    for (const XmlNode& res : root.child("reservationSet").children("item")) {
        for (const XmlNode& it : res.child("instancesSet").children("item")) {
            Instance i;
            i.instance_id = it.child_text_or_empty("instanceId");
            i.instance_type = it.child_text_or_empty("instanceType");
            i.state = text_of(it, {"instanceState", "name"});
            i.lifecycle = it.child_text_or_empty("instanceLifecycle");
            if (i.lifecycle.empty()) i.lifecycle = "on-demand";
            i.image_id = it.child_text_or_empty("imageId");
            i.private_ip = it.child_text_or_empty("privateIpAddress");
            i.private_dns_name = it.child_text_or_empty("privateDnsName");
            i.availability_zone = text_of(it, {"placement", "availabilityZone"});
            i.subnet_id = it.child_text_or_empty("subnetId");
            i.architecture = it.child_text_or_empty("architecture");
            i.launch_time = it.child_text_or_empty("launchTime");
            for (const XmlNode& t : it.child("tagSet").children("item"))
                i.tags.push_back(Tag{t.child_text_or_empty("key"), t.child_text_or_empty("value")});
            page.items.push_back(std::move(i));
        }
    }
    return page;
}

// ---- TerminateInstances, CreateTags -------------------------------------------

QueryParams serialize_terminate_instances(const std::vector<std::string>& instance_ids) {
    QueryParams p = start("TerminateInstances");
    p.add_list("InstanceId", instance_ids);
    return p;
}

std::vector<InstanceStateChange> parse_terminate_instances(std::string_view xml) {
    XmlDoc doc = XmlDoc::parse(xml);
    XmlNode root = doc.root();
    if (root.name() != "TerminateInstancesResponse")
        throw XmlParseError("expected TerminateInstancesResponse, got " + std::string(root.name()));
    std::vector<InstanceStateChange> out;
    for (const XmlNode& it : root.child("instancesSet").children("item"))
        out.push_back(InstanceStateChange{it.child_text_or_empty("instanceId"), text_of(it, {"currentState", "name"}),
                                          text_of(it, {"previousState", "name"})});
    return out;
}

QueryParams serialize_create_tags(const std::vector<std::string>& resource_ids, const std::vector<Tag>& tags) {
    QueryParams p = start("CreateTags");
    p.add_list("ResourceId", resource_ids);
    add_tags(p, "Tag", tags);
    return p;
}

// ---- DescribeInstanceTypes ----------------------------------------------------

QueryParams serialize_describe_instance_types(const std::vector<std::string>& types, const std::vector<Filter>& filters,
                                              const std::string& next_token, std::optional<uint32_t> max_results) {
    QueryParams p = start("DescribeInstanceTypes");
    p.add_list("InstanceType", types);
    add_filters(p, filters);
    if (max_results) p.add("MaxResults", *max_results);
    if (!next_token.empty()) p.add("NextToken", next_token);
    return p;
}

Page<InstanceTypeInfo> parse_describe_instance_types(std::string_view xml) {
    return parse_item_page<InstanceTypeInfo>(xml, "DescribeInstanceTypesResponse", "instanceTypeSet", [](const XmlNode& it) {
        InstanceTypeInfo t;
        t.instance_type = it.child_text_or_empty("instanceType");
        t.current_generation = flag(it.child("currentGeneration"));
        for (const XmlNode& a : it.path({"processorInfo", "supportedArchitectures"}).children("item"))
            t.architectures.emplace_back(trim(a.text()));
        t.vcpus = static_cast<uint32_t>(u64(it.path({"vCpuInfo", "defaultVCpus"})));
        t.memory_mib = u64(it.path({"memoryInfo", "sizeInMiB"}));
        // Accelerators: GPUs first, then Neuron devices, then inference accelerators.
        for (auto list : {std::initializer_list<std::string_view>{"gpuInfo", "gpus"},
                          std::initializer_list<std::string_view>{"neuronInfo", "neuronDevices"},
                          std::initializer_list<std::string_view>{"inferenceAcceleratorInfo", "accelerators"}}) {
            std::vector<XmlNode> devices = it.path(list).children();
            if (devices.empty()) continue;
            for (const XmlNode& d : devices) {
                t.gpus += static_cast<uint32_t>(u64(d.child("count")));
                if (t.gpu_model.empty()) {
                    t.gpu_model = d.child_text_or_empty("name");
                    t.gpu_manufacturer = d.child_text_or_empty("manufacturer");
                    t.gpu_memory_mib = u64(d.path({"memoryInfo", "sizeInMiB"}));
                }
            }
            if (t.gpus) break;
        }
        XmlNode net = it.child("networkInfo");
        t.efa = flag(net.child("efaSupported"));
        t.network_performance = net.child_text_or_empty("networkPerformance");
        for (const XmlNode& card : net.child("networkCards").children("item"))
            t.baseline_network_gbps += decimal(card.child("baselineBandwidthInGbps"));
        return t;
    });
}

// ---- DescribeSpotPriceHistory -----------------------------------------------

QueryParams serialize_describe_spot_price_history(const SpotPriceQuery& q, const std::string& next_token) {
    QueryParams p = start("DescribeSpotPriceHistory");
    if (q.start_time) p.add("StartTime", format_iso8601(*q.start_time));
    if (q.end_time) p.add("EndTime", format_iso8601(*q.end_time));
    p.add_list("InstanceType", q.instance_types);
    p.add_list("ProductDescription", q.product_descriptions);
    add_filters(p, q.filters);
    if (!q.availability_zone.empty()) p.add("AvailabilityZone", q.availability_zone);
    if (q.max_results) p.add("MaxResults", *q.max_results);
    if (!next_token.empty()) p.add("NextToken", next_token);
    return p;
}

QueryParams serialize_describe_instance_type_offerings(const std::string& location_type,
                                                       const std::vector<Filter>& filters, const std::string& next_token,
                                                       std::optional<uint32_t> max_results) {
    QueryParams p = start("DescribeInstanceTypeOfferings");
    if (!location_type.empty()) p.add("LocationType", location_type);
    add_filters(p, filters);
    if (max_results) p.add("MaxResults", *max_results);
    if (!next_token.empty()) p.add("NextToken", next_token);
    return p;
}

Page<InstanceTypeOffering> parse_describe_instance_type_offerings(std::string_view xml) {
    return parse_item_page<InstanceTypeOffering>(
        xml, "DescribeInstanceTypeOfferingsResponse", "instanceTypeOfferingSet", [](const XmlNode& it) {
            InstanceTypeOffering o;
            o.instance_type = std::string(trim(it.child_text_or_empty("instanceType")));
            o.location_type = std::string(trim(it.child_text_or_empty("locationType")));
            o.location = std::string(trim(it.child_text_or_empty("location")));
            return o;
        });
}

QueryParams serialize_describe_subnets(const std::vector<std::string>& subnet_ids, const std::string& next_token) {
    QueryParams p = start("DescribeSubnets");
    p.add_list("SubnetId", subnet_ids);
    if (!next_token.empty()) p.add("NextToken", next_token);
    return p;
}

Page<Subnet> parse_describe_subnets(std::string_view xml) {
    return parse_item_page<Subnet>(xml, "DescribeSubnetsResponse", "subnetSet", [](const XmlNode& it) {
        Subnet s;
        s.subnet_id = std::string(trim(it.child_text_or_empty("subnetId")));
        s.availability_zone = std::string(trim(it.child_text_or_empty("availabilityZone")));
        s.availability_zone_id = std::string(trim(it.child_text_or_empty("availabilityZoneId")));
        return s;
    });
}

Page<SpotPrice> parse_describe_spot_price_history(std::string_view xml) {
    return parse_item_page<SpotPrice>(xml, "DescribeSpotPriceHistoryResponse", "spotPriceHistorySet", [](const XmlNode& it) {
        SpotPrice s;
        s.instance_type = it.child_text_or_empty("instanceType");
        s.product_description = it.child_text_or_empty("productDescription");
        auto price = parse_decimal(trim(it.child_text_or_empty("spotPrice")));
        if (!price) throw XmlParseError("spotPrice of " + s.instance_type + " is not a number");
        s.usd_per_hour = *price;
        s.timestamp = it.child_text_or_empty("timestamp");
        s.availability_zone = it.child_text_or_empty("availabilityZone");
        return s;
    });
}

// ---- the client ---------------------------------------------------------------

Ec2Client::Ec2Client(ClientConfig config) : client_(Service::ec2, std::move(config)) {}

std::string Ec2Client::call(const QueryParams& p) {
    return client_.call(p.get("Action"), p.encode()).body;
}

namespace {

// Runs `parse` on a response body; a body it cannot read becomes a
// MalformedResponse error naming the operation.
template <class Parse>
auto parsed(ServiceClient& c, const char* action, const std::string& body, Parse parse) -> decltype(parse(body)) {
    try {
        return parse(body);
    } catch (const XmlParseError& e) {
        throw c.malformed(action, e.what());
    }
}

template <class T>
std::vector<std::vector<T>> batches(const std::vector<T>& all, size_t size) {
    std::vector<std::vector<T>> out;
    for (size_t i = 0; i < all.size(); i += size)
        out.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(i),
                         all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), i + size)));
    return out;
}

constexpr size_t kBatch = 1000;
// Instances per DescribeInstances answer (see describe_instances).
constexpr uint32_t kDescribeBatch = 200;

}  // namespace

template <class T, class Serialize, class Parse>
std::vector<T> Ec2Client::paginate(const char* action, Serialize serialize, Parse parse) {
    std::vector<T> out;
    std::string token;
    for (unsigned page = 0;; ++page) {
        if (page >= kMaxPages) throw client_.malformed(action, "more than " + std::to_string(kMaxPages) + " pages");
        std::string body = call(serialize(token));
        Page<T> p = parsed(client_, action, body, parse);
        for (T& item : p.items) out.push_back(std::move(item));
        if (p.next_token.empty()) break;
        if (p.next_token == token) throw client_.malformed(action, "the same NextToken came back twice");
        token = std::move(p.next_token);
    }
    return out;
}

CreateFleetResult Ec2Client::create_fleet(const CreateFleetRequest& r) {
    QueryParams params;
    if (r.client_token.empty()) {
        // Retries resend the same token: a launch that timed out is not repeated.
        CreateFleetRequest with_token = r;
        with_token.client_token = make_client_token();
        params = serialize_create_fleet(with_token);
    } else {
        params = serialize_create_fleet(r);
    }
    std::string body = call(params);
    return parsed(client_, "CreateFleet", body, parse_create_fleet);
}

std::vector<Instance> Ec2Client::describe_instances(const std::vector<std::string>& instance_ids,
                                                    const std::vector<Filter>& filters,
                                                    std::optional<uint32_t> page_size) {
    std::vector<std::vector<std::string>> id_batches =
        instance_ids.empty() ? std::vector<std::vector<std::string>>{{}} : batches(instance_ids, kDescribeBatch);
    std::vector<Instance> out;
    for (const auto& ids : id_batches) {
        // MaxResults cannot be combined with InstanceId.N.
        std::optional<uint32_t> max =
            ids.empty() ? std::optional<uint32_t>(page_size.value_or(kDescribeBatch)) : std::nullopt;
        auto page = paginate<Instance>(
            "DescribeInstances",
            [&](const std::string& token) { return serialize_describe_instances(ids, filters, token, max); },
            parse_describe_instances);
        for (Instance& i : page) out.push_back(std::move(i));
    }
    return out;
}

std::vector<InstanceStateChange> Ec2Client::terminate_instances(const std::vector<std::string>& instance_ids) {
    std::vector<InstanceStateChange> out;
    for (const auto& ids : batches(instance_ids, kBatch)) {
        std::string body = call(serialize_terminate_instances(ids));
        for (auto& c : parsed(client_, "TerminateInstances", body, parse_terminate_instances)) out.push_back(std::move(c));
    }
    return out;
}

void Ec2Client::create_tags(const std::vector<std::string>& resource_ids, const std::vector<Tag>& tags) {
    for (const auto& ids : batches(resource_ids, kBatch)) {
        std::string body = call(serialize_create_tags(ids, tags));
        parsed(client_, "CreateTags", body, [](const std::string& b) {
            XmlDoc doc = XmlDoc::parse(b);
            if (doc.root().name() != "CreateTagsResponse")
                throw XmlParseError("expected CreateTagsResponse, got " + std::string(doc.root().name()));
            return 0;
        });
    }
}

std::vector<InstanceTypeInfo> Ec2Client::describe_instance_types(const std::vector<std::string>& types,
                                                                 const std::vector<Filter>& filters) {
    std::vector<InstanceTypeInfo> out;
    // InstanceType.N accepts at most 100 names per request.
    std::vector<std::vector<std::string>> type_batches =
        types.empty() ? std::vector<std::vector<std::string>>{{}} : batches(types, 100);
    for (const auto& names : type_batches) {
        auto page = paginate<InstanceTypeInfo>(
            "DescribeInstanceTypes",
            [&](const std::string& token) {
                return serialize_describe_instance_types(names, filters, token, std::optional<uint32_t>(100));
            },
            parse_describe_instance_types);
        for (auto& t : page) out.push_back(std::move(t));
    }
    return out;
}

std::vector<SpotPrice> Ec2Client::describe_spot_price_history(const SpotPriceQuery& q) {
    SpotPriceQuery query = q;
    if (!query.max_results) query.max_results = 1000;
    return paginate<SpotPrice>(
        "DescribeSpotPriceHistory",
        [&](const std::string& token) { return serialize_describe_spot_price_history(query, token); },
        parse_describe_spot_price_history);
}

std::vector<Subnet> Ec2Client::describe_subnets(const std::vector<std::string>& subnet_ids) {
    std::vector<Subnet> out;
    for (const std::vector<std::string>& ids : batches(subnet_ids, 200))
        for (Subnet& s : paginate<Subnet>(
                 "DescribeSubnets", [&](const std::string& token) { return serialize_describe_subnets(ids, token); },
                 parse_describe_subnets))
            out.push_back(std::move(s));
    return out;
}

std::map<std::string, std::vector<std::string>> Ec2Client::zones_offering(const std::vector<std::string>& types) {
    std::map<std::string, std::vector<std::string>> out;
    // The instance-type filter takes many values, but keep requests small.
    std::vector<std::vector<std::string>> type_batches =
        types.empty() ? std::vector<std::vector<std::string>>{{}} : batches(types, 100);
    for (const auto& names : type_batches) {
        std::vector<Filter> filters;
        if (!names.empty()) filters.push_back(Filter{"instance-type", names});
        for (InstanceTypeOffering& o : paginate<InstanceTypeOffering>(
                 "DescribeInstanceTypeOfferings",
                 [&](const std::string& token) {
                     return serialize_describe_instance_type_offerings("availability-zone-id", filters, token,
                                                                       std::optional<uint32_t>(1000));
                 },
                 parse_describe_instance_type_offerings)) {
            std::vector<std::string>& zones = out[lower(o.instance_type)];
            if (std::find(zones.begin(), zones.end(), o.location) == zones.end()) zones.push_back(o.location);
        }
    }
    for (auto& [type, zones] : out) std::sort(zones.begin(), zones.end());
    return out;
}

}  // namespace stratus::aws::ec2
