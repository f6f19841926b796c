#include "kube/runtime/leader_election.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <ctime>

namespace kube {

namespace asio = boost::asio;

std::string micro_time(std::chrono::system_clock::time_point t) {
  const auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t - secs).count();
  std::time_t tt = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%s.%06lldZ", buf, static_cast<long long>(micros));
  return out;
}

std::optional<lease_record> lease_from(const object& lease) {
  const auto* spec = lease.if_contains("spec");
  if (!spec || !spec->is_object()) {
    return lease_record{};
  }
  const auto& s = spec->get_object();
  auto str = [&](const char* k) {
    const auto* v = s.if_contains(k);
    return v && v->is_string() ? std::string(v->get_string()) : std::string{};
  };
  auto num = [&](const char* k) {
    const auto* v = s.if_contains(k);
    return v && v->is_int64() ? v->get_int64() : std::int64_t{0};
  };
  return lease_record{str("holderIdentity"), num("leaseDurationSeconds"), str("acquireTime"), str("renewTime"),
                      num("leaseTransitions")};
}

std::optional<lease_record> election_fsm::try_acquire(const std::optional<lease_record>& observed,
                                                      clock::time_point now,
                                                      std::chrono::system_clock::time_point wall) {
  if (observed && (!observed_ || *observed_ != *observed)) {
    // The record changed: restart the expiry clock from now, on our own clock.
    observed_ = observed;
    observed_at_ = now;
  }
  if (observed && !observed->holder.empty() && observed->holder != identity_ &&
      now < observed_at_ + std::chrono::seconds(observed->lease_duration_seconds)) {
    return std::nullopt;  // someone else holds a live lease
  }
  lease_record next;
  next.holder = identity_;
  next.lease_duration_seconds = std::chrono::duration_cast<std::chrono::seconds>(cfg_.lease_duration).count();
  next.renew_time = micro_time(wall);
  const bool ours = observed && observed->holder == identity_;
  next.acquire_time = ours ? observed->acquire_time : next.renew_time;
  next.transitions = observed ? observed->transitions + (ours ? 0 : 1) : 0;
  return next;
}

void election_fsm::on_written(const lease_record& written, clock::time_point now) {
  observed_ = written;
  observed_at_ = now;
  renewed_at_ = now;
}

lease_record election_fsm::release(std::chrono::system_clock::time_point wall) const {
  lease_record r = observed_.value_or(lease_record{});
  r.holder.clear();
  r.lease_duration_seconds = 1;
  r.renew_time = micro_time(wall);
  r.acquire_time = r.renew_time;
  return r;
}

bool election_fsm::leading(clock::time_point now) const {
  return renewed_at_ && observed_ && observed_->holder == identity_ && now - *renewed_at_ < cfg_.renew_deadline;
}

namespace {

// Lease calls get their own client: one attempt, bounded by the retry period, so a hanging
// apiserver cannot stretch a renewal past the renew deadline (client-go bounds it the same way).
std::shared_ptr<client> lease_client(const std::shared_ptr<client>& http, const lease_config& cfg) {
  config c = http->cfg();
  c.request_timeout = cfg.retry_period;
  client_options opts;
  opts.max_attempts = 1;
  return client::create(http->executor(), std::move(c), opts).value();
}

}  // namespace

leader_election::leader_election(std::shared_ptr<client> http, std::string ns, std::string name, std::string identity,
                                 lease_config cfg)
    : leases_(lease_client(http, cfg), resources::leases(), std::move(ns)),
      name_(std::move(name)),
      fsm_(std::move(identity), cfg) {}

object leader_election::lease_object(const lease_record& r) const {
  boost::json::object spec{{"holderIdentity", r.holder},
                           {"leaseDurationSeconds", r.lease_duration_seconds},
                           {"acquireTime", r.acquire_time},
                           {"renewTime", r.renew_time},
                           {"leaseTransitions", r.transitions}};
  boost::json::object meta{{"name", name_}, {"namespace", leases_.requests().ns()}};
  if (!resource_version_.empty()) {
    meta["resourceVersion"] = resource_version_;  // optimistic concurrency: lose races cleanly
  }
  return {{"apiVersion", "coordination.k8s.io/v1"}, {"kind", "Lease"}, {"metadata", meta}, {"spec", spec}};
}

asio::awaitable<bool> leader_election::try_acquire_or_renew() {
  auto current = co_await leases_.get(name_);
  std::optional<lease_record> observed;
  if (current) {
    observed = lease_from(*current);
    resource_version_ = std::string(resource_version_of(*current));
    exists_ = true;
  } else if (current.error().is(error_kind::not_found)) {
    exists_ = false;
    resource_version_.clear();
  } else {
    spdlog::warn("msg=\"cannot read lease\" lease={} error=\"{}\"", name_, current.error().describe());
    co_return false;
  }
  auto next = fsm_.try_acquire(observed, election_fsm::clock::now(), std::chrono::system_clock::now());
  if (!next) {
    co_return false;
  }
  const auto body = lease_object(*next);
  // Not a conditional expression: GCC 12 miscompiles co_await inside ?: (seen as a crash).
  result<object> written = make_error(error_kind::unknown_status, "not written");
  if (exists_) {
    written = co_await leases_.replace(name_, body);
  } else {
    written = co_await leases_.create(body);
  }
  if (!written) {
    // Conflict means another candidate wrote first: normal, not worth a warning.
    if (!written.error().is(error_kind::conflict) && !written.error().is(error_kind::already_exists)) {
      spdlog::warn("msg=\"cannot write lease\" lease={} error=\"{}\"", name_, written.error().describe());
    }
    co_return false;
  }
  resource_version_ = std::string(resource_version_of(*written));
  exists_ = true;
  fsm_.on_written(*next, election_fsm::clock::now());
  co_return true;
}

asio::awaitable<void> leader_election::run(std::function<void()> on_started, std::function<void()> on_stopped) {
  auto ex = co_await asio::this_coro::executor;
  auto cs = co_await asio::this_coro::cancellation_state;
  asio::steady_timer timer(ex);
  const auto& cfg = fsm_.config();
  bool leading = false;
  while (cs.cancelled() == asio::cancellation_type::none) {
    const bool ok = co_await try_acquire_or_renew();
    const auto now = election_fsm::clock::now();
    if (ok && !leading) {
      leading = true;
      spdlog::info("msg=\"became leader\" lease={} identity={}", name_, fsm_.identity());
      on_started();
    } else if (leading && !fsm_.leading(now)) {
      spdlog::error("msg=\"leader election lost\" lease={} identity={}", name_, fsm_.identity());
      on_stopped();
      co_return;
    }
    timer.expires_after(cfg.retry_period);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> leader_election::release() {
  co_await asio::this_coro::throw_if_cancelled(false);
  if (!fsm_.leading(election_fsm::clock::now())) {
    co_return;
  }
  const auto body = lease_object(fsm_.release(std::chrono::system_clock::now()));
  auto r = co_await leases_.replace(name_, body);
  if (r) {
    fsm_.on_written(fsm_.release(std::chrono::system_clock::now()), election_fsm::clock::now());
    spdlog::info("msg=\"released lease\" lease={} identity={}", name_, fsm_.identity());
  } else {
    spdlog::warn("msg=\"cannot release lease\" lease={} error=\"{}\"", name_, r.error().describe());
  }
}

}  // namespace kube
