#include "options.hpp"

#include "http_link.hpp"
#include "mcp_version.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

namespace bridge {

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  const auto e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

}  // namespace

void add_front_end_options(CLI::App& app, options& o, front_end_cli& cli) {
  cli.idle = o.idle_timeout.count();
  cli.timeout = o.request_timeout.count();
  cli.grace = o.shutdown_grace.count();
  cli.write_timeout = o.write_timeout.count();
  app.add_option("--host", o.host, "Address to bind")->capture_default_str();
  cli.port_opt = app.add_option("--port", cli.port, "Port to listen on (0: any free port, logged at start)")
                     ->check(CLI::Range(0, 65535));
  app.add_option("--path", o.path, "Streamable HTTP endpoint path")->capture_default_str();
  app.add_option("--max-sessions", o.max_sessions, "Sessions served at once; more get 503")->capture_default_str();
  app.add_option("--idle-timeout", cli.idle, "Seconds before an idle session ends")->capture_default_str();
  app.add_option("--request-timeout", cli.timeout, "Seconds to wait for the server to answer a request")
      ->capture_default_str();
  app.add_option("--shutdown-grace", cli.grace,
                 "Seconds to finish in-flight requests after SIGTERM (a second SIGTERM cancels them at once)")
      ->capture_default_str();
  app.add_option("--max-connections", o.max_connections, "Open HTTP connections at once; more get 503 and are closed")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--write-timeout", cli.write_timeout,
                 "Seconds a response write may stall before the client is dropped")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--max-stream-buffer", o.max_stream_buffer,
                 "Bytes queued for one response stream before a client that does not read is dropped")
      ->check(CLI::Range(std::size_t{4096}, std::size_t{1} << 30))
      ->capture_default_str();
  app.add_option("--session-rate", o.session_rate, "New sessions per second; more get 429 with Retry-After")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--session-burst", o.session_burst, "New sessions allowed at once above --session-rate")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--max-body", o.max_body, "Largest accepted request body in bytes")->capture_default_str();
  app.add_option("--max-line", o.max_line, "Largest accepted message from the MCP server in bytes")
      ->capture_default_str();
  auto* tf = app.add_option("--token-file", cli.token_file, "File holding the bearer token clients must send");
  auto* te = app.add_option("--token-env", cli.token_env, "Environment variable holding the bearer token")->excludes(tf);
  app.add_option("--auth-issuer", cli.auth_issuer,
                 "OAuth 2.1: accept JWT access tokens from this issuer only; every MCP request needs one")
      ->excludes(tf)
      ->excludes(te);
  app.add_option("--auth-audience", cli.auth_audience,
                 "OAuth 2.1: this endpoint's resource URI (RFC 8707), which tokens must name in aud");
  app.add_option("--auth-jwks-url", cli.auth_jwks_url, "OAuth 2.1: the issuer's JWKS (default: discovered)");
  app.add_option("--auth-ca-file", cli.auth_ca_file,
                 "OAuth 2.1: CA bundle for the issuer's TLS (default: the system trust store)");
  app.add_option("--auth-fetch-token-file", cli.auth_fetch_token_file,
                 "OAuth 2.1: bearer token sent when reading the issuer's metadata and keys (for the cluster's "
                 "ServiceAccount issuer: the pod's own token)");
  app.add_option("--auth-scope", cli.auth_scopes, "OAuth 2.1: scopes every token must carry (repeat or comma-separate)")
      ->delimiter(',');
  app.add_option("--auth-leeway", cli.auth_leeway, "OAuth 2.1: seconds of clock skew allowed on exp and nbf")
      ->check(CLI::Range(0, 300))
      ->capture_default_str();
  app.add_option("--allowed-origins", o.allowed_origins, "Origins allowed to call (default: only localhost origins)")
      ->delimiter(',');
  app.add_option("--log-format", cli.log_format, "json or text")->check(CLI::IsMember({"json", "text"}));
  app.add_option("--otlp-endpoint", o.otlp_endpoint,
                 "Send traces (OTLP/HTTP JSON) to this URL, e.g. http://127.0.0.1:4318/v1/traces; none: no tracing");
  app.add_option(
         "--trace-sample-ratio", o.trace_sample_ratio,
         "Share of new traces recorded (0..1); a request whose traceparent is sampled or not decides for itself")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--service-name", o.service_name, "service.name of the spans (default: the program's name)");
}

