#include "http_guard.hpp"

#include <algorithm>

namespace bridge {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

bool is_loopback_authority(std::string_view host_port) {
  std::string h = lower(host_port);
  if (!h.empty() && h.front() == '[') {
    const auto close = h.find(']');
    if (close == std::string::npos) {
      return false;
    }
    const std::string rest = h.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || rest.find_first_not_of("0123456789", 1) != std::string::npos)) {
      return false;
    }
    return h.substr(0, close + 1) == "[::1]";
  }
  const auto colon = h.find(':');
  if (colon != std::string::npos) {
    if (h.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
      return false;
    }
    h.resize(colon);
  }
  return h == "localhost" || h == "127.0.0.1";
}

bool origin_allowed(std::optional<std::string_view> origin, const std::vector<std::string>& allowed) {
  if (!origin) {
    return true;
  }
  if (!allowed.empty()) {
    return std::any_of(allowed.begin(), allowed.end(), [&](const std::string& a) { return a == "*" || a == *origin; });
  }
  std::string_view o = *origin;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (o.substr(0, scheme.size()) == scheme) {
      std::string_view authority = o.substr(scheme.size());
      if (!authority.empty() && authority.back() == '/') {
        authority.remove_suffix(1);
      }
      return is_loopback_authority(authority);
    }
  }
  return false;
}

bool bearer_matches(std::optional<std::string_view> authorization, std::string_view token) {
  if (!authorization || authorization->size() < 7) {
    return false;
  }
  if (lower(authorization->substr(0, 7)) != "bearer ") {
    return false;
  }
  const std::string_view given = authorization->substr(7);
  unsigned char diff = given.size() == token.size() ? 0 : 1;
  for (std::size_t i = 0; i < token.size(); ++i) {
    diff |= static_cast<unsigned char>(token[i] ^ (i < given.size() ? given[i] : 0));
  }
  return diff == 0;
}

}  // namespace bridge
