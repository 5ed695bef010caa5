// EC2 XML answers: every response shape, partial fleets, pagination; the
// client's request (endpoint, headers, signing) through a scripted transport.
#include "aws/ec2.hpp"
#include "aws/xml_doc.hpp"
#include "aws_unit.hpp"

using namespace stratus::aws;

namespace {

const char* kPartialFleet = R"(<?xml version="1.0" encoding="UTF-8"?>
<CreateFleetResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>8ad8a9f0-1111-2222-3333-444455556666</requestId>
    <fleetId>fleet-12345678-90ab-cdef-1234-567890abcdef</fleetId>
    <errorSet>
        <item>
            <errorCode>InsufficientInstanceCapacity</errorCode>
            <errorMessage>We currently do not have sufficient hpc7g.16xlarge capacity in the Availability Zone you requested (us-east-1a).</errorMessage>
            <launchTemplateAndOverrides>
                <launchTemplateSpecification>
                    <launchTemplateId>lt-0123</launchTemplateId>
                    <version>1</version>
                </launchTemplateSpecification>
                <overrides>
                    <instanceType>hpc7g.16xlarge</instanceType>
                    <subnetId>subnet-aaa</subnetId>
                    <availabilityZone>us-east-1a</availabilityZone>
                </overrides>
            </launchTemplateAndOverrides>
            <lifecycle>on-demand</lifecycle>
        </item>
        <item>
            <errorCode>UnfulfillableCapacity</errorCode>
            <errorMessage>Unable to fulfill capacity due to your request configuration.</errorMessage>
            <launchTemplateAndOverrides>
                <overrides><instanceType>c7gn.16xlarge</instanceType></overrides>
            </launchTemplateAndOverrides>
            <lifecycle>spot</lifecycle>
        </item>
    </errorSet>
    <fleetInstanceSet>
        <item>
            <launchTemplateAndOverrides>
                <launchTemplateSpecification><launchTemplateId>lt-0123</launchTemplateId><version>1</version></launchTemplateSpecification>
                <overrides><instanceType>c7g.16xlarge</instanceType><subnetId>subnet-bbb</subnetId><availabilityZone>us-east-1b</availabilityZone></overrides>
            </launchTemplateAndOverrides>
            <lifecycle>spot</lifecycle>
            <instanceIds>
                <item>i-0aaa</item>
                <item>i-0bbb</item>
            </instanceIds>
            <instanceType>c7g.16xlarge</instanceType>
            <platform>Linux/UNIX</platform>
        </item>
    </fleetInstanceSet>
</CreateFleetResponse>)";

const char* kDescribePage1 = R"(<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r-1</requestId>
  <reservationSet>
    <item>
      <reservationId>r-0001</reservationId>
      <instancesSet>
        <item>
          <instanceId>i-0aaa</instanceId>
          <imageId>ami-1</imageId>
          <instanceState><code>16</code><name>running</name></instanceState>
          <privateDnsName>ip-10-0-0-5.ec2.internal</privateDnsName>
          <instanceType>c7g.16xlarge</instanceType>
          <launchTime>2026-11-28T06:00:00.000Z</launchTime>
          <placement><availabilityZone>us-east-1b</availabilityZone></placement>
          <subnetId>subnet-bbb</subnetId>
          <privateIpAddress>10.0.0.5</privateIpAddress>
          <architecture>arm64</architecture>
          <instanceLifecycle>spot</instanceLifecycle>
          <tagSet>
            <item><key>stratus:job</key><value>42</value></item>
            <item><key>Name</key><value>node &amp; co</value></item>
          </tagSet>
        </item>
        <item>
          <instanceId>i-0bbb</instanceId>
          <instanceState><code>0</code><name>pending</name></instanceState>
          <instanceType>c7g.16xlarge</instanceType>
        </item>
      </instancesSet>
    </item>
  </reservationSet>
  <nextToken>page-2-token</nextToken>
</DescribeInstancesResponse>)";

