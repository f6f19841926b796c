// The plugin's I/O toward the apiserver: the client made from the kubeconfig kubectl would use
// (--kubeconfig, else the first file of $KUBECONFIG, else ~/.kube/config, else the pod's
// service account), the namespace (-n, else the context's), finding the MCPServer or MCPPool
// a command names, and apiserver errors turned into one line and an exit status.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>

#include "cli.hpp"
#include "kube/client/api.hpp"
#include "kube/client/client.hpp"
#include "resources.hpp"

namespace kubectl_mcp {

struct failure {
  int code = 0;
  std::string message;  // one line, without the "error: " prefix
};

struct kube_context {
  invocation inv;
  std::shared_ptr<kube::client> client;
  std::string ns;  // the namespace commands act in ("" with -A)

  [[nodiscard]] kube::api servers(const std::string& ns) const;
  [[nodiscard]] kube::api pools(const std::string& ns) const;
  [[nodiscard]] kube::api core(kube::api_resource r) const { return {client, std::move(r), ns}; }
};

// Builds the client; a kubeconfig that cannot be used (or no kubeconfig outside a pod) fails.
std::optional<failure> make_context(const invocation& inv, const boost::asio::any_io_executor& ex, kube_context& out);

// An apiserver error as kubectl words it ("Error from server (Forbidden): ...") and its exit
// status: 401/403 forbidden, 404 not_found, anything else transport.
failure from_kube_error(const kube::error& e);

// The MCPServer named inv.name in ctx.ns, else the MCPPool of that name; not_found when neither.
boost::asio::awaitable<std::optional<resource_ref>> find_target(const kube_context& ctx, failure& why);

// Prints "error: <message>" to stderr and returns its code.
int fail(const failure& f);

}  // namespace kubectl_mcp
