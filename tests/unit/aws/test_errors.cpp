// Error documents (EC2 XML, awsJson) to AwsError; the capacity/throttling lists.
#include "aws/error.hpp"
#include "aws_unit.hpp"

using namespace stratus::aws;

START_TEST(ec2_xml_error) {
    auto d = parse_xml_error(
        503,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code>"
        "<Message>Request limit exceeded.</Message></Error></Errors><RequestID>5d8e1d2c-aaaa</RequestID></Response>",
        "");
    EXPECT_STR(d.code, "RequestLimitExceeded");
    EXPECT_STR(d.message, "Request limit exceeded.");
    EXPECT_STR(d.request_id, "5d8e1d2c-aaaa");
    ck_assert_int_eq(d.http_status, 503);
    ck_assert(d.source == ErrorSource::service);
    d.service = "ec2";
    d.operation = "CreateFleet";
    d.attempts = 3;
    EXPECT_STR(AwsError(d).what(),
               "ec2 CreateFleet: RequestLimitExceeded: Request limit exceeded. (HTTP 503, request id 5d8e1d2c-aaaa, 3 attempts)");

    d = parse_xml_error(400, "<Response><Errors><Error><Code>AuthFailure</Code><Message>bad sig</Message></Error></Errors><RequestId>r2</RequestId></Response>", "");
    EXPECT_STR(d.code, "AuthFailure");
    EXPECT_STR(d.request_id, "r2");
    // Query-style <ErrorResponse> (STS, IAM) too.
    d = parse_xml_error(403, "<ErrorResponse xmlns='https://sts.amazonaws.com/doc/2011-06-15/'><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>m</Message></Error><RequestId>r3</RequestId></ErrorResponse>", "hdr");
    EXPECT_STR(d.code, "SignatureDoesNotMatch");
    EXPECT_STR(d.request_id, "r3");
}
END_TEST

START_TEST(non_xml_error_body) {
    auto d = parse_xml_error(502, "<html>Bad Gateway</html", "rid-h");
    EXPECT_STR(d.code, "Http502");
    EXPECT_STR(d.request_id, "rid-h");
    ck_assert(d.message.find("Bad Gateway") != std::string::npos);
    d = parse_xml_error(500, "", "");
    EXPECT_STR(d.code, "Http500");
    EXPECT_STR(d.message, "");
}
END_TEST

START_TEST(json_error_shapes) {
    auto d = parse_json_error(400, R"({"__type":"com.amazonaws.pcs#ThrottlingException","message":"Rate exceeded","retryAfterSeconds":7})",
                              "", "req-1", "");
    EXPECT_STR(d.code, "ThrottlingException");
    EXPECT_STR(d.message, "Rate exceeded");
    EXPECT_STR(d.request_id, "req-1");
    ck_assert(d.retry_after && d.retry_after->count() == 7000);
    EXPECT_STR(d.fields["retryAfterSeconds"], "7");

    d = parse_json_error(400, R"({"__type":"ValidationException","Message":"bad input","reason":"other","fieldList":[{"name":"a","message":"m1"},{"name":"b","message":"m2"}]})",
                         "", "", "");
    EXPECT_STR(d.code, "ValidationException");
    EXPECT_STR(d.message, "bad input");
    EXPECT_STR(d.fields["reason"], "other");
    ck_assert_uint_eq(d.field_list.size(), 2);
    EXPECT_STR(d.field_list[1].name, "b");
    EXPECT_STR(d.field_list[1].message, "m2");

    // Code from X-Amzn-ErrorType when the body has none; Retry-After header.
    d = parse_json_error(429, R"({"message":"slow"})", "ThrottlingException:http://internal.amazon.com/coral/", "", "4");
    EXPECT_STR(d.code, "ThrottlingException");
    ck_assert(d.retry_after && d.retry_after->count() == 4000);
    // The body's __type wins over the header; a bare 5xx without JSON.
    d = parse_json_error(500, R"({"__type":"aws#InternalServerException"})", "Other:x", "", "");
    EXPECT_STR(d.code, "InternalServerException");
    d = parse_json_error(503, "Service Unavailable", "", "", "junk");
    EXPECT_STR(d.code, "Http503");
    ck_assert(!d.retry_after);
    EXPECT_STR(d.message, "Service Unavailable");
}
END_TEST

START_TEST(code_normalisation) {
    EXPECT_STR(normalize_error_code("aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/"), "FooError");
    EXPECT_STR(normalize_error_code("#Bar"), "Bar");
    EXPECT_STR(normalize_error_code("Baz"), "Baz");
    ck_assert(parse_retry_after(" 12 ")->count() == 12000);
    ck_assert(!parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"));
}
END_TEST

START_TEST(capacity_and_throttling_lists) {
    for (const char* c : {"InsufficientInstanceCapacity", "InsufficientHostCapacity", "InsufficientReservedInstanceCapacity",
                          "MaxSpotInstanceCountExceeded", "Unsupported", "SpotMaxPriceTooLow", "UnfulfillableCapacity",
                          "InsufficientCapacity"})
        ck_assert_msg(is_capacity_error(c), "%s", c);
    for (const char* c : {"RequestLimitExceeded", "ThrottlingException", "VcpuLimitExceeded", "AuthFailure", ""})
        ck_assert_msg(!is_capacity_error(c), "%s", c);
    ck_assert(is_throttling_error("RequestLimitExceeded") && is_throttling_error("ThrottlingException"));
    ck_assert(!is_throttling_error("InsufficientInstanceCapacity"));
    ck_assert(is_limit_error("VcpuLimitExceeded") && is_limit_error("InstanceLimitExceeded"));
}
END_TEST

START_TEST(local_errors) {
    AwsError e = local_error(kCodeNoCredentials, "none");
    ck_assert(e.source() == ErrorSource::local);
    EXPECT_STR(e.what(), "NoCredentials: none");
    AwsError m = malformed_response("bad xml");
    ck_assert(m.source() == ErrorSource::response);
    ck_assert_int_eq(m.http_status(), 200);
    EXPECT_STR(m.what(), "MalformedResponse: bad xml (HTTP 200)");
}
END_TEST

Suite* aws_error_suite() {
    Suite* s = suite_create("aws_error");
    TCase* tc = aws_tcase("errors");
    tcase_add_test(tc, ec2_xml_error);
    tcase_add_test(tc, non_xml_error_body);
    tcase_add_test(tc, json_error_shapes);
    tcase_add_test(tc, code_normalisation);
    tcase_add_test(tc, capacity_and_throttling_lists);
    tcase_add_test(tc, local_errors);
    suite_add_tcase(s, tc);
    return s;
}
