// common/aws/query.hpp and the EC2 request builders: exact wire bodies.
#include "aws/ec2.hpp"
#include "aws/query.hpp"
#include "aws_unit.hpp"

using namespace stratus::aws;

START_TEST(form_encoding) {
    EXPECT_STR(form_encode("a b"), "a+b");
    EXPECT_STR(form_encode("a+b"), "a%2Bb");
    EXPECT_STR(form_encode("a/b"), "a%2Fb");
    EXPECT_STR(form_encode("k=v&x"), "k%3Dv%26x");
    EXPECT_STR(form_encode("AZaz09-_.~"), "AZaz09-_.~");
    EXPECT_STR(form_encode("*!'()"), "%2A%21%27%28%29");
    EXPECT_STR(form_encode("caf\xc3\xa9"), "caf%C3%A9");          // é
    EXPECT_STR(form_encode("\xe2\x82\xac" "5"), "%E2%82%AC5");     // €5
    EXPECT_STR(form_encode("$Latest"), "%24Latest");
    EXPECT_STR(form_encode(""), "");
    EXPECT_STR(form_encode(std::string("a\0b", 3)), "a%00b");
}
END_TEST

START_TEST(params_keep_order_and_encode_both_sides) {
    QueryParams p;
    p.add("Action", "CreateTags").add("Tag.1.Key", "a b").add("Tag.1.Value", "x+y/z=1&2").add("N", 3u).add("B", true);
    p.add_number("P", 0.5).add_number("Q", 2.0);
    EXPECT_STR(p.encode(), "Action=CreateTags&Tag.1.Key=a+b&Tag.1.Value=x%2By%2Fz%3D1%262&N=3&B=true&P=0.5&Q=2");
    EXPECT_STR(p.get("Tag.1.Value"), "x+y/z=1&2");
    EXPECT_STR(p.get("absent"), "");
    auto back = decode_form(p.encode());
    ck_assert_uint_eq(back.size(), p.params().size());
    for (size_t i = 0; i < back.size(); ++i) {
        EXPECT_STR(back[i].first, p.params()[i].first);
        EXPECT_STR(back[i].second, p.params()[i].second);
    }
}
END_TEST

// Tricky values as botocore 1.43 writes them (its Query serializer, then
// AWSRequest.prepare(): urllib.parse.urlencode), copied from its output;
// tests/fake_aws/test_fake_aws.py checks the same values against botocore
// when it is installed.
START_TEST(botocore_bodies) {
    const char* values[] = {"a b", "a+b", "a/b", "k=v&x", "AZaz09-_.~", "*!'()", "caf\xc3\xa9", "\xe2\x82\xac" "5",
                            "$Latest", "", "tab\there", "%20", "~`@#^[]{}|\\:;\"<>,?", "\xf0\x9f\x9a\x80"};
    std::vector<ec2::Tag> tags;
    for (size_t i = 0; i < sizeof values / sizeof *values; ++i) tags.push_back({"k" + std::to_string(i), values[i]});
    tags.push_back({"k nul", std::string("a\0b", 3)});
    EXPECT_STR(ec2::serialize_create_tags({"i-1"}, tags).encode(),
               "Action=CreateTags&Version=2016-11-15&ResourceId.1=i-1"
               "&Tag.1.Key=k0&Tag.1.Value=a+b&Tag.2.Key=k1&Tag.2.Value=a%2Bb&Tag.3.Key=k2&Tag.3.Value=a%2Fb"
               "&Tag.4.Key=k3&Tag.4.Value=k%3Dv%26x&Tag.5.Key=k4&Tag.5.Value=AZaz09-_.~"
               "&Tag.6.Key=k5&Tag.6.Value=%2A%21%27%28%29&Tag.7.Key=k6&Tag.7.Value=caf%C3%A9"
               "&Tag.8.Key=k7&Tag.8.Value=%E2%82%AC5&Tag.9.Key=k8&Tag.9.Value=%24Latest&Tag.10.Key=k9&Tag.10.Value="
               "&Tag.11.Key=k10&Tag.11.Value=tab%09here&Tag.12.Key=k11&Tag.12.Value=%2520"
               "&Tag.13.Key=k12&Tag.13.Value=~%60%40%23%5E%5B%5D%7B%7D%7C%5C%3A%3B%22%3C%3E%2C%3F"
               "&Tag.14.Key=k13&Tag.14.Value=%F0%9F%9A%80&Tag.15.Key=k+nul&Tag.15.Value=a%00b");
}
END_TEST

START_TEST(flattened_lists) {
    QueryParams p;
    p.add_list("InstanceId", {"i-1", "i-2", "i-3"});
    EXPECT_STR(p.encode(), "InstanceId.1=i-1&InstanceId.2=i-2&InstanceId.3=i-3");
    QueryParams empty;
    empty.add_list("InstanceId", {});
    EXPECT_STR(empty.encode(), "");
}
END_TEST

