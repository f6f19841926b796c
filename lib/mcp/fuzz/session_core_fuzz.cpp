// libFuzzer target for the session core: the input is a program of client, upstream, timer
// and connection events for two sessions, in one of the three flavors, optionally sharing
// one upstream through the mux. The fuzzer plays the driver (it drops a connection on
// overflow and trims a detached stream) and checks the invariants after every step: no crash,
// at most max_pending requests, every action names a stream the core handed out, nothing is
// delivered on a finished stream, every answer matches a request the client sent on that
// stream (once), a closed session emits nothing, and the mux only talks to attached sessions.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "mcp/session_core.hpp"
#include "mcp/upstream_mux.hpp"

namespace {
using fuzz_input::check;
using fuzz_input::reader;
namespace json = boost::json;

constexpr std::size_t max_pending = 4;
constexpr std::size_t max_bytes = 512;

// A message from a small vocabulary, so the fuzzer reaches the interesting states quickly.
mcp::message synth(reader& r, bool from_upstream) {
  static constexpr std::array<std::string_view, 8> methods{"tools/call",
                                                           "initialize",
                                                           "notifications/progress",
                                                           "notifications/cancelled",
                                                           "ping",
                                                           "sampling/createMessage",
                                                           "notifications/message",
                                                           "server/discover"};
  const auto shape = r.byte();
  const auto id = static_cast<std::int64_t>(r.byte() % 6);
  const auto method = methods[r.byte() % methods.size()];
  json::object body{{"jsonrpc", "2.0"}};
  json::value idv = (shape & 8) ? json::value(std::to_string(id)) : json::value(id);
  mcp::message m;
  switch (shape % 4) {
    case 0:  // request
      body["id"] = idv;
      body["method"] = method;
      body["params"] =
          json::object{{"_meta", json::object{{"progressToken", (shape & 16) ? idv : json::value(id + 1)}}}};
      m.kind = mcp::message_kind::request;
      break;
    case 1:  // notification (progress and cancel name an id)
      body["method"] = method;
      body["params"] = json::object{{"progressToken", idv}, {"requestId", idv}, {"progress", 1}};
      m.kind = mcp::message_kind::notification;
      break;
    case 2:
      body["id"] = idv;
      body["result"] = json::object{{"protocolVersion", "2025-06-18"}, {"pad", std::string(r.byte() * 8, 'x')}};
      m.kind = mcp::message_kind::response;
      break;
    default:
      body["id"] = (from_upstream && (shape & 32)) ? json::value("mcp-bridge-initialize") : idv;
      body["error"] = json::object{{"code", -1}, {"message", "e"}};
      m.kind = mcp::message_kind::error_response;
      break;
  }
  m.body = std::move(body);
  return m;
}

std::optional<mcp::message> raw(reader& r) {
  auto parsed = mcp::parse(r.chunk());
  if (!parsed || parsed->messages.empty()) {
    return std::nullopt;
  }
  return std::move(parsed->messages.front());
}

struct driver {
  explicit driver(mcp::session_options o) : core(o, mcp::clock_time{}) {}
  mcp::session_core core;
  std::set<mcp::stream_id> issued;
  std::set<mcp::stream_id> finished;
  std::multiset<std::pair<mcp::stream_id, std::string>> asked;  // requests sent per stream
  bool ended = false;
};

struct world {
  std::array<std::unique_ptr<driver>, 2> sessions;
  std::optional<mcp::upstream_mux> mux;
  mcp::clock_time now{};

