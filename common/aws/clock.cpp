#include "aws/clock.hpp"

#include "budget.hpp"

#include <time.h>

#include <cstdio>
#include <random>
#include <thread>

namespace stratus::aws {

namespace {

class SystemClock final : public Clock {
public:
    TimePoint now() const noexcept override { return std::chrono::system_clock::now(); }
    void sleep_for(std::chrono::milliseconds d) override {
        if (d.count() > 0) std::this_thread::sleep_for(d);
    }
};

bool digits(std::string_view s, size_t pos, size_t n, int& out) noexcept {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    out = v;
    return true;
}

}  // namespace

std::shared_ptr<Clock> system_clock() {
    static const std::shared_ptr<Clock> clock = std::make_shared<SystemClock>();
    return clock;
}

Random default_random() {
    return [] {
        thread_local std::mt19937_64 engine{std::random_device{}()};
        return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
    };
}

std::optional<TimePoint> parse_iso8601(std::string_view s) noexcept {
    // YYYY-MM-DDTHH:MM:SS[.fff][Z|+00:00]
    int year, mon, day, hour, min, sec;
    if (!digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mon) || s[7] != '-' ||
        !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, hour) ||
        s[13] != ':' || !digits(s, 14, 2, min) || s[16] != ':' || !digits(s, 17, 2, sec))
        return std::nullopt;
    size_t pos = 19;
    long long micros = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        long long scale = 100000;
        size_t start = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            micros += (s[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
        if (pos == start) return std::nullopt;
    }
    std::string_view zone = s.substr(pos);
    if (!(zone == "Z" || zone == "z" || zone == "+00:00" || zone == "+0000" || zone == "-00:00")) return std::nullopt;
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) return std::nullopt;
    struct tm tm = {};
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    if (t == static_cast<time_t>(-1) && !(year == 1969)) return std::nullopt;
    return std::chrono::system_clock::from_time_t(t) + std::chrono::microseconds(micros);
}

std::string format_iso8601(TimePoint t) { return format_utc(std::chrono::system_clock::to_time_t(t)); }

}  // namespace stratus::aws
