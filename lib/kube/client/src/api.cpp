#include "kube/client/api.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace kube {

namespace asio = boost::asio;

namespace {

result<object> parse_object(const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) {
    return make_error(error_kind::decode, "response is not a JSON object");
  }
  return std::move(v.get_object());
}

}  // namespace

api::api(std::shared_ptr<client> c, api_resource resource, std::string ns)
    : client_(std::move(c)), builder_(std::move(resource), std::move(ns)) {}

asio::awaitable<result<object>> api::send_object(http_request req) {
  auto body = co_await client_->send(req);
  if (!body) {
    co_return body.error();
  }
  co_return parse_object(*body);
}

asio::awaitable<result<object>> api::get(std::string_view name) {
  return send_object(builder_.get(name));
}

asio::awaitable<result<object_list>> api::list(list_params p) {
  auto obj = co_await send_object(builder_.list(p));
  if (!obj) {
    co_return obj.error();
  }
  object_list out;
  const auto api_version = builder_.resource().api_version();
  if (auto* items = obj->if_contains("items"); items && items->is_array()) {
    out.items.reserve(items->get_array().size());
    for (auto& item : items->get_array()) {
      if (auto* o = item.if_object()) {
        (*o)["apiVersion"] = api_version;
        (*o)["kind"] = builder_.resource().kind;
        out.items.push_back(std::move(*o));
      }
    }
  }
  if (auto* meta = obj->if_contains("metadata"); meta && meta->is_object()) {
    auto& m = meta->get_object();
    if (auto* rv = m.if_contains("resourceVersion"); rv && rv->is_string()) {
      out.resource_version = std::string(rv->get_string());
    }
    if (auto* c = m.if_contains("continue"); c && c->is_string()) {
      out.continue_token = std::string(c->get_string());
    }
  }
  co_return out;
}

asio::awaitable<result<object_list>> api::list_all(list_params p) {
  object_list all;
  for (;;) {
    auto page = co_await list(p);
    if (!page) {
      co_return page.error();
    }
    for (auto& item : page->items) {
      all.items.push_back(std::move(item));
    }
    all.resource_version = page->resource_version;
    if (page->continue_token.empty()) {
      co_return all;
    }
    p.continue_token = page->continue_token;
  }
}

asio::awaitable<result<object>> api::create(const object& obj, const write_params& p) {
  return send_object(builder_.create(boost::json::serialize(obj), p));
}

asio::awaitable<result<object>> api::replace(std::string_view name, const object& obj, const write_params& p) {
  return send_object(builder_.replace(name, boost::json::serialize(obj), p));
}

asio::awaitable<result<object>> api::patch(std::string_view name, patch_type type, const boost::json::value& body,
                                           const patch_params& p) {
  return send_object(builder_.patch(name, type, boost::json::serialize(body), p));
}

asio::awaitable<result<object>> api::apply(std::string_view name, const object& obj, std::string field_manager,
                                           bool force) {
  patch_params p{.field_manager = std::move(field_manager), .force = force, .dry_run = false};
  return send_object(builder_.patch(name, patch_type::apply, boost::json::serialize(obj), p));
}

asio::awaitable<result<object>> api::remove(std::string_view name, const delete_params& p) {
  return send_object(builder_.remove(name, p));
}

asio::awaitable<result<object>> api::get_status(std::string_view name) {
  return send_object(builder_.get(name, "status"));
}

asio::awaitable<result<object>> api::replace_status(std::string_view name, const object& obj, const write_params& p) {
  return send_object(builder_.replace(name, boost::json::serialize(obj), p, "status"));
}

asio::awaitable<result<object>> api::patch_status(std::string_view name, patch_type type,
                                                  const boost::json::value& body, const patch_params& p) {
  return send_object(builder_.patch(name, type, boost::json::serialize(body), p, "status"));
}

asio::awaitable<result<object>> api::apply_status(std::string_view name, const object& obj, std::string field_manager,
                                                  bool force) {
  patch_params p{.field_manager = std::move(field_manager), .force = force, .dry_run = false};
  return send_object(builder_.patch(name, patch_type::apply, boost::json::serialize(obj), p, "status"));
}

asio::awaitable<result<object>> api::get_scale(std::string_view name) {
  return send_object(builder_.get(name, "scale"));
}

asio::awaitable<result<object>> api::set_replicas(std::string_view name, std::int64_t replicas) {
  boost::json::object body{{"spec", boost::json::object{{"replicas", replicas}}}};
  return send_object(builder_.patch(name, patch_type::merge, boost::json::serialize(body), {}, "scale"));
}

asio::awaitable<result<event_stream>> api::watch(const watch_params& p) {
  return client_->watch(builder_.watch(p));
}

}  // namespace kube
