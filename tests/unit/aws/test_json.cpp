// json_doc's bounds; PCS (awsJson 1.0) and Pricing (awsJson 1.1): request
// bodies, answers, typed errors, PriceList entries that are JSON inside
// JSON strings.
#include "aws/json_doc.hpp"
#include "aws/pcs.hpp"
#include "aws/pricing.hpp"
#include "aws_unit.hpp"

using namespace stratus::aws;

namespace {

const char* kGroup = R"({"computeNodeGroup": {
  "name": "compute-1", "id": "pcs_abc123", "arn": "arn:aws:pcs:us-east-1:123456789012:cluster/pcs_c/computenodegroup/pcs_abc123",
  "clusterId": "pcs_c", "createdAt": "2026-11-01T10:00:00Z", "modifiedAt": "2026-11-28T06:00:00Z",
  "status": "UPDATING", "amiId": "ami-1", "subnetIds": ["subnet-a", "subnet-b"], "purchaseOption": "SPOT",
  "customLaunchTemplate": {"id": "lt-1", "version": "2"},
  "iamInstanceProfileArn": "arn:aws:iam::123456789012:instance-profile/pcs",
  "scalingConfiguration": {"minInstanceCount": 0, "maxInstanceCount": 16},
  "instanceConfigs": [{"instanceType": "hpc7g.16xlarge"}, {"instanceType": "c7gn.16xlarge"}],
  "spotOptions": {"allocationStrategy": "price-capacity-optimized"},
  "errorInfo": [{"code": "Capacity", "message": "not enough"}]
}})";

ClientConfig scripted_config(std::shared_ptr<Script> script) {
    ClientConfig c;
    c.region = "eu-west-1";
    c.env = Env::fixed({});
    c.credentials = std::make_shared<StaticCredentialsProvider>(Credentials{"AKID", "SECRET", "", std::nullopt, "test"});
    c.clock = std::make_shared<FakeClock>();
    c.random = [] { return 0.0; };
    c.make_transport = [script] { return std::make_unique<ScriptedTransport>(script); };
    return c;
}

std::string price_entry(const std::string& type, const std::string& usd, const std::string& region = "us-east-2") {
    JsonPtr doc = json_parse_object(
        R"({"product":{"productFamily":"Compute Instance","attributes":{"instanceType":")" + type +
        R"(","regionCode":")" + region + R"(","operatingSystem":"Linux","tenancy":"Shared","vcpu":"2"},"sku":"SKU)" + type +
        R"("},"serviceCode":"AmazonEC2","terms":{"OnDemand":{"SKU.JRTCKXETXF":{"priceDimensions":{"SKU.JRTCKXETXF.6YS6EN2CT7":{"unit":"Hrs","pricePerUnit":{"USD":")" +
        usd + R"("},"description":"x"}},"offerTermCode":"JRTCKXETXF"}},"Reserved":{}},"version":"1","publicationDate":"2026-11-01T00:00:00Z"})");
    return json_dump(doc.get());
}

}  // namespace

START_TEST(pcs_request_bodies) {
    EXPECT_STR(pcs::serialize_get_compute_node_group("c1", "g1"),
               R"({"clusterIdentifier":"c1","computeNodeGroupIdentifier":"g1"})");
    EXPECT_STR(pcs::serialize_list_compute_node_groups("c1", "", 100), R"({"clusterIdentifier":"c1","maxResults":100})");
    EXPECT_STR(pcs::serialize_list_compute_node_groups("c1", "t\"2", std::nullopt),
               R"({"clusterIdentifier":"c1","nextToken":"t\"2"})");
    pcs::UpdateComputeNodeGroupRequest u;
    u.cluster = "c1";
    u.node_group = "g1";
    u.scaling = pcs::ScalingConfiguration{2, 8};
    u.client_token = "stratus-0001";
    EXPECT_STR(pcs::serialize_update_compute_node_group(u),
               R"({"clusterIdentifier":"c1","computeNodeGroupIdentifier":"g1","scalingConfiguration":)"
               R"({"minInstanceCount":2,"maxInstanceCount":8},"clientToken":"stratus-0001"})");
    u.client_token = "short";
    EXPECT_STR(AWS_ERROR(pcs::serialize_update_compute_node_group(u)).code(), kCodeInvalidArgument);
    u.client_token = "";
    u.scaling = pcs::ScalingConfiguration{5, 1};
    EXPECT_STR(AWS_ERROR(pcs::serialize_update_compute_node_group(u)).code(), kCodeInvalidArgument);
}
END_TEST

