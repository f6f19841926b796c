// libFuzzer target for mcp::streamable_client: the input is a program of client messages and
// of what an upstream HTTP server answers (status, content type, session id, body bytes in any
// split, transport failures, retries, terminate), so hostile or broken servers are played
// byte by byte. Checked after every step: no crash; every request the client sent gets at most
// one answer; once the session ended or was terminated, nothing is delivered but errors for
// requests sent afterwards, and no exchange is started but the one DELETE of terminate();
// the exchanges in flight stay within max_exchanges + 2 (POSTs, the GET stream, a DELETE).
#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_input.hpp"
#include "mcp/streamable_client.hpp"

namespace {
using fuzz_input::check;
using fuzz_input::reader;

constexpr std::size_t max_exchanges = 4;

mcp::message client_message(reader& r, int id) {
  std::string text;
  switch (r.byte() % 5) {
    case 0:
      text = R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
             R"(,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{}}})";
      break;
    case 1:
      text = R"({"jsonrpc":"2.0","method":"notifications/initialized"})";
      break;
    case 2:
      text = R"({"jsonrpc":"2.0","id":"s)" + std::to_string(r.byte()) + R"(","result":{}})";
      break;
    default:
      text = R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":"tools/call","params":{"name":"x"}})";
  }
  auto m = mcp::classify(boost::json::parse(text));
  check(m.has_value());
  return std::move(*m);
}

// A server's SSE or JSON fragment, from a vocabulary that reaches the parsers' states fast.
std::string server_bytes(reader& r, const std::vector<int>& ids) {
  const int id = ids.empty() ? 0 : ids[r.byte() % ids.size()];
  switch (r.byte() % 6) {
    case 0:
      return "data: {\"jsonrpc\":\"2.0\",\"id\":" + std::to_string(id) +
             ",\"result\":{\"protocolVersion\":\"2025-06-18\"}}\n\n";
    case 1:
      return "{\"jsonrpc\":\"2.0\",\"id\":" + std::to_string(id) + ",\"error\":{\"code\":-1,\"message\":\"m\"}}";
    case 2:
      return "id: e" + std::to_string(r.byte()) +
             "\ndata: {\"jsonrpc\":\"2.0\",\"id\":\"q\",\"method\":\"sampling/createMessage\"}\n\n";
    case 3:
      return "[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"},{\"jsonrpc\":\"2.0\",\"id\":" +
             std::to_string(id) + ",\"result\":{}}]";
    default:
      return std::string(r.chunk());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  reader r{std::string_view(reinterpret_cast<const char*>(data), size)};
  mcp::streamable_client c({.max_message = 256, .max_exchanges = max_exchanges, .max_queued = 4});
  std::set<std::uint64_t> live;  // exchanges started and not ended or cancelled
  std::vector<int> sent;         // request ids sent
  std::map<int, int> answers;    // id -> answers seen
  bool stopped = false;          // ended or terminated: what was sent before gets nothing more
  std::set<int> before_stop;
  int next_id = 1;
  bool deleted = false;
  for (int step = 0; step < 200 && !r.in.empty(); ++step) {
    const std::uint8_t op = r.byte();
    std::uint64_t ex = live.empty() ? 0 : *std::next(live.begin(), static_cast<long>(r.byte() % live.size()));
    switch (op % 8) {
      case 0:
      case 1: {
        auto m = client_message(r, next_id);
        if (m.is_request() && m.id().is_int64())
          sent.push_back(static_cast<int>(m.id().as_int64()));
        ++next_id;
        c.send(std::move(m));
        break;
      }
      case 2: {
        static constexpr unsigned statuses[] = {200, 202, 400, 404, 405, 500, 503, 200};
        const unsigned st = statuses[r.byte() % 8];
        const bool sse = r.byte() % 2 == 0;
        c.head(ex, st, sse ? "text/event-stream" : "application/json", r.byte() % 2 ? "sid" : "");
        break;
      }
      case 3:
      case 4:
        c.body(ex, server_bytes(r, sent));
        break;
      case 5:
        c.end(ex, r.byte() % 3 == 0 ? "connection reset" : "");
        live.erase(ex);
        break;
      case 6:
        c.retry();
        break;
      case 7:
        if (r.byte() % 4 == 0)
          c.terminate();
        break;
    }
    mcp::client_action a;
    while (c.next(a)) {
      using kind = mcp::client_action::kind;
      switch (a.what) {
        case kind::start_exchange:
          if (stopped) {
            check(a.request.method == mcp::exchange_method::del && !deleted);
            deleted = true;
          }
          live.insert(a.request.id);
          break;
        case kind::cancel_exchange:
          live.erase(a.exchange);
          break;
        case kind::deliver:
          if (a.msg.is_response() && a.msg.id().is_int64()) {
            const int id = static_cast<int>(a.msg.id().as_int64());
            check(++answers[id] <= 1);
            check(!stopped || !before_stop.contains(id));
          } else {
            check(!stopped);
          }
          break;
        case kind::arm_retry:
        case kind::ended:
          break;
      }
    }
    if (c.ended() && !stopped) {
      stopped = true;
      before_stop.insert(sent.begin(), sent.end());
    }
    check(live.size() <= max_exchanges + 2);
  }
  return 0;
}
