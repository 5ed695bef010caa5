// Integration test of the AWS client core (common/aws/) against the local
// fake AWS (tests/fake_aws/fake_aws.py), which checks every SigV4 signature:
// every client operation, every fault kind, a wrong secret, bodies checked
// as moto checks them (re-encoded as botocore encodes), instance-role
// credentials from the fake IMDS with their refresh, and
// `stratus-catalog refresh` feeding `stratus-catalog list`.
//
// Starts the fake on a free loopback port and stops it at the end. Exit
// status: 0 pass, 1 fail, 77 skip (no python3 or no fake), 99 hard error.

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "aws/catalog_refresh.hpp"
#include "aws/client.hpp"
#include "aws/credentials.hpp"
#include "aws/ec2.hpp"
#include "aws/imds.hpp"
#include "aws/json_doc.hpp"
#include "aws/pcs.hpp"
#include "aws/pricing.hpp"

#ifndef STRATUS_PYTHON3
#define STRATUS_PYTHON3 "python3"
#endif

using namespace stratus::aws;
using Clock_ = std::chrono::steady_clock;

namespace {

int failures = 0;
std::string current_test;

#define CHECK(cond, ...)                                                                \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            ++failures;                                                                 \
            std::fprintf(stderr, "FAIL %s (%s:%d): %s: ", current_test.c_str(), __FILE__, \
                         __LINE__, #cond);                                              \
            std::fprintf(stderr, __VA_ARGS__);                                          \
            std::fprintf(stderr, "\n");                                                 \
        }                                                                               \
    } while (0)

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = getenv(name);
    return v && *v ? v : fallback;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void spit(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
}

// ---- the fake -----------------------------------------------------------------

class Fake {
public:
    Fake(const std::string& srcdir, const std::string& workdir) {
        std::string script = srcdir + "/tests/fake_aws/fake_aws.py";
        port_file_ = workdir + "/fake.port";
        log_ = workdir + "/fake.log";
        pid_ = fork();
        if (pid_ == 0) {
            execlp(STRATUS_PYTHON3, STRATUS_PYTHON3, script.c_str(), "--port", "0", "--port-file", port_file_.c_str(),
                   "--log", log_.c_str(), "--catalog", (srcdir + "/data/ec2-instance-types.csv").c_str(),
                   static_cast<char*>(nullptr));
            _exit(127);
        }
        for (int i = 0; i < 200 && port_ == 0; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            std::string p = slurp(port_file_);
            if (!p.empty() && p.back() == '\n') port_ = std::atoi(p.c_str());
            else if (!p.empty()) port_ = std::atoi(p.c_str());
            int status;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                break;
            }
        }
    }
    ~Fake() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            int status;
            waitpid(pid_, &status, 0);
        }
    }
    bool up() const { return port_ > 0; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    const std::string& log() const { return log_; }

    // The control API (unsigned JSON).
    JsonPtr control(const std::string& method, const std::string& path, const std::string& body = "") {
        HttpRequest r;
        r.method = method;
        r.url = url() + "/_fake/" + path;
        r.body = body;
        r.use_proxy = false;
        if (method != "GET") r.headers = {"Content-Type: application/json"};
        HttpResponse resp = http_.perform(r);
        if (resp.status != 200) throw std::runtime_error("/_fake/" + path + ": HTTP " + std::to_string(resp.status) + ": " + resp.body);
        return json_parse(resp.body);
    }
    void reset() { control("POST", "reset", "{}"); }
    void fault(const std::string& json) { control("POST", "faults", json); }
    // The recorded calls of one operation.
    std::vector<JsonPtr> calls(const std::string& operation) {
        JsonPtr all = control("GET", "calls");
        std::vector<JsonPtr> out;
        size_t i;
        json_t* c;
        json_array_foreach(json_object_get(all.get(), "calls"), i, c) {
            if (json_string(c, "operation").value_or("") == operation) out.emplace_back(json_incref(c));
        }
        return out;
    }

private:
    pid_t pid_ = -1;
    int port_ = 0;
    std::string port_file_, log_;
    CurlTransport http_;
};

Fake* fake = nullptr;
const char* kKey = "AKIDSTRATUSFAKE";
const char* kSecret = "stratus-fake-secret";

ClientConfig config(const std::string& region = "us-east-1") {
    ClientConfig c;
    c.region = region;
    c.env = Env::fixed({{"AWS_ENDPOINT_URL", fake->url()}});
    c.credentials = std::make_shared<StaticCredentialsProvider>(Credentials{kKey, kSecret, "", std::nullopt, "test"});
    c.retry.max_attempts = 4;
    c.retry.base_delay = std::chrono::milliseconds(20);
    c.retry.throttle_base_delay = std::chrono::milliseconds(40);
    c.retry.max_delay = std::chrono::milliseconds(400);
    c.retry.max_retry_after = std::chrono::milliseconds(5000);
    c.connect_timeout = std::chrono::milliseconds(2000);
    c.timeout = std::chrono::milliseconds(5000);
    return c;
}

