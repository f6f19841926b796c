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

object owned_by(std::string_view ref) {
  return boost::json::parse(std::string(R"({"metadata":{"name":"demo","ownerReferences":[)") + std::string(ref) + "]}}")
      .as_object();
}

TEST(Object, ControlOfTellsTheOwnerAnEarlierIncarnationAndEveryoneElseApart) {
  const auto owner = boost::json::parse(R"({"apiVersion":"mcp.v2dy.io/v1","kind":"MCPServer",
      "metadata":{"name":"s0448","namespace":"n","uid":"new"}})")
                         .as_object();
  auto ref = [](std::string_view api_version, std::string_view kind, std::string_view name, std::string_view uid,
                bool controller = true) {
    return owned_by(std::string(R"({"apiVersion":")") + std::string(api_version) + R"(","kind":")" + std::string(kind) +
                    R"(","name":")" + std::string(name) + R"(","uid":")" + std::string(uid) + R"(","controller":)" +
                    (controller ? "true" : "false") + "}");
  };
  EXPECT_EQ(control_of(ref("mcp.v2dy.io/v1", "MCPServer", "s0448", "new"), owner), control::owner);
  // The previous MCPServer s0448: gone, since this one holds the name.
  EXPECT_EQ(control_of(ref("mcp.v2dy.io/v1", "MCPServer", "s0448", "old"), owner), control::earlier_incarnation);
  EXPECT_EQ(control_of(ref("mcp.v2dy.io/v1beta1", "MCPServer", "s0448", "old"), owner), control::earlier_incarnation)
      << "another version of the same group is the same kind";
  // Anyone else's object is never taken over.
  EXPECT_EQ(control_of(ref("mcp.v2dy.io/v1", "MCPServer", "other", "old"), owner), control::other);
  EXPECT_EQ(control_of(ref("v1", "ConfigMap", "s0448", "old"), owner), control::other);
  EXPECT_EQ(control_of(ref("example.com/v1", "MCPServer", "s0448", "old"), owner), control::other);
  EXPECT_EQ(control_of(ref("mcp.v2dy.io/v1", "MCPServer", "s0448", ""), owner), control::other);
  EXPECT_EQ(control_of(ref("mcp.v2dy.io/v1", "MCPServer", "s0448", "old", false), owner), control::other)
      << "a reference that is not the controller";
  EXPECT_EQ(control_of(object{{"metadata", object{{"name", "s0448"}}}}, owner), control::other);
  // An owner without a UID (not read from the apiserver) proves nothing.
  auto no_uid = owner;
  no_uid["metadata"].as_object().erase("uid");
  EXPECT_EQ(control_of(ref("mcp.v2dy.io/v1", "MCPServer", "s0448", "old"), no_uid), control::other);
}

TEST(Object, GroupOfAnApiVersion) {
  EXPECT_EQ(group_of("apps/v1"), "apps");
  EXPECT_EQ(group_of("v1"), "");
  EXPECT_EQ(group_of("mcp.v2dy.io/v1"), "mcp.v2dy.io");
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
