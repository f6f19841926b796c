#include "controllers/render_auth.hpp"

#include <boost/json.hpp>

#include "auth/challenge.hpp"

namespace controllers::parts {

namespace json = boost::json;

namespace {

constexpr std::string_view ca_volume = "mcp-auth-ca";
constexpr std::string_view sa_volume = "mcp-auth-sa";

std::string audience_of(const api::auth_settings& a, std::string_view default_audience) {
  return a.audience ? *a.audience : std::string(default_audience);
}

void add_mount(auth_rendering& out, std::string_view volume, std::string_view dir) {
  out.mounts.push_back(json::object{{"name", volume}, {"mountPath", dir}, {"readOnly", true}});
}

}  // namespace

auth_rendering render_auth(const std::optional<api::auth_settings>& auth, std::string_view default_audience,
                           const auth_defaults& defaults) {
  auth_rendering out;
  if (!auth)
    return out;
  const api::auth_settings& a = *auth;
  auto flag = [&out](std::string_view name, std::string_view value) {
    out.args.emplace_back(name);
    out.args.emplace_back(value);
  };
  if (a.mode == api::auth_mode::static_token) {
    flag("--token-env", auth_token_env);
    out.env.push_back(json::object{
        {"name", auth_token_env},
        {"valueFrom",
         json::object{{"secretKeyRef", json::object{{"name", a.token_secret ? a.token_secret->name : ""},
                                                    {"key", a.token_secret ? a.token_secret->key : ""}}}}}});
    return out;
  }
  const bool sa = a.mode == api::auth_mode::service_account;
  flag("--auth-issuer", sa ? defaults.service_account_issuer : a.issuer.value_or(""));
  flag("--auth-audience", audience_of(a, default_audience));
  for (const auto& s : a.required_scopes)
    flag("--auth-scope", s);
  if (sa) {
    const std::string dir(auth_sa_dir);
    flag("--auth-jwks-url", "https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)/openid/v1/jwks");
    flag("--auth-ca-file", dir + "/ca.crt");
    flag("--auth-fetch-token-file", dir + "/token");
    json::array sources{
        json::object{{"serviceAccountToken", json::object{{"path", "token"}, {"expirationSeconds", 3600}}}},
        json::object{
            {"configMap", json::object{{"name", "kube-root-ca.crt"},
                                       {"items", json::array{json::object{{"key", "ca.crt"}, {"path", "ca.crt"}}}}}}}};
    out.volumes.push_back(
        json::object{{"name", sa_volume}, {"projected", json::object{{"sources", std::move(sources)}}}});
    add_mount(out, sa_volume, auth_sa_dir);
    return out;
  }
  if (a.jwks_url)
    flag("--auth-jwks-url", *a.jwks_url);
  if (a.ca_config_map) {
    flag("--auth-ca-file", std::string(auth_ca_dir) + "/" + a.ca_config_map->key);
    json::object items{{"key", a.ca_config_map->key}, {"path", a.ca_config_map->key}};
    out.volumes.push_back(json::object{
        {"name", ca_volume},
        {"configMap", json::object{{"name", a.ca_config_map->name}, {"items", json::array{std::move(items)}}}}});
    add_mount(out, ca_volume, auth_ca_dir);
  }
  return out;
}

std::string auth_metadata_url(const api::auth_settings& a, std::string_view default_audience) {
  if (a.mode == api::auth_mode::static_token)
    return {};
  return auth::metadata_url(audience_of(a, default_audience)).value_or("");
}

}  // namespace controllers::parts