ec2::CreateFleetRequest fleet(std::vector<std::string> types, uint32_t count, ec2::CapacityType cap = ec2::CapacityType::on_demand) {
    ec2::CreateFleetRequest r;
    ec2::LaunchTemplateConfig c1, c2;
    c1.launch_template = {"lt-0123456789abcdef0", "", "$Latest"};
    c2.launch_template = {"", "stratus-nodes", "1"};
    for (size_t i = 0; i < types.size(); ++i) {
        ec2::FleetOverride o{types[i], i % 2 ? "subnet-bbb" : "subnet-aaa", "", static_cast<double>(i + 1), std::nullopt, ""};
        (i < (types.size() + 1) / 2 ? c1 : c2).overrides.push_back(o);
    }
    r.launch_template_configs = {c1};
    if (!c2.overrides.empty()) r.launch_template_configs.push_back(c2);
    r.total_target_capacity = count;
    r.default_target_capacity_type = cap;
    ec2::FleetOptions o;
    if (cap == ec2::CapacityType::on_demand) {
        o.allocation_strategy = "prioritized";
        r.on_demand_options = o;
        r.on_demand_target_capacity = count;
    } else {
        o.allocation_strategy = "capacity-optimized-prioritized";
        r.spot_options = o;
        r.spot_target_capacity = count;
    }
    r.tag_specifications = {{"instance", {{"stratus:cluster", "itest"}, {"Name", "node 1/2+x"}}}};
    return r;
}

// ---- the tests ------------------------------------------------------------------

void test_ec2_operations() {
    ec2::Ec2Client ec2(config());
    // DescribeInstanceTypes: the fake's 152 types come in two pages of 100.
    auto types = ec2.describe_instance_types();
    CHECK(types.size() == 152, "%zu types", types.size());
    CHECK(fake->calls("DescribeInstanceTypes").size() == 2, "pages");
    auto some = ec2.describe_instance_types({"p5.48xlarge", "hpc7g.16xlarge"});
    CHECK(some.size() == 2, "%zu", some.size());
    for (const auto& t : some) {
        if (t.instance_type == "p5.48xlarge")
            CHECK(t.gpus == 8 && t.vcpus == 192 && t.efa && t.gpu_model == "H100", "p5: %u gpus %s", t.gpus, t.gpu_model.c_str());
        else
            CHECK(t.architectures.at(0) == "arm64" && t.vcpus == 64, "hpc7g");
    }

    // CreateFleet: 2 launch template configs x overrides, tags, client token.
    ec2::CreateFleetRequest r = fleet({"c7g.16xlarge", "c7gn.16xlarge", "m7g.16xlarge"}, 2);
    r.client_token = "itest-fleet-0001";
    auto result = ec2.create_fleet(r);
    CHECK(result.instances.size() == 2, "%zu launched", result.instances.size());
    CHECK(result.errors.empty(), "%zu errors", result.errors.size());
    CHECK(!result.fleet_id.empty(), "fleet id");
    std::vector<std::string> ids;
    for (const auto& i : result.instances) {
        ids.push_back(i.instance_id);
        CHECK(i.instance_type == "c7g.16xlarge" && i.lifecycle == "on-demand", "%s %s", i.instance_type.c_str(),
              i.lifecycle.c_str());
    }
    auto cf = fake->calls("CreateFleet");
    CHECK(cf.size() == 1 && json_is_true(json_object_get(cf[0].get(), "signature_ok")), "CreateFleet signed");
    // The same token again: the same answer, nothing new launched.
    auto again = ec2.create_fleet(r);
    CHECK(again.fleet_id == result.fleet_id, "idempotent");

    // DescribeInstances by ids, then by tag filter with small pages.
    auto described = ec2.describe_instances(ids);
    CHECK(described.size() == 2, "%zu", described.size());
    for (const auto& i : described) {
        CHECK(i.tag("stratus:cluster") == "itest" && i.tag("Name") == "node 1/2+x", "tags of %s", i.instance_id.c_str());
        CHECK(!i.private_ip.empty() && (i.state == "running" || i.state == "pending"), "%s", i.state.c_str());
    }
    ec2.create_fleet(fleet({"c7g.large"}, 3));
    ec2.create_fleet(fleet({"m7g.large"}, 3));
    auto tagged = ec2.describe_instances({}, {{"tag:stratus:cluster", {"itest"}}, {"instance-state-name", {"pending", "running"}}}, 5);
    CHECK(tagged.size() == 8, "%zu tagged", tagged.size());
    auto by_type = ec2.describe_instances({}, {{"instance-type", {"c7g.large"}}}, 5);
    CHECK(by_type.size() == 3, "%zu by type", by_type.size());
    // Page size 5 over 8 instances: a token was followed.
    bool followed = false;
    for (const auto& c : fake->calls("DescribeInstances"))
        followed |= json_object_get(json_object_get(c.get(), "params"), "NextToken") != nullptr;
    CHECK(followed, "NextToken followed");

    // CreateTags, then TerminateInstances.
    ec2.create_tags(ids, {{"stratus:job", "42"}, {"note", "a=b&c d"}});
    described = ec2.describe_instances(ids);
    for (const auto& i : described) CHECK(i.tag("stratus:job") == "42" && i.tag("note") == "a=b&c d", "new tags");
    auto changes = ec2.terminate_instances(ids);
    CHECK(changes.size() == 2, "%zu", changes.size());
    for (const auto& c : changes)
        CHECK(c.current_state == "shutting-down" || c.current_state == "terminated", "%s", c.current_state.c_str());
    described = ec2.describe_instances(ids);
    for (const auto& i : described) CHECK(i.state == "terminated" || i.state == "shutting-down", "%s", i.state.c_str());

    // An EC2 error with its code: unknown instance id.
    auto e = [&] {
        try {
            ec2.terminate_instances({"i-0000000000000dead"});
        } catch (const AwsError& err) {
            return std::string(err.code()) + "/" + std::to_string(err.attempts());
        }
        return std::string("none");
    }();
    CHECK(e == "InvalidInstanceID.NotFound/1", "%s", e.c_str());

    // DescribeSpotPriceHistory, paginated (pages of 5 over 12 records).
    std::string seed = R"({"prices": [)";
    const char* zones[] = {"us-east-1a", "us-east-1b", "us-east-1c"};
    for (int i = 0; i < 12; ++i) {
        char buf[300];
        std::snprintf(buf, sizeof buf,
                      R"(%s{"instance_type": "%s", "availability_zone": "%s", "price": "0.0%d", "timestamp": "2026-11-28T0%d:00:00Z"})",
                      i ? "," : "", i < 6 ? "c7g.large" : "m7g.large", zones[i % 3], 10 + i, i % 6);
        seed += buf;
    }
    fake->control("POST", "spot-prices", seed + "]}");
    ec2::SpotPriceQuery q;
    q.instance_types = {"c7g.large", "m7g.large"};
    q.product_descriptions = {"Linux/UNIX"};
    q.max_results = 5;
    size_t before = fake->calls("DescribeSpotPriceHistory").size();
    auto spot = ec2.describe_spot_price_history(q);
    CHECK(spot.size() == 12, "%zu spot records", spot.size());
    CHECK(fake->calls("DescribeSpotPriceHistory").size() - before == 3, "3 pages");
    auto latest = latest_spot_prices(spot);
    CHECK(latest.size() == 2, "%zu", latest.size());
}

