// Builds apiserver requests for one resource type in one namespace (or all / cluster scope):
// URL path, query parameters (percent-encoded; selectors are free text), body and content
// type. No I/O: kube::client sends what this returns, and tests assert it byte for byte.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kube/core/resource.hpp"

namespace kube {

enum class http_method { get, post, put, patch, delete_ };
std::string_view to_string(http_method m);

enum class patch_type {
  json,       // RFC 6902, application/json-patch+json
  merge,      // RFC 7386, application/merge-patch+json
  strategic,  // application/strategic-merge-patch+json (built-in types only)
  apply,      // server-side apply, application/apply-patch+yaml (JSON is valid YAML)
};
std::string_view content_type(patch_type t);

struct list_params {
  std::string label_selector;
  std::string field_selector;
  std::optional<std::uint32_t> limit;  // page size; the server returns metadata.continue
  std::string continue_token;
  // "" = most recent (quorum read); "0" = any (served from the watch cache).
  std::string resource_version;
  std::string resource_version_match;  // "NotOlderThan" / "Exact"; only with resource_version
};

struct watch_params {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;  // start after this version
  // Server-side end of the watch. kube-rs uses 290 s: under the apiserver's 300 s cap, so
  // watches end cleanly and are resumed instead of being cut.
  std::uint32_t timeout_seconds = 290;
  bool allow_bookmarks = true;
};

struct write_params {
  std::string field_manager;
  bool dry_run = false;
};

struct patch_params {
  std::string field_manager;  // required for apply
  bool force = false;         // apply only: take ownership of conflicting fields
  bool dry_run = false;
};

struct delete_params {
  std::string propagation_policy;  // "Foreground", "Background", "Orphan" or "" (server default)
  std::optional<std::int64_t> grace_period_seconds;
  std::string precondition_uid;
  std::string precondition_resource_version;
  bool dry_run = false;
};

struct http_request {
  http_method method = http_method::get;
  std::string target;  // path and query
  std::string body;
  std::string content_type;  // empty when there is no body
  // Safe to send again after a failure whose outcome is unknown (client-go retries these).
  bool idempotent = false;
  // Sent as given, after the client's own (a request through a service proxy carries the
  // backend's headers); an Accept here replaces the client's application/json.
  std::vector<std::pair<std::string, std::string>> headers;
};

class request_builder {
 public:
  // `ns` empty: all namespaces for namespaced types (list/watch only), or a cluster-scoped type.
  request_builder(api_resource resource, std::string ns);

  [[nodiscard]] const api_resource& resource() const { return resource_; }
  [[nodiscard]] const std::string& ns() const { return ns_; }

  [[nodiscard]] std::string collection_path() const;
  [[nodiscard]] std::string object_path(std::string_view name, std::string_view subresource = {}) const;

  [[nodiscard]] http_request get(std::string_view name, std::string_view subresource = {}) const;
  [[nodiscard]] http_request list(const list_params& p) const;
  [[nodiscard]] http_request watch(const watch_params& p) const;
  [[nodiscard]] http_request create(std::string body, const write_params& p = {}) const;
  [[nodiscard]] http_request replace(std::string_view name, std::string body, const write_params& p = {},
                                     std::string_view subresource = {}) const;
  [[nodiscard]] http_request patch(std::string_view name, patch_type type, std::string body, const patch_params& p = {},
                                   std::string_view subresource = {}) const;
  [[nodiscard]] http_request remove(std::string_view name, const delete_params& p = {}) const;

 private:
  api_resource resource_;
  std::string ns_;
};

}  // namespace kube
