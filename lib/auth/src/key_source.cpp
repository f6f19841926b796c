#include "auth/key_source.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

namespace auth {

namespace asio = boost::asio;

key_source::key_source(asio::any_io_executor ex, key_source_options o, std::function<void(bool, std::string)> note)
    : ex_(std::move(ex)),
      opts_(std::move(o)),
      note_(std::move(note)),
      keys_(std::make_shared<const key_set>()),
      jwks_url_(opts_.jwks_url),
      done_(ex_, asio::steady_timer::time_point::max()) {}

asio::awaitable<void> key_source::fetch_once() {
  if (jwks_url_.empty()) {
    std::string base = opts_.issuer;
    while (!base.empty() && base.back() == '/') {
      base.pop_back();
    }
    std::string error;
    for (const char* well_known : {"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"}) {
      auto r = co_await http_get(ex_, base + well_known, opts_.fetch);
      if (!r.ok) {
        error += (error.empty() ? "" : "; ") + r.error;
        continue;
      }
      boost::system::error_code ec;
      auto doc = boost::json::parse(r.body, ec);
      const auto* uri = !ec && doc.is_object() ? doc.as_object().if_contains("jwks_uri") : nullptr;
      if (!uri || !uri->is_string()) {
        error += (error.empty() ? "" : "; ") + std::string("no jwks_uri in ") + base + well_known;
        continue;
      }
      jwks_url_ = std::string(uri->as_string());
      break;
    }
    if (jwks_url_.empty()) {
      last_error_ = "issuer discovery failed: " + error;
      note_(false, last_error_);
      co_return;
    }
  }
  auto r = co_await http_get(ex_, jwks_url_, opts_.fetch);
  if (!r.ok) {
    last_error_ = r.error;
    note_(false, last_error_);
    co_return;
  }
  std::string error;
  auto set = parse_jwks(r.body, error);
  if (!set) {
    last_error_ = jwks_url_ + ": " + error;
    note_(false, last_error_);
    co_return;
  }
  last_error_.clear();
  loaded_ = true;
  if (r.body != fingerprint_) {
    fingerprint_ = std::move(r.body);
    const std::size_t n = set->keys.size();
    std::string skipped;
    for (const auto& s : set->skipped) {
      skipped += (skipped.empty() ? "" : "; ") + s;
    }
    keys_ = std::make_shared<const key_set>(std::move(*set));
    ++generation_;
    note_(true, "signing keys loaded from " + jwks_url_ + ": " + std::to_string(n) +
                    (skipped.empty() ? "" : " (skipped: " + skipped + ")"));
  }
}

void key_source::set_keys(key_set keys) {
  keys_ = std::make_shared<const key_set>(std::move(keys));
  loaded_ = true;
  ++generation_;
}

asio::awaitable<void> key_source::refresh_now() {
  if (fetching_) {
    // That fetch may have read the set before the token's key existed: wait for it, then
    // fetch once more if the budget allows (the caller decides again in between).
    co_await done_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  const auto now = std::chrono::steady_clock::now();
  refetch_budget_ = std::min(3.0, refetch_budget_ + std::chrono::duration<double>(now - budget_at_).count() /
                                                        std::chrono::duration<double>(opts_.min_refetch).count());
  budget_at_ = now;
  if (refetch_budget_ < 1) {
    co_return;
  }
  refetch_budget_ -= 1;
  co_await fetch_or_join();
}

asio::awaitable<void> key_source::fetch_or_join() {
  if (fetching_) {
    co_await done_.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return;
  }
  fetching_ = true;
  struct finish {
    key_source& self;
    ~finish() {
      self.fetching_ = false;
      self.done_.cancel();  // wakes every waiter; the timer stays at max for the next fetch
    }
  } guard{*this};
  co_await fetch_once();
}

asio::awaitable<void> key_source::run() {
  asio::steady_timer tick(ex_);
  for (;;) {
    co_await fetch_or_join();
    // Until the first set is in, retry soon; afterwards every `refresh`.
    tick.expires_after(loaded_ ? opts_.refresh : std::min<std::chrono::seconds>(opts_.min_refetch, opts_.refresh));
    auto [ec] = co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      co_return;
    }
  }
}

}  // namespace auth
