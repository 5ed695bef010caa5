// Small helpers shared by the burst operations (internal).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "aws/clock.hpp"
#include "hostlist.hpp"
#include "text.hpp"

namespace stratus::burst {

// A compact hostlist for log lines.
inline std::string hosts(const std::vector<std::string>& nodes) {
    try {
        return hostlist_compress(nodes);
    } catch (...) {
        return join(nodes);
    }
}

inline std::string format_time(int64_t t) { return aws::format_iso8601(aws::TimePoint(std::chrono::seconds(t))); }

// Epoch seconds of an ISO-8601 UTC time, or `fallback`.
inline int64_t parse_time(const std::string& iso, int64_t fallback) {
    auto t = aws::parse_iso8601(iso);
    if (!t) return fallback;
    return std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count();
}

}  // namespace stratus::burst