namespace {

ec2::CreateFleetRequest sample_fleet() {
    ec2::CreateFleetRequest r;
    r.client_token = "stratus-42-0001";
    ec2::FleetOptions spot;
    spot.allocation_strategy = "price-capacity-optimized";
    spot.instance_interruption_behavior = "terminate";
    r.spot_options = spot;
    ec2::FleetOptions od;
    od.allocation_strategy = "prioritized";
    od.single_availability_zone = true;
    od.min_target_capacity = 2;
    r.on_demand_options = od;
    ec2::LaunchTemplateConfig c1;
    c1.launch_template = {"lt-0123456789abcdef0", "", "$Latest"};
    c1.overrides.push_back({"c7g.16xlarge", "subnet-aaa", "", 1.0, std::nullopt, ""});
    c1.overrides.push_back({"c7gn.16xlarge", "subnet-bbb", "", 2.0, std::nullopt, ""});
    ec2::LaunchTemplateConfig c2;
    c2.launch_template = {"", "stratus nodes", "3"};
    c2.overrides.push_back({"hpc7g.16xlarge", "subnet-aaa", "us-east-1a", 0.5, 2.0, "1.25"});
    r.launch_template_configs = {c1, c2};
    r.total_target_capacity = 2;
    r.on_demand_target_capacity = 2;
    r.default_target_capacity_type = ec2::CapacityType::on_demand;
    r.tag_specifications.push_back({"instance", {{"stratus:job", "42"}, {"Name", "n\xc3\xb6" "de 1/2+x"}}});
    r.tag_specifications.push_back({"fleet", {{"stratus:cluster", "a=b&c"}}});
    return r;
}

}  // namespace

START_TEST(create_fleet_exact_body) {
    std::string body = ec2::serialize_create_fleet(sample_fleet()).encode();
    const char* expected =
        "Action=CreateFleet&Version=2016-11-15"
        "&ClientToken=stratus-42-0001"
        "&SpotOptions.AllocationStrategy=price-capacity-optimized"
        "&SpotOptions.InstanceInterruptionBehavior=terminate"
        "&OnDemandOptions.AllocationStrategy=prioritized"
        "&OnDemandOptions.SingleAvailabilityZone=true"
        "&OnDemandOptions.MinTargetCapacity=2"
        "&LaunchTemplateConfigs.1.LaunchTemplateSpecification.LaunchTemplateId=lt-0123456789abcdef0"
        "&LaunchTemplateConfigs.1.LaunchTemplateSpecification.Version=%24Latest"
        "&LaunchTemplateConfigs.1.Overrides.1.InstanceType=c7g.16xlarge"
        "&LaunchTemplateConfigs.1.Overrides.1.SubnetId=subnet-aaa"
        "&LaunchTemplateConfigs.1.Overrides.1.Priority=1"
        "&LaunchTemplateConfigs.1.Overrides.2.InstanceType=c7gn.16xlarge"
        "&LaunchTemplateConfigs.1.Overrides.2.SubnetId=subnet-bbb"
        "&LaunchTemplateConfigs.1.Overrides.2.Priority=2"
        "&LaunchTemplateConfigs.2.LaunchTemplateSpecification.LaunchTemplateName=stratus+nodes"
        "&LaunchTemplateConfigs.2.LaunchTemplateSpecification.Version=3"
        "&LaunchTemplateConfigs.2.Overrides.1.InstanceType=hpc7g.16xlarge"
        "&LaunchTemplateConfigs.2.Overrides.1.MaxPrice=1.25"
        "&LaunchTemplateConfigs.2.Overrides.1.SubnetId=subnet-aaa"
        "&LaunchTemplateConfigs.2.Overrides.1.AvailabilityZone=us-east-1a"
        "&LaunchTemplateConfigs.2.Overrides.1.WeightedCapacity=2"
        "&LaunchTemplateConfigs.2.Overrides.1.Priority=0.5"
        "&TargetCapacitySpecification.TotalTargetCapacity=2"
        "&TargetCapacitySpecification.OnDemandTargetCapacity=2"
        "&TargetCapacitySpecification.DefaultTargetCapacityType=on-demand"
        "&Type=instant"
        "&TagSpecification.1.ResourceType=instance"
        "&TagSpecification.1.Tag.1.Key=stratus%3Ajob"
        "&TagSpecification.1.Tag.1.Value=42"
        "&TagSpecification.1.Tag.2.Key=Name"
        "&TagSpecification.1.Tag.2.Value=n%C3%B6de+1%2F2%2Bx"
        "&TagSpecification.2.ResourceType=fleet"
        "&TagSpecification.2.Tag.1.Key=stratus%3Acluster"
        "&TagSpecification.2.Tag.1.Value=a%3Db%26c";
    EXPECT_STR(body, expected);
}
END_TEST

