// kubectl mcp tools NAME and kubectl mcp call NAME TOOL: an MCP session with the server
// through the apiserver's service proxy, so the caller's RBAC (services/proxy) decides, and
// nothing but the apiserver needs to be reachable. The session logic is mcp_session's; this
// file only moves its exchanges and tells the apiserver's own refusals from the server's answers.
#include <boost/json/parse.hpp>

#include <iostream>

#include "call_output.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"
#include "format.hpp"
#include "mcp_version.hpp"
#include "session.hpp"
#include "tools_view.hpp"

namespace kubectl_mcp {

namespace {

// An answer that the apiserver gave itself (a metav1.Status: denied, no such Service, no
// endpoints, the pod unreachable) rather than the MCP server behind the proxy.
std::optional<kube::error> apiserver_refusal(const kube::http_answer& a) {
  if (a.status < 400 || !a.header("Content-Type").starts_with("application/json"))
    return std::nullopt;
  boost::system::error_code ec;
  auto v = boost::json::parse(a.body, ec);
  if (ec || !kube::parse_status(v))
    return std::nullopt;
  return kube::error_from_response(a.status, a.body);
}

failure refusal_failure(const kube::error& e, const kube_context& ctx) {
  failure f = from_kube_error(e);
  if (f.code == exit_code::forbidden && e.is(kube::error_kind::forbidden))
    f.message += " (calling an MCP server needs the verb create on services/proxy in namespace \"" + ctx.ns + "\")";
  else if (f.code == exit_code::not_found)
    f.code = exit_code::transport;  // the object exists, so its Service or endpoint is what is missing
  return f;
}

constexpr int max_sessions = 3;

// Runs the session to its end; `refused` is set when the apiserver stopped it.
boost::asio::awaitable<std::optional<kube::error>> drive(kube::client& c, std::string path, mcp_session& s) {
  std::optional<kube::error> refused;
  mcp::client_action a;
  while (s.next(a)) {
    const auto& r = a.request;
    kube::http_request req;
    req.method = r.method == mcp::exchange_method::del ? kube::http_method::delete_ : kube::http_method::post;
    req.target = path;
    req.headers = r.headers;
    req.body = r.body;
    auto ans = co_await c.exchange(req);
    if (!ans) {
      s.end(r.id, ans.error().describe());
      continue;
    }
    if (auto e = apiserver_refusal(*ans)) {
      // Ending the session is best effort: a caller with create but not delete on
      // services/proxy has had the answer it came for.
      if (r.method != mcp::exchange_method::del && !refused) {
        refused = *e;
        s.abort(e->describe());
      }
      continue;
    }
    // A body that broke off still goes to the session: its events may hold the whole answer.
    s.head(r.id, static_cast<unsigned>(ans->status), ans->header("Content-Type"), ans->header("Mcp-Session-Id"));
    s.body(r.id, ans->body);
    s.end(r.id, ans->broken);
  }
  co_return refused;
}

}  // namespace

boost::asio::awaitable<int> run_tools_or_call(const kube_context& ctx) {
  const auto& inv = ctx.inv;
  failure why;
  auto target = co_await find_target(ctx, why);
  if (!target)
    co_return fail(why);
  if (auto not_ready = not_ready_reason(*target); !not_ready.empty())
    co_return fail({exit_code::not_ready, not_ready});
  std::string bad_url;
  auto path = proxy_path(*target, bad_url);
  if (!path)
    co_return fail({exit_code::not_ready, bad_url});

  std::optional<call_spec> call;
  if (inv.cmd == command::call)
    call = call_spec{inv.tool, inv.args, inv.json_args};
  // The apiserver's service proxy now and then drops the HTTP/1.1 connection in the middle of
  // an event stream (docs/kubectl-mcp.md). Before tools/call went out nothing has happened on
  // the server but a session, so the whole session is had again; a broken tools/call is not
  // repeated (the tool may have run).
  std::optional<mcp_session> session;
  for (int attempt = 0; attempt < max_sessions; ++attempt) {
    session.emplace(mcp_version::version, call);
    auto refused = co_await drive(*ctx.client, *path, *session);
    if (refused)
      co_return fail(refusal_failure(*refused, ctx));
    const auto& r = session->result();
    if (r.st != session_outcome::status::failed || session->called() ||
        r.message.find("answer broke off") == std::string::npos)
      break;
  }

  const auto& out = session->result();
  const std::string who = kind_word(target->k) + " \"" + inv.name + "\": ";
  switch (out.st) {
    case session_outcome::status::ok:
      break;
    case session_outcome::status::not_found:
      co_return fail({exit_code::not_found, who + out.message});
    case session_outcome::status::usage:
      co_return fail({exit_code::usage, out.message});
    case session_outcome::status::protocol_error:
      co_return fail({exit_code::protocol_error, who + out.message});
    case session_outcome::status::failed:
      co_return fail({exit_code::transport, who + out.message});
  }
  if (inv.cmd == command::tools) {
    const auto fmt = inv.flags.output;
    if (fmt == output_format::json || fmt == output_format::yaml) {
      boost::json::value doc = boost::json::object{{"tools", out.tools}};
      std::cout << (fmt == output_format::json ? pretty_json(doc) : to_yaml(doc));
    } else {
      std::cout << render_tools(out.tools, fmt);
    }
    co_return exit_code::ok;
  }
  auto p = render_call_result(out.result, out.is_error, inv.flags.output, inv.tool);
  std::cout << p.out << std::flush;
  std::cerr << p.err;
  co_return p.exit_code;
}

}  // namespace kubectl_mcp