// The fake checking signatures as moto does, over the form encoded again
// the way botocore encodes it: every body must already be in that form.
void test_ec2_form_as_botocore_encodes() {
    fake->control("POST", "config", R"({"verify_reencoded_form": true})");
    ec2::Ec2Client ec2(config());
    ec2::CreateFleetRequest r = fleet({"c7g.large"}, 1);  // tagged "node 1/2+x", template "stratus-nodes"
    r.launch_template_configs[0].launch_template = {"", "stratus nodes", "$Latest"};
    auto result = ec2.create_fleet(r);
    CHECK(result.instances.size() == 1, "%zu launched", result.instances.size());
    std::vector<std::string> ids;
    for (const auto& i : result.instances) ids.push_back(i.instance_id);
    const std::vector<ec2::Tag> tags = {{"k 1", "a b"}, {"k2", "x+y/z=1&2"}, {"k3", "*!'()~%20"},
                                        {"k4", "caf\xc3\xa9 \xe2\x82\xac" "5"}, {"k5", "~`@#^[]{}|\\:;\"<>,?"}};
    ec2.create_tags(ids, tags);
    auto listed = ec2.describe_instances({}, {{"tag:k 1", {"a b"}}, {"tag:Name", {"node 1/2+x"}}});
    CHECK(listed.size() == 1, "%zu listed by tags with spaces", listed.size());
    for (const auto& i : listed)
        for (const auto& t : tags) CHECK(i.tag(t.key) == t.value, "tag %s: %s", t.key.c_str(), i.tag(t.key).c_str());
    for (const char* op : {"CreateFleet", "CreateTags", "DescribeInstances"})
        for (const auto& c : fake->calls(op))
            CHECK(json_is_true(json_object_get(c.get(), "signature_ok")), "%s: %s", op,
                  json_string(c.get(), "auth_detail").value_or("").c_str());
}

void test_service_specific_endpoint() {
    ClientConfig c = config();
    // AWS_ENDPOINT_URL points nowhere; the EC2-specific variable wins.
    c.env = Env::fixed({{"AWS_ENDPOINT_URL", "http://127.0.0.1:9"}, {"AWS_ENDPOINT_URL_EC2", fake->url() + "/"}});
    ec2::Ec2Client ec2(c);
    CHECK(ec2.service().endpoint() == fake->url(), "%s", ec2.service().endpoint().c_str());
    CHECK(ec2.describe_instance_types({"c7g.large"}).size() == 1, "ec2 via AWS_ENDPOINT_URL_EC2");
    c.env = Env::fixed({});
    c.endpoint = fake->url();  // explicit (stratus.conf) beats everything
    pcs::PcsClient pcs(c);
    CHECK(pcs.service().endpoint() == fake->url(), "explicit endpoint");
}

