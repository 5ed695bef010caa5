// Retry policy: which errors retry, bounded jittered delays, server waits,
// and the ServiceClient loop driven by a fake clock (no real sleeping).
#include "aws/client.hpp"
#include "aws/ec2.hpp"
#include "aws/retry.hpp"
#include "aws_unit.hpp"

using namespace stratus::aws;
using std::chrono::milliseconds;

namespace {

AwsError service_error(long status, const std::string& code, std::optional<milliseconds> retry_after = std::nullopt) {
    AwsError::Details d;
    d.http_status = status;
    d.code = code;
    d.retry_after = retry_after;
    return AwsError(d);
}

AwsError transport_error(bool timeout) {
    AwsError::Details d;
    d.source = ErrorSource::transport;
    d.code = timeout ? kCodeTimeout : kCodeNetworkError;
    return AwsError(d);
}

ClientConfig scripted(std::shared_ptr<Script> script, std::shared_ptr<FakeClock> clock, double r = 0.5) {
    ClientConfig c;
    c.region = "us-east-1";
    c.env = Env::fixed({});
    c.credentials = std::make_shared<StaticCredentialsProvider>(Credentials{"AKID", "SECRET", "", std::nullopt, "t"});
    c.clock = clock;
    c.random = [r] { return r; };
    c.make_transport = [script] { return std::make_unique<ScriptedTransport>(script); };
    return c;
}

const char* kThrottle =
    "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>x</RequestID></Response>";
const char* kTypes = "<DescribeInstanceTypesResponse><instanceTypeSet/></DescribeInstanceTypesResponse>";

}  // namespace

START_TEST(classification) {
    ck_assert(classify(service_error(503, "RequestLimitExceeded")) == RetryClass::throttling);
    ck_assert(classify(service_error(400, "ThrottlingException")) == RetryClass::throttling);
    ck_assert(classify(service_error(429, "Http429")) == RetryClass::throttling);
    ck_assert(classify(service_error(500, "InternalError")) == RetryClass::transient);
    ck_assert(classify(service_error(503, "Unavailable")) == RetryClass::transient);
    ck_assert(classify(service_error(502, "Http502")) == RetryClass::transient);
    ck_assert(classify(transport_error(true)) == RetryClass::transient);
    ck_assert(classify(transport_error(false)) == RetryClass::transient);
    for (const char* c : {"InsufficientInstanceCapacity", "ValidationException", "ConflictException", "AuthFailure",
                          "UnauthorizedOperation", "InvalidParameterValue", "ServiceQuotaExceededException"})
        ck_assert_msg(classify(service_error(400, c)) == RetryClass::none, "%s", c);
    ck_assert(classify(malformed_response("x")) == RetryClass::none);
    ck_assert(classify(local_error(kCodeNoCredentials, "x")) == RetryClass::none);
}
END_TEST

START_TEST(delays_are_bounded_and_jittered) {
    RetryPolicy p;  // base 100 ms, throttle 500 ms, cap 20 s, 5 attempts
    AwsError e5xx = service_error(500, "InternalError");
    AwsError thr = service_error(503, "RequestLimitExceeded");
    // Equal jitter: [cap/2, cap] with cap = base * 2^(attempt-1).
    ck_assert_int_eq(retry_delay(p, e5xx, 1, 0.0)->count(), 50);
    ck_assert_int_eq(retry_delay(p, e5xx, 1, 0.999999)->count(), 99);
    ck_assert_int_eq(retry_delay(p, e5xx, 2, 0.5)->count(), 150);
    ck_assert_int_eq(retry_delay(p, e5xx, 4, 0.0)->count(), 400);
    ck_assert_int_eq(retry_delay(p, thr, 1, 0.0)->count(), 250);
    ck_assert_int_eq(retry_delay(p, thr, 3, 1.0)->count(), 1999);
    ck_assert(!retry_delay(p, thr, 5, 0.5));  // attempts used up
    ck_assert(!retry_delay(p, service_error(400, "ValidationException"), 1, 0.5));
    // Jitter spreads; the cap holds for high attempt numbers.
    RetryPolicy big;
    big.max_attempts = 100;
    for (unsigned a = 1; a < 100; ++a)
        for (double r : {0.0, 0.3, 0.7, 0.99}) {
            auto d = retry_delay(big, thr, a, r);
            ck_assert(d && d->count() <= big.max_delay.count() && d->count() >= 250);
        }
    ck_assert_int_eq(retry_delay(big, thr, 60, 0.0)->count(), 10000);
    ck_assert(retry_delay(big, thr, 3, 0.1)->count() != retry_delay(big, thr, 3, 0.9)->count());
}
END_TEST

START_TEST(retry_after_is_honoured) {
    RetryPolicy p;
    ck_assert_int_eq(retry_delay(p, service_error(400, "ThrottlingException", milliseconds(5000)), 1, 0.0)->count(), 5000);
    // A short server wait does not shorten the back-off.
    ck_assert_int_eq(retry_delay(p, service_error(400, "ThrottlingException", milliseconds(10)), 1, 0.0)->count(), 250);
    // Longer than max_retry_after: give up at once.
    ck_assert(!retry_delay(p, service_error(400, "ThrottlingException", milliseconds(120000)), 1, 0.0));
}
END_TEST

