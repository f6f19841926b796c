// Test keys and token signing for the auth tests: real OpenSSL keys (RSA 2048, EC P-256),
// their JWKs, and compact JWS signed with them, so the verifier is tested against what an
// issuer really produces.
#pragma once

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <boost/json.hpp>

#include <memory>
#include <stdexcept>
#include <string>

#include "auth/base64url.hpp"

namespace auth_test {

using pkey_ptr = std::shared_ptr<EVP_PKEY>;

inline std::string bn_bytes(const EVP_PKEY* k, const char* name, int pad = 0) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(k, name, &bn) != 1) {
    throw std::runtime_error("no bn param");
  }
  std::string out(static_cast<std::size_t>(pad > 0 ? pad : BN_num_bytes(bn)), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
  BN_free(bn);
  return out;
}

struct test_key {
  pkey_ptr pkey;
  std::string kid;
  std::string alg;  // RS256 or ES256

  [[nodiscard]] boost::json::object jwk() const {
    boost::json::object o;
    o["kid"] = kid;
    o["use"] = "sig";
    if (alg == "ES256") {
      o["kty"] = "EC";
      o["crv"] = "P-256";
      o["x"] = auth::base64url_encode(bn_bytes(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32));
      o["y"] = auth::base64url_encode(bn_bytes(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32));
    } else {
      o["kty"] = "RSA";
      o["n"] = auth::base64url_encode(bn_bytes(pkey.get(), OSSL_PKEY_PARAM_RSA_N));
      o["e"] = auth::base64url_encode(bn_bytes(pkey.get(), OSSL_PKEY_PARAM_RSA_E));
    }
    return o;
  }
};

inline test_key rsa_key(std::string kid, unsigned bits = 2048) {
  return {pkey_ptr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)), EVP_PKEY_free),
          std::move(kid), "RS256"};
}

inline test_key ec_key(std::string kid) {
  return {pkey_ptr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free), std::move(kid), "ES256"};
}

inline std::string jwks_of(std::initializer_list<const test_key*> keys) {
  boost::json::array a;
  for (const auto* k : keys) {
    a.push_back(k->jwk());
  }
  return boost::json::serialize(boost::json::object{{"keys", a}});
}

// Signs header.claims with `k` (RS256 or ES256, r||s as JWS wants).
inline std::string sign(const boost::json::object& header, const boost::json::object& claims, const test_key& k) {
  const std::string input = auth::base64url_encode(boost::json::serialize(header)) + "." +
                            auth::base64url_encode(boost::json::serialize(claims));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, k.pkey.get());
  size_t len = 0;
  EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  sig.resize(len);
  if (k.alg == "ES256") {
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(es);
    sig = raw;
  }
  return input + "." + auth::base64url_encode(sig);
}

inline std::string sign(const boost::json::object& claims, const test_key& k) {
  return sign(boost::json::object{{"alg", k.alg}, {"kid", k.kid}, {"typ", "JWT"}}, claims, k);
}

}  // namespace auth_test
