// One bounded HTTP(S) GET, for the documents an OAuth resource server reads from its issuer
// (OIDC / RFC 8414 discovery and the JWKS). TLS verifies the peer against --auth-ca-file or
// the system trust store, with SNI and host-name (or IP) checks; an optional bearer token
// file (the pod's ServiceAccount token, for the cluster's own issuer) is read on each fetch.
// The whole fetch has one deadline and the body a size cap; redirects are not followed.
// Runs on the caller's executor; the arguments are taken by value (coroutine).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <string>

namespace auth {

struct fetch_options {
  std::string ca_file;     // PEM bundle; empty: the system trust store
  std::string token_file;  // sent as "Authorization: Bearer"; empty: none
  std::chrono::milliseconds timeout{5000};
  std::size_t max_bytes = std::size_t{1} << 20;
};

struct fetch_result {
  bool ok = false;
  std::string body;   // the body of a 200
  std::string error;  // why not, naming the URL
};

boost::asio::awaitable<fetch_result> http_get(boost::asio::any_io_executor ex, std::string url, fetch_options o);

}  // namespace auth