void test_faults() {
    ClientConfig c = config();
    std::vector<std::string> retries;
    c.on_retry = [&retries](const std::string& m) { retries.push_back(m); };
    ec2::Ec2Client ec2(c);

    // throttle: RequestLimitExceeded twice, then success.
    fake->fault(R"({"operation": "DescribeInstances", "kind": "throttle", "count": 2})");
    auto t0 = Clock_::now();
    ec2.describe_instances({}, {{"instance-type", {"c7g.large"}}});
    auto took = Clock_::now() - t0;
    auto calls = fake->calls("DescribeInstances");
    CHECK(calls.size() == 3, "%zu DescribeInstances calls", calls.size());
    CHECK(json_string(calls[0].get(), "error_code").value_or("") == "RequestLimitExceeded", "first throttled");
    CHECK(retries.size() == 2 && retries[0].find("RequestLimitExceeded") != std::string::npos, "retries logged");
    // Back-off 40 ms then 80 ms (each at least half of that).
    CHECK(took >= std::chrono::milliseconds(60), "waited %lld ms",
          static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));

    // throttle for longer than the attempts: the error comes out, with its count.
    fake->fault(R"({"operation": "DescribeInstanceTypes", "kind": "throttle", "count": -1})");
    try {
        ec2.describe_instance_types({"c7g.large"});
        CHECK(false, "no exception");
    } catch (const AwsError& e) {
        CHECK(e.code() == "RequestLimitExceeded" && e.attempts() == 4 && e.http_status() == 503, "%s", e.what());
    }
    fake->reset();  // drops the endless fault

    // capacity (ICE) for one type: reported per override, fallback launches.
    fake->fault(R"({"operation": "CreateFleet", "kind": "capacity", "instance_types": ["c7g.xlarge"]})");
    auto r = ec2.create_fleet(fleet({"c7g.xlarge", "c7gn.16xlarge"}, 1));
    CHECK(r.instances.size() == 1 && r.instances[0].instance_type == "c7gn.16xlarge", "fallback launched");
    CHECK(r.errors.size() == 1 && r.errors[0].code == "InsufficientInstanceCapacity" &&
              r.errors[0].instance_type == "c7g.xlarge" && is_capacity_error(r.errors[0].code),
          "%zu errors", r.errors.size());
    // A type the zone does not offer (hpc7g: use1-az6 only; the default subnet is in us-east-1a, use1-az1).
    r = ec2.create_fleet(fleet({"hpc7g.16xlarge"}, 1));
    CHECK(r.instances.empty() && r.errors.size() == 1 && r.errors[0].code == "Unsupported" &&
              r.errors[0].message.find("(us-east-1a)") != std::string::npos &&
              r.errors[0].message.find("use1-az6") != std::string::npos,
          "%zu errors", r.errors.size());
    // DescribeSubnets: the zone by name and by ID; an unknown subnet fails the call.
    auto subnets = ec2.describe_subnets({"subnet-0fa4e000000000001"});
    CHECK(subnets.size() == 1 && subnets[0].availability_zone == "us-east-1a" &&
              subnets[0].availability_zone_id == "use1-az1",
          "%zu subnets", subnets.size());
    try {
        ec2.describe_subnets({"subnet-0nope"});
        CHECK(false, "no exception");
    } catch (const AwsError& e) {
        CHECK(e.code() == "InvalidSubnetID.NotFound", "%s", e.what());
    }
    // Nothing at all: still data (HTTP 200, only errorSet).
    fake->fault(R"({"operation": "CreateFleet", "kind": "capacity"})");
    r = ec2.create_fleet(fleet({"p5.48xlarge"}, 2));
    CHECK(r.instances.empty() && !r.errors.empty(), "all ICE");

    // partial: at most one of three.
    fake->fault(R"({"operation": "CreateFleet", "kind": "partial", "launch_count": 1})");
    r = ec2.create_fleet(fleet({"c7g.large"}, 3, ec2::CapacityType::spot));
    CHECK(r.instances.size() == 1 && !r.errors.empty(), "%zu launched, %zu errors", r.instances.size(), r.errors.size());
    if (!r.instances.empty()) CHECK(r.instances[0].lifecycle == "spot", "%s", r.instances[0].lifecycle.c_str());

    // internal (500): retried, then fine.
    size_t before = fake->calls("TerminateInstances").size();
    fake->fault(R"({"operation": "TerminateInstances", "kind": "internal"})");
    auto changes = ec2.terminate_instances({r.instances.empty() ? "i-x" : r.instances[0].instance_id});
    CHECK(changes.size() == 1, "terminated after a 500");
    CHECK(fake->calls("TerminateInstances").size() - before == 2, "one retry");

    // delay longer than the client's timeout: the attempt times out, the retry works.
    ClientConfig slow = config();
    slow.timeout = std::chrono::milliseconds(400);
    ec2::Ec2Client ec2slow(slow);
    fake->fault(R"({"operation": "DescribeInstanceTypes", "kind": "delay", "delay_s": 3})");
    t0 = Clock_::now();
    auto types = ec2slow.describe_instance_types({"c7g.large"});
    took = Clock_::now() - t0;
    CHECK(types.size() == 1, "answer after a timeout");
    CHECK(took < std::chrono::milliseconds(2500), "timeout honoured: %lld ms",
          static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
    // Always slow: a timeout error after the attempts.
    slow.retry.max_attempts = 2;
    ec2::Ec2Client ec2slow2(slow);
    fake->fault(R"({"operation": "DescribeInstanceTypes", "kind": "delay", "delay_s": 2, "count": 2})");
    try {
        ec2slow2.describe_instance_types({"c7g.large"});
        CHECK(false, "no exception");
    } catch (const AwsError& e) {
        CHECK(e.is_timeout() && e.attempts() == 2 && e.source() == ErrorSource::transport, "%s", e.what());
    }

    // malformed: a clear error, not retried.
    before = fake->calls("CreateFleet").size();
    fake->fault(R"({"operation": "CreateFleet", "kind": "malformed"})");
    try {
        ec2.create_fleet(fleet({"c7g.large"}, 1));
        CHECK(false, "no exception");
    } catch (const AwsError& e) {
        CHECK(e.code() == kCodeMalformedResponse && e.source() == ErrorSource::response, "%s", e.what());
        CHECK(std::string(e.what()).find("ec2 CreateFleet: MalformedResponse") == 0, "%s", e.what());
    }
    CHECK(fake->calls("CreateFleet").size() - before == 1, "malformed not retried");

    // error: a plain 4xx is not retried.
    before = fake->calls("CreateTags").size();
    fake->fault(R"({"operation": "CreateTags", "kind": "error", "error_code": "UnauthorizedOperation", "status": 403, "message": "You are not authorized"})");
    try {
        ec2.create_tags({"i-1"}, {{"a", "b"}});
        CHECK(false, "no exception");
    } catch (const AwsError& e) {
        CHECK(e.code() == "UnauthorizedOperation" && e.http_status() == 403 && e.attempts() == 1, "%s", e.what());
    }
    CHECK(fake->calls("CreateTags").size() - before == 1, "4xx not retried");
}

