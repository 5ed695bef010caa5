// common/text.hpp: number, boolean and Slurm time parsers, and message formatting.
#include <cstdint>
#include <limits>

#include "text.hpp"
#include "unit.hpp"

using namespace stratus;

START_TEST(u64_valid) {
    ck_assert_uint_eq(*parse_u64("0"), 0);
    ck_assert_uint_eq(*parse_u64("42"), 42);
    ck_assert_uint_eq(*parse_u64("007"), 7);
    ck_assert_uint_eq(*parse_u64("18446744073709551615"), std::numeric_limits<uint64_t>::max());
}
END_TEST

START_TEST(u64_invalid) {
    ck_assert(!parse_u64(""));
    ck_assert(!parse_u64("18446744073709551616"));   // 2^64: one past the top
    ck_assert(!parse_u64("99999999999999999999"));   // 20 digits, overflows
    ck_assert(!parse_u64("123456789012345678901"));  // 21 digits
    ck_assert(!parse_u64("-1"));
    ck_assert(!parse_u64("+1"));
    ck_assert(!parse_u64(" 1"));
    ck_assert(!parse_u64("1 "));
    ck_assert(!parse_u64("1a"));
    ck_assert(!parse_u64("0x10"));
    ck_assert(!parse_u64("1.0"));
    ck_assert(!parse_u64("12,5"));
}
END_TEST

START_TEST(decimal_valid) {
    ck_assert_double_eq(*parse_decimal("0"), 0.0);
    ck_assert_double_eq(*parse_decimal("12"), 12.0);
    ck_assert_double_eq(*parse_decimal("12.5"), 12.5);
    ck_assert_double_eq(*parse_decimal("0.25"), 0.25);
    // Lenient on either side of the point, like strtod: "1." is 1, ".5" is 0.5.
    ck_assert_double_eq(*parse_decimal("1."), 1.0);
    ck_assert_double_eq(*parse_decimal(".5"), 0.5);
    // 32 characters is the longest accepted. Past 2^53 the value is within
    // an ulp or so (exact below: prices and budgets never have 16 digits).
    ck_assert_double_eq_tol(*parse_decimal("12345678901234567890123456789012"), 1.2345678901234568e31, 1e17);
}
END_TEST

START_TEST(decimal_correctly_rounded) {
    // The parsed value must be the double nearest to the text, exactly what
    // the compiler makes of the same literal: prices and --max-cost are
    // compared with estimates rounded to cents.
    ck_assert_double_eq(*parse_decimal("0.3"), 0.3);
    ck_assert_double_eq(*parse_decimal("0.7"), 0.7);
    ck_assert_double_eq(*parse_decimal("1.68"), 1.68);
    ck_assert_double_eq(*parse_decimal("2.31"), 2.31);
    ck_assert_double_eq(*parse_decimal("1.6832"), 1.6832);
    ck_assert_double_eq(*parse_decimal("10.49264"), 10.49264);
    ck_assert_double_eq(*parse_decimal("55.040000"), 55.04);
    ck_assert_double_eq(*parse_decimal("0.000001"), 0.000001);
    ck_assert_double_eq(*parse_decimal("000123.4500"), 123.45);
    ck_assert_double_eq_tol(*parse_decimal("0.1234567890123456789012"), 0.1234567890123456789012, 1e-16);
    ck_assert_double_eq(*parse_decimal("9007199254740993"), 9007199254740992.0);  // 2^53 + 1: ties to even
}
END_TEST

START_TEST(decimal_invalid) {
    ck_assert(!parse_decimal(""));
    ck_assert(!parse_decimal("."));
    ck_assert(!parse_decimal("12,5"));
    ck_assert(!parse_decimal("1.2.3"));
    ck_assert(!parse_decimal("-1"));
    ck_assert(!parse_decimal("+1"));
    ck_assert(!parse_decimal("1e3"));
    ck_assert(!parse_decimal("inf"));
    ck_assert(!parse_decimal("nan"));
    ck_assert(!parse_decimal("0x1p3"));
    ck_assert(!parse_decimal(" 1"));
    ck_assert(!parse_decimal("$1"));
    ck_assert(!parse_decimal("123456789012345678901234567890123"));  // 33 characters
}
END_TEST

START_TEST(bool_words) {
    ck_assert(*parse_bool("yes") && *parse_bool("YES") && *parse_bool("True") && *parse_bool("1"));
    ck_assert(!*parse_bool("no") && !*parse_bool("No") && !*parse_bool("FALSE") && !*parse_bool("0"));
    ck_assert(!parse_bool(""));
    ck_assert(!parse_bool("y"));
    ck_assert(!parse_bool("2"));
    ck_assert(!parse_bool("maybe"));
}
END_TEST

static void expect_minutes(const char* text, uint32_t minutes) {
    auto d = parse_slurm_duration(text);
    ck_assert_msg(d.has_value(), "\"%s\" did not parse", text);
    ck_assert_msg(!d->unlimited, "\"%s\" parsed as unlimited", text);
    ck_assert_msg(d->minutes == minutes, "\"%s\": %u minutes, expected %u", text, d->minutes, minutes);
}

