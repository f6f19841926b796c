#include <gtest/gtest.h>

#include "kube/core/error.hpp"

namespace kube {
namespace {

TEST(Error, ConflictStatusKeepsReasonMessageAndCauses) {
  auto e = error_from_response(409, R"({"kind":"Status","apiVersion":"v1","status":"Failure",
    "message":"Apply failed with 1 conflict: conflict with \"other\": .data.k","reason":"Conflict",
    "details":{"causes":[{"reason":"FieldManagerConflict","message":"conflict with \"other\"","field":".data.k"}]},
    "code":409})");
  EXPECT_EQ(e.kind, error_kind::conflict);
  ASSERT_TRUE(e.status);
  ASSERT_EQ(e.status->causes.size(), 1u);
  EXPECT_EQ(e.status->causes[0].reason, "FieldManagerConflict");
  EXPECT_EQ(e.status->causes[0].field, ".data.k");
  EXPECT_NE(e.describe().find("conflict with \"other\""), std::string::npos);
}

TEST(Error, AlreadyExistsIsDistinguishedFromConflictByReason) {
  auto e = error_from_response(409, R"({"kind":"Status","reason":"AlreadyExists","code":409})");
  EXPECT_EQ(e.kind, error_kind::already_exists);
}

TEST(Error, ExpiredReasonMeansGone) {
  auto e = error_from_response(410, R"({"kind":"Status","reason":"Expired","code":410})");
  EXPECT_EQ(e.kind, error_kind::gone);
}

TEST(Error, NonStatusBodiesAreClassifiedByHttpCode) {
  EXPECT_EQ(error_from_response(403, "<html>nope</html>").kind, error_kind::forbidden);
  EXPECT_EQ(error_from_response(404, "").kind, error_kind::not_found);
  EXPECT_EQ(error_from_response(429, "").kind, error_kind::too_many_requests);
  EXPECT_EQ(error_from_response(504, "").kind, error_kind::timeout);
  EXPECT_EQ(error_from_response(418, "").kind, error_kind::unknown_status);
}

TEST(Error, RetryAfterSecondsIsRead) {
  auto e =
      error_from_response(429, R"({"kind":"Status","reason":"TooManyRequests","details":{"retryAfterSeconds":3}})");
  ASSERT_TRUE(e.retry_after);
  EXPECT_EQ(e.retry_after->count(), 3);
}

TEST(Error, ResultValueThrowsKubeException) {
  result<int> r = make_error(error_kind::forbidden, "no");
  EXPECT_THROW((void)r.value(), kube::exception);
}

}  // namespace
}  // namespace kube
