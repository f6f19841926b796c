// base64url without padding (RFC 4648 section 5), for JOSE and the gateway's sealed session
// ids. Strict: the decoder accepts only what the encoder writes (no '=', no whitespace, no
// length of 1 mod 4, zero unused trailing bits), so a token has exactly one spelling and a
// changed character is never silently ignored.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace auth {

std::string base64url_encode(std::string_view in);
std::optional<std::string> base64url_decode(std::string_view in);

constexpr std::size_t base64url_length(std::size_t bytes) {
  return (bytes * 4 + 2) / 3;
}

}  // namespace auth
