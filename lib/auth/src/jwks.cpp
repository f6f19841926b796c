#include "auth/jwks.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "auth/base64url.hpp"

namespace auth {
namespace {

using bn_ptr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;
using bld_ptr = std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)>;
using params_ptr = std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)>;
using pctx_ptr = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;

std::string str(const boost::json::object& o, std::string_view k) {
  const auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

// Base64url without padding is what RFC 7518 asks for; some issuers pad anyway.
std::optional<std::string> b64(std::string s) {
  while (!s.empty() && s.back() == '=') {
    s.pop_back();
  }
  return base64url_decode(s);
}

std::shared_ptr<evp_pkey_st> from_params(const char* type, OSSL_PARAM* params) {
  pctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* pkey = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    return nullptr;
  }
  return {pkey, EVP_PKEY_free};
}

std::shared_ptr<evp_pkey_st> rsa_key(const std::string& n, const std::string& e, std::string& why) {
  bn_ptr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()), nullptr),
              BN_free);
  bn_ptr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()), nullptr),
              BN_free);
  if (!bn_n || !bn_e) {
    why = "bad modulus or exponent";
    return nullptr;
  }
  if (BN_num_bits(bn_n.get()) < 2048) {
    why = "RSA modulus shorter than 2048 bits";
    return nullptr;
  }
  bld_ptr bld(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    why = "out of memory";
    return nullptr;
  }
  params_ptr params(OSSL_PARAM_BLD_to_param(bld.get()), OSSL_PARAM_free);
  auto k = params ? from_params("RSA", params.get()) : nullptr;
  if (!k) {
    why = "OpenSSL refused the RSA key";
  }
  return k;
}

std::shared_ptr<evp_pkey_st> ec_key(const char* group, std::size_t coord, const std::string& x, const std::string& y,
                                    std::string& why) {
  if (x.size() != coord || y.size() != coord) {
    why = "EC coordinates of the wrong length";
    return nullptr;
  }
  std::string point = "\x04" + x + y;  // uncompressed SEC1 point
  bld_ptr bld(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    why = "out of memory";
    return nullptr;
  }
  params_ptr params(OSSL_PARAM_BLD_to_param(bld.get()), OSSL_PARAM_free);
  auto k = params ? from_params("EC", params.get()) : nullptr;
  if (!k) {
    why = "OpenSSL refused the EC key (not a point on the curve?)";
  }
  return k;
}

std::optional<public_key> parse_key(const boost::json::object& o, std::string& why) {
  public_key k;
  k.kid = str(o, "kid");
  k.alg = str(o, "alg");
  const std::string kty = str(o, "kty");
  const std::string use = str(o, "use");
  if (!use.empty() && use != "sig") {
    why = "use is " + use;
    return std::nullopt;
  }
  if (kty == "RSA") {
    auto n = b64(str(o, "n"));
    auto e = b64(str(o, "e"));
    if (!n || !e || n->empty() || e->empty()) {
      why = "RSA key without valid n and e";
      return std::nullopt;
    }
    k.type = key_type::rsa;
    k.pkey = rsa_key(*n, *e, why);
  } else if (kty == "EC") {
    const std::string crv = str(o, "crv");
    auto x = b64(str(o, "x"));
    auto y = b64(str(o, "y"));
    if (!x || !y) {
      why = "EC key without valid x and y";
      return std::nullopt;
    }
    if (crv == "P-256") {
      k.type = key_type::ec_p256;
      k.pkey = ec_key("P-256", 32, *x, *y, why);
    } else if (crv == "P-384") {
      k.type = key_type::ec_p384;
      k.pkey = ec_key("P-384", 48, *x, *y, why);
    } else {
      why = "unsupported curve " + crv;
      return std::nullopt;
    }
  } else {
    why = kty.empty() ? "no kty" : "unsupported kty " + kty;  // "oct" included: never a verification key
    return std::nullopt;
  }
  if (!k.pkey) {
    return std::nullopt;
  }
  return k;
}

}  // namespace

const public_key* key_set::find(std::string_view kid) const {
  for (const auto& k : keys) {
    if (k.kid == kid) {
      return &k;
    }
  }
  if (kid.empty() && keys.size() == 1) {
    return keys.data();
  }
  return nullptr;
}

boost::system::result<key_set> parse_jwks(std::string_view json, std::string& error) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(json, ec);
  const auto* keys = !ec && doc.is_object() ? doc.as_object().if_contains("keys") : nullptr;
  if (!keys || !keys->is_array()) {
    error = "not a JSON Web Key Set (no \"keys\" array)";
    return boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
  }
  key_set set;
  for (const auto& v : keys->as_array()) {
    if (!v.is_object()) {
      set.skipped.emplace_back("(not an object)");
      continue;
    }
    std::string why;
    if (auto k = parse_key(v.as_object(), why)) {
      set.keys.push_back(std::move(*k));
    } else {
      set.skipped.push_back(str(v.as_object(), "kid") + ": " + why);
    }
  }
  return set;
}

}  // namespace auth
