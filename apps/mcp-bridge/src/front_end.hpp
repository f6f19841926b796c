// The front end of mcp-bridge and mcp-gateway: listens on --host/--port, serves every MCP
// revision with the limits, Origin and token checks and metrics of http_server.hpp, and on
// SIGTERM/SIGINT stops in phases (stop accepting; let in-flight requests finish within
// --shutdown-grace; end or release every session; close the connections; reap children). A
// second signal cancels everything at once. Everything runs on one io_context thread.
// Exit statuses: 0 drained, 1 cannot listen, 2 bad --host, 3 grace period over, 4 forced.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <functional>

#include "link.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "options.hpp"

namespace bridge {

// Makes the session hooks on the front end's executor (mcp-gateway); none for mcp-bridge.
using hooks_maker = std::function<session_hooks(const boost::asio::any_io_executor&, metrics&)>;

// Serves until a shutdown completes; returns the exit status. `serving` is logged with the
// listening address (what the front end serves: a command, an upstream URL, a pool).
int run_front_end(const options& opts, const hooks_maker& make_hooks, log::field serving);

}  // namespace bridge
