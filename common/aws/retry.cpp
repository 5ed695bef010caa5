#include "aws/retry.hpp"

#include <algorithm>

namespace stratus::aws {

RetryClass classify(const AwsError& e) noexcept {
    switch (e.source()) {
    case ErrorSource::transport: return RetryClass::transient;
    case ErrorSource::response:
    case ErrorSource::local: return RetryClass::none;
    case ErrorSource::service: break;
    }
    if (is_throttling_error(e.code()) || e.http_status() == 429) return RetryClass::throttling;
    if (e.http_status() >= 500 && e.http_status() <= 599) return RetryClass::transient;
    // Some services name transient faults with a 4xx-looking code.
    const std::string& c = e.code();
    if (c == "RequestTimeout" || c == "RequestTimeoutException" || c == "InternalError" ||
        c == "InternalServerException" || c == "ServiceUnavailable" || c == "Unavailable")
        return RetryClass::transient;
    return RetryClass::none;
}

std::optional<std::chrono::milliseconds> retry_delay(const RetryPolicy& policy, const AwsError& e, unsigned attempt,
                                                     double random01) noexcept {
    RetryClass rc = classify(e);
    if (rc == RetryClass::none || attempt == 0 || attempt >= policy.max_attempts) return std::nullopt;
    if (e.retry_after() && *e.retry_after() > policy.max_retry_after) return std::nullopt;
    using ms = std::chrono::milliseconds;
    const long long base = (rc == RetryClass::throttling ? policy.throttle_base_delay : policy.base_delay).count();
    const long long max = std::max<long long>(0, policy.max_delay.count());
    long long cap = std::max<long long>(0, base);
    for (unsigned i = 1; i < attempt && cap < max; ++i) cap *= 2;
    cap = std::min(cap, max);
    double r = random01 < 0 ? 0 : (random01 >= 1 ? 0.999999 : random01);
    long long wait = cap / 2 + static_cast<long long>(r * static_cast<double>(cap - cap / 2));
    if (e.retry_after()) wait = std::max<long long>(wait, e.retry_after()->count());
    return ms(wait);
}

}  // namespace stratus::aws
