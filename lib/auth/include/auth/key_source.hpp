// The issuer's signing keys, fetched and kept fresh: discovery (the issuer's
// /.well-known/openid-configuration, then RFC 8414 /.well-known/oauth-authorization-server)
// gives the jwks_uri unless one is configured; the JWKS is fetched at start, every
// `refresh`, and again when a token names a key the set lacks (rotation: issuers such as Hydra
// create a signing key only when the first token is issued). Those refetches are rate-limited
// (a burst of 3, then one per `min_refetch`), so tokens with made-up kids cannot make the
// server hammer its issuer. Callers that need keys while a fetch is running wait for that
// fetch instead of starting another.
// A failed fetch keeps the last good set. One executor, no locks.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "auth/fetch.hpp"
#include "auth/jwks.hpp"

namespace auth {

struct key_source_options {
  std::string issuer;
  std::string jwks_url;  // empty: discovered from the issuer
  fetch_options fetch;
  std::chrono::seconds refresh{300};
  std::chrono::seconds min_refetch{10};
};

class key_source {
 public:
  // `note` receives one line per fetch outcome worth logging (never a token).
  key_source(boost::asio::any_io_executor ex, key_source_options o, std::function<void(bool ok, std::string)> note);

  [[nodiscard]] const key_set& keys() const { return *keys_; }
  // Bumps whenever a fetch brought a different set (verified-token caches drop their entries).
  [[nodiscard]] std::uint64_t generation() const { return generation_; }
  [[nodiscard]] bool loaded() const { return loaded_; }
  [[nodiscard]] const std::string& last_error() const { return last_error_; }

  // Replaces the set with keys obtained another way (a JWKS read from a file); bumps generation.
  void set_keys(key_set keys);
  // A token named an unknown key: fetches now if the rate limit allows; joins a running fetch.
  boost::asio::awaitable<void> refresh_now();
  // Fetches at start and every `refresh` until cancelled.
  boost::asio::awaitable<void> run();

 private:
  boost::asio::awaitable<void> fetch_once();
  boost::asio::awaitable<void> fetch_or_join();

  boost::asio::any_io_executor ex_;
  key_source_options opts_;
  std::function<void(bool, std::string)> note_;
  std::shared_ptr<const key_set> keys_;
  std::string jwks_url_;
  std::string fingerprint_;  // the last JWKS body, to tell a changed set from the same one
  std::uint64_t generation_ = 0;
  bool loaded_ = false;
  bool fetching_ = false;
  std::string last_error_;
  double refetch_budget_ = 3;  // unknown-kid refetches allowed now (token bucket)
  std::chrono::steady_clock::time_point budget_at_ = std::chrono::steady_clock::now();
  boost::asio::steady_timer done_;  // waiters of a running fetch; cancelled when it ends
};

}  // namespace auth
