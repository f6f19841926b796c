// The resource server of one MCP endpoint: decides about each request's bearer token with
// the issuer's keys (auth::key_source) and remembers tokens it verified until they expire,
// so a client's later requests cost a hash lookup instead of a signature check. The cache is
// bounded and dropped whenever the issuer's key set changes (a removed key stops its tokens).
// Also what refused clients are told: the challenge and the protected-resource metadata.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/bearer.hpp"
#include "auth/key_source.hpp"

namespace auth {

struct resource_server_options {
  policy rules;             // issuer, audience (the resource URI), required scopes, leeway
  key_source_options keys;  // where the keys come from
  std::size_t cache_entries = 4096;
};

class authenticator {
 public:
  authenticator(boost::asio::any_io_executor ex, resource_server_options o,
                std::function<void(bool ok, std::string)> note);

  // The decision for one request's Authorization header with the keys at hand; when it says
  // unknown_key, co_await keys().refresh_now() and decide again. (Not one coroutine taking
  // the header: g++ 12 destroys a coroutine's by-value class parameter twice in some calls.)
  decision decide(std::optional<std::string_view> authorization, std::chrono::system_clock::time_point now);

  [[nodiscard]] std::string challenge(const decision& d) const;
  // GET /.well-known/oauth-protected-resource[/path]: the paths this endpoint serves it on.
  [[nodiscard]] bool is_metadata_path(std::string_view path) const;
  [[nodiscard]] const std::string& metadata_document() const { return metadata_; }
  [[nodiscard]] key_source& keys() { return *keys_; }

 private:
  resource_server_options opts_;
  std::unique_ptr<key_source> keys_;
  std::string metadata_url_;
  std::string metadata_path_;  // path part of metadata_url_
  std::string metadata_;
  std::unordered_map<std::string, std::shared_ptr<const principal>> verified_;
  std::uint64_t cache_generation_ = 0;
};

// Fails (with `error`) when the options cannot make a resource server: no issuer, an audience
// that is not an absolute http(s) URI.
bool validate(const resource_server_options& o, std::string& error);

}  // namespace auth
