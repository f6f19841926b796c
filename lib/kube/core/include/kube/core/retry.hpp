// Which failed requests the client sends again, and after how long (client-go's rules):
//  - no connection could be made (nothing was sent): always;
//  - the connection broke after sending: only idempotent requests;
//  - 429 Too Many Requests: always (the server did not act), after Retry-After if given;
//  - 500/502/503/504: only idempotent requests (the server may have acted);
//  - anything else (4xx, decode, config, cancellation): never.
// Pure: the caller sleeps.
#pragma once

#include <chrono>
#include <optional>

#include "kube/core/backoff.hpp"
#include "kube/core/error.hpp"

namespace kube {

// Retry-After and backoff delays are capped so one answer cannot stall a caller for long.
inline constexpr std::chrono::milliseconds max_retry_delay{30'000};

// The delay before the next attempt, or nullopt when `e` must be returned to the caller.
// `sent`: the request may have reached the server.
std::optional<std::chrono::milliseconds> retry_delay(const error& e, bool idempotent, bool sent, backoff& b);

}  // namespace kube
