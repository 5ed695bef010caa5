// common/firewall.hpp: no exception crosses guarded().
#include <new>
#include <stdexcept>
#include <string>

#include "firewall.hpp"
#include "unit.hpp"

using namespace stratus;

namespace {

int reports = 0;
std::string last_where, last_what;

void sink(const char* where, const char* what) noexcept {
    ++reports;
    last_where = where;
    last_what = what;
}

void reset() {
    reports = 0;
    last_where.clear();
    last_what.clear();
}

}  // namespace

START_TEST(passes_value_through) {
    reset();
    ck_assert_int_eq(guarded("calc", -1, sink, [] { return 42; }), 42);
    EXPECT_STR(guarded("str", std::string("fallback"), sink, [] { return std::string("value"); }), "value");
    ck_assert_int_eq(reports, 0);
}
END_TEST

START_TEST(std_exception) {
    reset();
    int r = guarded("job_submit", -1, sink, []() -> int { throw std::runtime_error("boom"); });
    ck_assert_int_eq(r, -1);
    ck_assert_int_eq(reports, 1);
    EXPECT_STR(last_where, "job_submit");
    EXPECT_STR(last_what, "boom");
}
END_TEST

START_TEST(non_std_exception) {
    reset();
    ck_assert_int_eq(guarded("init", 7, sink, []() -> int { throw 42; }), 7);
    EXPECT_STR(last_where, "init");
    EXPECT_STR(last_what, "unknown exception");
    ck_assert_int_eq(guarded("fini", 8, sink, []() -> int { throw std::string("not std::exception"); }), 8);
    EXPECT_STR(last_where, "fini");
    EXPECT_STR(last_what, "unknown exception");
    ck_assert_int_eq(reports, 2);
}
END_TEST

START_TEST(bad_alloc) {
    reset();
    ck_assert_int_eq(guarded("alloc", -2, sink, []() -> int { throw std::bad_alloc(); }), -2);
    EXPECT_STR(last_what, "out of memory");
    ck_assert_int_eq(guarded("array", -3, sink, []() -> int { throw std::bad_array_new_length(); }), -3);
    EXPECT_STR(last_what, "out of memory");
    ck_assert_int_eq(reports, 2);
}
END_TEST

START_TEST(no_sink) {
    ck_assert_int_eq(guarded("quiet", 5, nullptr, []() -> int { throw std::logic_error("x"); }), 5);
    ck_assert_int_eq(guarded("quiet", 5, nullptr, []() -> int { throw 1; }), 5);
}
END_TEST

Suite* firewall_suite() {
    Suite* s = suite_create("firewall");
    TCase* tc = make_tcase("guarded");
    tcase_add_test(tc, passes_value_through);
    tcase_add_test(tc, std_exception);
    tcase_add_test(tc, non_std_exception);
    tcase_add_test(tc, bad_alloc);
    tcase_add_test(tc, no_sink);
    suite_add_tcase(s, tc);
    return s;
}
