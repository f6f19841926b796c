#include "kube/core/request.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/url.hpp>

#include <cctype>

namespace kube {

std::string_view to_string(http_method m) {
  switch (m) {
    case http_method::get:
      return "GET";
    case http_method::post:
      return "POST";
    case http_method::put:
      return "PUT";
    case http_method::patch:
      return "PATCH";
    case http_method::delete_:
      return "DELETE";
  }
  return "GET";
}

std::string_view content_type(patch_type t) {
  switch (t) {
    case patch_type::json:
      return "application/json-patch+json";
    case patch_type::merge:
      return "application/merge-patch+json";
    case patch_type::strategic:
      return "application/strategic-merge-patch+json";
    case patch_type::apply:
      return "application/apply-patch+yaml";
  }
  return "application/merge-patch+json";
}

namespace {

// A path built segment by segment, so a name can never inject "/" or "?" into the target.
class target_builder {
 public:
  explicit target_builder(const api_resource& r, std::string_view ns) {
    auto segs = url_.segments();
    if (r.group.empty()) {
      segs.push_back("api");
    } else {
      segs.push_back("apis");
      segs.push_back(r.group);
    }
    segs.push_back(r.version);
    if (r.namespaced && !ns.empty()) {
      segs.push_back("namespaces");
      segs.push_back(ns);
    }
    segs.push_back(r.plural);
  }
  target_builder& segment(std::string_view s) {
    if (!s.empty()) {
      url_.segments().push_back(s);
    }
    return *this;
  }
  target_builder& param(std::string_view key, std::string_view value) {
    if (!value.empty()) {
      query_ += query_.empty() ? '?' : '&';
      query_ += key;
      query_ += '=';
      encode(value);
    }
    return *this;
  }
  [[nodiscard]] std::string str() const { return std::string(url_.buffer()) + query_; }

 private:
  // Everything but RFC 3986 unreserved characters is escaped. Boost.URL would leave '+' as is,
  // and Go's query parser reads '+' as a space, which corrupts base64 continue tokens.
  void encode(std::string_view value) {
    static constexpr char hex[] = "0123456789ABCDEF";
    for (unsigned char c : value) {
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
        query_ += static_cast<char>(c);
      } else {
        query_ += '%';
        query_ += hex[c >> 4];
        query_ += hex[c & 0xF];
      }
    }
  }

  boost::urls::url url_{"/"};
  std::string query_;
};

}  // namespace

request_builder::request_builder(api_resource resource, std::string ns)
    : resource_(std::move(resource)), ns_(std::move(ns)) {}

std::string request_builder::collection_path() const {
  return target_builder(resource_, ns_).str();
}

std::string request_builder::object_path(std::string_view name, std::string_view subresource) const {
  return target_builder(resource_, ns_).segment(name).segment(subresource).str();
}

http_request request_builder::get(std::string_view name, std::string_view subresource) const {
  return {http_method::get, object_path(name, subresource), {}, {}, true, {}};
}

http_request request_builder::list(const list_params& p) const {
  target_builder t(resource_, ns_);
  t.param("labelSelector", p.label_selector).param("fieldSelector", p.field_selector);
  if (p.limit) {
    t.param("limit", std::to_string(*p.limit));
  }
  t.param("continue", p.continue_token);
  t.param("resourceVersion", p.resource_version);
  if (!p.resource_version.empty()) {
    t.param("resourceVersionMatch", p.resource_version_match);
  }
  return {http_method::get, t.str(), {}, {}, true, {}};
}

http_request request_builder::watch(const watch_params& p) const {
  target_builder t(resource_, ns_);
  t.param("watch", "1");
  t.param("labelSelector", p.label_selector).param("fieldSelector", p.field_selector);
  t.param("resourceVersion", p.resource_version);
  t.param("timeoutSeconds", std::to_string(p.timeout_seconds));
  if (p.allow_bookmarks) {
    t.param("allowWatchBookmarks", "true");
  }
  return {http_method::get, t.str(), {}, {}, true, {}};
}

http_request request_builder::create(std::string body, const write_params& p) const {
  target_builder t(resource_, ns_);
  t.param("fieldManager", p.field_manager);
  if (p.dry_run) {
    t.param("dryRun", "All");
  }
  return {http_method::post, t.str(), std::move(body), "application/json", false, {}};
}

http_request request_builder::replace(std::string_view name, std::string body, const write_params& p,
                                      std::string_view subresource) const {
  target_builder t(resource_, ns_);
  t.segment(name).segment(subresource).param("fieldManager", p.field_manager);
  if (p.dry_run) {
    t.param("dryRun", "All");
  }
  // A PUT carries the resourceVersion it read, so sending it twice cannot apply twice.
  return {http_method::put, t.str(), std::move(body), "application/json", true, {}};
}

http_request request_builder::patch(std::string_view name, patch_type type, std::string body, const patch_params& p,
                                    std::string_view subresource) const {
  target_builder t(resource_, ns_);
  t.segment(name).segment(subresource).param("fieldManager", p.field_manager);
  if (type == patch_type::apply && p.force) {
    t.param("force", "true");
  }
  if (p.dry_run) {
    t.param("dryRun", "All");
  }
  // Apply states the desired fields, so repeating it converges to the same object.
  return {http_method::patch, t.str(), std::move(body), std::string(content_type(type)), type == patch_type::apply, {}};
}

http_request request_builder::remove(std::string_view name, const delete_params& p) const {
  target_builder t(resource_, ns_);
  t.segment(name);
  if (p.dry_run) {
    t.param("dryRun", "All");
  }
  boost::json::object opts{{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (!p.propagation_policy.empty()) {
    opts["propagationPolicy"] = p.propagation_policy;
  }
  if (p.grace_period_seconds) {
    opts["gracePeriodSeconds"] = *p.grace_period_seconds;
  }
  if (!p.precondition_uid.empty() || !p.precondition_resource_version.empty()) {
    boost::json::object pre;
    if (!p.precondition_uid.empty()) {
      pre["uid"] = p.precondition_uid;
    }
    if (!p.precondition_resource_version.empty()) {
      pre["resourceVersion"] = p.precondition_resource_version;
    }
    opts["preconditions"] = std::move(pre);
  }
  return {http_method::delete_, t.str(), boost::json::serialize(opts), "application/json", true, {}};
}

}  // namespace kube
