#include "gateway/seal.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <memory>

#include "auth/base64url.hpp"
#include "gateway/error.hpp"

namespace gateway {
namespace {

struct ctx_deleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, ctx_deleter>;

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* bytes_of(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

std::uint64_t get_uint(std::string_view s, std::size_t at, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  }
  return v;
}

void put_uint(std::string& out, std::uint64_t v, int bytes) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

// AES-256-GCM over `plaintext`, authenticating `aad`; writes ciphertext then tag to `out`.
bool encrypt(const sealing_key& key, std::string_view nonce, std::string_view aad, std::string_view plaintext,
             std::string& out) {
  cipher_ctx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.bytes.data(), bytes_of(nonce)) != 1) {
    return false;
  }
  int n = 0;
  if (EVP_EncryptUpdate(ctx.get(), nullptr, &n, bytes_of(aad), static_cast<int>(aad.size())) != 1) {
    return false;
  }
  const std::size_t at = out.size();
  out.resize(at + plaintext.size() + envelope::tag_size);
  unsigned char* dst = bytes_of(out) + at;
  int written = 0;
  if (EVP_EncryptUpdate(ctx.get(), dst, &written, bytes_of(plaintext), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), dst + written, &n) != 1 ||
      static_cast<std::size_t>(written) + static_cast<std::size_t>(n) != plaintext.size()) {
    return false;
  }
  return EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(envelope::tag_size),
                             dst + plaintext.size()) == 1;
}

// The plaintext, error::tampered when the tag does not verify.
boost::system::result<std::string> decrypt(const sealing_key& key, std::string_view nonce, std::string_view aad,
                                           std::string_view ciphertext, std::string_view tag) {
  cipher_ctx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.bytes.data(), bytes_of(nonce)) != 1) {
    return error::crypto_failure;
  }
  int n = 0;
  if (EVP_DecryptUpdate(ctx.get(), nullptr, &n, bytes_of(aad), static_cast<int>(aad.size())) != 1) {
    return error::crypto_failure;
  }
  std::string plaintext(ciphertext.size(), '\0');
  int written = 0;
  if (EVP_DecryptUpdate(ctx.get(), bytes_of(plaintext), &written, bytes_of(ciphertext),
                        static_cast<int>(ciphertext.size())) != 1) {
    return error::crypto_failure;
  }
  std::array<unsigned char, envelope::tag_size> expected{};
  std::copy(tag.begin(), tag.end(), expected.begin());
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(expected.size()), expected.data()) != 1) {
    return error::crypto_failure;
  }
  // The tag check: OpenSSL compares in constant time. A failure here is the only answer an
  // altered token gets, whatever was altered.
  if (EVP_DecryptFinal_ex(ctx.get(), bytes_of(plaintext) + written, &n) != 1) {
    return error::tampered;
  }
  return plaintext;
}

// "g<digits>." for some other format version.
bool other_version_prefix(std::string_view token) {
  const auto dot = token.find('.');
  if (token.size() < 3 || token.front() != 'g' || dot == std::string_view::npos || dot < 2) {
    return false;
  }
  return std::all_of(token.begin() + 1, token.begin() + static_cast<std::ptrdiff_t>(dot),
                     [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

boost::system::result<std::string> seal(const session_record& record, const keyring& ring, std::int64_t now) {
  if (record.expires_at <= now) {
    return error::expired;
  }
  auto plaintext = encode_record(record);
  if (!plaintext) {
    return plaintext.error();
  }
  const auto& key = ring.current();
  std::string header;
  put_uint(header, token_version, 1);
  put_uint(header, key.id, 4);
  put_uint(header, plaintext->size(), 2);
  std::string nonce(envelope::nonce_size, '\0');
  if (RAND_bytes(bytes_of(nonce), static_cast<int>(nonce.size())) != 1) {
    return error::crypto_failure;
  }
  std::string env = header + nonce;
  if (!encrypt(key, nonce, header, *plaintext, env)) {
    return error::crypto_failure;
  }
  return std::string(token_prefix) + auth::base64url_encode(env);
}

boost::system::result<session_record> open(std::string_view token, const keyring& ring, std::int64_t now) {
  if (token.size() > max_token_length) {
    return error::malformed;
  }
  if (!token.starts_with(token_prefix)) {
    return other_version_prefix(token) ? error::unsupported_version : error::malformed;
  }
  auto env = auth::base64url_decode(token.substr(token_prefix.size()));
  if (!env || env->empty()) {
    return error::malformed;
  }
  const std::string_view e(*env);
  if (static_cast<std::uint8_t>(e[0]) != token_version) {
    return error::unsupported_version;
  }
  if (e.size() < envelope::overhead) {
    return error::malformed;
  }
  const auto id = static_cast<key_id>(get_uint(e, 1, 4));
  const auto length = static_cast<std::size_t>(get_uint(e, 5, 2));
  if (length > record_limits::max_bytes || e.size() != envelope::overhead + length) {
    return error::malformed;
  }
  const sealing_key* key = ring.find(id);
  if (key == nullptr) {
    return error::unknown_key;
  }
  auto plaintext =
      decrypt(*key, e.substr(envelope::header_size, envelope::nonce_size), e.substr(0, envelope::header_size),
              e.substr(envelope::header_size + envelope::nonce_size, length),
              e.substr(envelope::header_size + envelope::nonce_size + length));
  if (!plaintext) {
    return plaintext.error();
  }
  auto record = parse_record(*plaintext);
  if (!record) {
    return record.error();
  }
  if (record->expires_at <= now) {
    return error::expired;
  }
  return record;
}

}  // namespace gateway