void test_wrong_secret() {
    ClientConfig c = config();
    c.credentials = std::make_shared<StaticCredentialsProvider>(Credentials{kKey, "not-the-secret", "", std::nullopt, "t"});
    ec2::Ec2Client ec2(c);
    try {
        ec2.describe_instance_types({"c7g.large"});
        CHECK(false, "a wrong secret was accepted");
    } catch (const AwsError& e) {
        CHECK(e.code() == "AuthFailure" && e.http_status() == 401 && e.attempts() == 1, "%s", e.what());
    }
    pcs::PcsClient pcs(c);
    try {
        pcs.list_compute_node_groups("demo");
        CHECK(false, "a wrong secret was accepted");
    } catch (const AwsError& e) {
        CHECK(e.code() == "InvalidSignatureException" && e.http_status() == 403, "%s", e.what());
    }
    auto calls = fake->calls("DescribeInstanceTypes");
    CHECK(!calls.empty() && json_is_false(json_object_get(calls.back().get(), "signature_ok")), "fake saw a bad signature");
}

void test_pcs() {
    fake->control("POST", "node-groups", R"({"region": "us-east-1", "cluster": "demo", "computeNodeGroups": [
        {"name": "hpc7g", "scalingConfiguration": {"minInstanceCount": 0, "maxInstanceCount": 16},
         "instanceConfigs": [{"instanceType": "hpc7g.16xlarge"}], "purchaseOption": "ONDEMAND"},
        {"name": "gpu", "instanceConfigs": [{"instanceType": "p5.48xlarge"}, {"instanceType": "g6e.12xlarge"}]},
        {"name": "spot", "purchaseOption": "SPOT", "spotOptions": {"allocationStrategy": "price-capacity-optimized"}}]})");
    ClientConfig c = config();
    pcs::PcsClient pcs(c);
    auto list = pcs.list_compute_node_groups("demo", 2);
    CHECK(list.size() == 3, "%zu groups", list.size());
    CHECK(fake->calls("ListComputeNodeGroups").size() == 2, "2 pages");
    auto g = pcs.get_compute_node_group("demo", "hpc7g");
    CHECK(g.name == "hpc7g" && g.status == "ACTIVE" && g.scaling && g.scaling->max_instance_count == 16, "get");
    CHECK(g.instance_types.size() == 1 && g.instance_types[0] == "hpc7g.16xlarge", "instanceConfigs");
    CHECK(g.purchase_option == "ONDEMAND" && g.id.rfind("pcs_", 0) == 0, "%s %s", g.purchase_option.c_str(), g.id.c_str());
    auto gpu = pcs.get_compute_node_group("demo", "gpu");
    CHECK(gpu.instance_types.size() == 2, "gpu types");
    auto spot = pcs.get_compute_node_group("demo", "spot");
    CHECK(spot.spot_allocation_strategy == "price-capacity-optimized", "%s", spot.spot_allocation_strategy.c_str());

    auto u = pcs.update_compute_node_group({"demo", "hpc7g", pcs::ScalingConfiguration{2, 8}, "itest-update-0001"});
    CHECK(u.status == "UPDATING" && u.scaling && u.scaling->min_instance_count == 2 && u.scaling->max_instance_count == 8,
          "%s", u.status.c_str());
    // The same clientToken replays; another update while UPDATING conflicts.
    auto replay = pcs.update_compute_node_group({"demo", "hpc7g", pcs::ScalingConfiguration{2, 8}, "itest-update-0001"});
    CHECK(replay.status == "UPDATING", "replay");
    try {
        pcs.update_compute_node_group({"demo", g.id, pcs::ScalingConfiguration{0, 4}, "itest-update-0002"});
        CHECK(false, "no conflict");
    } catch (const pcs::ConflictError& e) {
        CHECK(e.http_status() == 409 && e.resource_id() == g.id, "%s / %s", e.what(), e.resource_id().c_str());
    }
    try {
        pcs.get_compute_node_group("demo", "nosuch");
        CHECK(false, "no error");
    } catch (const pcs::ResourceNotFoundError& e) {
        CHECK(e.http_status() == 404 && !e.resource_type().empty(), "%s", e.what());
    }
    fake->control("POST", "config", R"({"pcs_max_instances_quota": 10})");
    try {
        pcs.update_compute_node_group({"demo", "gpu", pcs::ScalingConfiguration{0, 50}, ""});
        CHECK(false, "no quota error");
    } catch (const pcs::ServiceQuotaExceededError& e) {
        CHECK(e.http_status() == 402 && !e.service_code().empty(), "%s", e.what());
    }
    // Validation the client cannot see (a fault standing in for the service).
    fake->fault(R"({"operation": "UpdateComputeNodeGroup", "kind": "error", "error_code": "ValidationException", "status": 400,
                   "message": "bad", "fields": {"reason": "fieldValidationFailed", "fieldList": [{"name": "amiId", "message": "not found"}]}})");
    try {
        pcs.update_compute_node_group({"demo", "spot", pcs::ScalingConfiguration{0, 2}, ""});
        CHECK(false, "no validation error");
    } catch (const pcs::ValidationError& e) {
        CHECK(e.reason() == "fieldValidationFailed" && e.field_list().size() == 1 && e.field_list()[0].name == "amiId",
              "%s", e.what());
    }
    // ThrottlingException with retryAfterSeconds: honoured, then success.
    fake->fault(R"({"operation": "GetComputeNodeGroup", "kind": "throttle", "retry_after_s": 1})");
    auto t0 = Clock_::now();
    pcs.get_compute_node_group("demo", "gpu");
    auto took = Clock_::now() - t0;
    CHECK(took >= std::chrono::milliseconds(950), "retryAfterSeconds honoured: %lld ms",
          static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
    ClientConfig once = config();
    once.retry.max_attempts = 1;
    pcs::PcsClient pcs1(once);
    fake->fault(R"({"operation": "GetComputeNodeGroup", "kind": "throttle", "retry_after_s": 2})");
    try {
        pcs1.get_compute_node_group("demo", "gpu");
        CHECK(false, "no throttling");
    } catch (const pcs::ThrottlingError& e) {
        CHECK(e.http_status() == 429 && e.retry_after() && e.retry_after()->count() == 2000, "%s", e.what());
    }
}

