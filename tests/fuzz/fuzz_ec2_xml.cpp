// EC2's XML answers: every parser gives a result or XmlParseError, in
// bounded time and memory, for any body.
#include "aws/ec2.hpp"
#include "aws/xml_doc.hpp"
#include "fuzz.hpp"

namespace ec2 = stratus::aws::ec2;

template <class Parse>
void parse_or_refuse(Parse parse, std::string_view body) {
    try {
        parse(body);
    } catch (const stratus::aws::XmlParseError&) {
    }
}

STRATUS_FUZZ_TARGET(ec2_xml) {
    parse_or_refuse(ec2::parse_create_fleet, input);
    parse_or_refuse(ec2::parse_describe_instances, input);
    parse_or_refuse(ec2::parse_terminate_instances, input);
    parse_or_refuse(ec2::parse_describe_instance_types, input);
    parse_or_refuse(ec2::parse_describe_spot_price_history, input);
    parse_or_refuse(ec2::parse_describe_subnets, input);
    parse_or_refuse(ec2::parse_describe_instance_type_offerings, input);
}
