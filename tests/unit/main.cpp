// Runs every suite of the policy core's unit tests.
#include <ftw.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "unit.hpp"

namespace {

std::string tmp_root;

int remove_entry(const char* path, const struct stat*, int, struct FTW*) { return ::remove(path); }

}  // namespace

TCase* make_tcase(const char* name) {
    TCase* tc = tcase_create(name);
    tcase_set_timeout(tc, kTestTimeout);
    return tc;
}

std::string test_dir() {
    std::string tmpl = tmp_root + "/t-XXXXXX";
    ck_assert_msg(mkdtemp(&tmpl[0]) != nullptr, "mkdtemp(%s) failed", tmpl.c_str());
    return tmpl;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    ck_assert_msg(out.good(), "cannot write %s", path.c_str());
}

int main() {
    const char* base = getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/stratus-unit-XXXXXX";
    if (!mkdtemp(&tmpl[0])) {
        perror("mkdtemp");
        return 99;  // a hard error for the automake test driver
    }
    tmp_root = tmpl;

    SRunner* sr = srunner_create(text_suite());
    srunner_add_suite(sr, file_suite());
    srunner_add_suite(sr, conf_suite());
    srunner_add_suite(sr, catalog_suite());
    srunner_add_suite(sr, request_suite());
    srunner_add_suite(sr, policy_suite());
    srunner_add_suite(sr, store_suite());
    srunner_add_suite(sr, firewall_suite());
    srunner_add_suite(sr, executable_suite());
    // Every test's result goes to the log unless CK_VERBOSITY says otherwise.
    srunner_run_all(sr, getenv("CK_VERBOSITY") ? CK_ENV : CK_VERBOSE);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    nftw(tmp_root.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return failed == 0 ? 0 : 1;
}
