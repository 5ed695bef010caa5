// When to try an AWS request again, and how long to wait first.
//
// Retried: throttling (EC2 RequestLimitExceeded, JSON ThrottlingException,
// HTTP 429, ...), HTTP 5xx and transport failures (connection errors and
// timeouts). Never retried: any other 4xx, malformed or too large answers,
// local errors. The wait is an exponential back-off with jitter, from a base
// that is larger for throttling; a wait the service asked for
// (retryAfterSeconds, Retry-After) is honoured as a lower bound.
#pragma once

#include <chrono>
#include <optional>

#include "aws/error.hpp"

namespace stratus::aws {

struct RetryPolicy {
    unsigned max_attempts = 5;  // requests in all, first one included (1 = no retry)
    std::chrono::milliseconds base_delay{100};           // 5xx and transport errors
    std::chrono::milliseconds throttle_base_delay{500};  // throttling
    std::chrono::milliseconds max_delay{20000};          // cap of the exponential part
    // A server-requested wait longer than this is not honoured: the error
    // is thrown at once instead (the caller has better things to do).
    std::chrono::milliseconds max_retry_after{60000};
};

enum class RetryClass { none, transient, throttling };

// How an error is retried (see the file comment). Never throws.
RetryClass classify(const AwsError& e) noexcept;

// The wait before the next attempt, after `attempt` (1-based) failed with
// `e`; nullopt when the error must not be retried or attempts are used up.
// `random01` is a uniform number in [0, 1). With base B (by class) and
// cap C = min(max_delay, B * 2^(attempt-1)), the wait is C/2 + random01*C/2
// ("equal jitter": never less than half the cap, never more than the cap),
// raised to the server-requested wait when there is one.
std::optional<std::chrono::milliseconds> retry_delay(const RetryPolicy& policy, const AwsError& e, unsigned attempt,
                                                     double random01) noexcept;

}  // namespace stratus::aws
