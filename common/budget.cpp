#include "budget.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "text.hpp"

namespace stratus {

// ---- money ---------------------------------------------------------------------

std::string format_cents(int64_t cents) {
    bool negative = cents < 0;
    uint64_t v = negative ? 0 - static_cast<uint64_t>(cents) : static_cast<uint64_t>(cents);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s$%llu.%02llu", negative ? "-" : "", static_cast<unsigned long long>(v / 100),
                  static_cast<unsigned long long>(v % 100));
    return buf;
}

std::optional<int64_t> parse_usd_cents(std::string_view s) noexcept {
    if (!s.empty() && s.front() == '$') s.remove_prefix(1);
    if (s.empty()) return std::nullopt;
    size_t dot = s.find('.');
    std::string_view whole = s.substr(0, dot);
    std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
    if (whole.empty() || whole.size() > 13 || frac.size() > 2 || (dot != std::string_view::npos && frac.empty()))
        return std::nullopt;
    auto w = parse_u64(whole);
    if (!w) return std::nullopt;
    int64_t cents = static_cast<int64_t>(*w) * 100;
    if (!frac.empty()) {
        auto f = parse_u64(frac);
        if (!f) return std::nullopt;
        cents += static_cast<int64_t>(frac.size() == 1 ? *f * 10 : *f);
    }
    return cents;
}

int64_t usd_to_cents(double usd) noexcept {
    if (!std::isfinite(usd)) return 0;
    if (usd > 9e13) return 9000000000000000LL;
    if (usd < -9e13) return -9000000000000000LL;
    return std::llround(usd * 100.0);
}

// ---- days ----------------------------------------------------------------------

namespace {

// Howard Hinnant's civil calendar algorithms (proleptic Gregorian).
Day days_from_civil(int64_t y, unsigned m, unsigned d) noexcept {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
    int64_t y;
    unsigned m, d;
};

Civil civil_from_days(Day z) noexcept {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t y = static_cast<int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2), m, d};
}

bool leap(int64_t y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) noexcept {
    static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// Fixed-width digits at s[pos..pos+n).
std::optional<unsigned> digits(std::string_view s, size_t pos, size_t n) noexcept {
    if (pos + n > s.size()) return std::nullopt;
    unsigned v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
        v = v * 10 + static_cast<unsigned>(s[i] - '0');
    }
    return v;
}

}  // namespace

std::optional<Day> parse_day(std::string_view s) noexcept {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    auto y = digits(s, 0, 4), m = digits(s, 5, 2), d = digits(s, 8, 2);
    if (!y || !m || !d || *y < 1970 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m)) return std::nullopt;
    return days_from_civil(*y, *m, *d);
}

std::string format_day(Day day) {
    Civil c = civil_from_days(day);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(c.y), c.m, c.d);
    return buf;
}

Day day_of(std::time_t t) noexcept {
    int64_t s = static_cast<int64_t>(t);
    return s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
}

std::time_t start_of_day(Day d) noexcept { return static_cast<std::time_t>(d * 86400); }

Day first_of_month(Day d) noexcept {
    Civil c = civil_from_days(d);
    return days_from_civil(c.y, c.m, 1);
}

Day last_of_month(Day d) noexcept {
    Civil c = civil_from_days(d);
    return days_from_civil(c.y, c.m, days_in_month(c.y, c.m));
}

std::string format_utc(std::time_t t) {
    int64_t s = static_cast<int64_t>(t);
    Day d = day_of(t);
    int64_t sec = s - d * 86400;
    char buf[48];
    std::snprintf(buf, sizeof buf, "%sT%02lld:%02lld:%02lldZ", format_day(d).c_str(), static_cast<long long>(sec / 3600),
                  static_cast<long long>(sec / 60 % 60), static_cast<long long>(sec % 60));
    return buf;
}

std::optional<std::time_t> parse_utc(std::string_view s) noexcept {
    if (s.size() != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z') return std::nullopt;
    auto d = parse_day(s.substr(0, 10));
    auto h = digits(s, 11, 2), m = digits(s, 14, 2), sec = digits(s, 17, 2);
    if (!d || !h || !m || !sec || *h > 23 || *m > 59 || *sec > 60) return std::nullopt;
    return static_cast<std::time_t>(*d * 86400 + *h * 3600 + *m * 60 + *sec);
}

// ---- budgets ---------------------------------------------------------------------

const char* budget_scope_name(BudgetScope s) noexcept { return s == BudgetScope::account ? "account" : "cost center"; }

std::optional<BudgetPeriod> parse_budget_period(std::string_view s) noexcept {
    BudgetPeriod p;
    if (iequals(s, "month") || iequals(s, "monthly")) return p;
    size_t dots = s.find("..");
    if (dots == std::string_view::npos) return std::nullopt;
    auto first = parse_day(s.substr(0, dots)), last = parse_day(s.substr(dots + 2));
    if (!first || !last || *first > *last) return std::nullopt;
    p.monthly = false;
    p.first = *first;
    p.last = *last;
    return p;
}

std::string budget_period_text(const BudgetPeriod& p) {
    return p.monthly ? "month" : format_day(p.first) + ".." + format_day(p.last);
}

std::optional<PeriodWindow> period_window(const BudgetPeriod& p, std::time_t now) noexcept {
    Day today = day_of(now);
    if (p.monthly) return PeriodWindow{first_of_month(today), last_of_month(today)};
    if (today < p.first || today > p.last) return std::nullopt;
    return PeriodWindow{p.first, p.last};
}

std::string budget_period_phrase(const BudgetPeriod& p) {
    return p.monthly ? "this month" : "in " + budget_period_text(p);
}

bool budget_covers(const Budget& b, std::string_view account, std::string_view cost_center) noexcept {
    if (b.scope == BudgetScope::account) return !account.empty() && iequals(b.name, account);
    return !cost_center.empty() && b.name == cost_center;
}

}  // namespace stratus
