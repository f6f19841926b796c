// spec.auth rendered for a front (mcp-bridge, mcp-gateway): its flags, and the volumes, mounts
// and environment they need. Mounts and env go into the front's container only (for protocol
// stdio that is the server container, where the bridge runs and starts the server's command).
// OIDC: --auth-issuer/--auth-audience/--auth-scope/--auth-jwks-url, and --auth-ca-file from a
// ConfigMap key. ServiceAccount: the cluster's issuer (the operator's --service-account-issuer),
// its JWKS read from the apiserver at $(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)
// (the kubelet sets both, with or without service links) with a projected token and the
// kube-root-ca.crt bundle; the pod's automountServiceAccountToken stays as it was. StaticToken:
// --token-env with the Secret key as the container's environment. Pure.
#pragma once

#include <boost/json/array.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "api/mcpserver.hpp"

namespace controllers::parts {

struct auth_defaults {
  // The issuer of the cluster's ServiceAccount tokens (`kubectl get --raw
  // /.well-known/openid-configuration` shows it).
  std::string service_account_issuer = "https://kubernetes.default.svc.cluster.local";
};

inline constexpr std::string_view auth_ca_dir = "/var/run/mcp/auth-ca";  // OIDC: <dir>/<key>
inline constexpr std::string_view auth_sa_dir = "/var/run/mcp/auth-sa";  // ServiceAccount: token, ca.crt
inline constexpr std::string_view auth_token_env = "MCP_AUTH_TOKEN";     // StaticToken

struct auth_rendering {
  boost::json::array args;     // the front's flags
  boost::json::array volumes;  // the pod's
  boost::json::array mounts;   // the front's container only
  boost::json::array env;      // the front's container only
};

// Nothing when `auth` is unset. `default_audience`: the object's in-cluster URL.
auth_rendering render_auth(const std::optional<api::auth_settings>& auth, std::string_view default_audience,
                           const auth_defaults& defaults);

// The audience the front enforces (spec.auth.audience, else `default_audience`), and the
// RFC 9728 metadata URL its 401 challenge names (what the operator's probe expects). Empty for
// StaticToken, whose front serves no metadata.
std::string auth_metadata_url(const api::auth_settings& auth, std::string_view default_audience);

}  // namespace controllers::parts
