// libFuzzer target: the operator's MCP probe fed arbitrary answers (status, content type,
// session id, body, too_large) through a whole sequence. Whatever they are, the probe must
// end within the steps its sequence allows, never crash, and leave a bounded result, and the
// status made from that result must stay small (the hostile-tenant limits of mcp_probe.hpp
// and mcpserver_status.hpp).
//
// Input: records of [status byte][type/flags byte][length: 2 bytes LE][body]. The flags can
// wrap the body in a JSON-RPC envelope with the expected id, as a JSON or an SSE answer, so
// the fuzzer reaches tools/list paging without having to guess the envelope.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "controllers/mcp_probe.hpp"
#include "controllers/mcpserver_status.hpp"

namespace {

namespace json = boost::json;
using controllers::probe_limits;

struct reader {
  std::string_view in;
  bool empty() const { return in.empty(); }
  std::uint8_t byte() {
    if (in.empty())
      return 0;
    auto b = static_cast<std::uint8_t>(in.front());
    in.remove_prefix(1);
    return b;
  }
  std::string_view take(std::size_t n) {
    n = std::min(n, in.size());
    auto out = in.substr(0, n);
    in.remove_prefix(n);
    return out;
  }
};

void check(bool ok) {
  if (!ok)
    std::abort();
}

// The id the probe's last request asked for (0: a notification or DELETE).
std::int64_t request_id(const controllers::probe_request& r) {
  if (r.body.empty())
    return 0;
  auto v = json::parse(r.body).as_object();
  const json::value* id = v.if_contains("id");
  return id != nullptr ? id->as_int64() : 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static constexpr unsigned statuses[] = {200, 200, 200, 202, 204, 400, 404, 500};
  static constexpr std::string_view types[] = {"application/json", "text/event-stream",
                                               "text/event-stream; charset=utf-8", "", "text/html"};
  reader in{std::string_view(reinterpret_cast<const char*>(data), size)};
  controllers::mcp_probe probe("fuzz", "2026-01-01T00:00:00Z");
  int steps = 0;
  while (auto req = probe.next()) {
    // initialize, initialized, at most max_tool_pages tools/list pages, DELETE.
    check(++steps <= 3 + probe_limits::max_tool_pages);
    if (in.empty()) {
      probe.on_transport_error("connection reset by peer");
      continue;
    }
    const std::uint8_t s = in.byte();
    const std::uint8_t flags = in.byte();
    const std::size_t len = in.byte() | (static_cast<std::size_t>(in.byte()) << 8U);
    std::string body(in.take(len));
    controllers::probe_response r;
    r.status = (s & 0x80U) != 0 ? s : statuses[s % std::size(statuses)];
    r.content_type = std::string(types[(flags & 0x07U) % std::size(types)]);
    if ((flags & 0x08U) != 0)
      r.session_id = (flags & 0x40U) != 0 ? std::string(300, 's') : "sess";
    if ((flags & 0x10U) != 0) {  // the body as the result (or error) of the expected id
      std::string env = R"({"jsonrpc":"2.0","id":)" + std::to_string(request_id(*req)) +
                        ((flags & 0x40U) != 0 ? R"(,"error":)" : R"(,"result":)") + body + "}";
      body = (flags & 0x20U) != 0 ? "id: 1\nevent: message\ndata: " + env + "\n\n" : env;
      if ((flags & 0x20U) != 0)
        r.content_type = "text/event-stream";
    }
    r.too_large = (flags & 0x80U) != 0 && (flags & 0x10U) == 0;
    r.body = std::move(body);
    probe.on_response(r);
  }
  check(probe.done());
  const auto& v = probe.result();
  check(v.ok == (v.reason == "Verified"));
  check(!v.reason.empty());
  check(v.server_name.size() <= probe_limits::max_text && v.server_version.size() <= probe_limits::max_text &&
        v.protocol_version.size() <= probe_limits::max_text);
  check(v.tools.size() <= probe_limits::max_tool_names);
  for (const auto& t : v.tools)
    check(t.size() <= controllers::max_tool_name);
  check(v.message.size() <= 1024);

  // The status made from it stays small whatever the answers were.
  json::object o{{"metadata", json::object{{"name", "f"}, {"namespace", "ns"}, {"uid", "u"}, {"generation", 1}}},
                 {"spec", json::object{{"image", "x"}}}};
  auto server = api::parse_mcpserver(o);
  check(static_cast<bool>(server));
  controllers::observed obs;
  obs.verified = v;
  auto st = controllers::compute_status(*server, {}, obs, {}, "t");
  check(json::serialize(st).size() < (16U << 10U));
  return 0;
}
