// Kubernetes events (events.k8s.io/v1) about the objects a controller manages. Repeats of the
// same event (same regarding object, type, reason, action and note) within the series window
// (6 min, as client-go's events library) update one Event's `series` (count, last observed
// time) instead of creating an object per occurrence, so a crash-looping child cannot flood
// etcd. event_series_tracker holds that decision and is pure; event_recorder writes.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "kube/client/api.hpp"

namespace kube {

struct object_reference {
  std::string api_version;
  std::string kind;
  std::string ns;
  std::string name;
  std::string uid;

  static object_reference to(const object& o);
};

struct event_spec {
  object_reference regarding;
  std::string type = "Normal";  // or "Warning"
  std::string reason;           // UpperCamelCase, e.g. "DeploymentCreated"
  std::string action;           // what the controller did, e.g. "Create"
  std::string note;             // human-readable, at most 1 kB
};

class event_series_tracker {
 public:
  using clock = std::chrono::system_clock;
  static constexpr std::chrono::minutes window{6};

  struct decision {
    bool create = true;  // else: patch the series of `name`
    std::string name;    // the Event object's name
    std::int32_t count = 1;
  };

  decision observe(const event_spec& e, clock::time_point now);
  [[nodiscard]] std::size_t tracked() const { return series_.size(); }

 private:
  using key = std::tuple<std::string, std::string, std::string, std::string, std::string, std::string, std::string>;
  struct entry {
    std::string name;
    std::int32_t count = 1;
    clock::time_point last{};
  };
  std::map<key, entry> series_;
};

class event_recorder {
 public:
  // `controller` is reportingController (e.g. "mcp.v2dy.io/mcp-operator"); `instance` the pod.
  event_recorder(std::shared_ptr<client> http, std::string controller, std::string instance);

  // Creates the Event, or patches the series of a repeat. Failures are returned, never thrown:
  // events are best effort and must not fail a reconcile.
  boost::asio::awaitable<result<void>> record(event_spec e);

  // The JSON bodies, exposed for tests.
  [[nodiscard]] object event_object(const event_spec& e, const std::string& name,
                                    std::chrono::system_clock::time_point now) const;

 private:
  std::shared_ptr<client> http_;
  std::string controller_;
  std::string instance_;
  event_series_tracker tracker_;
};

}  // namespace kube
