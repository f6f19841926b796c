// What a refused client is told, so that it can act (RFC 6750 section 3, RFC 9728, the MCP
// authorization spec): the HTTP status of each outcome, the WWW-Authenticate challenge with
// `resource_metadata` (where the protected-resource metadata is) and `scope` (what to ask
// the authorization server for), and that metadata document itself. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/bearer.hpp"

namespace auth {

// 401 for no_token and invalid_token, 400 for invalid_request, 403 for insufficient_scope.
unsigned http_status(outcome o);

// `Bearer resource_metadata="...", scope="..."` plus error and error_description when a
// token was sent (none when it was absent, as RFC 6750 asks).
std::string www_authenticate(const decision& d, std::string_view resource_metadata_url,
                             const std::vector<std::string>& scopes);

// RFC 9728 section 3.1: https://host/path -> https://host/.well-known/oauth-protected-resource/path
// (no path: .../oauth-protected-resource). nullopt when `resource` is not an http(s) URL
// without query or fragment.
std::optional<std::string> metadata_url(std::string_view resource);

// The metadata document (JSON): resource, authorization_servers, scopes_supported,
// bearer_methods_supported ["header"].
std::string protected_resource_metadata(std::string_view resource,
                                        const std::vector<std::string>& authorization_servers,
                                        const std::vector<std::string>& scopes);

}  // namespace auth
