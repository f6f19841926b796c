#include "event_recorder.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>

#include <random>

#include "kube/client/api.hpp"

namespace mcp_operator {

namespace asio = boost::asio;
namespace json = boost::json;

std::string micro_time_now() {
  auto now = std::chrono::system_clock::now();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06lldZ", static_cast<long long>(us));
  return buf;
}

event_recorder::event_recorder(std::shared_ptr<kube::client> http, std::string controller, std::string instance)
    : http_(std::move(http)), controller_(std::move(controller)), instance_(std::move(instance)) {}

void event_recorder::record(const json::object& regarding, std::string_view type, std::string_view reason,
                            std::string_view action, std::string note) {
  if (note.size() > 1024)
    note.resize(1024);
  const std::string ns(kube::namespace_of(regarding));
  const std::string key = std::string(kube::uid_of(regarding)) + '\x1f' + std::string(type) + '\x1f' +
                          std::string(reason) + '\x1f' + std::string(action) + '\x1f' + note;
  const auto now = std::chrono::steady_clock::now();
  if (auto it = series_.find(key); it != series_.end() && now - it->second.last < series_window) {
    it->second.count += 1;
    it->second.last = now;
    asio::co_spawn(http_->executor(), bump(it->second.ns, it->second.name, it->second.count), asio::detached);
    return;
  }
  if (series_.size() >= max_tracked) {
    for (auto it = series_.begin(); it != series_.end();) {
      it = now - it->second.last >= series_window ? series_.erase(it) : std::next(it);
    }
    if (series_.size() >= max_tracked)
      series_.clear();
  }
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(rng()));
  std::string name = std::string(kube::name_of(regarding)) + "." + suffix;
  json::object ref{{"apiVersion", regarding.at("apiVersion")},
                   {"kind", regarding.at("kind")},
                   {"name", kube::name_of(regarding)},
                   {"namespace", ns},
                   {"uid", kube::uid_of(regarding)}};
  json::object event{{"apiVersion", "events.k8s.io/v1"},
                     {"kind", "Event"},
                     {"metadata", json::object{{"name", name}, {"namespace", ns}}},
                     {"eventTime", micro_time_now()},
                     {"reportingController", controller_},
                     {"reportingInstance", instance_},
                     {"action", action},
                     {"reason", reason},
                     {"type", type},
                     {"note", note},
                     {"regarding", std::move(ref)}};
  series_[key] = series{ns, name, 1, now};
  asio::co_spawn(http_->executor(), create(std::move(event), key), asio::detached);
}

asio::awaitable<void> event_recorder::create(json::object event, std::string key) {
  const std::string ns(event.at("metadata").at("namespace").as_string());
  kube::api events(http_, kube::resources::events(), ns);
  auto res = co_await events.create(event);
  if (!res) {
    series_.erase(key);  // the next occurrence creates it again
    spdlog::warn("msg=\"could not record event\" namespace={} reason={} error=\"{}\"", ns,
                 std::string(event.at("reason").as_string()), res.error().describe());
  }
}

asio::awaitable<void> event_recorder::bump(std::string ns, std::string name, std::int64_t count) {
  kube::api events(http_, kube::resources::events(), ns);
  json::object patch{{"series", json::object{{"count", count}, {"lastObservedTime", micro_time_now()}}}};
  auto res = co_await events.patch(name, kube::patch_type::merge, patch);
  if (!res) {
    spdlog::warn("msg=\"could not update event series\" namespace={} event={} error=\"{}\"", ns, name,
                 res.error().describe());
  }
}

}  // namespace mcp_operator
