// Leader election on a coordination.k8s.io/v1 Lease, with client-go's rules and defaults
// (lease 15 s, renew deadline 10 s, retry period 2 s):
//  - another holder's lease counts as expired only when its record has not changed for
//    lease_duration as measured on *our* clock since we saw it change, so clock skew between
//    candidates does not matter;
//  - the leader renews every retry period; if it cannot renew within renew_deadline it stops
//    leading at once (before another candidate may take over); if it sees another holder on
//    the lease it stops at once (stricter than client-go, which keeps trying until the
//    deadline while its controllers still run);
//  - on graceful shutdown the leader releases the lease (empty holder), so a successor takes
//    over within one retry period.
// election_fsm holds the decisions and is pure; leader_election runs it against the apiserver.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "kube/client/api.hpp"

namespace kube {

struct lease_config {
  std::chrono::milliseconds lease_duration{15'000};
  std::chrono::milliseconds renew_deadline{10'000};
  std::chrono::milliseconds retry_period{2'000};
};

struct lease_record {
  std::string holder;
  std::int64_t lease_duration_seconds = 0;
  std::string acquire_time;  // MicroTime, written for humans; decisions never parse it
  std::string renew_time;
  std::int64_t transitions = 0;

  friend bool operator==(const lease_record&, const lease_record&) = default;
};

std::optional<lease_record> lease_from(const object& lease);
// RFC 3339 with microseconds, as metav1.MicroTime.
std::string micro_time(std::chrono::system_clock::time_point t);

class election_fsm {
 public:
  using clock = std::chrono::steady_clock;
  election_fsm(std::string identity, lease_config cfg) : identity_(std::move(identity)), cfg_(cfg) {}

  // The record to write to take or keep the lease, or nullopt when another live holder has
  // it. `observed` is the current lease (nullopt: no lease object yet).
  std::optional<lease_record> try_acquire(const std::optional<lease_record>& observed, clock::time_point now,
                                          std::chrono::system_clock::time_point wall);
  void on_written(const lease_record& written, clock::time_point now);
  // The record that gives the lease up (client-go's release).
  [[nodiscard]] lease_record release(std::chrono::system_clock::time_point wall) const;

  // True while we hold a lease renewed less than renew_deadline ago.
  [[nodiscard]] bool leading(clock::time_point now) const;
  [[nodiscard]] const std::string& identity() const { return identity_; }
  [[nodiscard]] const lease_config& config() const { return cfg_; }
  [[nodiscard]] const std::optional<lease_record>& observed() const { return observed_; }

 private:
  std::string identity_;
  lease_config cfg_;
  std::optional<lease_record> observed_;
  clock::time_point observed_at_{};
  std::optional<clock::time_point> renewed_at_;
};

class leader_election {
 public:
  leader_election(std::shared_ptr<client> http, std::string ns, std::string name, std::string identity,
                  lease_config cfg = {});

  // Campaigns until leading, then calls on_started, renews until the lease is lost (calls
  // on_stopped and returns) or the coroutine is cancelled (releases the lease, no callback).
  boost::asio::awaitable<void> run(std::function<void()> on_started, std::function<void()> on_stopped);
  // Gives the lease up if we hold it (for graceful shutdown after run() was cancelled).
  boost::asio::awaitable<void> release();
  [[nodiscard]] bool leading() const { return fsm_.leading(election_fsm::clock::now()); }

 private:
  boost::asio::awaitable<bool> try_acquire_or_renew();
  object lease_object(const lease_record& r) const;

  api leases_;
  std::string name_;
  election_fsm fsm_;
  std::string resource_version_;
  bool exists_ = false;
};

}  // namespace kube