START_TEST(create_fleet_spot_default) {
    ec2::CreateFleetRequest r;
    ec2::LaunchTemplateConfig c;
    c.launch_template.name = "lt";
    c.overrides.push_back({"c7i.large", "", "", std::nullopt, std::nullopt, ""});
    r.launch_template_configs = {c};
    r.total_target_capacity = 3;
    r.spot_target_capacity = 3;
    r.default_target_capacity_type = ec2::CapacityType::spot;
    r.dry_run = true;
    EXPECT_STR(ec2::serialize_create_fleet(r).encode(),
               "Action=CreateFleet&Version=2016-11-15&DryRun=true"
               "&LaunchTemplateConfigs.1.LaunchTemplateSpecification.LaunchTemplateName=lt"
               "&LaunchTemplateConfigs.1.Overrides.1.InstanceType=c7i.large"
               "&TargetCapacitySpecification.TotalTargetCapacity=3"
               "&TargetCapacitySpecification.SpotTargetCapacity=3"
               "&TargetCapacitySpecification.DefaultTargetCapacityType=spot&Type=instant");
}
END_TEST

START_TEST(create_fleet_rejects_bad_requests) {
    ec2::CreateFleetRequest r;
    auto e = AWS_ERROR(ec2::serialize_create_fleet(r));
    EXPECT_STR(e.code(), kCodeInvalidArgument);
    ck_assert(e.source() == ErrorSource::local);
    ec2::LaunchTemplateConfig c;  // neither id nor name
    r.launch_template_configs = {c};
    e = AWS_ERROR(ec2::serialize_create_fleet(r));
    EXPECT_STR(e.code(), kCodeInvalidArgument);
}
END_TEST

START_TEST(other_request_bodies) {
    EXPECT_STR(ec2::serialize_describe_instances({"i-1", "i-2"}, {}, "", std::nullopt).encode(),
               "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-1&InstanceId.2=i-2");
    EXPECT_STR(ec2::serialize_describe_instances({}, {{"tag:stratus:cluster", {"c1"}}, {"instance-state-name", {"pending", "running"}}},
                                                 "tok/1+2=", 1000)
                   .encode(),
               "Action=DescribeInstances&Version=2016-11-15"
               "&Filter.1.Name=tag%3Astratus%3Acluster&Filter.1.Value.1=c1"
               "&Filter.2.Name=instance-state-name&Filter.2.Value.1=pending&Filter.2.Value.2=running"
               "&MaxResults=1000&NextToken=tok%2F1%2B2%3D");
    EXPECT_STR(ec2::serialize_terminate_instances({"i-1", "i-2"}).encode(),
               "Action=TerminateInstances&Version=2016-11-15&InstanceId.1=i-1&InstanceId.2=i-2");
    EXPECT_STR(ec2::serialize_create_tags({"i-1"}, {{"k 1", "v/1"}, {"k2", ""}}).encode(),
               "Action=CreateTags&Version=2016-11-15&ResourceId.1=i-1&Tag.1.Key=k+1&Tag.1.Value=v%2F1"
               "&Tag.2.Key=k2&Tag.2.Value=");
    EXPECT_STR(ec2::serialize_describe_instance_types({"c7g.large", "p5.48xlarge"}, {}, "n1", 100).encode(),
               "Action=DescribeInstanceTypes&Version=2016-11-15&InstanceType.1=c7g.large&InstanceType.2=p5.48xlarge"
               "&MaxResults=100&NextToken=n1");
    ec2::SpotPriceQuery q;
    q.instance_types = {"c7g.large"};
    q.product_descriptions = {"Linux/UNIX"};
    q.start_time = std::chrono::system_clock::from_time_t(1800000000);
    q.max_results = 1000;
    EXPECT_STR(ec2::serialize_describe_spot_price_history(q, "").encode(),
               "Action=DescribeSpotPriceHistory&Version=2016-11-15&StartTime=2027-01-15T08%3A00%3A00Z"
               "&InstanceType.1=c7g.large&ProductDescription.1=Linux%2FUNIX&MaxResults=1000");
}
END_TEST

Suite* aws_query_suite() {
    Suite* s = suite_create("aws_query");
    TCase* tc = aws_tcase("encoding");
    tcase_add_test(tc, form_encoding);
    tcase_add_test(tc, botocore_bodies);
    tcase_add_test(tc, params_keep_order_and_encode_both_sides);
    tcase_add_test(tc, flattened_lists);
    suite_add_tcase(s, tc);
    tc = aws_tcase("ec2_requests");
    tcase_add_test(tc, create_fleet_exact_body);
    tcase_add_test(tc, create_fleet_spot_default);
    tcase_add_test(tc, create_fleet_rejects_bad_requests);
    tcase_add_test(tc, other_request_bodies);
    suite_add_tcase(s, tc);
    return s;
}
