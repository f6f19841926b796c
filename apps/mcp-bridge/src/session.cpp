#include "session.hpp"

#include <boost/json/serialize.hpp>

#include "log.hpp"
#include "mcp/error.hpp"
#include "mcp/sse.hpp"

namespace bridge {
namespace json = boost::json;

namespace {

std::uint64_t g_next_session_number = 1;  // only touched on the io_context thread

// JSON-RPC error codes the bridge itself answers with (implementation-defined range).
constexpr int code_request_timeout = -32001;
constexpr int code_server_gone = -32603;

std::optional<std::string> progress_token_of(const mcp::message& m) {
  const auto* params = m.body.if_contains("params");
  const auto* p = params ? params->if_object() : nullptr;
  const auto* meta = p ? p->if_contains("_meta") : nullptr;
  const auto* mo = meta ? meta->if_object() : nullptr;
  const auto* token = mo ? mo->if_contains("progressToken") : nullptr;
  if (!token) {
    return std::nullopt;
  }
  return mcp::id_key(*token);
}

}  // namespace

session::session(const boost::asio::any_io_executor& ex, std::string id, bool legacy_sse, std::shared_ptr<upstream> up,
                 const session_config& config, metrics& m)
    : ex_(ex),
      id_(std::move(id)),
      legacy_sse_(legacy_sse),
      upstream_(std::move(up)),
      number_(g_next_session_number++),
      config_(config),
      metrics_(m),
      replay_(config.replay_events, config.replay_bytes),
      last_activity_(std::chrono::steady_clock::now()) {
  metrics_.session_opened();
}

session::~session() {
  if (!closed_) {
    upstream_->detach(*this);
  }
  metrics_.session_closed();
}

void session::start(closed_handler on_closed) {
  on_closed_ = std::move(on_closed);
  upstream_->attach(*this);
}

bool session::busy() const {
  if (!pending_.empty()) {
    return true;
  }
  // A POST stream still being written keeps the session; a held GET stream alone does not
  // (else clients holding GETs would keep their sessions, and --max-sessions, forever).
  for (const auto& [n, w] : streams_) {
    if (auto s = w.lock(); s && s->attached) {
      return true;
    }
  }
  return false;
}

std::shared_ptr<outbound> session::open_post_stream(bool json) {
  touch();
  auto o = std::make_shared<outbound>(ex_, next_stream_++, json, config_.max_stream_bytes);
  o->attached = true;
  streams_[o->number] = o;
  return o;
}

std::shared_ptr<outbound> session::attach_standalone() {
  touch();
  if (!standalone_) {
    standalone_ = std::make_shared<outbound>(ex_, next_stream_++, false, config_.max_stream_bytes);
  }
  if (standalone_->attached) {
    return nullptr;
  }
  standalone_->attached = true;
  return standalone_;
}

boost::system::result<std::shared_ptr<outbound>> session::resume(std::string_view last_event_id) {
  touch();
  auto point = replay_.after(last_event_id);
  if (!point) {
    return point.error();
  }
  std::shared_ptr<outbound> o;
  if (standalone_ && standalone_->number == point->stream) {
    if (standalone_->attached) {
      return mcp::error::unknown_event_id;
    }
    o = standalone_;
    o->clear();  // events queued while detached are in the replay buffer too
  } else if (auto it = streams_.find(point->stream); it != streams_.end() && !it->second.expired()) {
    o = it->second.lock();
    o->clear();
  } else {
    // A POST stream that already delivered everything: replay what was missed, then end.
    o = std::make_shared<outbound>(ex_, point->stream, false, config_.max_stream_bytes);
    o->done = true;
  }
  o->attached = true;
  for (auto& e : point->events) {
    o->push_back(mcp::sse::encode(e.data, e.id));
  }
  return o;
}

void session::prime(outbound& o) {
  // The retry hint tells a client how soon to come back with Last-Event-ID if the stream
  // breaks (SEP-1699); one second matches what clients do by default.
  o.push_back(mcp::sse::encode_priming(replay_.append(o.number, ""), 1000));
}

void session::detach(outbound& o) {
  touch();
  o.attached = false;
  if (o.done) {
    streams_.erase(o.number);
  }
  // A 2024-11-05 session lives exactly as long as its /sse stream.
  if (legacy_sse_ && standalone_ && &o == standalone_.get()) {
    close("client closed the SSE stream");
  }
}

void session::from_client(std::vector<mcp::message> messages, const std::shared_ptr<outbound>& stream) {
  touch();
  for (auto& m : messages) {
    if (m.is_request() && stream) {
      const std::string key = mcp::id_key(m.id());
      if (pending_.contains(key)) {
        deliver(*stream, mcp::error_response(m.id(), -32600, "a request with this id is already in progress"));
        continue;
      }
      pending_request p{stream,
                        m.id(),
                        std::string(m.method()),
                        progress_token_of(m),
                        std::chrono::steady_clock::now(),
                        std::make_unique<boost::asio::steady_timer>(ex_)};
      p.timer->expires_after(config_.request_timeout);
      p.timer->async_wait([this, key](const boost::system::error_code& ec) {
        if (ec) {
          return;  // answered, or the session is gone
        }
        auto it = pending_.find(key);
        if (it == pending_.end()) {
          return;
        }
        notify_server("notifications/cancelled",
                      json::object{{"requestId", it->second.id}, {"reason", "timed out in mcp-bridge"}});
        log::warn("request timed out", {{"session", id_}, {"method", it->second.method}});
        answer(key, mcp::error_response(it->second.id, code_request_timeout, "Request timed out"));
      });
      ++stream->awaiting;
      pending_.emplace(key, std::move(p));
    } else if (m.method() == "notifications/cancelled") {
      // The child will not answer a cancelled request: stop waiting for it.
      const auto* params = m.body.if_contains("params");
      const auto* rid = params && params->is_object() ? params->as_object().if_contains("requestId") : nullptr;
      if (rid) {
        if (auto it = pending_.find(mcp::id_key(*rid)); it != pending_.end()) {
          auto s = it->second.stream;
          pending_.erase(it);
          if (--s->awaiting == 0) {
            s->finish();
          }
        }
      }
    }
    upstream_->send(*this, std::move(m));
  }
}

void session::notify_server(std::string_view method, json::object params) {
  mcp::message m;
  m.kind = mcp::message_kind::notification;
  m.body = json::object{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
  upstream_->send(*this, std::move(m));
}

void session::from_server(const mcp::message& m) {
  touch();
  if (m.is_response()) {
    const std::string key = mcp::id_key(m.id());
    auto it = pending_.find(key);
    if (it == pending_.end()) {
      return;  // timed out or cancelled already; the client was answered
    }
    if (it->second.method == "initialize") {
      revision_ = mcp::negotiated_revision(m);
    }
    answer(key, mcp::serialize(m));
    return;
  }
  auto target = route_for(m);
  deliver(*target, mcp::serialize(m));
}

std::shared_ptr<outbound> session::route_for(const mcp::message& m) {
  if (!legacy_sse_) {
    if (m.method() == "notifications/progress") {
      const auto* params = m.body.if_contains("params");
      const auto* token = params && params->is_object() ? params->as_object().if_contains("progressToken") : nullptr;
      if (token) {
        const std::string key = mcp::id_key(*token);
        for (auto& [k, p] : pending_) {
          if (p.progress_token == key && !p.stream->json_mode) {
            return p.stream;
          }
        }
      }
    }
    // The child's requests and notifications most likely relate to the newest request in
    // progress; a JSON-mode POST cannot carry them, so skip those.
    std::shared_ptr<outbound> newest;
    for (auto& [k, p] : pending_) {
      if (!p.stream->json_mode && !p.stream->done && (!newest || p.stream->number > newest->number)) {
        newest = p.stream;
      }
    }
    if (newest) {
      return newest;
    }
  }
  if (!standalone_) {
    standalone_ = std::make_shared<outbound>(ex_, next_stream_++, false, config_.max_stream_bytes);
  }
  return standalone_;
}

void session::answer(const std::string& key, const std::string& json) {
  auto it = pending_.find(key);
  if (it == pending_.end()) {
    return;
  }
  auto p = std::move(it->second);
  pending_.erase(it);
  p.timer->cancel();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - p.started).count();
  metrics_.rpc_latency(p.method, secs);
  deliver(*p.stream, json);
  if (p.stream->awaiting > 0 && --p.stream->awaiting == 0 && p.stream.get() != standalone_.get()) {
    p.stream->finish();
  }
}

void session::deliver(outbound& o, const std::string& json) {
  if (o.json_mode) {
    o.push_back(json);
  } else {
    const std::string id = replay_.append(o.number, json);
    // Events for a stream nobody reads are kept in the replay buffer; the live queue of a
    // detached standalone stream is capped so it cannot grow without bound.
    if (!o.attached && o.size() >= config_.standalone_backlog) {
      o.drop_oldest();
    }
    o.push_back(legacy_sse_ ? mcp::sse::encode(json, {}, "message") : mcp::sse::encode(json, id));
  }
  o.notify();
}

void session::upstream_gone(std::string why) {
  if (!closed_) {
    log::warn("MCP server gone; ending session", {{"session", id_}, {"reason", why}});
  }
  close(why);
}

void session::close(std::string_view reason) {
  if (closed_) {
    return;
  }
  closed_ = true;
  while (!pending_.empty()) {
    const std::string key = pending_.begin()->first;
    answer(key, mcp::error_response(pending_.begin()->second.id, code_server_gone, reason));
  }
  for (auto& [n, w] : streams_) {
    if (auto s = w.lock()) {
      s->finish();
    }
  }
  if (standalone_) {
    standalone_->finish();
  }
  upstream_->detach(*this);
  if (on_closed_) {
    auto fn = std::move(on_closed_);
    on_closed_ = nullptr;
    fn(*this);
  }
}

}  // namespace bridge