START_TEST(duration_forms) {
    expect_minutes("30", 30);                          // M
    expect_minutes("0", 0);
    expect_minutes("30:15", 31);                       // M:S, seconds round up
    expect_minutes("30:00", 30);
    expect_minutes("0:59", 1);
    expect_minutes("1:00:00", 60);                     // H:M:S
    expect_minutes("1:30:01", 91);
    expect_minutes("2-0", 2 * 1440);                   // D-H
    expect_minutes("2-3", 2 * 1440 + 180);
    expect_minutes("2-3:04", 2 * 1440 + 3 * 60 + 4);   // D-H:M
    expect_minutes("2-3:04:05", 2 * 1440 + 3 * 60 + 5);  // D-H:M:S, rounded up
    expect_minutes("2-3:04:00", 2 * 1440 + 3 * 60 + 4);
    expect_minutes(" 45 ", 45);                        // surrounding blanks
    expect_minutes("1000000", 1000000);
}
END_TEST

START_TEST(duration_unlimited) {
    for (const char* s : {"UNLIMITED", "unlimited", "INFINITE", "Infinite"}) {
        auto d = parse_slurm_duration(s);
        ck_assert_msg(d && d->unlimited && d->minutes == 0, "%s", s);
    }
}
END_TEST

START_TEST(duration_garbage) {
    for (const char* s : {"", "abc", "1h", "1:2:3:4", "1::2", ":30", "30:", "-5", "2-", "-", "1-2-3", "2-3:04:05:06",
                          "1.5", "12,5", "1000001", "99999999999999999999", "1:1000001", "unlimitedx"})
        ck_assert_msg(!parse_slurm_duration(s), "\"%s\" should not parse", s);
}
END_TEST

START_TEST(duration_overflow) {
    // Days large enough to wrap 64-bit seconds must not come back as a small
    // plausible time (213503982334602 days * 86400 wraps to 61184 s).
    ck_assert(!parse_slurm_duration("213503982334602-0"));
    ck_assert(!parse_slurm_duration("18446744073709551615-0"));
    ck_assert(!parse_slurm_duration("99999999-0"));
    // Days are bounded like the other fields (at most 1000000).
    ck_assert(!parse_slurm_duration("1000001-0"));
    expect_minutes("1000000-0", 1000000u * 1440);
    expect_minutes("1000-0", 1000 * 1440);
}
END_TEST

START_TEST(minutes_text) {
    EXPECT_STR(format_minutes(0), "0 min");
    EXPECT_STR(format_minutes(45), "45 min");
    EXPECT_STR(format_minutes(59), "59 min");
    EXPECT_STR(format_minutes(60), "1h00");
    EXPECT_STR(format_minutes(125), "2h05");
    EXPECT_STR(format_minutes(1439), "23h59");
    EXPECT_STR(format_minutes(1440), "1d 0h00");
    EXPECT_STR(format_minutes(1440 + 200), "1d 3h20");
    EXPECT_STR(format_minutes(4294967295u), "2982616d 4h15");
}
END_TEST

START_TEST(usd_text) {
    EXPECT_STR(format_usd(0), "$0.00");
    EXPECT_STR(format_usd(12.3), "$12.30");
    EXPECT_STR(format_usd(1.6832), "$1.68");
    EXPECT_STR(format_usd(0.01), "$0.01");
    EXPECT_STR(format_usd(0.005), "$0.0050");  // under a cent: 4 decimals
    EXPECT_STR(format_usd(0.0001), "$0.0001");
    EXPECT_STR(format_usd(1234567.891), "$1234567.89");
}
END_TEST

START_TEST(bytes_text) {
    EXPECT_STR(format_bytes(16u << 20), "16 MiB");
    EXPECT_STR(format_bytes(64u << 10), "64 KiB");
    EXPECT_STR(format_bytes((1u << 20) + 1024), "1025 KiB");
    EXPECT_STR(format_bytes(1000), "1000 bytes");
    EXPECT_STR(format_bytes(0), "0 bytes");
}
END_TEST

START_TEST(helpers) {
    EXPECT_STR(std::string(trim("  a b \t\n")), "a b");
    EXPECT_STR(std::string(trim("")), "");
    ck_assert(iequals("Hpc7G", "hpc7g"));
    ck_assert(!iequals("hpc7g", "hpc7"));
    EXPECT_STR(lower("P5.48XLarge"), "p5.48xlarge");
    auto v = split_list(" a, ,b ,,c ");
    ck_assert_uint_eq(v.size(), 3);
    EXPECT_STR(v[0], "a");
    EXPECT_STR(v[1], "b");
    EXPECT_STR(v[2], "c");
    ck_assert(split_list(",,,").empty());
    ck_assert(split_list("").empty());
    auto w = split_list("x:y", ':');
    ck_assert_uint_eq(w.size(), 2);
}
END_TEST

Suite* text_suite() {
    Suite* s = suite_create("text");
    TCase* tc = make_tcase("parsers");
    tcase_add_test(tc, u64_valid);
    tcase_add_test(tc, u64_invalid);
    tcase_add_test(tc, decimal_valid);
    tcase_add_test(tc, decimal_correctly_rounded);
    tcase_add_test(tc, decimal_invalid);
    tcase_add_test(tc, bool_words);
    tcase_add_test(tc, helpers);
    suite_add_tcase(s, tc);
    tc = make_tcase("duration");
    tcase_add_test(tc, duration_forms);
    tcase_add_test(tc, duration_unlimited);
    tcase_add_test(tc, duration_garbage);
    tcase_add_test(tc, duration_overflow);
    suite_add_tcase(s, tc);
    tc = make_tcase("format");
    tcase_add_test(tc, minutes_text);
    tcase_add_test(tc, usd_text);
    tcase_add_test(tc, bytes_text);
    suite_add_tcase(s, tc);
    return s;
}
