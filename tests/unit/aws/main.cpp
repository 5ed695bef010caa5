// Runs every suite of the AWS client core's unit tests.
#include <ftw.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "aws_unit.hpp"

namespace {

std::string tmp_root;

int remove_entry(const char* path, const struct stat*, int, struct FTW*) { return ::remove(path); }

}  // namespace

TCase* aws_tcase(const char* name) {
    TCase* tc = tcase_create(name);
    tcase_set_timeout(tc, 30);
    return tc;
}

std::string aws_test_dir() {
    std::string tmpl = tmp_root + "/t-XXXXXX";
    ck_assert_msg(mkdtemp(&tmpl[0]) != nullptr, "mkdtemp(%s) failed", tmpl.c_str());
    return tmpl;
}

void aws_write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    ck_assert_msg(out.good(), "cannot write %s", path.c_str());
}

std::string aws_read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

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
    const char* base = getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/stratus-aws-unit-XXXXXX";
    if (!mkdtemp(&tmpl[0])) {
        perror("mkdtemp");
        return 99;
    }
    tmp_root = tmpl;

    SRunner* sr = srunner_create(aws_query_suite());
    srunner_add_suite(sr, aws_ec2_suite());
    srunner_add_suite(sr, aws_json_suite());
    srunner_add_suite(sr, aws_error_suite());
    srunner_add_suite(sr, aws_retry_suite());
    srunner_add_suite(sr, aws_credentials_suite());
    srunner_add_suite(sr, aws_http_suite());
    srunner_add_suite(sr, aws_catalog_suite());
    srunner_run_all(sr, getenv("CK_VERBOSITY") ? CK_ENV : CK_VERBOSE);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    nftw(tmp_root.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return failed == 0 ? 0 : 1;
}
