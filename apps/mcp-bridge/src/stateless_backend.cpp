#include "stateless_backend.hpp"

#include <boost/json/serialize.hpp>

#include "log.hpp"
#include "mcp/protocol.hpp"
#include "mcp/sse.hpp"

namespace bridge {
namespace json = boost::json;

namespace {

constexpr std::string_view init_id = "mcp-bridge-initialize";

std::optional<std::string> progress_token_of(const mcp::message& m) {
  const auto* params = m.body.if_contains("params");
  const auto* p = params ? params->if_object() : nullptr;
  const auto* meta = p ? p->if_contains("_meta") : nullptr;
  const auto* mo = meta ? meta->if_object() : nullptr;
  const auto* token = mo ? mo->if_contains("progressToken") : nullptr;
  return token ? std::optional<std::string>(mcp::id_key(*token)) : std::nullopt;
}

}  // namespace

stateless_backend::stateless_backend(const boost::asio::any_io_executor& ex, child_config config, reaper& r, metrics& m,
                                     std::chrono::milliseconds request_timeout)
    : ex_(ex), config_(std::move(config)), reaper_(r), metrics_(m), request_timeout_(request_timeout) {}

stateless_backend::~stateless_backend() {
  stop();
}

void stateless_backend::stop() {
  stopped_ = true;
  for (auto& [id, f] : inflight_) {
    f.timer->cancel();
    deliver(*f.stream, mcp::error_response(f.client_id, -32603, "mcp-bridge is shutting down"));
    f.stream->finish();
  }
  inflight_.clear();
  fail_waiting("mcp-bridge is shutting down");
  if (child_) {
    child_->on_message(nullptr);
    child_->on_exit(nullptr);
    child_->terminate();
    child_.reset();
  }
}

void stateless_backend::fail_waiting(std::string_view why) {
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& [n, w] : waiting) {
    w.timer->cancel();
    deliver(*w.stream, mcp::error_response(w.request.id(), -32603, why));
    w.stream->finish();
  }
}

void stateless_backend::adopt(std::shared_ptr<child_process> child) {
  single_child_ = true;
  start_child(std::move(child));
}

void stateless_backend::ensure_child() {
  if (child_ || stopped_) {
    return;
  }
  if (single_child_) {
    fail_waiting("MCP server process exited");
    return;
  }
  auto c = child_process::spawn(ex_, config_, reaper_, metrics_);
  if (!c) {
    log::error("cannot start the MCP server for stateless requests", {{"error", c.error().message()}});
    fail_waiting("the MCP server could not be started");
    return;
  }
  start_child(*c);
}

void stateless_backend::start_child(std::shared_ptr<child_process> c) {
  child_ = std::move(c);
  ready_ = false;
  child_->on_message([this](mcp::message m) { from_child(std::move(m)); });
  child_->on_exit([this](int) { child_exited(); });
  // The child speaks a handshake revision; the bridge is its one client. No client
  // capabilities: a stateless client cannot be asked anything.
  json::object init{{"jsonrpc", "2.0"}, {"id", init_id}, {"method", "initialize"}};
  init["params"] = json::object{{"protocolVersion", mcp::to_string(mcp::revision::v2025_11_25)},
                                {"capabilities", json::object{}},
                                {"clientInfo", json::object{{"name", "mcp-bridge"}, {"version", "1"}}}};
  child_->send(json::serialize(init));
}

void stateless_backend::submit(mcp::message request, std::shared_ptr<outbound> o) {
  if (stopped_) {
    deliver(*o, mcp::error_response(request.id(), -32603, "mcp-bridge is shutting down"));
    o->finish();
    return;
  }
  if (!ready_) {
    // The child is starting (or restarting): wait for it, but no longer than a request may.
    const auto key = next_waiting_++;
    auto timer = std::make_unique<boost::asio::steady_timer>(ex_);
    timer->expires_after(request_timeout_);
    timer->async_wait([this, key](const boost::system::error_code& ec) {
      if (ec) {
        return;
      }
      auto it = waiting_.find(key);
      if (it == waiting_.end()) {
        return;
      }
      auto w = std::move(it->second);
      waiting_.erase(it);
      log::warn("stateless request timed out waiting for the MCP server to start");
      deliver(*w.stream, mcp::error_response(w.request.id(), -32001, "Request timed out waiting for the MCP server"));
      w.stream->finish();
    });
    waiting_.emplace(key, waiting_request{std::move(request), std::move(o), std::move(timer)});
    ensure_child();
    return;
  }
  dispatch(std::move(request), o);
}