START_TEST(client_retries_throttling_then_succeeds) {
    auto script = std::make_shared<Script>();
    auto clock = std::make_shared<FakeClock>();
    script->reply(503, kThrottle);
    script->reply(503, kThrottle);
    script->reply(200, kTypes);
    std::vector<std::string> log;
    ClientConfig cfg = scripted(script, clock, 0.0);
    cfg.on_retry = [&log](const std::string& m) { log.push_back(m); };
    ec2::Ec2Client ec2(cfg);
    ec2.describe_instance_types();
    ck_assert_uint_eq(script->requests.size(), 3);
    ck_assert_uint_eq(clock->sleeps.size(), 2);
    ck_assert_int_eq(clock->sleeps[0].count(), 250);
    ck_assert_int_eq(clock->sleeps[1].count(), 500);
    ck_assert_uint_eq(log.size(), 2);
    ck_assert_msg(log[0].find("RequestLimitExceeded") != std::string::npos && log[0].find("retry 2/5 in 0.25 s") != std::string::npos,
                  "%s", log[0].c_str());
}
END_TEST

START_TEST(client_gives_up_after_max_attempts) {
    auto script = std::make_shared<Script>();
    auto clock = std::make_shared<FakeClock>();
    for (int i = 0; i < 5; ++i) script->reply(500, "<Response><Errors><Error><Code>InternalError</Code><Message>m</Message></Error></Errors></Response>");
    ec2::Ec2Client ec2(scripted(script, clock));
    auto e = AWS_ERROR(ec2.describe_instance_types());
    EXPECT_STR(e.code(), "InternalError");
    ck_assert_uint_eq(e.attempts(), 5);
    ck_assert_uint_eq(script->requests.size(), 5);
    ck_assert_uint_eq(clock->sleeps.size(), 4);
    ck_assert(std::string(e.what()).find("5 attempts") != std::string::npos);
}
END_TEST

START_TEST(client_no_retry_on_4xx) {
    auto script = std::make_shared<Script>();
    auto clock = std::make_shared<FakeClock>();
    script->reply(400, "<Response><Errors><Error><Code>InvalidInstanceType</Code><Message>nope</Message></Error></Errors></Response>");
    ec2::Ec2Client ec2(scripted(script, clock));
    auto e = AWS_ERROR(ec2.describe_instance_types({"z9.huge"}));
    EXPECT_STR(e.code(), "InvalidInstanceType");
    ck_assert_uint_eq(e.attempts(), 1);
    ck_assert(clock->sleeps.empty());
}
END_TEST

START_TEST(client_retries_transport_errors) {
    auto script = std::make_shared<Script>();
    auto clock = std::make_shared<FakeClock>();
    script->fail_transport(true);
    script->fail_transport(false);
    script->reply(200, kTypes);
    ec2::Ec2Client ec2(scripted(script, clock, 0.0));
    ec2.describe_instance_types();
    ck_assert_uint_eq(script->requests.size(), 3);
    ck_assert_int_eq(clock->sleeps[0].count(), 50);
    ck_assert_int_eq(clock->sleeps[1].count(), 100);

    auto script2 = std::make_shared<Script>();
    for (int i = 0; i < 2; ++i) script2->fail_transport(true);
    ClientConfig cfg = scripted(script2, clock);
    cfg.retry.max_attempts = 2;
    ec2::Ec2Client ec2b(cfg);
    auto e = AWS_ERROR(ec2b.describe_instance_types());
    ck_assert(e.is_timeout());
    ck_assert(e.source() == ErrorSource::transport);
    ck_assert_int_eq(e.http_status(), 0);
}
END_TEST

START_TEST(client_retry_after_header) {
    auto script = std::make_shared<Script>();
    auto clock = std::make_shared<FakeClock>();
    script->reply(503, kThrottle, {{"retry-after", "2"}});
    script->reply(200, kTypes);
    ec2::Ec2Client ec2(scripted(script, clock, 0.0));
    ec2.describe_instance_types();
    ck_assert_int_eq(clock->sleeps.at(0).count(), 2000);
}
END_TEST

namespace {

class CountingProvider final : public CredentialsProvider {
public:
    int gets = 0, invalidations = 0;
    Credentials get() override {
        ++gets;
        return Credentials{"AKID" + std::to_string(invalidations), "S", "T", std::nullopt, "t"};
    }
    void invalidate() noexcept override { ++invalidations; }
};

}  // namespace

START_TEST(client_renews_expired_credentials_once) {
    auto script = std::make_shared<Script>();
    auto clock = std::make_shared<FakeClock>();
    script->reply(400, "<Response><Errors><Error><Code>RequestExpired</Code><Message>expired</Message></Error></Errors></Response>");
    script->reply(200, kTypes);
    ClientConfig cfg = scripted(script, clock);
    auto creds = std::make_shared<CountingProvider>();
    cfg.credentials = creds;
    ec2::Ec2Client ec2(cfg);
    ec2.describe_instance_types();
    ck_assert_int_eq(creds->invalidations, 1);
    EXPECT_STR(script->requests[1].sign->credentials.access_key_id, "AKID1");
    ck_assert(clock->sleeps.empty());
}
END_TEST

Suite* aws_retry_suite() {
    Suite* s = suite_create("aws_retry");
    TCase* tc = aws_tcase("policy");
    tcase_add_test(tc, classification);
    tcase_add_test(tc, delays_are_bounded_and_jittered);
    tcase_add_test(tc, retry_after_is_honoured);
    suite_add_tcase(s, tc);
    tc = aws_tcase("client_loop");
    tcase_add_test(tc, client_retries_throttling_then_succeeds);
    tcase_add_test(tc, client_gives_up_after_max_attempts);
    tcase_add_test(tc, client_no_retry_on_4xx);
    tcase_add_test(tc, client_retries_transport_errors);
    tcase_add_test(tc, client_retry_after_header);
    tcase_add_test(tc, client_renews_expired_credentials_once);
    suite_add_tcase(s, tc);
    return s;
}
