#include "auth/base64url.hpp"

#include <array>
#include <cstdint>

namespace auth {
namespace {

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::uint8_t invalid = 0xff;

constexpr std::array<std::uint8_t, 256> decoding_table() {
  std::array<std::uint8_t, 256> t{};
  t.fill(invalid);
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return t;
}

constexpr auto decoding = decoding_table();

}  // namespace

std::string base64url_encode(std::string_view in) {
  std::string out;
  out.reserve(base64url_length(in.size()));
  std::uint32_t buf = 0;
  int bits = 0;
  for (char c : in) {
    buf = (buf << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[(buf >> bits) & 0x3f]);
    }
  }
  if (bits > 0) {
    out.push_back(alphabet[(buf << (6 - bits)) & 0x3f]);
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view in) {
  if (in.size() % 4 == 1) {
    return std::nullopt;  // 6 bits cannot end a byte
  }
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t buf = 0;
  int bits = 0;
  for (char c : in) {
    const std::uint8_t v = decoding[static_cast<unsigned char>(c)];
    if (v == invalid) {
      return std::nullopt;
    }
    buf = (buf << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buf >> bits) & 0xff));
    }
  }
  if ((buf & ((1u << bits) - 1)) != 0) {
    return std::nullopt;  // bits the encoder leaves zero
  }
  return out;
}

}  // namespace auth
