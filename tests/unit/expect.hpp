// Assertions shared by the Check test programs.
#pragma once

#include <string>

#include <check.h>
// Check's deprecated fail() macro breaks std::basic_ios::fail() in any
// standard header included after it.
#undef fail

// Exact string comparison with both values in the failure message.
#define EXPECT_STR(actual, expected)                                                                          \
    do {                                                                                                      \
        const std::string ck_actual_(actual), ck_expected_(expected);                                        \
        ck_assert_msg(ck_actual_ == ck_expected_, "%s\n  got:      \"%s\"\n  expected: \"%s\"", #actual,      \
                      ck_actual_.c_str(), ck_expected_.c_str());                                              \
    } while (0)