START_TEST(pcs_parse_group) {
    pcs::ComputeNodeGroup g = pcs::parse_compute_node_group_response(kGroup);
    EXPECT_STR(g.name, "compute-1");
    EXPECT_STR(g.id, "pcs_abc123");
    EXPECT_STR(g.cluster_id, "pcs_c");
    EXPECT_STR(g.status, "UPDATING");
    EXPECT_STR(g.purchase_option, "SPOT");
    ck_assert(g.scaling.has_value());
    ck_assert_int_eq(g.scaling->min_instance_count, 0);
    ck_assert_int_eq(g.scaling->max_instance_count, 16);
    ck_assert_uint_eq(g.instance_types.size(), 2);
    EXPECT_STR(g.instance_types[1], "c7gn.16xlarge");
    ck_assert_uint_eq(g.subnet_ids.size(), 2);
    EXPECT_STR(g.launch_template_id, "lt-1");
    EXPECT_STR(g.launch_template_version, "2");
    EXPECT_STR(g.spot_allocation_strategy, "price-capacity-optimized");
    ck_assert_uint_eq(g.error_info.size(), 1);
    EXPECT_STR(g.error_info[0].code, "Capacity");
    EXPECT_STR(g.created_at, "2026-11-01T10:00:00Z");

    try {
        pcs::parse_compute_node_group_response(R"({"computeNodeGroup": 5})");
        ck_abort_msg("no exception");
    } catch (const JsonParseError&) {
    }
    try {
        pcs::parse_compute_node_group_response("{not json");
        ck_abort_msg("no exception");
    } catch (const JsonParseError& e) {
        ck_assert(std::string(e.what()).find("invalid JSON") != std::string::npos);
    }
}
END_TEST

START_TEST(pcs_list_pages) {
    auto p = pcs::parse_list_compute_node_groups(
        R"({"computeNodeGroups":[{"name":"a","id":"pcs_1","arn":"x","clusterId":"c","createdAt":"t","modifiedAt":"t","status":"ACTIVE"}],"nextToken":"n2"})");
    ck_assert_uint_eq(p.groups.size(), 1);
    EXPECT_STR(p.groups[0].status, "ACTIVE");
    EXPECT_STR(p.next_token, "n2");
    p = pcs::parse_list_compute_node_groups(R"({"computeNodeGroups":[]})");
    EXPECT_STR(p.next_token, "");

    auto script = std::make_shared<Script>();
    script->reply(200, R"({"computeNodeGroups":[{"name":"a","id":"pcs_1","status":"ACTIVE"}],"nextToken":"n2"})");
    script->reply(200, R"({"computeNodeGroups":[{"name":"b","id":"pcs_2","status":"CREATING"}]})");
    pcs::PcsClient client(scripted_config(script));
    auto all = client.list_compute_node_groups("c1");
    ck_assert_uint_eq(all.size(), 2);
    EXPECT_STR(all[1].name, "b");
    const HttpRequest& r = script->requests[0];
    EXPECT_STR(r.url, "https://pcs.eu-west-1.amazonaws.com/");
    EXPECT_STR(r.headers.at(0), "Content-Type: application/x-amz-json-1.0");
    EXPECT_STR(r.headers.at(1), "X-Amz-Target: AWSParallelComputingService.ListComputeNodeGroups");
    EXPECT_STR(r.sign->service, "pcs");
    EXPECT_STR(r.sign->region, "eu-west-1");
    EXPECT_STR(script->requests[1].body, R"({"clusterIdentifier":"c1","nextToken":"n2","maxResults":100})");
}
END_TEST

