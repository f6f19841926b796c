#include "kube/runtime/event_recorder.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>

#include <cstdio>

#include "kube/runtime/leader_election.hpp"

namespace kube {

object_reference object_reference::to(const object& o) {
  auto str = [&](const char* k) {
    const auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->get_string()) : std::string{};
  };
  return {str("apiVersion"), str("kind"), std::string(namespace_of(o)), std::string(name_of(o)),
          std::string(uid_of(o))};
}

event_series_tracker::decision event_series_tracker::observe(const event_spec& e, clock::time_point now) {
  // Forget series that ended, so the map stays bounded by the events of the last window.
  std::erase_if(series_, [&](const auto& kv) { return now - kv.second.last > window; });
  key k{e.regarding.uid, e.regarding.kind, e.regarding.ns + "/" + e.regarding.name, e.type, e.reason, e.action, e.note};
  auto it = series_.find(k);
  if (it != series_.end()) {
    it->second.count += 1;
    it->second.last = now;
    return {false, it->second.name, it->second.count};
  }
  // client-go's naming: the regarding object's name plus a hex timestamp, unique per event.
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, ".%llx",
                static_cast<unsigned long long>(
                    std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count()));
  entry en{e.regarding.name + suffix, 1, now};
  series_.emplace(k, en);
  return {true, en.name, 1};
}

event_recorder::event_recorder(std::shared_ptr<client> http, std::string controller, std::string instance)
    : http_(std::move(http)), controller_(std::move(controller)), instance_(std::move(instance)) {}

object event_recorder::event_object(const event_spec& e, const std::string& name,
                                    std::chrono::system_clock::time_point now) const {
  boost::json::object regarding{{"apiVersion", e.regarding.api_version},
                                {"kind", e.regarding.kind},
                                {"name", e.regarding.name},
                                {"uid", e.regarding.uid}};
  if (!e.regarding.ns.empty()) {
    regarding["namespace"] = e.regarding.ns;
  }
  const std::string ns = e.regarding.ns.empty() ? "default" : e.regarding.ns;
  return {{"apiVersion", "events.k8s.io/v1"},
          {"kind", "Event"},
          {"metadata", boost::json::object{{"name", name}, {"namespace", ns}}},
          {"eventTime", micro_time(now)},
          {"reportingController", controller_},
          {"reportingInstance", instance_},
          {"action", e.action},
          {"reason", e.reason},
          {"type", e.type},
          {"note", e.note.substr(0, 1024)},
          {"regarding", regarding}};
}

boost::asio::awaitable<result<void>> event_recorder::record(event_spec e) {
  const auto now = std::chrono::system_clock::now();
  const auto d = tracker_.observe(e, now);
  api events(http_, resources::events(), e.regarding.ns.empty() ? "default" : e.regarding.ns);
  result<object> r = make_error(error_kind::unknown_status, "not sent");
  if (d.create) {
    const auto body = event_object(e, d.name, now);
    r = co_await events.create(body);
  } else {
    const boost::json::value patch{
        {"series", boost::json::object{{"count", d.count}, {"lastObservedTime", micro_time(now)}}}};
    r = co_await events.patch(d.name, patch_type::merge, patch);
  }
  if (!r) {
    spdlog::warn("msg=\"cannot record event\" reason={} regarding={}/{} error=\"{}\"", e.reason, e.regarding.ns,
                 e.regarding.name, r.error().describe());
    co_return r.error();
  }
  co_return result<void>{};
}

}  // namespace kube
