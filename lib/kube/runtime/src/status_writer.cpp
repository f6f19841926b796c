#include "kube/runtime/status_writer.hpp"

#include <boost/json/serialize.hpp>

namespace kube {

namespace asio = boost::asio;
namespace json = boost::json;

status_writer::status_writer(controller& ctrl, std::string field_manager, std::size_t max_bytes)
    : http_(ctrl.http()),
      resource_(ctrl.cache().resource()),
      field_manager_(std::move(field_manager)),
      max_bytes_(max_bytes) {
  ctrl.uses({resource_.group, resource_.plural + "/status", "patch"});
}

asio::awaitable<result<bool>> status_writer::write(const object& obj, json::object status) {
  static const json::object empty;
  const json::value* current = obj.if_contains("status");
  const json::object& prev = current != nullptr && current->is_object() ? current->get_object() : empty;
  if (prev == status)
    co_return false;
  json::object body{{"status", std::move(status)}};
  const std::size_t size = json::serialize(body).size();
  if (size > max_bytes_) {
    co_return make_error(error_kind::invalid,
                         "status of " + std::string(name_of(obj)) + " would be " + std::to_string(size) +
                             " bytes, more than the " + std::to_string(max_bytes_) + " allowed");
  }
  api a(http_, resource_, std::string(namespace_of(obj)));
  patch_params p;
  p.field_manager = field_manager_;
  auto res = co_await a.patch_status(name_of(obj), patch_type::merge, body, p);
  if (!res) {
    if (res.error().is(error_kind::not_found))
      co_return false;
    co_return res.error();
  }
  co_return true;
}

}  // namespace kube
