#include "kube/core/subset.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace {

using boost::json::parse;
using kube::contains_subset;

TEST(ContainsSubset, ServerDefaultsDoNotCountAsDrift) {
  auto desired = parse(R"({"spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"c","image":"x:1"}]}}}})");
  auto live = parse(R"({"metadata":{"resourceVersion":"9"},"spec":{"replicas":2,"progressDeadlineSeconds":600,
    "template":{"spec":{"containers":[{"name":"c","image":"x:1","terminationMessagePath":"/dev/termination-log"}],
    "dnsPolicy":"ClusterFirst"}}}})");
  EXPECT_TRUE(contains_subset(live, desired));
}

TEST(ContainsSubset, AHandEditIsDrift) {
  auto desired = parse(R"({"spec":{"template":{"spec":{"containers":[{"name":"c","image":"x:1"}]}}}})");
  auto live = parse(R"({"spec":{"template":{"spec":{"containers":[{"name":"c","image":"evil:2"}]}}}})");
  EXPECT_FALSE(contains_subset(live, desired));
}

TEST(ContainsSubset, ListsMustMatchInLength) {
  EXPECT_FALSE(contains_subset(parse(R"({"a":[1,2,3]})"), parse(R"({"a":[1,2]})")));
  EXPECT_FALSE(contains_subset(parse(R"({"a":[1]})"), parse(R"({"a":[1,2]})")));
  EXPECT_TRUE(contains_subset(parse(R"({"a":[{"x":1,"y":2}]})"), parse(R"({"a":[{"x":1}]})")));
}

TEST(ContainsSubset, MissingFieldsAreDrift) {
  EXPECT_FALSE(contains_subset(parse(R"({"spec":{}})"), parse(R"({"spec":{"replicas":1}})")));
  EXPECT_FALSE(contains_subset(parse(R"({})"), parse(R"({"metadata":{"labels":{"a":"b"}}})")));
}

TEST(ContainsSubset, OmittedFalseAndEmptyReadAsEqual) {
  EXPECT_TRUE(contains_subset(parse(R"({})"), parse(R"({"automount":false,"annotations":{}})")));
  EXPECT_FALSE(contains_subset(parse(R"({})"), parse(R"({"automount":true})")));
}

TEST(ContainsSubset, NumbersCompareByValue) {
  EXPECT_TRUE(contains_subset(parse(R"({"port":3000})"), parse(R"({"port":3000.0})")));
  EXPECT_FALSE(contains_subset(parse(R"({"port":"3000"})"), parse(R"({"port":3000})")));
}

}  // namespace
