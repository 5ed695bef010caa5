// PCS and Price List answers (awsJson): a result or JsonParseError.
#include "aws/json_doc.hpp"
#include "aws/pcs.hpp"
#include "aws/pricing.hpp"
#include "fuzz.hpp"

namespace aws = stratus::aws;

template <class Parse>
void parse_or_refuse(Parse parse, std::string_view body) {
    try {
        parse(body);
    } catch (const aws::JsonParseError&) {
    }
}

STRATUS_FUZZ_TARGET(aws_json) {
    parse_or_refuse(aws::pcs::parse_compute_node_group_response, input);
    parse_or_refuse(aws::pcs::parse_list_compute_node_groups, input);
    parse_or_refuse(aws::pricing::parse_get_products, input);
}
