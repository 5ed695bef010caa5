// Standard headers first: check.h defines a `fail` macro that <fstream> trips on.
#include <ftw.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "support.hpp"

namespace {

std::string g_root;

int remove_entry(const char* path, const struct stat*, int, struct FTW*) { return ::remove(path); }

}  // namespace

TCase* make_tcase(const char* name, double timeout_s) {
    TCase* tc = tcase_create(name);
    tcase_set_timeout(tc, timeout_s);
    return tc;
}

std::string test_dir() {
    std::string tmpl = g_root + "/t-XXXXXX";
    ck_assert_msg(mkdtemp(&tmpl[0]) != nullptr, "mkdtemp(%s) failed", tmpl.c_str());
    return tmpl;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    ck_assert_msg(out.good(), "cannot write %s", path.c_str());
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

int run_suites(const char* name, std::initializer_list<Suite*> suites) {
    const char* base = getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/stratus-" + name + "-XXXXXX";
    if (!mkdtemp(&tmpl[0])) {
        perror("mkdtemp");
        return 99;
    }
    g_root = tmpl;
    SRunner* sr = nullptr;
    for (Suite* s : suites) {
        if (!sr) sr = srunner_create(s);
        else srunner_add_suite(sr, s);
    }
    srunner_run_all(sr, getenv("CK_VERBOSITY") ? CK_ENV : CK_VERBOSE);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    nftw(g_root.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return failed == 0 ? 0 : 1;
}