int finish_front_end_options(options& o, const front_end_cli& cli, std::string_view program) {
  o.port = static_cast<std::uint16_t>(cli.port);
  o.idle_timeout = std::chrono::seconds(cli.idle);
  o.request_timeout = std::chrono::seconds(cli.timeout);
  o.shutdown_grace = std::chrono::seconds(cli.grace);
  o.write_timeout = std::chrono::seconds(cli.write_timeout);
  o.log_format = cli.log_format == "json" ? log::format::json : log::format::text;
  if (!cli.token_file.empty()) {
    std::ifstream in(cli.token_file);
    if (!in) {
      std::cerr << program << ": cannot read --token-file\n";
      return 2;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    o.token = trim(ss.str());
  } else if (!cli.token_env.empty()) {
    const char* v = std::getenv(cli.token_env.c_str());
    if (!v) {
      std::cerr << program << ": --token-env names an unset variable\n";
      return 2;
    }
    o.token = trim(v);
    ::unsetenv(cli.token_env.c_str());  // a stdio child inherits the environment: not the token
  }
  if (o.token && o.token->empty()) {
    std::cerr << program << ": the bearer token is empty\n";
    return 2;
  }
  if (!cli.auth_issuer.empty() || !cli.auth_audience.empty()) {
    auth::resource_server_options a;
    a.rules.issuer = cli.auth_issuer;
    a.rules.audience = cli.auth_audience;
    a.rules.required_scopes = cli.auth_scopes;
    a.rules.leeway = std::chrono::seconds(cli.auth_leeway);
    a.keys.jwks_url = cli.auth_jwks_url;
    a.keys.fetch.ca_file = cli.auth_ca_file;
    a.keys.fetch.token_file = cli.auth_fetch_token_file;
    std::string error;
    if (!auth::validate(a, error)) {
      std::cerr << program << ": --auth-issuer/--auth-audience: " << error << "\n";
      return 2;
    }
    o.oauth = std::move(a);
  }
  if (o.otlp_endpoint) {
    std::string error;
    if (!parse_upstream_url(*o.otlp_endpoint, error, "--otlp-endpoint")) {
      std::cerr << program << ": " << error << "\n";
      return 2;
    }
  }
  if (o.service_name.empty()) {
    o.service_name = std::string(program);
  }
  return 0;
}

parse_outcome parse_options(int argc, char** argv) {
  options o;
  front_end_cli cli;
  CLI::App app{
      "mcp-bridge: serve a stdio MCP server (or front an HTTP one) over every MCP HTTP revision, one child or "
      "upstream session per session"};
  std::int64_t queue_timeout = o.start_queue_timeout.count();
  // Printed on stderr like everything the bridge says: its stdout is never written.
  app.set_version_flag("--version", std::string("mcp-bridge ") + mcp_version::version);
  add_front_end_options(app, o, cli);
  std::string mode = "per-session";
  app.add_option("--session-mode", mode, "per-session: a child per MCP session; shared: one child for all")
      ->check(CLI::IsMember({"per-session", "shared"}))
      ->capture_default_str();
  app.add_option("--warm-pool", o.warm_pool, "Children started ahead of demand")->capture_default_str();
  app.add_option("--max-starting", o.max_starting, "Children starting at once; further sessions wait in a queue")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--start-queue-timeout", queue_timeout,
                 "Seconds a new session waits for a child start before 503 with Retry-After")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  auto* command_opt = app.add_option("command", o.command, "The stdio MCP server to run, after --");
  std::string upstream;
  auto* upstream_opt =
      app.add_option("--upstream", upstream,
                     "Front this Streamable HTTP MCP server (http://host:port/path, usually in the same pod) "
                     "instead of running a command")
          ->excludes(command_opt);
  std::string copy_to;
  auto* copy_opt = app.add_option("--copy-to", copy_to, "Copy this executable to the given file and exit");
  try {
    app.parse(argc, argv);
    // --port and the command are required unless the bridge only installs itself.
    if (copy_opt->count() == 0 && cli.port_opt->count() == 0) {
      throw CLI::RequiredError("--port");
    }
    if (copy_opt->count() == 0 && command_opt->count() == 0 && upstream_opt->count() == 0) {
      throw CLI::RequiredError("command (or --upstream)");
    }
  } catch (const CLI::ParseError& e) {
    return {std::nullopt, app.exit(e, std::cerr, std::cerr)};
  }
  if (copy_opt->count() > 0) {
    o.copy_to = copy_to;
  }
  if (upstream_opt->count() > 0) {
    std::string error;
    if (!parse_upstream_url(upstream, error)) {
      std::cerr << "mcp-bridge: " << error << "\n";
      return {std::nullopt, 2};
    }
    o.upstream = upstream;
  }
  o.mode = mode == "shared" ? session_mode::shared : session_mode::per_session;
  o.start_queue_timeout = std::chrono::seconds(queue_timeout);
  if (int rc = finish_front_end_options(o, cli, "mcp-bridge"); rc != 0) {
    return {std::nullopt, rc};
  }
  return {std::move(o), 0};
}

}  // namespace bridge