START_TEST(pcs_typed_errors) {
    auto script = std::make_shared<Script>();
    script->reply(409, R"({"__type":"com.amazonaws.pcs#ConflictException","message":"busy","resourceId":"pcs_1","resourceType":"COMPUTE_NODE_GROUP"})",
                  {{"x-amzn-requestid", "req-9"}});
    script->reply(400, R"({"__type":"ValidationException","message":"bad","reason":"fieldValidationFailed","fieldList":[{"name":"scalingConfiguration.maxInstanceCount","message":"must be >= 0"}]})");
    script->reply(402, R"({"__type":"ServiceQuotaExceededException","message":"too many","serviceCode":"pcs","quotaCode":"L-1","resourceId":"r","resourceType":"t"})");
    script->reply(404, R"({"__type":"ResourceNotFoundException","message":"no such group","resourceId":"g9","resourceType":"COMPUTE_NODE_GROUP"})");
    script->reply(403, R"({"__type":"AccessDeniedException","Message":"denied"})");
    pcs::PcsClient client(scripted_config(script));
    pcs::UpdateComputeNodeGroupRequest u{"c1", "g1", pcs::ScalingConfiguration{0, 4}, "token-0001"};
    try {
        client.update_compute_node_group(u);
        ck_abort_msg("no exception");
    } catch (const pcs::ConflictError& e) {
        EXPECT_STR(e.resource_id(), "pcs_1");
        EXPECT_STR(e.resource_type(), "COMPUTE_NODE_GROUP");
        EXPECT_STR(e.request_id(), "req-9");
        ck_assert_int_eq(e.http_status(), 409);
        ck_assert_uint_eq(e.attempts(), 1);
    }
    try {
        client.update_compute_node_group(u);
        ck_abort_msg("no exception");
    } catch (const pcs::ValidationError& e) {
        EXPECT_STR(e.reason(), "fieldValidationFailed");
        ck_assert_uint_eq(e.field_list().size(), 1);
        EXPECT_STR(e.field_list()[0].name, "scalingConfiguration.maxInstanceCount");
    }
    try {
        client.get_compute_node_group("c1", "g1");
        ck_abort_msg("no exception");
    } catch (const pcs::ServiceQuotaExceededError& e) {
        EXPECT_STR(e.quota_code(), "L-1");
        EXPECT_STR(e.service_code(), "pcs");
    }
    try {
        client.get_compute_node_group("c1", "g9");
        ck_abort_msg("no exception");
    } catch (const pcs::ResourceNotFoundError& e) {
        EXPECT_STR(e.resource_id(), "g9");
    }
    auto e = AWS_ERROR(client.get_compute_node_group("c1", "g1"));
    EXPECT_STR(e.code(), "AccessDeniedException");
    EXPECT_STR(e.message(), "denied");
    ck_assert_uint_eq(script->requests.size(), 5);  // none of these is retried
}
END_TEST

START_TEST(pcs_throttling_retried_then_typed) {
    auto script = std::make_shared<Script>();
    auto clock = std::make_shared<FakeClock>();
    const char* throttle = R"({"__type":"ThrottlingException","message":"slow down","retryAfterSeconds":3})";
    script->reply(400, throttle);
    script->reply(200, kGroup);
    ClientConfig cfg = scripted_config(script);
    cfg.clock = clock;
    pcs::PcsClient client(cfg);
    auto g = client.get_compute_node_group("c1", "compute-1");
    EXPECT_STR(g.name, "compute-1");
    ck_assert_uint_eq(clock->sleeps.size(), 1);
    ck_assert_int_eq(clock->sleeps[0].count(), 3000);  // retryAfterSeconds beats the 250 ms back-off

    ClientConfig once = scripted_config(script);
    once.retry.max_attempts = 1;
    pcs::PcsClient client1(once);
    script->reply(400, throttle);
    try {
        client1.get_compute_node_group("c1", "compute-1");
        ck_abort_msg("no exception");
    } catch (const pcs::ThrottlingError& e) {
        ck_assert(e.retry_after().has_value());
        ck_assert_int_eq(e.retry_after()->count(), 3000);
    }
}
END_TEST

