// Writes a primary object's status the way every controller here should: only when it differs
// from the cached one (a restarted controller with nothing new to say makes no write), as a
// JSON merge patch of the status subresource, refused locally when the serialized status is
// larger than a bound (an oversize patch would fail on every retry, forever: the caller gets
// an error it can turn into a short status instead), and silent when the object is gone.
// Declares the status patch permission on the controller it is built for.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <memory>
#include <string>

#include "kube/client/api.hpp"
#include "kube/runtime/controller.hpp"

namespace kube {

class status_writer {
 public:
  // 256 KiB: far below the apiserver's 3 MiB request and 1.5 MiB etcd value limits.
  static constexpr std::size_t default_max_bytes = 256U << 10U;

  status_writer(controller& ctrl, std::string field_manager, std::size_t max_bytes = default_max_bytes);

  // true when a patch was sent, false when nothing changed or the object is gone.
  boost::asio::awaitable<result<bool>> write(const object& obj, boost::json::object status);

 private:
  std::shared_ptr<client> http_;
  api_resource resource_;
  std::string field_manager_;
  std::size_t max_bytes_;
};

}  // namespace kube
