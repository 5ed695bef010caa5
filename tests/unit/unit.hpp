// Shared helpers for the Check unit tests of the policy core (tests/unit/test_core).
#pragma once

#include <string>
#include <utility>

#include "error.hpp"
#include "expect.hpp"
#include "support.hpp"

// One Suite per module of common/.
Suite* text_suite();
Suite* file_suite();
Suite* conf_suite();
Suite* catalog_suite();
Suite* request_suite();
Suite* policy_suite();
Suite* store_suite();
Suite* firewall_suite();
Suite* executable_suite();

// The ConfigError a callable throws; fails the test if it throws none.
struct CaughtError {
    std::string what, file, key;
    unsigned line = 0;
    std::string unreadable;
};

template <class F>
CaughtError expect_config_error(F&& f, const char* expr, const char* src, int srcline) {
    try {
        std::forward<F>(f)();
    } catch (const stratus::ConfigError& e) {
        return CaughtError{e.what(), e.file(), e.key(), e.line(), e.unreadable_file()};
    }
    ck_abort_msg("%s:%d: %s: expected a ConfigError, none thrown", src, srcline, expr);
    return {};
}
#define CONFIG_ERROR(expr) expect_config_error([&] { (void)(expr); }, #expr, __FILE__, __LINE__)