const char* kDescribePage2 = R"(<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r-2</requestId>
  <reservationSet>
    <item><instancesSet><item><instanceId>i-0ccc</instanceId><instanceState><name>terminated</name></instanceState></item></instancesSet></item>
  </reservationSet>
</DescribeInstancesResponse>)";

}  // namespace

START_TEST(parse_partial_create_fleet) {
    ec2::CreateFleetResult r = ec2::parse_create_fleet(kPartialFleet);
    EXPECT_STR(r.request_id, "8ad8a9f0-1111-2222-3333-444455556666");
    EXPECT_STR(r.fleet_id, "fleet-12345678-90ab-cdef-1234-567890abcdef");
    ck_assert_uint_eq(r.instances.size(), 2);
    EXPECT_STR(r.instances[0].instance_id, "i-0aaa");
    EXPECT_STR(r.instances[1].instance_id, "i-0bbb");
    EXPECT_STR(r.instances[1].instance_type, "c7g.16xlarge");
    EXPECT_STR(r.instances[1].lifecycle, "spot");
    EXPECT_STR(r.instances[1].availability_zone, "us-east-1b");
    EXPECT_STR(r.instances[1].subnet_id, "subnet-bbb");
    EXPECT_STR(r.instances[0].platform, "Linux/UNIX");
    ck_assert_uint_eq(r.errors.size(), 2);
    EXPECT_STR(r.errors[0].code, "InsufficientInstanceCapacity");
    EXPECT_STR(r.errors[0].instance_type, "hpc7g.16xlarge");
    EXPECT_STR(r.errors[0].subnet_id, "subnet-aaa");
    EXPECT_STR(r.errors[0].availability_zone, "us-east-1a");
    EXPECT_STR(r.errors[0].lifecycle, "on-demand");
    EXPECT_STR(r.errors[0].launch_template_id, "lt-0123");
    ck_assert(r.errors[0].message.find("sufficient hpc7g.16xlarge capacity") != std::string::npos);
    EXPECT_STR(r.errors[1].code, "UnfulfillableCapacity");
    EXPECT_STR(r.errors[1].instance_type, "c7gn.16xlarge");
    ck_assert(is_capacity_error(r.errors[0].code) && is_capacity_error(r.errors[1].code));
}
END_TEST

START_TEST(parse_fleet_without_namespace_or_sets) {
    ec2::CreateFleetResult r =
        ec2::parse_create_fleet("<CreateFleetResponse><requestId>x</requestId><fleetId>f</fleetId></CreateFleetResponse>");
    ck_assert(r.instances.empty() && r.errors.empty());
    EXPECT_STR(r.fleet_id, "f");
    // Only errors: nothing launched at all is still data, not an exception.
    r = ec2::parse_create_fleet(
        "<CreateFleetResponse xmlns='http://ec2.amazonaws.com/doc/2016-11-15/'><errorSet><item><errorCode>"
        "InsufficientInstanceCapacity</errorCode><launchTemplateAndOverrides><overrides><instanceType>p5.48xlarge"
        "</instanceType></overrides></launchTemplateAndOverrides></item></errorSet><fleetInstanceSet/></CreateFleetResponse>");
    ck_assert_uint_eq(r.errors.size(), 1);
    EXPECT_STR(r.errors[0].instance_type, "p5.48xlarge");
}
END_TEST

START_TEST(parse_malformed_xml) {
    try {
        ec2::parse_create_fleet("<CreateFleetResponse><fleetId>f</CreateFleetResponse>");
        ck_abort_msg("no exception");
    } catch (const XmlParseError& e) {
        ck_assert(std::string(e.what()).find("malformed XML") != std::string::npos);
    }
    try {
        ec2::parse_create_fleet("<DescribeInstancesResponse/>");
        ck_abort_msg("no exception");
    } catch (const XmlParseError& e) {
        ck_assert(std::string(e.what()).find("expected CreateFleetResponse") != std::string::npos);
    }
    // No external entities, no network: the DTD is refused outright.
    try {
        auto r = ec2::parse_create_fleet(
            "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><CreateFleetResponse><fleetId>&e;</fleetId>"
            "</CreateFleetResponse>");
        ck_abort_msg("DTD accepted, fleet id \"%s\"", r.fleet_id.c_str());
    } catch (const XmlParseError& e) {
        ck_assert_msg(std::string(e.what()).find("DTD") != std::string::npos, "%s", e.what());
    }
}
END_TEST

