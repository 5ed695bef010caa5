// Helpers for the Check unit tests of the AWS client core (tests/unit/test_aws).
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "aws/clock.hpp"
#include "aws/error.hpp"
#include "aws/http.hpp"
#include "expect.hpp"
#include "support.hpp"

Suite* aws_query_suite();
Suite* aws_ec2_suite();
Suite* aws_json_suite();
Suite* aws_error_suite();
Suite* aws_retry_suite();
Suite* aws_credentials_suite();
Suite* aws_http_suite();
Suite* aws_catalog_suite();

// The AWS tests' TCases time out sooner: nothing in them waits long.
inline TCase* aws_tcase(const char* name) { return make_tcase(name, 30); }

// A clock that never sleeps: sleep_for() advances now() and is recorded.
class FakeClock final : public stratus::aws::Clock {
public:
    stratus::aws::TimePoint t = std::chrono::system_clock::from_time_t(1800000000);  // 2027-01-15T08:00:00Z
    std::vector<std::chrono::milliseconds> sleeps;
    stratus::aws::TimePoint now() const noexcept override { return t; }
    void sleep_for(std::chrono::milliseconds d) override {
        sleeps.push_back(d);
        t += d;
    }
};

// A Transport that answers from a script and records what it was sent.
struct Script {
    struct Step {
        long status = 200;
        std::string body;
        std::vector<std::pair<std::string, std::string>> headers;
        bool transport_error = false;
        bool timeout = false;
    };
    std::deque<Step> steps;
    std::vector<stratus::aws::HttpRequest> requests;
    // Optional: computes the answer instead of the queue.
    std::function<Step(const stratus::aws::HttpRequest&)> handler;

    void reply(long status, std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
        steps.push_back(Step{status, std::move(body), std::move(headers), false, false});
    }
    void fail_transport(bool timeout) { steps.push_back(Step{0, "", {}, true, timeout}); }
};

class ScriptedTransport final : public stratus::aws::Transport {
public:
    explicit ScriptedTransport(std::shared_ptr<Script> s) : s_(std::move(s)) {}
    stratus::aws::HttpResponse perform(const stratus::aws::HttpRequest& req) override;

private:
    std::shared_ptr<Script> s_;
};

// The AwsError a callable throws; fails the test if it throws none.
template <class F>
stratus::aws::AwsError expect_aws_error(F&& f, const char* expr, const char* src, int line) {
    try {
        f();
    } catch (const stratus::aws::AwsError& e) {
        return e;
    }
    ck_abort_msg("%s:%d: %s: expected an AwsError, none thrown", src, line, expr);
    throw;  // not reached
}
#define AWS_ERROR(expr) expect_aws_error([&] { (void)(expr); }, #expr, __FILE__, __LINE__)
