#include "kube_context.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "api/mcppool.hpp"
#include "api/mcpserver.hpp"
#include "exit_codes.hpp"
#include "mcp_version.hpp"

namespace kubectl_mcp {

namespace {

kube::api_resource resource(std::string_view plural, std::string_view kind) {
  return {std::string(api::group), std::string(api::version), std::string(plural), std::string(kind), true};
}

// kubectl's order: --kubeconfig, $KUBECONFIG (its first existing file), ~/.kube/config.
// Empty: none of them, so the pod's service account.
std::string kubeconfig_path(const std::string& flag) {
  if (!flag.empty())
    return flag;
  if (const char* kc = std::getenv("KUBECONFIG"); kc != nullptr && *kc != '\0') {
    std::string list(kc);
    for (std::size_t start = 0; start <= list.size();) {
      auto end = list.find(':', start);
      std::string file = list.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!file.empty() && std::filesystem::exists(file))
        return file;
      if (end == std::string::npos)
        break;
      start = end + 1;
    }
  }
  if (const char* home = std::getenv("HOME"); home != nullptr) {
    std::string path = std::string(home) + "/.kube/config";
    if (std::filesystem::exists(path))
      return path;
  }
  return {};
}

}  // namespace

kube::api kube_context::servers(const std::string& n) const {
  return {client, resource(api::plural, api::kind), n};
}
kube::api kube_context::pools(const std::string& n) const {
  return {client, resource(api::pool_plural, api::pool_kind), n};
}

std::optional<failure> make_context(const invocation& inv, const boost::asio::any_io_executor& ex, kube_context& out) {
  const std::string path = kubeconfig_path(inv.flags.kubeconfig);
  auto cfg = path.empty() ? kube::in_cluster_config() : kube::load_kubeconfig(path, inv.flags.context);
  if (!cfg) {
    std::string where = path.empty() ? "no kubeconfig ($KUBECONFIG, ~/.kube/config) and not in a pod" : path;
    return failure{exit_code::transport, where + ": " + cfg.error().message};
  }
  cfg->user_agent = std::string("kubectl-mcp/") + mcp_version::version;
  // A CLI sends a few requests: client-go's interactive defaults would only slow it down.
  cfg->qps = 100;
  cfg->burst = 200;
  cfg->request_timeout = inv.flags.request_timeout.count() == 0 ? std::chrono::hours(24)
                                                                : std::chrono::milliseconds(inv.flags.request_timeout);
  const std::string context_ns = cfg->default_namespace.empty() ? "default" : cfg->default_namespace;
  kube::client_options opts;
  opts.max_attempts = 3;
  // The plugin opens no watch; its only long-lived body is a followed log, which may stay
  // quiet for hours.
  opts.watch_idle_timeout = std::chrono::hours(24);
  auto c = kube::client::create(ex, std::move(*cfg), opts);
  if (!c)
    return failure{exit_code::transport, c.error().message};
  out.inv = inv;
  out.client = std::move(*c);
  out.ns = inv.flags.all_namespaces ? std::string() : inv.flags.ns.empty() ? context_ns : inv.flags.ns;
  return std::nullopt;
}

failure from_kube_error(const kube::error& e) {
  int code = exit_code::transport;
  if (e.is(kube::error_kind::forbidden) || e.is(kube::error_kind::unauthorized))
    code = exit_code::forbidden;
  else if (e.is(kube::error_kind::not_found))
    code = exit_code::not_found;
  if (e.http_status == 0)
    return {code, "cannot reach the apiserver: " + e.message};
  std::string reason = e.status && !e.status->reason.empty() ? e.status->reason : std::string(kube::to_string(e.kind));
  std::string message = e.status && !e.status->message.empty() ? e.status->message : e.message;
  return {code, "Error from server (" + reason + "): " + message};
}

boost::asio::awaitable<std::optional<resource_ref>> find_target(const kube_context& ctx, failure& why) {
  const std::string name = ctx.inv.name;
  auto server = co_await ctx.servers(ctx.ns).get(name);
  if (server)
    co_return resource_ref{kind::server, std::move(*server)};
  if (!server.error().is(kube::error_kind::not_found)) {
    why = from_kube_error(server.error());
    co_return std::nullopt;
  }
  auto pool = co_await ctx.pools(ctx.ns).get(name);
  if (pool)
    co_return resource_ref{kind::pool, std::move(*pool)};
  if (!pool.error().is(kube::error_kind::not_found)) {
    why = from_kube_error(pool.error());
    co_return std::nullopt;
  }
  why = {exit_code::not_found, "no MCPServer or MCPPool \"" + name + "\" in namespace \"" + ctx.ns + "\""};
  co_return std::nullopt;
}

int fail(const failure& f) {
  std::cerr << (f.message.starts_with("Error from server") ? "" : "error: ") << f.message << "\n";
  return f.code;
}

}  // namespace kubectl_mcp
