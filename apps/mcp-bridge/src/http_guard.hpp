// The checks every MCP request passes before its body is looked at: DNS-rebinding
// protection (Origin, and Host when bound to loopback) answered with 403, and the optional
// bearer token answered with 401 + WWW-Authenticate. Pure functions over header values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bridge {

// True for localhost, 127.0.0.1 and [::1], with or without a port.
bool is_loopback_authority(std::string_view host_port);

// An absent Origin passes (non-browser clients send none). With an allow-list, the origin
// must be on it ("*" allows any); without one, only loopback origins pass.
bool origin_allowed(std::optional<std::string_view> origin, const std::vector<std::string>& allowed);

// Compares "Bearer <token>" in constant time (no early exit on the first differing byte).
bool bearer_matches(std::optional<std::string_view> authorization, std::string_view token);

}  // namespace bridge