void test_pricing() {
    fake->control("POST", "prices", R"({"prices": [{"instance_type": "c7g.large", "region": "us-east-2", "price": "0.0777"},
                                                    {"instance_type": "hpc7a.96xlarge", "region": "us-east-2", "price": "7.2"}]})");
    pricing::PricingClient p(config("eu-west-1"));  // signs for us-east-1 whatever the config says
    auto east1 = p.linux_on_demand_prices("us-east-1");
    CHECK(east1.size() > 100, "%zu us-east-1 prices", east1.size());
    CHECK(east1.count("c7g.large") && east1["c7g.large"] == 0.0725, "c7g.large %g", east1.count("c7g.large") ? east1["c7g.large"] : -1.0);
    CHECK(fake->calls("GetProducts").size() >= 2, "paginated");
    auto east2 = p.linux_on_demand_prices("us-east-2");
    CHECK(east2.size() == 2 && east2["hpc7a.96xlarge"] == 7.2, "%zu us-east-2 prices", east2.size());
    for (const auto& c : fake->calls("GetProducts"))
        CHECK(json_string(c.get(), "region").value_or("") == "us-east-1" && json_is_true(json_object_get(c.get(), "signature_ok")),
              "pricing signed for us-east-1");
    // Pricing throttling (no retryAfterSeconds in its model): plain back-off.
    fake->fault(R"({"operation": "GetProducts", "kind": "throttle"})");
    CHECK(p.get_products({{"instanceType", "c7g.large"}, {"regionCode", "us-east-1"}}).size() == 1, "after throttle");
}