START_TEST(pricing_request_and_price_list) {
    EXPECT_STR(pricing::serialize_get_products("AmazonEC2", pricing::linux_on_demand_filters("us-east-2"), "", 100),
               R"({"ServiceCode":"AmazonEC2","Filters":[)"
               R"({"Type":"TERM_MATCH","Field":"regionCode","Value":"us-east-2"},)"
               R"({"Type":"TERM_MATCH","Field":"operatingSystem","Value":"Linux"},)"
               R"({"Type":"TERM_MATCH","Field":"tenancy","Value":"Shared"},)"
               R"({"Type":"TERM_MATCH","Field":"preInstalledSw","Value":"NA"},)"
               R"({"Type":"TERM_MATCH","Field":"capacitystatus","Value":"Used"}],"FormatVersion":"aws_v1","MaxResults":100})");

    // PriceList entries are JSON documents inside JSON strings.
    JsonPtr page = json_new_object();
    JsonPtr list = json_new_array();
    json_append(list.get(), json_new_string(price_entry("c7g.large", "0.0725000000")));
    json_append(list.get(), json_new_string(price_entry("p5.48xlarge", "98.3200000000")));
    json_append(list.get(), json_new_string(R"({"product":{"attributes":{"servicecode":"AWSDataTransfer"}},"terms":{}})"));
    json_set(page.get(), "PriceList", std::move(list));
    json_set(page.get(), "NextToken", json_new_string("next/1"));
    json_set(page.get(), "FormatVersion", json_new_string("aws_v1"));
    pricing::ProductsPage p = pricing::parse_get_products(json_dump(page.get()));
    ck_assert_uint_eq(p.entries, 3);
    ck_assert_uint_eq(p.prices.size(), 2);
    EXPECT_STR(p.prices[0].instance_type, "c7g.large");
    ck_assert(p.prices[0].usd_per_hour == 0.0725);
    ck_assert(p.prices[1].usd_per_hour == 98.32);
    EXPECT_STR(p.prices[1].sku, "SKUp5.48xlarge");
    EXPECT_STR(p.prices[1].region_code, "us-east-2");
    EXPECT_STR(p.next_token, "next/1");

    try {
        pricing::parse_get_products(R"({"PriceList":["{broken"]})");
        ck_abort_msg("no exception");
    } catch (const JsonParseError& e) {
        ck_assert(std::string(e.what()).find("PriceList entry 0") != std::string::npos);
    }
}
END_TEST

START_TEST(pricing_client_signs_for_us_east_1) {
    auto script = std::make_shared<Script>();
    JsonPtr page1 = json_new_object();
    JsonPtr l1 = json_new_array();
    json_append(l1.get(), json_new_string(price_entry("c7g.large", "0.08", "eu-west-1")));
    json_append(l1.get(), json_new_string(price_entry("c7g.large", "0.0", "eu-west-1")));
    json_set(page1.get(), "PriceList", std::move(l1));
    json_set(page1.get(), "NextToken", json_new_string("t2"));
    JsonPtr page2 = json_new_object();
    JsonPtr l2 = json_new_array();
    json_append(l2.get(), json_new_string(price_entry("c7g.large", "0.0725", "eu-west-1")));
    json_append(l2.get(), json_new_string(price_entry("m7g.large", "0.09", "eu-west-1")));
    json_set(page2.get(), "PriceList", std::move(l2));
    script->reply(200, json_dump(page1.get()));
    script->reply(200, json_dump(page2.get()));
    pricing::PricingClient client(scripted_config(script));  // config region eu-west-1
    auto prices = client.linux_on_demand_prices("eu-west-1");
    ck_assert_uint_eq(prices.size(), 2);
    ck_assert(prices["c7g.large"] == 0.0725);  // lowest non-zero
    const HttpRequest& r = script->requests[0];
    EXPECT_STR(r.url, "https://api.pricing.us-east-1.amazonaws.com/");
    EXPECT_STR(r.sign->region, "us-east-1");
    EXPECT_STR(r.sign->service, "pricing");
    EXPECT_STR(r.headers.at(0), "Content-Type: application/x-amz-json-1.1");
    EXPECT_STR(r.headers.at(1), "X-Amz-Target: AWSPriceListService.GetProducts");
    ck_assert(script->requests[1].body.find(R"("NextToken":"t2")") != std::string::npos);
}
END_TEST

START_TEST(json_bounds) {
    // Size: refused unread past kMaxResponseBytes.
    std::string padded = "{}" + std::string(kMaxResponseBytes - 2, ' ');
    ck_assert(json_is_object(json_parse(padded).get()));
    padded += ' ';
    try {
        json_parse(padded);
        ck_abort_msg("no exception");
    } catch (const JsonParseError& e) {
        EXPECT_STR(e.what(), "JSON document larger than 32 MiB");
    }
    // Depth: jansson stops at 2048 levels.
    auto nested = [](size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); };
    ck_assert(json_parse(nested(2048)));
    try {
        json_parse(nested(2049));
        ck_abort_msg("no exception");
    } catch (const JsonParseError& e) {
        ck_assert_msg(std::string(e.what()).find("maximum parsing depth") != std::string::npos, "%s", e.what());
    }
}
END_TEST

Suite* aws_json_suite() {
    Suite* s = suite_create("aws_json");
    TCase* tc = aws_tcase("json_doc");
    tcase_add_test(tc, json_bounds);
    suite_add_tcase(s, tc);
    tc = aws_tcase("pcs");
    tcase_add_test(tc, pcs_request_bodies);
    tcase_add_test(tc, pcs_parse_group);
    tcase_add_test(tc, pcs_list_pages);
    tcase_add_test(tc, pcs_typed_errors);
    tcase_add_test(tc, pcs_throttling_retried_then_typed);
    suite_add_tcase(s, tc);
    tc = aws_tcase("pricing");
    tcase_add_test(tc, pricing_request_and_price_list);
    tcase_add_test(tc, pricing_client_signs_for_us_east_1);
    suite_add_tcase(s, tc);
    return s;
}
