// Where a gateway run with --pool learns its pool: three reflectors (lib/kube) in the pool's
// namespace, under the gateway's namespaced Role: its MCPPool (by name, so the Role may name
// it), the namespace's MCPServers and its EndpointSlices. Any change to one of them, batched
// for `settle` (100 ms), calls on_change with the view resolve_pool() makes of them, or with
// the reason there is none (the pool missing or invalid). So a change to the pool, a member or
// a member's pods reaches the gateway within about a second, without a restart.
//
// Remote members' tokens are files (the operator mounts each token Secret at
// <token dir>/<member>/token); they are read again at every change and every 10 s, so a
// token Secret updated in place reaches new upstream sessions without a restart.
//
// Reflectors retry forever with backoff (an apiserver restart costs a resume, not a crash);
// until the first complete list of all three, nothing is reported. Not thread-safe: lives on
// the front end's executor.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <functional>
#include <memory>
#include <string>

#include "kube/client/client.hpp"
#include "kube/runtime/store.hpp"
#include "pool_options.hpp"
#include "pool_view.hpp"

namespace gw {

class pool_source {
 public:
  using view_handler = std::function<void(boost::system::result<pool_view, std::string>)>;

  pool_source(const boost::asio::any_io_executor& ex, std::shared_ptr<kube::client> client, api_source src,
              bridge::http_upstream_config base, view_handler on_view);
  pool_source(const pool_source&) = delete;
  pool_source& operator=(const pool_source&) = delete;
  ~pool_source();

  void start();
  void stop();
  // All three lists arrived at least once.
  [[nodiscard]] bool synced() const;

 private:
  void changed();
  void start_token_timer();
  void report();
  std::optional<std::string> read_token(const std::string& member, std::string& why) const;

  boost::asio::any_io_executor ex_;
  std::shared_ptr<kube::client> client_;
  api_source src_;
  bridge::http_upstream_config base_;
  view_handler on_view_;
  kube::store pools_, servers_, slices_;
  std::array<boost::asio::cancellation_signal, 3> cancel_;
  boost::asio::steady_timer settle_;
  boost::asio::steady_timer tokens_;
  bool pending_ = false;
  bool stopped_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace gw