void test_imds_credentials() {
    // Short-lived role credentials: a new set when less than 2 s remain.
    fake->control("POST", "imds", R"({"credential_ttl_s": 4, "credential_refresh_margin_s": 2})");
    std::map<std::string, std::string> vars = {{"HOME", "/nonexistent"},
                                               {"AWS_EC2_METADATA_SERVICE_ENDPOINT", fake->url() + "/"},
                                               {"AWS_ENDPOINT_URL", fake->url()}};
    Env env = Env::fixed(vars);
    auto imds = std::make_shared<ImdsClient>(ImdsOptions{}, env);
    auto region = resolve_region("", env, "", imds.get());
    CHECK(region && *region == "us-east-1", "region from IMDS: %s", region ? region->c_str() : "none");
    auto id = imds->get("/latest/meta-data/instance-id");
    CHECK(id && *id == "i-0fa4e000000000001", "instance id");
    CHECK(!imds->get("/latest/meta-data/spot/instance-action"), "no spot action (404)");
    // Tokens forgotten by the service: 401, one new token, retried.
    unsigned tokens = imds->tokens_fetched();
    fake->control("POST", "imds", R"({"invalidate_tokens": true})");
    CHECK(imds->get("/latest/meta-data/instance-type").value_or("") == "c7g.large", "after 401");
    CHECK(imds->tokens_fetched() == tokens + 1, "one new token");

    CredentialsOptions co;
    co.env = env;
    co.imds = imds;
    co.refresh_margin = std::chrono::seconds(2);
    auto chain = default_credentials_chain(co);
    Credentials c1 = chain->get();
    CHECK(c1.access_key_id.rfind(kKey, 0) != 0 && !c1.session_token.empty(), "role credentials: %s", c1.access_key_id.c_str());
    ClientConfig cfg = config();
    cfg.credentials = chain;
    ec2::Ec2Client ec2(cfg);
    ec2.describe_instance_types({"c7g.large"});
    auto calls = fake->calls("DescribeInstanceTypes");
    CHECK(json_is_true(json_object_get(calls.back().get(), "session_token")) &&
              json_string(calls.back().get(), "access_key_id").value_or("") == c1.access_key_id &&
              json_is_true(json_object_get(calls.back().get(), "signature_ok")),
          "signed with the role's key and token");
    // Renewed before Expiration.
    std::this_thread::sleep_for(std::chrono::milliseconds(2300));
    ec2.describe_instance_types({"c7g.large"});
    calls = fake->calls("DescribeInstanceTypes");
    std::string key2 = json_string(calls.back().get(), "access_key_id").value_or("");
    CHECK(key2 != c1.access_key_id && json_is_true(json_object_get(calls.back().get(), "signature_ok")),
          "refreshed: %s", key2.c_str());
    // Expired under our feet (the service says so): renewed and resent once.
    fake->control("POST", "imds", R"({"credential_ttl_s": 3600, "expire_credentials_now": true})");
    size_t before = calls.size();
    ec2.describe_instance_types({"c7g.large"});
    calls = fake->calls("DescribeInstanceTypes");
    CHECK(calls.size() - before == 2, "%zu calls", calls.size() - before);
    CHECK(json_string(calls[before].get(), "error_code").value_or("") == "RequestExpired", "first refused as expired");
    CHECK(json_string(calls.back().get(), "access_key_id").value_or("") != key2, "new key after expiry");
    // Env keys beat the instance role.
    vars["AWS_ACCESS_KEY_ID"] = kKey;
    vars["AWS_SECRET_ACCESS_KEY"] = kSecret;
    co.env = Env::fixed(vars);
    CHECK(default_credentials_chain(co)->get().access_key_id == kKey, "env first");
}

int run_tool(const std::string& tool, const std::vector<std::string>& args, const std::vector<std::string>& env,
             const std::string& out_file) {
    pid_t pid = fork();
    if (pid == 0) {
        int fd = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        std::vector<char*> argv = {const_cast<char*>(tool.c_str())};
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        std::vector<char*> envp;
        for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
        envp.push_back(nullptr);
        execve(tool.c_str(), argv.data(), envp.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

void test_catalog_refresh(const std::string& builddir, const std::string& work) {
    std::string tool = builddir + "/tools/stratus-catalog";
    if (access(tool.c_str(), X_OK) != 0) {
        CHECK(false, "%s not built", tool.c_str());
        return;
    }
    fake->control("POST", "prices", R"({"prices": [{"instance_type": "c7g.large", "region": "us-east-2", "price": "0.0777"},
        {"instance_type": "hpc7g.16xlarge", "region": "us-east-2", "price": "1.7"}]})");
    fake->control("POST", "spot-prices", R"({"prices": [
        {"instance_type": "c7g.large", "availability_zone": "us-east-2a", "price": "0.0311", "timestamp": "2026-11-28T05:00:00Z"},
        {"instance_type": "c7g.large", "availability_zone": "us-east-2a", "price": "0.0200", "timestamp": "2026-11-27T05:00:00Z"},
        {"instance_type": "c7g.large", "availability_zone": "us-east-2b", "price": "0.0299", "timestamp": "2026-11-28T04:00:00Z"},
        {"instance_type": "c7g.large", "availability_zone": "us-east-2c", "price": "0.0100", "timestamp": "2026-11-28T04:00:00Z",
         "product_description": "Windows"}]})");
    std::vector<std::string> env = {"PATH=/usr/bin:/bin", "HOME=/nonexistent", "AWS_ACCESS_KEY_ID=" + std::string(kKey),
                                    "AWS_SECRET_ACCESS_KEY=" + std::string(kSecret), "AWS_ENDPOINT_URL=" + fake->url(),
                                    "AWS_EC2_METADATA_DISABLED=true", "NO_PROXY=*"};
    std::string csv = work + "/stratus-prices.csv";
    std::string out = work + "/refresh.out";
    int rc = run_tool(tool, {"refresh", "--region", "us-east-2", "--output", csv, "--types", "c7g.large,hpc7g.16xlarge,p5.48xlarge"},
                      env, out);
    CHECK(rc == 0, "refresh exit %d: %s", rc, slurp(out).c_str());
    std::string text = slurp(csv);
    // Zones from DescribeInstanceTypeOfferings (the fake knows hpc7g in no zone of us-east-2).
    CHECK(text.find("\nc7g.large,arm64,2,4096,0,,false,us-east-2,use2-az1;use2-az2;use2-az3,0.0777,0.0299\n") !=
              std::string::npos,
          "%s", text.c_str());
    CHECK(text.find("\nhpc7g.16xlarge,arm64,64,131072,0,,true,us-east-2,,1.7,\n") != std::string::npos, "hpc7g row");
    CHECK(text.find("\np5.48xlarge,x86_64,192,2097152,8,h100,true,us-east-2,use2-az1;use2-az2;use2-az3,,\n") !=
              std::string::npos,
          "p5 row");

    // stratus.conf naming that file: `list` shows the refreshed prices.
    std::string conf = work + "/stratus.conf";
    spit(conf, "Region=us-east-2\nInstanceCatalog=stratus-prices.csv\nPartitionName=arm InstanceTypes=c7g.large,hpc7g.16xlarge\n");
    rc = run_tool(tool, {"--conf", conf, "list", "--partition", "arm", "--csv"}, env, out);
    std::string listing = slurp(out);
    CHECK(rc == 0, "list exit %d: %s", rc, listing.c_str());
    CHECK(listing.find("c7g.large,arm64,2,4096,") != std::string::npos && listing.find(",0.0777,0.0299\n") != std::string::npos,
          "list: %s", listing.c_str());
    CHECK(listing.find("hpc7g.16xlarge,arm64,64,131072,") != std::string::npos && listing.find(",1.7,\n") != std::string::npos,
          "list: %s", listing.c_str());
    rc = run_tool(tool, {"--conf", conf, "show", "c7g.large"}, env, out);
    CHECK(rc == 0 && slurp(out).find("$0.0299/h") != std::string::npos, "show: %s", slurp(out).c_str());

    // Region from stratus.conf when --region is not given; a second refresh replaces the file.
    struct stat st1, st2;
    stat(csv.c_str(), &st1);
    rc = run_tool(tool, {"--conf", conf, "refresh", "--output", csv, "--types", "c7g.large"}, env, out);
    stat(csv.c_str(), &st2);
    CHECK(rc == 0 && slurp(out).find("1 instance types in us-east-2") != std::string::npos, "%s", slurp(out).c_str());
    CHECK(st1.st_ino != st2.st_ino, "replaced by rename");

    // Failures leave the file alone and say why.
    std::string before = slurp(csv);
    std::vector<std::string> bad = env;
    bad[3] = "AWS_SECRET_ACCESS_KEY=wrong";
    rc = run_tool(tool, {"refresh", "--region", "us-east-2", "--output", csv}, bad, out);
    CHECK(rc == 1 && slurp(out).find("AuthFailure") != std::string::npos, "wrong secret: %d %s", rc, slurp(out).c_str());
    CHECK(slurp(csv) == before, "file untouched");
    rc = run_tool(tool, {"refresh", "--region", "us-east-2"}, env, out);
    CHECK(rc == 2, "usage error %d", rc);
}

