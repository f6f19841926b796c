#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "kube/core/object.hpp"

namespace kube {
namespace {

TEST(Object, MetadataAccessorsToleratesMissingFields) {
  object empty;
  EXPECT_EQ(name_of(empty), "");
  EXPECT_FALSE(controller_of(empty));
  auto o = boost::json::parse(R"({"metadata":{"name":"a","namespace":"n","resourceVersion":"7","generation":3}})")
               .as_object();
  EXPECT_EQ(key_of(o).str(), "n/a");
  EXPECT_EQ(resource_version_of(o), "7");
  EXPECT_EQ(generation_of(o), 3);
}

TEST(Object, ControllerOwnerIsTheOneMarkedController) {
  auto o = boost::json::parse(R"({"metadata":{"ownerReferences":[
      {"apiVersion":"v1","kind":"ConfigMap","name":"x","uid":"1"},
      {"apiVersion":"mcp.example/v1","kind":"MCPServer","name":"demo","uid":"2","controller":true}]}})")
               .as_object();
  auto c = controller_of(o);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, "MCPServer");
  EXPECT_EQ(c->name, "demo");
}

}  // namespace
}  // namespace kube

TEST(Object, TrimForCacheDropsManagedFieldsAndLastApplied) {
  auto o = boost::json::parse(R"({"metadata":{"name":"a","resourceVersion":"7",
    "managedFields":[{"manager":"kubectl","operation":"Apply","fieldsV1":{"f:spec":{}}}],
    "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{...}","keep":"me"}},
    "spec":{"replicas":2}})")
               .as_object();
  kube::trim_for_cache(o);
  EXPECT_EQ(boost::json::serialize(o),
            R"({"metadata":{"name":"a","resourceVersion":"7","annotations":{"keep":"me"}},"spec":{"replicas":2}})");
  kube::object no_meta{{"kind", "Status"}};
  kube::trim_for_cache(no_meta);
  EXPECT_EQ(boost::json::serialize(no_meta), R"({"kind":"Status"})");
}
