// A JSON Web Key Set (RFC 7517) turned into OpenSSL public keys, for verifying access tokens.
// Only what a resource server needs: RSA keys (2048 bits or more) and EC keys on P-256/P-384,
// each with its `kid` and optional `alg`. Private members ("d", ...) are ignored, keys meant
// for encryption (`use: enc`) and symmetric keys (`kty: oct`) are skipped: a JWKS never makes
// a shared secret a verification key, which is what closes the "HMAC signed with the public
// key" confusion. Pure: parsing does no I/O.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

using evp_pkey_st = struct evp_pkey_st;

namespace auth {

enum class key_type { rsa, ec_p256, ec_p384 };

struct public_key {
  std::string kid;  // may be empty: such a key matches only a token without a kid
  std::string alg;  // the JWK's "alg" if given; a token naming another alg is refused
  key_type type = key_type::rsa;
  std::shared_ptr<evp_pkey_st> pkey;
};

struct key_set {
  std::vector<public_key> keys;
  std::vector<std::string> skipped;  // "kid: why" for each key left out (logged, never fatal)

  // The key for `kid` ("" matches a key without kid, or the only key when there is one).
  [[nodiscard]] const public_key* find(std::string_view kid) const;
};

// Parses `{"keys":[...]}`. Fails only when the document is not a JWKS at all; unusable keys
// land in `skipped`.
boost::system::result<key_set> parse_jwks(std::string_view json, std::string& error);

}  // namespace auth
