// The REST verbs for one resource type in one namespace (or all namespaces / cluster scope),
// like kube-rs's Api<K>: get, list (one page), list_all (every page), create, replace, patch
// (JSON, merge, strategic), server-side apply, delete, the status and scale subresources, and
// watch. Objects are JSON (kube::object); list items get apiVersion/kind filled in, as the
// apiserver omits them inside lists.
//
// Caveat (GCC 12): inside a coroutine, do not pass class-type temporaries (a braced `{}`, a
// std::string built on the spot) in a co_await expression; GCC 12 may destroy them twice. Bind
// them to named variables first. For that reason no function here has a defaulted class-type
// parameter: the overloads without one build it inside a plain function.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <memory>
#include <string>
#include <vector>

#include "kube/client/client.hpp"
#include "kube/core/object.hpp"
#include "kube/core/request.hpp"

namespace kube {

struct object_list {
  std::vector<object> items;
  std::string resource_version;
  std::string continue_token;
};

class api {
 public:
  api(std::shared_ptr<client> c, api_resource resource, std::string ns = {});

  [[nodiscard]] const request_builder& requests() const { return builder_; }
  [[nodiscard]] client& http() const { return *client_; }

  boost::asio::awaitable<result<object>> get(std::string_view name);
  boost::asio::awaitable<result<object_list>> list() { return list(list_params{}); }
  boost::asio::awaitable<result<object_list>> list(list_params p);
  // Follows continue tokens until the last page; p.limit is the page size.
  boost::asio::awaitable<result<object_list>> list_all() { return list_all(list_params{}); }
  boost::asio::awaitable<result<object_list>> list_all(list_params p);
  boost::asio::awaitable<result<object>> create(const object& obj) { return create(obj, write_params{}); }
  boost::asio::awaitable<result<object>> create(const object& obj, const write_params& p);
  boost::asio::awaitable<result<object>> replace(std::string_view name, const object& obj) {
    return replace(name, obj, write_params{});
  }
  boost::asio::awaitable<result<object>> replace(std::string_view name, const object& obj, const write_params& p);
  boost::asio::awaitable<result<object>> patch(std::string_view name, patch_type type, const boost::json::value& body) {
    return patch(name, type, body, patch_params{});
  }
  boost::asio::awaitable<result<object>> patch(std::string_view name, patch_type type, const boost::json::value& body,
                                               const patch_params& p);
  // Server-side apply of `obj` (which must carry apiVersion, kind and metadata.name).
  boost::asio::awaitable<result<object>> apply(std::string_view name, const object& obj, std::string field_manager,
                                               bool force = false);
  // Returns the object as the server last saw it (with deletionTimestamp when finalizers
  // hold it) or a Status; both are returned as JSON.
  boost::asio::awaitable<result<object>> remove(std::string_view name) { return remove(name, delete_params{}); }
  boost::asio::awaitable<result<object>> remove(std::string_view name, const delete_params& p);

  boost::asio::awaitable<result<object>> get_status(std::string_view name);
  boost::asio::awaitable<result<object>> replace_status(std::string_view name, const object& obj,
                                                        const write_params& p);
  boost::asio::awaitable<result<object>> patch_status(std::string_view name, patch_type type,
                                                      const boost::json::value& body, const patch_params& p);
  boost::asio::awaitable<result<object>> patch_status(std::string_view name, patch_type type,
                                                      const boost::json::value& body) {
    return patch_status(name, type, body, patch_params{});
  }
  boost::asio::awaitable<result<object>> apply_status(std::string_view name, const object& obj,
                                                      std::string field_manager, bool force = false);

  // autoscaling/v1 Scale of the object.
  boost::asio::awaitable<result<object>> get_scale(std::string_view name);
  boost::asio::awaitable<result<object>> set_replicas(std::string_view name, std::int64_t replicas);

  boost::asio::awaitable<result<event_stream>> watch(const watch_params& p);

 private:
  boost::asio::awaitable<result<object>> send_object(http_request req);

  std::shared_ptr<client> client_;
  request_builder builder_;
};

}  // namespace kube