void stateless_backend::dispatch(mcp::message request, const std::shared_ptr<outbound>& o) {
  if (request.method() == "server/discover") {
    // Everything a 2026-07-28 client learns up front, from the child's own initialize result.
    json::object result{{"supportedVersions", json::array{}}};
    for (auto r : mcp::all_revisions) {
      result["supportedVersions"].as_array().emplace_back(mcp::to_string(r));
    }
    for (const char* key : {"capabilities", "serverInfo", "instructions"}) {
      if (const auto* v = init_result_.if_contains(key)) {
        result[key] = *v;
      }
    }
    json::object response{{"jsonrpc", "2.0"}, {"id", request.id()}, {"result", std::move(result)}};
    mcp::to_stateless_result("server/discover", response);
    deliver(*o, json::serialize(response));
    o->finish();
    return;
  }
  const std::uint64_t serial = next_serial_++;
  const std::int64_t child_id = ids_.map(serial, request.id());
  inflight f{o,
             request.id(),
             std::string(request.method()),
             progress_token_of(request),
             std::chrono::steady_clock::now(),
             std::make_unique<boost::asio::steady_timer>(ex_)};
  f.timer->expires_after(request_timeout_);
  f.timer->async_wait([this, child_id](const boost::system::error_code& ec) {
    if (ec) {
      return;
    }
    auto it = inflight_.find(child_id);
    if (it == inflight_.end()) {
      return;
    }
    json::object cancel{{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}};
    cancel["params"] = json::object{{"requestId", child_id}, {"reason", "timed out in mcp-bridge"}};
    child_->send(json::serialize(cancel));
    finish(child_id, mcp::error_response(it->second.client_id, -32001, "Request timed out"));
  });
  request.body["id"] = child_id;
  inflight_.emplace(child_id, std::move(f));
  child_->send(mcp::serialize(request));
}

void stateless_backend::detach(outbound& o) {
  o.attached = false;
  // Not forwarded yet (the child is still starting): forget it, the child never sees it.
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
    if (it->second.stream.get() == &o) {
      it->second.timer->cancel();
      waiting_.erase(it);
      return;
    }
  }
  for (auto& [child_id, f] : inflight_) {
    if (f.stream.get() == &o) {
      json::object cancel{{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}};
      cancel["params"] = json::object{{"requestId", child_id}, {"reason", "client closed the stream"}};
      child_->send(json::serialize(cancel));
      const auto id = child_id;
      f.timer->cancel();
      ids_.take(json::value(id));
      inflight_.erase(id);
      return;
    }
  }
}

void stateless_backend::from_child(mcp::message m) {
  if (m.is_response()) {
    if (m.id().is_string() && m.id().get_string() == init_id) {
      if (const auto* r = m.body.if_contains("result"); r && r->is_object()) {
        init_result_ = r->as_object();
      }
      ready_ = true;
      child_->send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
      while (!waiting_.empty() && ready_) {
        auto w = std::move(waiting_.begin()->second);
        waiting_.erase(waiting_.begin());
        w.timer->cancel();
        dispatch(std::move(w.request), w.stream);
      }
      return;
    }
    auto origin = ids_.take(m.id());
    if (!origin) {
      return;  // timed out or cancelled already
    }
    const auto child_id = m.id().is_int64() ? m.id().get_int64() : static_cast<std::int64_t>(m.id().get_uint64());
    m.body["id"] = origin->id;
    if (auto it = inflight_.find(child_id); it != inflight_.end()) {
      mcp::to_stateless_result(it->second.method, m.body);
    }
    finish(child_id, mcp::serialize(m));
    return;
  }
  if (m.is_request()) {
    if (m.method() == "ping") {
      child_->send(json::serialize(json::object{{"jsonrpc", "2.0"}, {"id", m.id()}, {"result", json::object{}}}));
    } else {
      child_->send(mcp::error_response(m.id(), -32601, "stateless (2026-07-28) clients cannot be sent requests"));
    }
    return;
  }
  if (m.method() == "notifications/progress") {
    const auto* params = m.body.if_contains("params");
    const auto* token = params && params->is_object() ? params->as_object().if_contains("progressToken") : nullptr;
    if (token) {
      for (auto& [id, f] : inflight_) {
        if (f.progress_token == mcp::id_key(*token) && !f.stream->json_mode) {
          deliver(*f.stream, mcp::serialize(m));
          return;
        }
      }
    }
  }
  // Other notifications have no stream to go to: 2026-07-28 has no session-wide stream.
}

void stateless_backend::finish(std::int64_t child_id, const std::string& json) {
  auto it = inflight_.find(child_id);
  if (it == inflight_.end()) {
    return;
  }
  auto f = std::move(it->second);
  inflight_.erase(it);
  ids_.take(json::value(child_id));
  f.timer->cancel();
  metrics_.rpc_latency(f.method, std::chrono::duration<double>(std::chrono::steady_clock::now() - f.started).count());
  deliver(*f.stream, json);
  f.stream->finish();
}

void stateless_backend::child_exited() {
  log::warn("the stateless MCP server child exited; it restarts on the next request");
  metrics_.child_crashed();
  child_.reset();
  ready_ = false;
  std::vector<std::int64_t> ids;
  for (auto& [id, f] : inflight_) {
    ids.push_back(id);
  }
  for (auto id : ids) {
    finish(id, mcp::error_response(inflight_.at(id).client_id, -32603, "MCP server process exited"));
  }
  if (!waiting_.empty()) {
    ensure_child();
  }
}

void stateless_backend::deliver(outbound& o, const std::string& json) {
  o.push_back(o.json_mode ? json : mcp::sse::encode(json));
  o.notify();
}

}  // namespace bridge
