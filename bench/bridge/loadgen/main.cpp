// mcp-bench-loadgen: drives MCP sessions against a proxy's Streamable HTTP endpoint, or
// straight against a stdio server for the baseline, and prints one JSON object on stdout.
//   mcp-bench-loadgen load --url http://127.0.0.1:PORT/mcp --sessions 8 --duration 5 [--rss-pid P]
//   mcp-bench-loadgen load --sessions 8 --duration 5 --stdio -- <server command...>
//   mcp-bench-loadgen init --url ... --count 10 [--pause 1] [--started-ns NS]
// Over HTTP, --tool names the tool called (default echo), --header adds a request header and
// --revision sets the protocol revision initialize offers (default 2025-06-18).
// Only loopback targets are accepted. One thread: it leaves the other core to the proxy.
#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json/serialize.hpp>
#include <iostream>

#include "http_session.hpp"
#include "runner.hpp"
#include "stdio_session.hpp"

namespace {
namespace asio = boost::asio;
using namespace loadgen;

// http://<loopback ip>:<port><path>
std::optional<http_target> parse_url(const std::string& url) {
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) {
    return std::nullopt;
  }
  const std::string rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  const auto colon = authority.rfind(':');
  if (colon == std::string::npos) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(authority.substr(0, colon), ec);
  if (ec || !addr.is_loopback()) {
    return std::nullopt;
  }
  const auto port = static_cast<unsigned short>(std::stoul(authority.substr(colon + 1)));
  http_target target;
  target.endpoint = {addr, port};
  target.host = authority;
  target.path = slash == std::string::npos ? "/" : rest.substr(slash);
  return target;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mcp-bench-loadgen: MCP load generator for the bridge benchmark"};
  app.require_subcommand(1);
  std::string url;
  std::vector<std::string> command;
  std::string tool = "echo";
  std::string revision = "2025-06-18";
  std::vector<std::string> headers;
  bool stdio = false;
  double timeout_s = 10;
  load_config load;
  init_config init;
  std::int64_t started_ns = 0;

  auto add_target = [&](CLI::App* sub) {
    sub->add_option("--url", url, "Streamable HTTP endpoint (loopback only)");
    sub->add_flag("--stdio", stdio, "Talk to the server command (after --) over stdio, one child per session");
    sub->add_option("--timeout", timeout_s, "Seconds before one request counts as hung");
    sub->add_option("--tool", tool, "HTTP: the tool to call, taking {\"message\": string} (default echo)");
    sub->add_option("--header", headers, "HTTP: 'Name: value' sent with every request; repeatable");
    sub->add_option("--revision", revision, "HTTP: the protocol revision initialize offers (default 2025-06-18)");
    sub->add_option("command", command, "The stdio server command, after --");
  };
  auto* load_cmd = app.add_subcommand("load", "N sessions at once, closed-loop tools/call echo");
  add_target(load_cmd);
  load_cmd->add_option("--sessions", load.sessions, "Concurrent sessions (one call in flight each)")
      ->check(CLI::Range(1U, 4096U));
  load_cmd->add_option("--warmup", load.warmup_s, "Seconds of calls before the measured window");
  load_cmd->add_option("--duration", load.duration_s, "Seconds of the measured window");
  load_cmd->add_option("--calls", load.calls, "Calls per session instead of a window (all measured)");
  load_cmd->add_option("--rss-pid", load.rss_pid,
                       "Sample this process's VmRSS with the sessions open, and its CPU time");
  load_cmd->add_option("--settle", load.settle_s, "Seconds to wait before each memory sample");
  auto* init_cmd = app.add_subcommand("init", "sessions one after another: time to a usable session");
  add_target(init_cmd);
  init_cmd->add_option("--count", init.count, "Sessions")->check(CLI::Range(1U, 1000U));
  init_cmd->add_option("--pause", init.pause_s, "Seconds between sessions");
  init_cmd->add_option("--started-ns", started_ns, "Realtime ns the proxy was started: also time start-up");
  CLI11_PARSE(app, argc, argv);

  const auto timeout = std::chrono::milliseconds(static_cast<long>(timeout_s * 1000));
  asio::io_context ioc(1);
  session_factory make;
  if (stdio) {
    if (command.empty()) {
      std::cerr << "--stdio needs a server command after --\n";
      return 2;
    }
    make = [&] { return std::make_unique<stdio_session>(ioc.get_executor(), command, timeout); };
  } else {
    auto target = parse_url(url);
    if (!target) {
      std::cerr << "--url must be http://<loopback address>:<port>/<path>\n";
      return 2;
    }
    target->tool = tool;
    target->revision = revision;
    for (const auto& h : headers) {
      const auto colon = h.find(':');
      if (colon == std::string::npos || colon == 0) {
        std::cerr << "--header takes 'Name: value', got " << h << "\n";
        return 2;
      }
      const auto start = h.find_first_not_of(' ', colon + 1);
      target->headers.emplace_back(h.substr(0, colon), start == std::string::npos ? "" : h.substr(start));
    }
    make = [&, t = *target] { return std::make_unique<http_session>(ioc.get_executor(), t, timeout); };
  }
  if (started_ns > 0) {
    init.started_ns = started_ns;
  }

  // SIGINT/SIGTERM (Ctrl-C, `timeout`): stop, so the sessions' destructors end their children.
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) {
      ioc.stop();
    }
  });
  std::optional<boost::json::object> result;
  std::exception_ptr error;
  auto done = [&](const std::exception_ptr& e, boost::json::object r) {
    error = e;
    result = std::move(r);
    signals.cancel();
  };
  if (load_cmd->parsed()) {
    asio::co_spawn(ioc, run_load(make, load), done);
  } else {
    asio::co_spawn(ioc, run_init(make, init), done);
  }
  ioc.run();
  if (!result) {
    std::cerr << "mcp-bench-loadgen: interrupted\n";
    return 130;
  }
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      std::cerr << "mcp-bench-loadgen: " << e.what() << "\n";
    }
    return 1;
  }
  std::cout << boost::json::serialize(*result) << "\n";
  return 0;
}
