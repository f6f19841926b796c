// Command-line options of mcp-bridge, parsed with CLI11 (header-only, so it links statically).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authenticator.hpp"
#include "log.hpp"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace bridge {

enum class session_mode { per_session, shared };

struct options {
  session_mode mode = session_mode::per_session;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string path = "/mcp";
  std::size_t max_sessions = 100;
  std::chrono::seconds idle_timeout{300};
  std::size_t warm_pool = 1;
  std::chrono::seconds request_timeout{60};
  std::chrono::seconds shutdown_grace{10};
  // Hostile or careless clients (docs/bridge.md, "Limits"): every one of these bounds a
  // resource a client could otherwise hold or exhaust.
  std::size_t max_connections = 1024;       // open HTTP connections; more get 503 and are closed
  std::chrono::seconds write_timeout{30};   // a response write that makes no progress this long drops the connection
  std::size_t max_stream_buffer = 4 << 20;  // bytes queued for one stream before a non-reading client is dropped
  double session_rate = 20;                 // new sessions per second (token bucket)...
  std::size_t session_burst = 100;          // ...with this burst
  std::size_t max_starting = 4;             // children starting at once; more initializes queue
  std::chrono::seconds start_queue_timeout{10};  // longest wait in that queue before 503 + Retry-After
  std::size_t max_body = 4 << 20;
  std::size_t max_line = 4 << 20;
  std::optional<std::string> token;  // loaded from --token-file or --token-env; never logged
  // --auth-issuer: an OAuth 2.1 resource server (docs/security.md); every MCP request needs a
  // valid access token from that issuer naming this endpoint's resource URI.
  std::optional<auth::resource_server_options> oauth;
  std::vector<std::string> allowed_origins;
  log::format log_format = log::format::text;
  std::vector<std::string> command;
  std::optional<std::string> upstream;  // --upstream: an HTTP MCP server instead of a command
  std::optional<std::string> copy_to;   // --copy-to: install this binary there and exit
  // Traces (docs/observability.md, "Traces"): OTLP/HTTP JSON to this URL; none: tracing off.
  std::optional<std::string> otlp_endpoint;
  double trace_sample_ratio = 1.0;  // for traces that start here; a parent's flag decides otherwise
  std::string service_name;         // the resource's service.name (default: the program's name)
};

// Parses argv; on --help or a usage error prints to stderr and returns the exit code to use.
struct parse_outcome {
  std::optional<options> opts;
  int exit_code = 0;
};
parse_outcome parse_options(int argc, char** argv);

// The options every front end (mcp-bridge, mcp-gateway) takes, registered on `app`; the
// raw values land in `cli` until finish_front_end_options() applies them to `o` (and reads
// the token). finish returns 0, or the exit status of a usage error it printed.
struct front_end_cli {
  unsigned port = 0;
  CLI::Option* port_opt = nullptr;
  std::int64_t idle = 0, timeout = 0, grace = 0, write_timeout = 0;
  std::string token_file, token_env, log_format = "text";
  std::string auth_issuer, auth_audience, auth_jwks_url, auth_ca_file, auth_fetch_token_file;
  std::vector<std::string> auth_scopes;
  std::int64_t auth_leeway = 30;
};
void add_front_end_options(CLI::App& app, options& o, front_end_cli& cli);
int finish_front_end_options(options& o, const front_end_cli& cli, std::string_view program);

}  // namespace bridge
