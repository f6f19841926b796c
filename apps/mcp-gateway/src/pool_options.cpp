#include "pool_options.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "mcp_version.hpp"

namespace gw {

namespace {

// "NAME=VALUE" -> {NAME, VALUE}; false when there is no '=' or either side is empty.
bool split_pair(const std::string& s, std::string& name, std::string& value) {
  const auto eq = s.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == s.size()) {
    return false;
  }
  name = s.substr(0, eq);
  value = s.substr(eq + 1);
  return true;
}

// DNS-1123 label, as MCPPool member names are.
bool valid_member_name(const std::string& n) {
  if (n.empty() || n.size() > 63 || n.front() == '-' || n.back() == '-') {
    return false;
  }
  return std::all_of(n.begin(), n.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  const auto e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

int usage(const std::string& text) {
  std::cerr << "mcp-gateway: " << text << "\n";
  return 2;
}

}  // namespace

pool_parse_outcome parse_pool_options(int argc, char** argv) {
  pool_options o;
  o.front.max_line = std::size_t{4} << 20;
  bridge::front_end_cli cli;
  CLI::App app{"mcp-gateway: one MCP endpoint for many MCP servers (an MCPPool), every MCP HTTP revision, "
               "sessions any replica can serve"};
  app.set_version_flag("--version", std::string("mcp-gateway ") + mcp_version::version);
  bridge::add_front_end_options(app, o.front, cli);
  std::vector<std::string> members, prefixes, includes, excludes, disabled, tokens;
  std::string resolution = "prefix", keyring_dir, pool, ns, token_dir;
  std::int64_t lifetime = o.session_lifetime.count(), member_timeout = o.member_timeout.count();
  auto* member_opt = app.add_option("--member", members, "NAME=URL of a member (repeat NAME for its replicas)");
  auto* pool_opt = app.add_option("--pool", pool, "Read the members from this MCPPool and follow its changes (needs --namespace)");
  auto* ns_opt = app.add_option("--namespace", ns, "The MCPPool's namespace (with --pool)");
  auto* token_dir_opt =
      app.add_option("--member-token-dir", token_dir, "With --pool: each remote member's bearer token in <dir>/<member>/token");
  app.add_option("--tool-prefix", prefixes, "NAME=PREFIX: the prefix of that member's tools and prompts");
  app.add_option("--include", includes, "NAME=GLOB: expose only that member's tools matching a glob");
  app.add_option("--exclude", excludes, "NAME=GLOB: hide that member's tools matching a glob");
  app.add_option("--disable", disabled, "NAME: a member that contributes nothing");
  app.add_option("--member-token", tokens, "NAME=FILE: bearer token sent to that member");
  app.add_option("--conflict-resolution", resolution, "prefix (every name prefixed) or priority (first member wins)")
      ->check(CLI::IsMember({"prefix", "priority"}))
      ->capture_default_str();
  auto* keyring_opt = app.add_option("--keyring-dir", keyring_dir,
                                     "Directory of the keyring Secret (files k<N> and current) that seals session ids");
  app.add_option("--session-lifetime", lifetime, "Seconds a session id stays valid")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--member-timeout", member_timeout, "Seconds a member may take to initialize a session")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--server-name", o.server_name, "serverInfo.name the gateway answers initialize with")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
    if (cli.port_opt->count() == 0) {
      throw CLI::RequiredError("--port");
    }
    if (member_opt->count() == 0 && pool_opt->count() == 0) {
      throw CLI::RequiredError("--member or --pool");
    }
  } catch (const CLI::ParseError& e) {
    return {std::nullopt, app.exit(e, std::cerr, std::cerr)};
  }
  if (pool_opt->count() > 0) {
    if (member_opt->count() > 0 || !prefixes.empty() || !includes.empty() || !excludes.empty() || !disabled.empty() ||
        !tokens.empty() || resolution != "prefix") {
      return {std::nullopt, usage("--pool reads the members and their settings from the MCPPool: "
                                  "--member, --tool-prefix, --include, --exclude, --disable, --member-token and "
                                  "--conflict-resolution cannot be given with it")};
    }
    if (ns_opt->count() == 0) {
      return {std::nullopt, usage("--pool needs --namespace")};
    }
    o.api = api_source{pool, ns, token_dir_opt->count() > 0 ? std::optional(token_dir) : std::nullopt};
  } else if (ns_opt->count() > 0 || token_dir_opt->count() > 0) {
    return {std::nullopt, usage("--namespace and --member-token-dir go with --pool")};
  }
  std::map<std::string, std::size_t> index;
  for (const auto& m : members) {
    std::string name, url;
    if (!split_pair(m, name, url)) {
      return {std::nullopt, usage("--member takes NAME=URL, got " + m)};
    }
    if (!valid_member_name(name)) {
      return {std::nullopt, usage("--member " + name + ": a member name is a DNS-1123 label (a-z, 0-9, '-')")};
    }
    std::string error;
    auto cfg = bridge::parse_upstream_url(url, error, "--member " + name);
    if (!cfg) {
      return {std::nullopt, usage(error)};
    }
    auto [it, fresh] = index.emplace(name, o.members.size());
    if (fresh) {
      member_config mc;
      mc.spec.name = name;
      o.members.push_back(std::move(mc));
    }
    auto& mc = o.members[it->second];
    member_endpoint ep;
    ep.id = bridge::host_port(cfg->host, cfg->port);
    for (const auto& other : mc.endpoints) {
      if (other.id == ep.id) {
        return {std::nullopt, usage("--member " + name + " lists " + ep.id + " twice")};
      }
    }
    ep.http = std::move(*cfg);
    mc.endpoints.push_back(std::move(ep));
  }
  if (o.members.size() > gateway::record_limits::max_members) {
    return {std::nullopt, usage("at most " + std::to_string(gateway::record_limits::max_members) + " members")};
  }
  const auto member_of = [&](const std::string& flag, const std::string& name) -> member_config* {
    auto it = index.find(name);
    if (it == index.end()) {
      usage(flag + " names " + name + ", which no --member declares");
      return nullptr;
    }
    return &o.members[it->second];
  };
  for (const auto& [flag, list] : {std::pair{"--tool-prefix", &prefixes}, std::pair{"--include", &includes},
                                    std::pair{"--exclude", &excludes}, std::pair{"--member-token", &tokens}}) {
    for (const auto& v : *list) {
      std::string name, value;
      if (!split_pair(v, name, value)) {
        return {std::nullopt, usage(std::string(flag) + " takes NAME=VALUE, got " + v)};
      }
      auto* mc = member_of(flag, name);
      if (!mc) {
        return {std::nullopt, 2};
      }
      const std::string_view f = flag;
      if (f == "--tool-prefix") {
        mc->spec.tool_prefix = value;
      } else if (f == "--include") {
        mc->spec.include.push_back(value);
      } else if (f == "--exclude") {
        mc->spec.exclude.push_back(value);
      } else {
        std::ifstream in(value);
        if (!in) {
          return {std::nullopt, usage("--member-token " + name + ": cannot read the file")};
        }
        std::stringstream ss;
        ss << in.rdbuf();
        const auto token = trim(ss.str());
        if (token.empty()) {
          return {std::nullopt, usage("--member-token " + name + ": the token file is empty")};
        }
        for (auto& ep : mc->endpoints) {
          ep.http.extra_headers.emplace_back("Authorization", "Bearer " + token);
        }
      }
    }
  }
  for (const auto& name : disabled) {
    auto* mc = member_of("--disable", name);
    if (!mc) {
      return {std::nullopt, 2};
    }
    mc->spec.enabled = false;
  }
  o.resolution =
      resolution == "priority" ? gateway::conflict_resolution::priority : gateway::conflict_resolution::prefix;
  if (keyring_opt->count() > 0) {
    o.keyring_dir = keyring_dir;
  }
  o.session_lifetime = std::chrono::seconds(lifetime);
  o.member_timeout = std::chrono::seconds(member_timeout);
  if (int rc = bridge::finish_front_end_options(o.front, cli, "mcp-gateway"); rc != 0) {
    return {std::nullopt, rc};
  }
  for (auto& mc : o.members) {
    for (auto& ep : mc.endpoints) {
      ep.http.max_message = o.front.max_line;
      ep.http.request_timeout = o.front.request_timeout;
      ep.http.write_timeout = o.front.write_timeout;
    }
  }
  return {std::move(o), 0};
}

}  // namespace gw
