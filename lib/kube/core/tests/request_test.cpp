#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "kube/core/request.hpp"

namespace kube {
namespace {

TEST(RequestBuilder, CoreNamespacedPathsUseApiPrefix) {
  request_builder b(resources::config_maps(), "team-a");
  EXPECT_EQ(b.collection_path(), "/api/v1/namespaces/team-a/configmaps");
  EXPECT_EQ(b.object_path("cfg"), "/api/v1/namespaces/team-a/configmaps/cfg");
}

TEST(RequestBuilder, GroupedResourcesUseApisPrefixAndSubresources) {
  request_builder b(resources::deployments(), "default");
  EXPECT_EQ(b.object_path("web", "scale"), "/apis/apps/v1/namespaces/default/deployments/web/scale");
  EXPECT_EQ(b.get("web", "status").target, "/apis/apps/v1/namespaces/default/deployments/web/status");
}

TEST(RequestBuilder, ClusterScopedAndAllNamespacesOmitTheNamespaceSegment) {
  EXPECT_EQ(request_builder(resources::namespaces(), "ignored").object_path("kube-system"),
            "/api/v1/namespaces/kube-system");
  EXPECT_EQ(request_builder(resources::pods(), "").collection_path(), "/api/v1/pods");
}

TEST(RequestBuilder, ListEncodesSelectorsAndPaging) {
  request_builder b(resources::config_maps(), "ns");
  list_params p;
  p.label_selector = "app in (a,b),tier!=db";
  p.field_selector = "metadata.name=x&y";
  p.limit = 500;
  p.continue_token = "abc+/=";
  auto r = b.list(p);
  EXPECT_EQ(r.method, http_method::get);
  EXPECT_TRUE(r.idempotent);
  EXPECT_EQ(r.target,
            "/api/v1/namespaces/ns/configmaps?labelSelector=app%20in%20%28a%2Cb%29%2Ctier%21%3Ddb"
            "&fieldSelector=metadata.name%3Dx%26y&limit=500&continue=abc%2B%2F%3D");
}

TEST(RequestBuilder, ListWithoutParametersHasNoQuery) {
  EXPECT_EQ(request_builder(resources::config_maps(), "ns").list({}).target, "/api/v1/namespaces/ns/configmaps");
}

TEST(RequestBuilder, WatchAsksForBookmarksAndAServerTimeout) {
  watch_params p;
  p.resource_version = "1234";
  auto r = request_builder(resources::config_maps(), "ns").watch(p);
  EXPECT_EQ(
      r.target,
      "/api/v1/namespaces/ns/configmaps?watch=1&resourceVersion=1234&timeoutSeconds=290&allowWatchBookmarks=true");
}

TEST(RequestBuilder, ServerSideApplyUsesApplyContentTypeAndForceOnlyWhenAsked) {
  request_builder b(resources::config_maps(), "ns");
  auto plain = b.patch("cfg", patch_type::apply, "{}", {.field_manager = "mcp-operator"});
  EXPECT_EQ(plain.method, http_method::patch);
  EXPECT_EQ(plain.content_type, "application/apply-patch+yaml");
  EXPECT_EQ(plain.target, "/api/v1/namespaces/ns/configmaps/cfg?fieldManager=mcp-operator");
  auto forced = b.patch("cfg", patch_type::apply, "{}", {.field_manager = "mcp-operator", .force = true});
  EXPECT_EQ(forced.target, "/api/v1/namespaces/ns/configmaps/cfg?fieldManager=mcp-operator&force=true");
  auto merge = b.patch("cfg", patch_type::merge, "{}", {.field_manager = "", .force = true}, "status");
  EXPECT_EQ(merge.content_type, "application/merge-patch+json");
  EXPECT_EQ(merge.target, "/api/v1/namespaces/ns/configmaps/cfg/status");
  EXPECT_FALSE(merge.idempotent);
}

TEST(RequestBuilder, NamesCannotInjectPathOrQuery) {
  auto r = request_builder(resources::config_maps(), "ns").get("a/b?c");
  EXPECT_EQ(r.target, "/api/v1/namespaces/ns/configmaps/a%2Fb%3Fc");
}

TEST(RequestBuilder, DeleteSendsPropagationAndPreconditions) {
  delete_params p;
  p.propagation_policy = "Foreground";
  p.precondition_uid = "u-1";
  auto r = request_builder(resources::config_maps(), "ns").remove("cfg", p);
  EXPECT_EQ(r.method, http_method::delete_);
  auto body = boost::json::parse(r.body).as_object();
  EXPECT_EQ(body.at("propagationPolicy").as_string(), "Foreground");
  EXPECT_EQ(body.at("preconditions").at("uid").as_string(), "u-1");
  EXPECT_FALSE(body.at("preconditions").as_object().contains("resourceVersion"));
}

TEST(RequestBuilder, CreateIsNotIdempotentButReplaceIs) {
  request_builder b(resources::config_maps(), "ns");
  EXPECT_FALSE(b.create("{}").idempotent);
  EXPECT_EQ(b.create("{}", {.field_manager = "m", .dry_run = true}).target,
            "/api/v1/namespaces/ns/configmaps?fieldManager=m&dryRun=All");
  EXPECT_TRUE(b.replace("cfg", "{}").idempotent);
}

}  // namespace
}  // namespace kube
