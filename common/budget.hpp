// Dollar budgets per Slurm account and per cost center (stratus.conf
// `Budget=` lines), their periods, and money as whole cents.
//
// Periods are calendar days in UTC. A `month` budget covers the current
// calendar month (UTC) and starts afresh on the 1st; a date range
// `FIRST..LAST` covers both days in full and applies only while it lasts.
// All functions are pure; none reads a clock (callers pass `now`).
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stratus {

// ---- money ---------------------------------------------------------------------

// "$41.20", "$5000.00", "-$3.05".
std::string format_cents(int64_t cents);
// A dollar amount as written in stratus.conf: digits, at most two decimals,
// an optional leading '$' ("5000", "1200.50", "$99.9"). nullopt otherwise
// (also above $1e13).
std::optional<int64_t> parse_usd_cents(std::string_view s) noexcept;
// An estimate in dollars as whole cents, rounded to the nearest cent.
int64_t usd_to_cents(double usd) noexcept;

// ---- days ----------------------------------------------------------------------

// Days since 1970-01-01 (UTC), the unit periods are kept in.
using Day = int64_t;
// Day of `YYYY-MM-DD` (a real calendar date, years 1970-9999); nullopt otherwise.
std::optional<Day> parse_day(std::string_view s) noexcept;
std::string format_day(Day d);  // "2026-11-28"
Day day_of(std::time_t t) noexcept;             // the UTC day `t` falls in
std::time_t start_of_day(Day d) noexcept;       // 00:00:00 UTC of day d
// The first and last day of the calendar month `d` falls in.
Day first_of_month(Day d) noexcept;
Day last_of_month(Day d) noexcept;
// "2026-11-28T07:25:18Z"; and back (exactly that form, 'Z' only). nullopt on anything else.
std::string format_utc(std::time_t t);
std::optional<std::time_t> parse_utc(std::string_view s) noexcept;

// ---- budgets ---------------------------------------------------------------------

enum class BudgetScope { account, cost_center };
const char* budget_scope_name(BudgetScope s) noexcept;  // "account", "cost center"

struct BudgetPeriod {
    bool monthly = true;  // the current calendar month; else the range below
    Day first = 0, last = 0;  // inclusive, for ranges
    bool operator==(const BudgetPeriod& o) const noexcept {
        return monthly == o.monthly && (monthly || (first == o.first && last == o.last));
    }
};

// `month`, or `YYYY-MM-DD..YYYY-MM-DD` (first <= last). nullopt otherwise.
std::optional<BudgetPeriod> parse_budget_period(std::string_view s) noexcept;
std::string budget_period_text(const BudgetPeriod& p);  // "month", "2026-11-01..2026-12-31"

// The days a period covers at `now` (inclusive); nullopt when a date range
// has not begun or is over.
struct PeriodWindow {
    Day first = 0, last = 0;
    bool operator==(const PeriodWindow& o) const noexcept { return first == o.first && last == o.last; }
};
std::optional<PeriodWindow> period_window(const BudgetPeriod& p, std::time_t now) noexcept;

// How a refusal names the period: "this month", "in 2026-11-01..2026-12-31".
std::string budget_period_phrase(const BudgetPeriod& p);

struct Budget {
    BudgetScope scope = BudgetScope::account;
    std::string name;           // the account (compared case-insensitively, as Slurm does) or cost center
    int64_t amount_cents = 0;
    BudgetPeriod period;
    std::string file;           // where it was declared
    unsigned line = 0;
};

// Does budget `b` cover a job charged to `account` with cost center `cost_center`?
bool budget_covers(const Budget& b, std::string_view account, std::string_view cost_center) noexcept;

}  // namespace stratus