namespace {

std::string dtd_error(const std::string& xml) {
    try {
        ec2::parse_create_fleet(xml);
    } catch (const XmlParseError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

// Fuzzing found a 16 KB answer whose internal entity, referenced 2,000
// times, made a 20 MB fleet id (and took 12.9 s). Any DTD is refused.
START_TEST(parse_refuses_dtd) {
    std::string bomb = "<!DOCTYPE CreateFleetResponse [<!ENTITY e \"" + std::string(10000, 'A') +
                       "\">]><CreateFleetResponse><fleetId>";
    for (int i = 0; i < 2000; ++i) bomb += "&e;";
    bomb += "</fleetId></CreateFleetResponse>";
    const char* refused = "XML document has a DTD (<!DOCTYPE>): refused, AWS never sends one";
    EXPECT_STR(dtd_error(bomb), refused);
    // Nested entities (billion laughs), an external subset, a bare DOCTYPE.
    EXPECT_STR(dtd_error("<!DOCTYPE r [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>"
                         "<CreateFleetResponse><fleetId>&b;</fleetId></CreateFleetResponse>"),
               refused);
    EXPECT_STR(dtd_error("<!DOCTYPE CreateFleetResponse SYSTEM \"http://127.0.0.1:9/x.dtd\">"
                         "<CreateFleetResponse><fleetId>f</fleetId></CreateFleetResponse>"),
               refused);
    EXPECT_STR(dtd_error("<?xml version=\"1.0\"?>\n<!DOCTYPE CreateFleetResponse><CreateFleetResponse/>"), refused);
    // Without a DTD an entity other than the predefined ones is not well-formed.
    ck_assert(dtd_error("<CreateFleetResponse><fleetId>&e;</fleetId></CreateFleetResponse>").find("malformed XML") == 0);
    // Predefined entities, character references and CDATA still read as text.
    auto r = ec2::parse_create_fleet(
        "<CreateFleetResponse><fleetId>a&amp;b&lt;&#x41;&#66;<![CDATA[<c>]]></fleetId></CreateFleetResponse>");
    EXPECT_STR(r.fleet_id, "a&b<AB<c>");
}
END_TEST

START_TEST(text_concatenates_descendants) {
    XmlDoc doc = XmlDoc::parse("<r><a>1<b>2<c>3</c></b><!-- no -->4<?pi no?><d/><e>5</e>6</a><f>7</f></r>");
    EXPECT_STR(doc.root().text(), "1234567");
    EXPECT_STR(doc.root().child("a").text(), "123456");
    EXPECT_STR(doc.root().path({"a", "b"}).text(), "23");
    EXPECT_STR(doc.root().path({"a", "d"}).text(), "");
    EXPECT_STR(doc.root().child("absent").text(), "");
    // Many pieces: one string, built once.
    std::string many = "<r>";
    for (int i = 0; i < 100000; ++i) many += "<i>x</i>y";
    many += "</r>";
    ck_assert_uint_eq(XmlDoc::parse(many).root().text().size(), 200000);
}
END_TEST

START_TEST(parse_describe_instances_pages) {
    ec2::Page<ec2::Instance> p = ec2::parse_describe_instances(kDescribePage1);
    EXPECT_STR(p.next_token, "page-2-token");
    EXPECT_STR(p.request_id, "r-1");
    ck_assert_uint_eq(p.items.size(), 2);
    const ec2::Instance& i = p.items[0];
    EXPECT_STR(i.instance_id, "i-0aaa");
    EXPECT_STR(i.state, "running");
    EXPECT_STR(i.lifecycle, "spot");
    EXPECT_STR(i.private_ip, "10.0.0.5");
    EXPECT_STR(i.private_dns_name, "ip-10-0-0-5.ec2.internal");
    EXPECT_STR(i.availability_zone, "us-east-1b");
    EXPECT_STR(i.architecture, "arm64");
    EXPECT_STR(i.launch_time, "2026-11-28T06:00:00.000Z");
    EXPECT_STR(i.tag("stratus:job"), "42");
    EXPECT_STR(i.tag("Name"), "node & co");
    EXPECT_STR(i.tag("absent"), "");
    EXPECT_STR(p.items[1].lifecycle, "on-demand");
    EXPECT_STR(p.items[1].state, "pending");
    p = ec2::parse_describe_instances(kDescribePage2);
    EXPECT_STR(p.next_token, "");
    ck_assert_uint_eq(p.items.size(), 1);
    // An empty <nextToken/> ends the listing too.
    p = ec2::parse_describe_instances("<DescribeInstancesResponse><reservationSet/><nextToken/></DescribeInstancesResponse>");
    EXPECT_STR(p.next_token, "");
}
END_TEST

START_TEST(parse_terminate_and_types_and_spot) {
    auto t = ec2::parse_terminate_instances(
        "<TerminateInstancesResponse xmlns='http://ec2.amazonaws.com/doc/2016-11-15/'><requestId>x</requestId>"
        "<instancesSet><item><instanceId>i-1</instanceId><currentState><code>32</code><name>shutting-down</name>"
        "</currentState><previousState><code>16</code><name>running</name></previousState></item></instancesSet>"
        "</TerminateInstancesResponse>");
    ck_assert_uint_eq(t.size(), 1);
    EXPECT_STR(t[0].instance_id, "i-1");
    EXPECT_STR(t[0].current_state, "shutting-down");
    EXPECT_STR(t[0].previous_state, "running");

    auto types = ec2::parse_describe_instance_types(R"(<DescribeInstanceTypesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
<requestId>q</requestId>
<instanceTypeSet>
 <item>
  <instanceType>p5.48xlarge</instanceType><currentGeneration>true</currentGeneration>
  <processorInfo><supportedArchitectures><item>x86_64</item></supportedArchitectures></processorInfo>
  <vCpuInfo><defaultVCpus>192</defaultVCpus></vCpuInfo>
  <memoryInfo><sizeInMiB>2097152</sizeInMiB></memoryInfo>
  <networkInfo><networkPerformance>3200 Gigabit</networkPerformance><efaSupported>true</efaSupported>
   <networkCards><item><baselineBandwidthInGbps>100.0</baselineBandwidthInGbps></item><item><baselineBandwidthInGbps>100.0</baselineBandwidthInGbps></item></networkCards>
  </networkInfo>
  <gpuInfo><gpus><item><name>H100</name><manufacturer>NVIDIA</manufacturer><count>8</count><memoryInfo><sizeInMiB>81920</sizeInMiB></memoryInfo></item></gpus></gpuInfo>
 </item>
 <item>
  <instanceType>trn1.32xlarge</instanceType>
  <processorInfo><supportedArchitectures><item>x86_64</item></supportedArchitectures></processorInfo>
  <vCpuInfo><defaultVCpus>128</defaultVCpus></vCpuInfo>
  <memoryInfo><sizeInMiB>524288</sizeInMiB></memoryInfo>
  <neuronInfo><neuronDevices><item><count>16</count><name>Trainium</name><memoryInfo><sizeInMiB>32768</sizeInMiB></memoryInfo></item></neuronDevices></neuronInfo>
 </item>
 <item>
  <instanceType>c7g.large</instanceType>
  <processorInfo><supportedArchitectures><item>arm64</item></supportedArchitectures></processorInfo>
  <vCpuInfo><defaultVCpus>2</defaultVCpus></vCpuInfo>
  <memoryInfo><sizeInMiB>4096</sizeInMiB></memoryInfo>
  <networkInfo><efaSupported>false</efaSupported></networkInfo>
 </item>
</instanceTypeSet>
<nextToken>more</nextToken>
</DescribeInstanceTypesResponse>)");
    EXPECT_STR(types.next_token, "more");
    ck_assert_uint_eq(types.items.size(), 3);
    const auto& p5 = types.items[0];
    EXPECT_STR(p5.instance_type, "p5.48xlarge");
    ck_assert_uint_eq(p5.vcpus, 192);
    ck_assert_uint_eq(p5.memory_mib, 2097152);
    ck_assert_uint_eq(p5.gpus, 8);
    EXPECT_STR(p5.gpu_model, "H100");
    EXPECT_STR(p5.gpu_manufacturer, "NVIDIA");
    ck_assert_uint_eq(p5.gpu_memory_mib, 81920);
    ck_assert(p5.efa && p5.current_generation);
    ck_assert(p5.baseline_network_gbps == 200.0);
    EXPECT_STR(p5.network_performance, "3200 Gigabit");
    ck_assert_uint_eq(types.items[1].gpus, 16);
    EXPECT_STR(types.items[1].gpu_model, "Trainium");
    ck_assert(!types.items[2].efa && types.items[2].gpus == 0);
    EXPECT_STR(types.items[2].architectures.at(0), "arm64");

    auto spot = ec2::parse_describe_spot_price_history(R"(<DescribeSpotPriceHistoryResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
<requestId>s</requestId>
<spotPriceHistorySet>
 <item><instanceType>c7g.large</instanceType><productDescription>Linux/UNIX</productDescription><spotPrice>0.030100</spotPrice><timestamp>2026-11-28T05:00:00.000Z</timestamp><availabilityZone>us-east-1a</availabilityZone></item>
 <item><instanceType>c7g.large</instanceType><productDescription>Linux/UNIX</productDescription><spotPrice>0.0281</spotPrice><timestamp>2026-11-28T04:00:00.000Z</timestamp><availabilityZone>us-east-1b</availabilityZone></item>
</spotPriceHistorySet>
<nextToken></nextToken>
</DescribeSpotPriceHistoryResponse>)");
    ck_assert_uint_eq(spot.items.size(), 2);
    EXPECT_STR(spot.next_token, "");
    ck_assert(spot.items[0].usd_per_hour == 0.0301);
    EXPECT_STR(spot.items[1].availability_zone, "us-east-1b");
    EXPECT_STR(spot.items[1].timestamp, "2026-11-28T04:00:00.000Z");
}
END_TEST

// moto 5.1 writes booleans as True/False.
START_TEST(parse_booleans_any_case) {
    auto types = [](const char* current, const char* efa) {
        auto page = ec2::parse_describe_instance_types(
            std::string("<DescribeInstanceTypesResponse><instanceTypeSet><item><instanceType>c7gn.large</instanceType>"
                        "<currentGeneration>") +
            current + "</currentGeneration><networkInfo><efaSupported>" + efa +
            "</efaSupported></networkInfo></item></instanceTypeSet></DescribeInstanceTypesResponse>");
        return page.items.at(0);
    };
    auto t = types("True", " TRUE ");
    ck_assert(t.current_generation && t.efa);
    t = types("true", "False");
    ck_assert(t.current_generation && !t.efa);
    // Only the words true and false: anything else stays false.
    t = types("1", "yes");
    ck_assert(!t.current_generation && !t.efa);
    t = types("", "truex");
    ck_assert(!t.current_generation && !t.efa);
}
END_TEST

namespace {

ClientConfig scripted_config(std::shared_ptr<Script> script, std::shared_ptr<FakeClock> clock) {
    ClientConfig c;
    c.region = "us-east-2";
    c.env = Env::fixed({});
    c.credentials = std::make_shared<StaticCredentialsProvider>(Credentials{"AKID", "SECRET", "TOKEN", std::nullopt, "test"});
    c.clock = clock;
    c.random = [] { return 0.5; };
    c.make_transport = [script] { return std::make_unique<ScriptedTransport>(script); };
    return c;
}

}  // namespace

START_TEST(client_follows_next_token) {
    auto script = std::make_shared<Script>();
    auto clock = std::make_shared<FakeClock>();
    script->reply(200, kDescribePage1);
    script->reply(200, kDescribePage2);
    ec2::Ec2Client ec2(scripted_config(script, clock));
    auto all = ec2.describe_instances({}, {{"tag:stratus:cluster", {"c1"}}});
    ck_assert_uint_eq(all.size(), 3);
    EXPECT_STR(all[2].instance_id, "i-0ccc");
    ck_assert_uint_eq(script->requests.size(), 2);
    const HttpRequest& r1 = script->requests[0];
    EXPECT_STR(r1.url, "https://ec2.us-east-2.amazonaws.com/");
    EXPECT_STR(r1.method, "POST");
    ck_assert(r1.sign.has_value());
    EXPECT_STR(r1.sign->region, "us-east-2");
    EXPECT_STR(r1.sign->service, "ec2");
    EXPECT_STR(r1.sign->credentials.session_token, "TOKEN");
    EXPECT_STR(r1.headers.at(0), "Content-Type: application/x-www-form-urlencoded; charset=utf-8");
    ck_assert(r1.url.find('?') == std::string::npos);
    ck_assert(r1.body.find("NextToken") == std::string::npos);
    ck_assert(script->requests[1].body.find("&NextToken=page-2-token") != std::string::npos);
    ck_assert(script->requests[1].body.find("Filter.1.Name=tag%3Astratus%3Acluster") != std::string::npos);
}
END_TEST

START_TEST(client_returns_partial_fleet_as_data) {
    auto script = std::make_shared<Script>();
    script->reply(200, kPartialFleet);
    ec2::Ec2Client ec2(scripted_config(script, std::make_shared<FakeClock>()));
    ec2::CreateFleetRequest r;
    ec2::LaunchTemplateConfig c;
    c.launch_template.id = "lt-0123";
    c.overrides = {{"hpc7g.16xlarge", "subnet-aaa", "", 1.0, std::nullopt, ""},
                   {"c7g.16xlarge", "subnet-bbb", "", 2.0, std::nullopt, ""}};
    r.launch_template_configs = {c};
    r.total_target_capacity = 2;
    auto result = ec2.create_fleet(r);
    ck_assert_uint_eq(result.instances.size(), 2);
    ck_assert_uint_eq(result.errors.size(), 2);
}
END_TEST

START_TEST(client_malformed_answer) {
    auto script = std::make_shared<Script>();
    script->reply(200, "<CreateFleetResponse><fleetId>");
    ec2::Ec2Client ec2(scripted_config(script, std::make_shared<FakeClock>()));
    ec2::CreateFleetRequest r;
    ec2::LaunchTemplateConfig c;
    c.launch_template.id = "lt-1";
    r.launch_template_configs = {c};
    auto e = AWS_ERROR(ec2.create_fleet(r));
    EXPECT_STR(e.code(), kCodeMalformedResponse);
    ck_assert(e.source() == ErrorSource::response);
    EXPECT_STR(e.operation(), "CreateFleet");
    ck_assert_uint_eq(script->requests.size(), 1);  // not retried
    ck_assert(std::string(e.what()).find("ec2 CreateFleet: MalformedResponse: malformed XML") == 0);
}
END_TEST

START_TEST(client_refuses_dtd_answer) {
    auto script = std::make_shared<Script>();
    script->reply(200, "<!DOCTYPE DescribeInstancesResponse [<!ENTITY e \"x\">]><DescribeInstancesResponse>"
                       "<reservationSet/></DescribeInstancesResponse>");
    ec2::Ec2Client ec2(scripted_config(script, std::make_shared<FakeClock>()));
    auto e = AWS_ERROR(ec2.describe_instances({"i-1"}));
    EXPECT_STR(e.code(), kCodeMalformedResponse);
    ck_assert(e.source() == ErrorSource::response);
    ck_assert(std::string(e.what()).find("DTD") != std::string::npos);
    ck_assert_uint_eq(script->requests.size(), 1);  // not retried
}
END_TEST

START_TEST(client_rejects_repeated_token) {
    auto script = std::make_shared<Script>();
    const char* loop = "<DescribeSpotPriceHistoryResponse><spotPriceHistorySet/><nextToken>same</nextToken></DescribeSpotPriceHistoryResponse>";
    script->reply(200, loop);
    script->reply(200, loop);
    ec2::Ec2Client ec2(scripted_config(script, std::make_shared<FakeClock>()));
    auto e = AWS_ERROR(ec2.describe_spot_price_history({}));
    EXPECT_STR(e.code(), kCodeMalformedResponse);
    ck_assert_uint_eq(script->requests.size(), 2);
}
END_TEST

START_TEST(client_batches_ids) {
    auto script = std::make_shared<Script>();
    script->handler = [](const HttpRequest&) {
        return Script::Step{200, "<TerminateInstancesResponse><instancesSet/></TerminateInstancesResponse>", {}, false, false};
    };
    ec2::Ec2Client ec2(scripted_config(script, std::make_shared<FakeClock>()));
    std::vector<std::string> ids;
    for (int i = 0; i < 2500; ++i) ids.push_back("i-" + std::to_string(i));
    ec2.terminate_instances(ids);
    ck_assert_uint_eq(script->requests.size(), 3);
    ck_assert(script->requests[2].body.find("InstanceId.500=i-2499") != std::string::npos);
    ck_assert(script->requests[2].body.find("InstanceId.501=") == std::string::npos);
}
END_TEST

// DescribeInstances answers hold at most 200 instances (kMaxResponseBytes).
START_TEST(client_describes_200_at_a_time) {
    auto script = std::make_shared<Script>();
    script->handler = [](const HttpRequest&) {
        return Script::Step{200, "<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse>", {}, false, false};
    };
    ec2::Ec2Client ec2(scripted_config(script, std::make_shared<FakeClock>()));
    std::vector<std::string> ids;
    for (int i = 0; i < 450; ++i) ids.push_back("i-" + std::to_string(i));
    ec2.describe_instances(ids);
    ck_assert_uint_eq(script->requests.size(), 3);
    ck_assert(script->requests[1].body.find("InstanceId.200=i-399") != std::string::npos);
    ck_assert(script->requests[2].body.find("InstanceId.50=i-449") != std::string::npos);
    ck_assert(script->requests[2].body.find("InstanceId.51=") == std::string::npos);
    ck_assert(script->requests[2].body.find("MaxResults") == std::string::npos);
    ec2.describe_instances({}, {{"tag:stratus:cluster", {"c1"}}});
    ck_assert(script->requests[3].body.find("&MaxResults=200") != std::string::npos);
}
END_TEST

Suite* aws_ec2_suite() {
    Suite* s = suite_create("aws_ec2");
    TCase* tc = aws_tcase("xml");
    tcase_add_test(tc, parse_partial_create_fleet);
    tcase_add_test(tc, parse_fleet_without_namespace_or_sets);
    tcase_add_test(tc, parse_malformed_xml);
    tcase_add_test(tc, parse_refuses_dtd);
    tcase_add_test(tc, text_concatenates_descendants);
    tcase_add_test(tc, parse_describe_instances_pages);
    tcase_add_test(tc, parse_terminate_and_types_and_spot);
    tcase_add_test(tc, parse_booleans_any_case);
    suite_add_tcase(s, tc);
    tc = aws_tcase("client");
    tcase_add_test(tc, client_follows_next_token);
    tcase_add_test(tc, client_returns_partial_fleet_as_data);
    tcase_add_test(tc, client_malformed_answer);
    tcase_add_test(tc, client_refuses_dtd_answer);
    tcase_add_test(tc, client_rejects_repeated_token);
    tcase_add_test(tc, client_batches_ids);
    tcase_add_test(tc, client_describes_200_at_a_time);
    suite_add_tcase(s, tc);
    return s;
}
