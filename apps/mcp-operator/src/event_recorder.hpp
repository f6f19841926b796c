// Emits events.k8s.io/v1 Events about MCPServers, aggregated the way client-go's recorder
// does: a repeat of the same (object, type, reason, action, note) within the series window
// updates the first Event's series (count, lastObservedTime) instead of creating another
// object, so a crash-looping server produces one Event with a rising count, not a storm.
// Sending is fire-and-forget on the client's executor: a failed event is logged, never
// blocks or fails a reconcile. Notes are capped at the API's 1 KiB and never hold secrets
// (callers pass reasons and messages, not spec values).
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>

#include "kube/client/client.hpp"

namespace mcp_operator {

class event_recorder {
 public:
  event_recorder(std::shared_ptr<kube::client> http, std::string controller, std::string instance);

  void record(const boost::json::object& regarding, std::string_view type, std::string_view reason,
              std::string_view action, std::string note);

  static constexpr std::chrono::minutes series_window{6};
  static constexpr std::size_t max_tracked = 4096;

 private:
  struct series {
    std::string ns, name;  // the Event object
    std::int64_t count = 1;
    std::chrono::steady_clock::time_point last;
  };
  boost::asio::awaitable<void> create(boost::json::object event, std::string key);
  boost::asio::awaitable<void> bump(std::string ns, std::string name, std::int64_t count);

  std::shared_ptr<kube::client> http_;
  std::string controller_, instance_;
  std::unordered_map<std::string, series> series_;
};

// "2026-01-02T03:04:05.123456Z": the MicroTime format of eventTime and series timestamps.
std::string micro_time_now();

}  // namespace mcp_operator
