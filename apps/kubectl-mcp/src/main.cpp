// kubectl-mcp: the kubectl plugin for MCP servers (`kubectl mcp ...`; docs/kubectl-mcp.md).
// One thread, one io_context: the command's coroutine (and, for logs -f, one per followed
// container) runs until it is done; the exit status is the command's.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>

#include "cli.hpp"
#include "commands.hpp"
#include "completion.hpp"
#include "exit_codes.hpp"
#include "mcp_version.hpp"

int main(int argc, char** argv) {
  using namespace kubectl_mcp;
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = parse_command_line(args);
  if (!parsed.inv) {
    (parsed.exit_code == exit_code::ok ? std::cout : std::cerr) << parsed.text;
    return parsed.exit_code;
  }
  const invocation& inv = *parsed.inv;
  if (inv.cmd == command::version) {
    std::cout << "kubectl-mcp " << mcp_version::version << "\n";
    return exit_code::ok;
  }
  if (inv.cmd == command::completion) {
    std::cout << completion_script(inv.shell);
    return exit_code::ok;
  }
  boost::asio::io_context io;
  kube_context ctx;
  if (auto f = make_context(inv, io.get_executor(), ctx))
    return fail(*f);
  int status = exit_code::transport;
  auto run = [&ctx]() -> boost::asio::awaitable<int> {
    switch (ctx.inv.cmd) {
      case command::get:
        return run_get(ctx);
      case command::tools:
      case command::call:
        return run_tools_or_call(ctx);
      case command::describe:
        return run_describe(ctx);
      default:
        return run_logs(ctx);
    }
  };
  boost::asio::co_spawn(io, run(), [&status](std::exception_ptr e, int code) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        std::cerr << "error: " << x.what() << "\n";
      }
      return;
    }
    status = code;
  });
  io.run();
  std::cout << std::flush;
  return status;
}