void run(const char* name, const std::function<void()>& f) {
    current_test = name;
    int before = failures;
    auto t0 = Clock_::now();
    try {
        fake->reset();
        f();
    } catch (const std::exception& e) {
        ++failures;
        std::fprintf(stderr, "FAIL %s: unexpected exception: %s\n", name, e.what());
    }
    long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock_::now() - t0).count();
    std::printf("%s %s (%lld ms)\n", failures == before ? "ok  " : "FAIL", name, ms);
    std::fflush(stdout);
}

}  // namespace

int main() {
    std::string srcdir = env_or("STRATUS_TOP_SRCDIR", STRATUS_TOP_SRCDIR);
    std::string builddir = env_or("STRATUS_TOP_BUILDDIR", STRATUS_TOP_BUILDDIR);
    if (access((srcdir + "/tests/fake_aws/fake_aws.py").c_str(), R_OK) != 0) {
        std::printf("SKIP: no tests/fake_aws/fake_aws.py under %s\n", srcdir.c_str());
        return 77;
    }
    // Loopback only: no proxy may get in the way.
    for (const char* v : {"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"}) unsetenv(v);
    char tmpl[] = "/tmp/stratus-aws-fake-XXXXXX";
    const char* tmp = getenv("TMPDIR");
    std::string t = std::string(tmp && *tmp ? tmp : "/tmp") + "/stratus-aws-fake-XXXXXX";
    std::vector<char> buf(t.begin(), t.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data()) && !mkdtemp(tmpl)) {
        perror("mkdtemp");
        return 99;
    }
    std::string work = buf.data();

    auto t0 = Clock_::now();
    {
        Fake f(srcdir, work);
        if (!f.up()) {
            std::printf("SKIP: the fake did not start (%s); log: %s\n", STRATUS_PYTHON3, slurp(f.log()).c_str());
            return 77;
        }
        fake = &f;
        std::printf("fake AWS at %s\n", f.url().c_str());
        run("ec2_operations", test_ec2_operations);
        run("ec2_form_as_botocore_encodes", test_ec2_form_as_botocore_encodes);
        run("service_specific_endpoint", test_service_specific_endpoint);
        run("faults", test_faults);
        run("wrong_secret", test_wrong_secret);
        run("pcs", test_pcs);
        run("pricing", test_pricing);
        run("imds_credentials", test_imds_credentials);
        run("catalog_refresh", [&] { test_catalog_refresh(builddir, work); });
        if (failures) std::fprintf(stderr, "fake log kept: %s\n", f.log().c_str());
        fake = nullptr;
    }
    long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock_::now() - t0).count();
    std::printf("%d failure(s), %lld ms\n", failures, ms);
    if (!failures) {
        std::string cmd = "rm -rf '" + work + "'";
        if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", work.c_str());
    }
    return failures ? 1 : 0;
}
