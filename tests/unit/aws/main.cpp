// Runs every suite of the AWS client core's unit tests.
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "aws_unit.hpp"

stratus::aws::HttpResponse ScriptedTransport::perform(const stratus::aws::HttpRequest& req) {
    s_->requests.push_back(req);
    Script::Step step;
    if (s_->handler) {
        step = s_->handler(req);
    } else {
        ck_assert_msg(!s_->steps.empty(), "unexpected request %zu to %s", s_->requests.size(), req.url.c_str());
        step = s_->steps.front();
        s_->steps.pop_front();
    }
    if (step.transport_error)
        throw stratus::aws::TransportError(step.timeout ? "Operation timed out" : "Connection refused", step.timeout);
    stratus::aws::HttpResponse r;
    r.status = step.status;
    r.body = step.body;
    r.headers = step.headers;
    return r;
}

int main() {
    return run_suites("aws-unit", {aws_query_suite(), aws_ec2_suite(), aws_json_suite(), aws_error_suite(), aws_retry_suite(),
                                   aws_credentials_suite(), aws_http_suite(), aws_catalog_suite()});
}
