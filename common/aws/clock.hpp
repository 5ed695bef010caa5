// Time for the AWS client: an injectable wall clock and sleep (so retry
// back-off and credential expiry can be tested without waiting), an
// injectable random source for jitter, and ISO-8601 UTC timestamps.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace stratus::aws {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
public:
    virtual ~Clock() = default;
    // Wall-clock time (credential expirations are wall-clock instants).
    virtual TimePoint now() const noexcept = 0;
    // Blocks the calling thread; may throw only what the implementation documents.
    virtual void sleep_for(std::chrono::milliseconds d) = 0;
};

// The real clock: std::chrono::system_clock and std::this_thread::sleep_for.
// Shared, stateless, thread-safe.
std::shared_ptr<Clock> system_clock();

// Uniform random numbers in [0, 1). Must be callable from the thread that
// uses the client that holds it.
using Random = std::function<double()>;
// A Random backed by a per-thread std::mt19937_64 seeded from std::random_device.
Random default_random();

// Parses "2017-11-21T01:25:48Z", with optional fractional seconds and a
// "Z" or "+00:00" suffix (UTC only). nullopt on anything else. Never throws.
std::optional<TimePoint> parse_iso8601(std::string_view s) noexcept;
// "2017-11-21T01:25:48Z" (whole seconds, UTC).
std::string format_iso8601(TimePoint t);

}  // namespace stratus::aws
