// The decision a resource server makes about one request's bearer token (RFC 6750, the MCP
// authorization spec): no token, a malformed header, an invalid token (bad signature, wrong
// issuer or audience, expired, not yet valid, unknown key), a valid token without the
// required scopes, or a principal. Pure and clock-injected: the key set comes from outside
// (auth::key_source fetches it), so the whole table of bad tokens is tested without sockets.
// Descriptions say what is wrong and never contain the token.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwks.hpp"

namespace auth {

struct policy {
  std::string issuer;    // the exact "iss" accepted
  std::string audience;  // the endpoint's canonical resource URI (RFC 8707), required in "aud"
  std::vector<std::string> required_scopes;
  std::chrono::seconds leeway{30};  // clock skew allowed on exp and nbf
};

enum class outcome { ok, no_token, invalid_request, invalid_token, insufficient_scope };

// Who called, as far as the token says. For a Kubernetes ServiceAccount token, sa_namespace
// and sa_name come from its "kubernetes.io" claim.
struct principal {
  std::string subject;
  std::string client_id;  // "client_id" or "azp"
  std::vector<std::string> groups;
  std::vector<std::string> scopes;
  std::string sa_namespace;
  std::string sa_name;
  std::chrono::system_clock::time_point expires{};
};

struct decision {
  outcome result = outcome::no_token;
  std::string description;   // why, for error_description and logs
  bool unknown_key = false;  // the token names a key the set lacks: fetch the JWKS again
  std::shared_ptr<const principal> who;
};

// The token of "Authorization: Bearer <token>": nullopt when absent or another scheme;
// an empty view when the header is malformed (empty token, spaces, bad characters).
std::optional<std::string_view> bearer_token(std::optional<std::string_view> authorization);

// Checks signature and claims of one token against `keys` and `p` at time `now`.
decision check_token(std::string_view token, const key_set& keys, const policy& p,
                     std::chrono::system_clock::time_point now);

// Scopes are checked apart from the token's validity, so a verified principal can be cached.
decision check_scopes(std::shared_ptr<const principal> who, const policy& p);

}  // namespace auth
