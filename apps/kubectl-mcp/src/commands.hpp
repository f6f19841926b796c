// The commands that talk to the cluster. Each returns the process's exit status (exit_codes.hpp)
// and prints its output itself: results on stdout, errors as one line on stderr.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "kube_context.hpp"

namespace kubectl_mcp {

boost::asio::awaitable<int> run_get(const kube_context& ctx);
boost::asio::awaitable<int> run_tools_or_call(const kube_context& ctx);
boost::asio::awaitable<int> run_describe(const kube_context& ctx);
boost::asio::awaitable<int> run_logs(const kube_context& ctx);

}  // namespace kubectl_mcp
