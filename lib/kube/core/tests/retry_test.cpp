#include <gtest/gtest.h>

#include <boost/asio/error.hpp>

#include "kube/core/retry.hpp"

namespace kube {
namespace {

using namespace std::chrono_literals;

backoff fixed() {
  return backoff({200ms, 5000ms, 2.0}, [] { return 0.0; });
}

TEST(Retry, ConnectFailuresAreAlwaysRetriedWithBackoff) {
  auto b = fixed();
  auto refused = transport_error(boost::asio::error::connection_refused, "connect");
  EXPECT_EQ(retry_delay(refused, false, false, b), 200ms);
  EXPECT_EQ(retry_delay(refused, false, false, b), 400ms);
}

TEST(Retry, BrokenConnectionAfterSendingIsRetriedOnlyForIdempotentRequests) {
  auto b = fixed();
  auto reset = transport_error(boost::asio::error::connection_reset, "read");
  EXPECT_FALSE(retry_delay(reset, false, true, b)) << "a POST may have been applied";
  EXPECT_TRUE(retry_delay(reset, true, true, b));
}

TEST(Retry, TooManyRequestsHonoursRetryAfterForEveryVerb) {
  auto b = fixed();
  auto e =
      error_from_response(429, R"({"kind":"Status","reason":"TooManyRequests","details":{"retryAfterSeconds":3}})");
  EXPECT_EQ(retry_delay(e, false, true, b), 3s);
  e.retry_after = std::chrono::seconds(3600);
  EXPECT_EQ(retry_delay(e, false, true, b), max_retry_delay);
}

TEST(Retry, ServerErrorsAreRetriedOnlyForIdempotentRequests) {
  auto b = fixed();
  auto e = error_from_response(503, "");
  EXPECT_TRUE(retry_delay(e, true, true, b));
  EXPECT_FALSE(retry_delay(e, false, true, b));
}

TEST(Retry, ClientErrorsAndCancellationAreNeverRetried) {
  auto b = fixed();
  EXPECT_FALSE(retry_delay(error_from_response(409, ""), true, true, b));
  EXPECT_FALSE(retry_delay(error_from_response(403, ""), true, true, b));
  EXPECT_FALSE(retry_delay(error_from_response(410, ""), true, true, b));
  EXPECT_FALSE(retry_delay(transport_error(boost::asio::error::operation_aborted, "cancelled"), true, false, b));
  EXPECT_FALSE(retry_delay(make_error(error_kind::decode, "bad json"), true, true, b));
}

}  // namespace
}  // namespace kube
