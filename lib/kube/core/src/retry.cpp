#include "kube/core/retry.hpp"

#include <algorithm>

#include <boost/asio/error.hpp>

namespace kube {

std::optional<std::chrono::milliseconds> retry_delay(const error& e, bool idempotent, bool sent, backoff& b) {
  bool retry = false;
  if (e.kind == error_kind::transport) {
    retry = e.ec != boost::asio::error::operation_aborted && (!sent || idempotent);
  } else if (e.http_status == 429) {
    retry = true;
  } else if (e.http_status == 500 || e.http_status == 502 || e.http_status == 503 || e.http_status == 504) {
    retry = idempotent;
  }
  if (!retry) {
    return std::nullopt;
  }
  auto delay = e.retry_after ? std::chrono::duration_cast<std::chrono::milliseconds>(*e.retry_after) : b.next();
  return std::min(delay, max_retry_delay);
}

}  // namespace kube