  void pump();
  void run_core(std::size_t k);
  void run_mux();
};

void world::run_core(std::size_t k) {
  auto& d = *sessions[k];
  mcp::action a;
  while (d.core.next(a)) {
    check(!d.ended);
    if (d.core.standalone()) {
      d.issued.insert(*d.core.standalone());
    }
    switch (a.what) {
      case mcp::action::kind::deliver: {
        check(d.issued.contains(a.stream) && !d.finished.contains(a.stream));
        auto v = json::parse(a.text);
        const auto& o = v.as_object();
        if (!o.contains("method")) {  // an answer: one per request the client sent on this stream
          auto it = d.asked.find({a.stream, mcp::id_key(o.at("id"))});
          check(it != d.asked.end());
          d.asked.erase(it);
        }
        break;
      }
      case mcp::action::kind::finish_stream:
        check(d.issued.contains(a.stream));
        d.finished.insert(a.stream);
        break;
      case mcp::action::kind::overflow:
        check(d.issued.contains(a.stream));
        if (d.core.attached(a.stream)) {
          d.core.detach(a.stream, now);  // the connection is dropped
        } else {
          d.core.drained(a.stream, d.core.queued_bytes(a.stream));  // trimmed
        }
        break;
      case mcp::action::kind::arm_timer:
        check(a.at > mcp::clock_time{});
        break;
      case mcp::action::kind::send_upstream:
        if (mux) {
          mux->from_session(k, std::move(a.msg));
        }
        break;
      case mcp::action::kind::end_session:
        d.ended = true;
        if (mux) {
          mux->detach(k);
        }
        break;
      default:
        break;
    }
  }
  check(d.core.pending() <= max_pending);
  if (!d.ended) {
    // Lazily armed: whatever waits has a wake-up coming (it may stay armed after the last).
    check(d.core.pending() == 0 || d.core.deadline().has_value());
  }
}

void world::run_mux() {
  mcp::mux_action a;
  while (mux->next(a)) {
    switch (a.what) {
      case mcp::mux_action::kind::to_session:
        check(a.session < sessions.size() && mux->attached(a.session));
        sessions[a.session]->core.from_upstream(a.msg, now);
        break;
      case mcp::mux_action::kind::end_session:
        check(a.session < sessions.size());
        sessions[a.session]->core.close(a.text, now);
        break;
      case mcp::mux_action::kind::need_upstream:
        mux->upstream_started();
        break;
      case mcp::mux_action::kind::to_upstream:
        check(json::parse(a.text).is_object());
        break;
    }
  }
  check(mux->waiting() <= 8);
}

void world::pump() {
  for (int round = 0; round < 4; ++round) {
    for (std::size_t k = 0; k < sessions.size(); ++k) {
      run_core(k);
    }
    if (mux) {
      run_mux();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  reader r{std::string_view(reinterpret_cast<const char*>(data), size)};
  const auto setup = r.byte();
  mcp::session_options o;
  o.flavor = static_cast<mcp::session_flavor>(setup % 3);
  o.max_pending = max_pending;
  o.max_stream_bytes = max_bytes;
  o.request_timeout = std::chrono::milliseconds(100);
  world w;
  for (auto& s : w.sessions) {
    s = std::make_unique<driver>(o);
  }
  if (setup & 4) {
    w.mux.emplace(mcp::mux_options{.stateless = o.flavor == mcp::session_flavor::stateless, .max_waiting = 8});
    w.mux->attach(0);
    w.mux->attach(1);
  }
  for (int steps = 0; steps < 256 && !r.in.empty(); ++steps) {
    const auto op = r.byte();
    auto& d = *w.sessions[(op >> 7) & 1];
    const auto pick = [&] {
      const auto b = r.byte();
      return b == 0 ? mcp::stream_id{0} : mcp::stream_id{b % 8u};
    };
    switch (op % 12) {
      case 0:
        if (auto s = d.core.open_stream(r.byte() & 1, w.now); s != 0) {
          d.issued.insert(s);
        }
        break;
      case 1:
        if (auto s = d.core.attach_standalone(w.now)) {
          d.issued.insert(*s);
        }
        break;
      case 2:
        (void)d.core.resume(pick(), w.now);
        break;
      case 3:
        d.core.detach(pick(), w.now);
        break;
      case 4:
        d.core.drained(pick(), r.byte() * 16u);
        break;
      case 5:
      case 9: {
        const auto s = pick();
        auto m = (op % 12 == 5) ? std::optional(synth(r, false)) : raw(r);
        if (m) {
          if (m->is_request() && s != 0) {
            d.asked.insert({s, mcp::id_key(m->id())});
          }
          std::vector<mcp::message> batch;
          batch.push_back(std::move(*m));
          d.core.from_client(std::move(batch), s, w.now);
        }
        break;
      }
      case 6:
      case 10: {
        auto m = (op % 12 == 6) ? std::optional(synth(r, true)) : raw(r);
        if (m) {
          if (w.mux) {
            w.mux->from_upstream(std::move(*m));
          } else {
            d.core.from_upstream(*m, w.now);
          }
        }
        break;
      }
      case 7:
        w.now += std::chrono::milliseconds(r.byte());
        for (auto& s : w.sessions) {
          s->core.expire(w.now);
        }
        break;
      case 8:
        d.core.close("fuzz", w.now);
        break;
      default:
        if (w.mux) {
          switch (r.byte() % 3) {
            case 0:
              w.mux->upstream_exited("exited");
              break;
            case 1:
              w.mux->upstream_failed("failed");
              break;
            default:
              w.mux->upstream_started();
              break;
          }
        }
        break;
    }
    w.pump();
  }
  return 0;
}
