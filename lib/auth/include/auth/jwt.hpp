// A JWS-signed JWT in compact form (RFC 7515/7519) and the check of its signature. Only
// asymmetric algorithms are accepted: RS256/384/512, PS256/384/512, ES256, ES384. "none" and
// every HMAC algorithm are refused before any key is looked at, and the key's type (and its
// JWK "alg", when given) must match the token's alg, so a token cannot choose how it is
// verified. Pure: no I/O, no clock.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "auth/jwks.hpp"

namespace auth {

struct jwt {
  std::string alg;
  std::string kid;
  boost::json::object claims;
  std::string_view signing_input;  // "header.payload", a view into the token text
  std::string signature;           // decoded bytes
};

// Splits and decodes a compact JWS; nullopt (with `error`) when it is not one: not three
// base64url parts, header or payload not a JSON object, no alg, or a JWE (five parts).
std::optional<jwt> parse_jwt(std::string_view token, std::string& error);

// True when the algorithm is one this library verifies.
bool supported_alg(std::string_view alg);

// Verifies `t.signature` over `t.signing_input` with `key`; false with `error` when the key
// does not fit the alg or the signature is wrong.
bool verify_signature(const jwt& t, const public_key& key, std::string& error);

}  // namespace auth
