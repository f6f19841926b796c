// mcp-bridge: serves a stdio MCP server over HTTP. See http_server.hpp for the endpoints
// and session.hpp for how messages are routed. Everything runs on one io_context thread.
#include <cstdio>

#include "copy_self.hpp"
#include "front_end.hpp"
#include "log.hpp"
#include "options.hpp"

int main(int argc, char** argv) {
  auto parsed = bridge::parse_options(argc, argv);
  if (!parsed.opts) {
    return parsed.exit_code;
  }
  const bridge::options opts = std::move(*parsed.opts);
  if (opts.copy_to) {
    if (auto err = bridge::install_executable(bridge::self_executable, *opts.copy_to); !err.empty()) {
      std::fprintf(stderr, "mcp-bridge: %s\n", err.c_str());
      return 1;
    }
    return 0;
  }
  bridge::log::configure(opts.log_format, bridge::log::level::info);
  return bridge::run_front_end(opts, {},
                               opts.upstream ? bridge::log::field{"upstream", *opts.upstream}
                                             : bridge::log::field{"command", opts.command.front()});
}
