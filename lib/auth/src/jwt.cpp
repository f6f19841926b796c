#include "auth/jwt.hpp"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <array>
#include <memory>

#include <boost/json/parse.hpp>

#include "auth/base64url.hpp"

namespace auth {
namespace {

struct alg_info {
  std::string_view name;
  const EVP_MD* (*md)();
  key_type key;
  bool pss;
  std::size_t ec_coord;  // bytes of r and s in an ES signature; 0 for RSA
};

const std::array<alg_info, 8> algs{{
    {"RS256", EVP_sha256, key_type::rsa, false, 0},
    {"RS384", EVP_sha384, key_type::rsa, false, 0},
    {"RS512", EVP_sha512, key_type::rsa, false, 0},
    {"PS256", EVP_sha256, key_type::rsa, true, 0},
    {"PS384", EVP_sha384, key_type::rsa, true, 0},
    {"PS512", EVP_sha512, key_type::rsa, true, 0},
    {"ES256", EVP_sha256, key_type::ec_p256, false, 32},
    {"ES384", EVP_sha384, key_type::ec_p384, false, 48},
}};

const alg_info* find_alg(std::string_view alg) {
  auto it = std::find_if(algs.begin(), algs.end(), [&](const alg_info& a) { return a.name == alg; });
  return it == algs.end() ? nullptr : &*it;
}

std::optional<boost::json::object> json_part(std::string_view b64) {
  auto raw = base64url_decode(b64);
  if (!raw) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  auto v = boost::json::parse(*raw, ec);
  if (ec || !v.is_object()) {
    return std::nullopt;
  }
  return std::move(v.as_object());
}

// JWS carries ECDSA signatures as r || s (fixed width); OpenSSL verifies DER.
std::optional<std::string> ecdsa_der(std::string_view raw, std::size_t coord) {
  if (raw.size() != 2 * coord) {
    return std::nullopt;
  }
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), ECDSA_SIG_free);
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(p, static_cast<int>(coord), nullptr);
  BIGNUM* s = BN_bin2bn(p + coord, static_cast<int>(coord), nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) {
    return std::nullopt;
  }
  std::string der(static_cast<std::size_t>(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_ECDSA_SIG(sig.get(), &out);
  return der;
}

}  // namespace

bool supported_alg(std::string_view alg) {
  return find_alg(alg) != nullptr;
}

std::optional<jwt> parse_jwt(std::string_view token, std::string& error) {
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) {
    error = "not a JWT (expected header.payload.signature)";
    return std::nullopt;
  }
  if (token.find('.', dot2 + 1) != std::string_view::npos) {
    error = "not a signed JWT (an encrypted JWE, or too many parts)";
    return std::nullopt;
  }
  auto header = json_part(token.substr(0, dot1));
  auto claims = json_part(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto sig = base64url_decode(token.substr(dot2 + 1));
  if (!header || !claims || !sig) {
    error = "not a JWT (a part is not base64url-encoded JSON)";
    return std::nullopt;
  }
  jwt t;
  const auto* alg = header->if_contains("alg");
  if (!alg || !alg->is_string()) {
    error = "the JWT header has no alg";
    return std::nullopt;
  }
  t.alg = std::string(alg->as_string());
  if (const auto* kid = header->if_contains("kid"); kid && kid->is_string()) {
    t.kid = std::string(kid->as_string());
  }
  if (const auto* crit = header->if_contains("crit"); crit) {
    error = "the JWT header has critical extensions this server does not understand";
    return std::nullopt;
  }
  t.claims = std::move(*claims);
  t.signing_input = token.substr(0, dot2);
  t.signature = std::move(*sig);
  return t;
}

bool verify_signature(const jwt& t, const public_key& key, std::string& error) {
  const alg_info* a = find_alg(t.alg);
  if (!a) {
    error = "alg " + t.alg + " is not accepted (only RS*, PS*, ES256, ES384)";
    return false;
  }
  if (a->key != key.type || (!key.alg.empty() && key.alg != t.alg)) {
    error = "alg " + t.alg + " does not match the key " + (key.kid.empty() ? "(no kid)" : key.kid);
    return false;
  }
  std::string der;
  std::string_view sig = t.signature;
  if (a->ec_coord != 0) {
    auto d = ecdsa_der(t.signature, a->ec_coord);
    if (!d) {
      error = "signature of the wrong length";
      return false;
    }
    der = std::move(*d);
    sig = der;
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, a->md(), nullptr, key.pkey.get()) != 1) {
    error = "cannot set up the signature check";
    return false;
  }
  if (a->pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                 EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    error = "cannot set up the PSS check";
    return false;
  }
  const int ok =
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(t.signing_input.data()), t.signing_input.size());
  if (ok != 1) {
    error = "signature verification failed";
    return false;
  }
  return true;
}

}  // namespace auth
