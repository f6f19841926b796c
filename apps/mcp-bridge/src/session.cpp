#include "session.hpp"

#include "log.hpp"
#include "mcp/error.hpp"
#include "mcp/sse.hpp"

namespace bridge {

namespace {

std::uint64_t g_next_session_number = 1;  // only touched on the io_context thread

mcp::session_options core_options(bool legacy_sse, const session_config& c) {
  mcp::session_options o;
  o.flavor = legacy_sse ? mcp::session_flavor::legacy_sse : mcp::session_flavor::streamable;
  o.request_timeout = c.request_timeout;
  o.max_pending = c.max_pending;
  o.max_stream_bytes = c.max_stream_bytes;
  return o;
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
      core_(core_options(legacy_sse, config), now()),
      replay_(config.replay_events, config.replay_bytes),
      deadline_(ex) {
  metrics_.session_opened();
}

session::~session() {
  for (auto& [n, o] : streams_) {
    o->on_drain = nullptr;  // it points into this session
  }
  deadline_.cancel();
  if (!core_.closed()) {
    upstream_->detach(*this);
  }
  metrics_.session_closed();
}

void session::start(closed_handler on_closed) {
  on_closed_ = std::move(on_closed);
  upstream_->attach(*this);
}

std::shared_ptr<outbound> session::stream(mcp::stream_id n, bool json, bool attached) {
  auto& o = streams_[n];
  if (!o) {
    // The core bounds the bytes (max_stream_bytes); this queue only gives back what it drains.
    o = std::make_shared<outbound>(ex_, n, json, outbound::unlimited);
    // Small enough for std::function to hold without allocating; the session clears it
    // before it forgets the stream or goes away (a connection may hold the stream longer).
    o->on_drain = [this, n](std::size_t bytes) { core_.drained(n, bytes); };
  }
  o->attached = o->attached || attached;
  return o;
}

std::shared_ptr<outbound> session::standalone() const {
  auto n = core_.standalone();
  auto it = n ? streams_.find(*n) : streams_.end();
  return it == streams_.end() ? nullptr : it->second;
}

std::shared_ptr<outbound> session::open_post_stream(bool json) {
  const auto n = core_.open_stream(json, now());
  if (n == 0) {
    auto o = std::make_shared<outbound>(ex_, 0, json, config_.max_stream_bytes);
    o->attached = true;
    o->done = true;  // the session ended meanwhile: an empty answer
    return o;
  }
  return stream(n, json, true);
}

std::shared_ptr<outbound> session::attach_standalone() {
  auto n = core_.attach_standalone(now());
  if (!n) {
    return nullptr;
  }
  return stream(*n, false, true);
}

boost::system::result<std::shared_ptr<outbound>> session::resume(std::string_view last_event_id) {
  auto point = replay_.after(last_event_id);
  if (!point) {
    core_.resume(0, now());  // counts as activity, like any request
    return point.error();
  }
  std::shared_ptr<outbound> o;
  switch (core_.resume(point->stream, now())) {
    case mcp::session_core::resume_result::refused:
      return mcp::error::unknown_event_id;
    case mcp::session_core::resume_result::attached:
      o = stream(point->stream, false, true);
      o->clear();  // events queued while detached are in the replay buffer too
      o->overflowed = false;
      break;
    case mcp::session_core::resume_result::replay_only:
      // A POST stream that already delivered everything: replay what was missed, then end.
      o = std::make_shared<outbound>(ex_, point->stream, false, config_.max_stream_bytes);
      o->attached = true;
      o->done = true;
      break;
  }
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
  o.attached = false;
  may_forget_ = true;  // and a detached one that is finished
  core_.detach(o.number, now());
  run();
}

void session::from_client(std::vector<mcp::message> messages, const std::shared_ptr<outbound>& stream,
                          std::optional<trace_parent> parent) {
  next_parent_ = std::move(parent);
  core_.from_client(std::move(messages), stream ? stream->number : 0, now());
  run();
  next_parent_.reset();
}

void session::from_server(const mcp::message& m) {
  if (!client_spans_.empty() && m.is_response()) {
    end_client_span(m);
  }
  core_.from_upstream(m, now());
  run();
}

void session::upstream_gone(std::string why) {
  if (!core_.closed()) {
    log::warn("MCP server gone; ending session", {{"session", log::short_id(id_)}, {"reason", why}});
  }
  close(why);
}

void session::close(std::string_view reason, bool release) {
  release_ = release_ || release;
  core_.close(reason, now());
  run();
}

void session::run() {
  if (running_) {
    return;  // an action re-entered the session (the upstream answered at once): queued behind
  }
  running_ = true;
  mcp::action a;
  while (core_.next(a)) {
    perform(a);
  }
  running_ = false;
  if (!may_forget_) {
    return;
  }
  may_forget_ = false;
  // Streams the core forgot are finished; their connections hold them as long as they write.
  std::erase_if(streams_, [&](const auto& kv) {
    if (core_.knows_stream(kv.first)) {
      return false;
    }
    kv.second->on_drain = nullptr;
    return true;
  });
}

void session::perform(mcp::action& a) {
  using kind = mcp::action::kind;
  switch (a.what) {
    case kind::send_upstream:
      if (next_parent_ && a.msg.is_request()) {
        start_client_span(a.msg);
      }
      upstream_->send(*this, std::move(a.msg));
      break;
    case kind::deliver:
      deliver(*stream(a.stream, false, false), std::move(a.text));
      break;
    case kind::finish_stream:
      may_forget_ = true;  // the core forgets a finished stream nobody writes
      if (auto it = streams_.find(a.stream); it != streams_.end()) {
        it->second->finish();
      }
      break;
    case kind::overflow:
      if (auto it = streams_.find(a.stream); it != streams_.end()) {
        if (it->second->attached) {
          it->second->overflowed = true;  // the writer drops the connection
          it->second->notify();
        } else {
          trim(*it->second);
        }
      }
      break;
    case kind::arm_timer:
      arm(a.at);
      break;
    case kind::cancel_timer:
      deadline_.cancel();
      break;
    case kind::request_done:
      metrics_.rpc_latency(a.text, std::chrono::duration<double>(a.elapsed).count());
      if (!a.tool.empty())
        metrics_.tool_call(a.tool, a.outcome, std::chrono::duration<double>(a.elapsed).count());
      break;
    case kind::end_session:
      deadline_.cancel();
      end_client_spans("closed", false);
      if (release_) {
        upstream_->release(*this);
      } else {
        upstream_->detach(*this);
      }
      if (on_closed_) {
        auto fn = std::move(on_closed_);
        on_closed_ = nullptr;
        fn(*this);
      }
      break;
  }
}

void session::arm(std::chrono::steady_clock::time_point at) {
  deadline_.expires_at(at);
  deadline_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) {
      return;  // re-armed, cancelled, or the session is gone
    }
    if (core_.pending() > 0) {
      log::warn("request timed out", {{"session", log::short_id(id_)}});
    }
    core_.expire(now());
    run();
    if (!client_spans_.empty()) {
      end_client_spans("timeout", true);
    }
  });
}

void session::trim(outbound& o) {
  // Nobody reads this stream: its oldest events go (they stay in the replay buffer).
  while (o.size() > 1 && core_.queued_bytes(o.number) > config_.max_stream_bytes) {
    o.drop_oldest();
  }
}

void session::deliver(outbound& o, std::string json) {
  const std::size_t weight = json.size();
  if (o.json_mode) {
    o.push_back(std::move(json), weight);
  } else {
    const std::string id = replay_.append(o.number, json);
    // Events for a stream nobody reads are kept in the replay buffer; the live queue of a
    // detached standalone stream is capped so it cannot grow without bound.
    if (!o.attached && o.size() >= config_.standalone_backlog) {
      o.drop_oldest();
    }
    o.push_back(legacy_sse_ ? mcp::sse::encode(json, {}, "message") : mcp::sse::encode(json, id), weight);
  }
  o.notify();
}

void session::start_client_span(mcp::message& m) {
  const auto& p = *next_parent_;
  auto s = config_.traces ? config_.traces->tracer.start(p.context, trace::span_kind::client, trace::now_unix_nano())
                          : std::nullopt;
  if (!s) {
    return;
  }
  // The MCP server continues the trace from _meta (SEP-414); an HTTP upstream also gets it
  // as the traceparent header (http_link). Sent whether or not the span records, so the
  // services behind follow this sampling decision.
  inject_meta(m, s->context, p.tracestate);
  if (!trace::recording(s) || client_spans_.size() >= config_.max_pending) {
    return;
  }
  const std::string method(m.method());
  s->name = method;
  s->set("mcp.method.name", method);
  if (method == "tools/call" || method == "prompts/get") {
    const auto* params = m.body.if_contains("params");
    const auto* name = params && params->is_object() ? params->as_object().if_contains("name") : nullptr;
    if (name && name->is_string()) {
      s->name += " " + std::string(name->get_string());
      s->set(method == "tools/call" ? "gen_ai.tool.name" : "gen_ai.prompt.name", std::string(name->get_string()));
    }
  }
  s->set("mcp.session.id", log::short_id(id_));
  const bool child = upstream_->pid() > 0;
  s->set("network.transport", std::string(child ? "pipe" : "tcp"));
  client_spans_.insert_or_assign(mcp::id_key(m.id()), client_span{std::move(*s), p.outcome, now()});
}

void session::end_client_span(const mcp::message& answer) {
  auto it = client_spans_.find(mcp::id_key(answer.id()));
  if (it == client_spans_.end()) {
    return;
  }
  auto& c = it->second;
  if (const auto err = answer_error(answer); !err.empty()) {
    c.span.set("error.type", std::string(err));
    c.span.error(std::string(err));
    if (c.outcome && c.outcome->empty()) {
      *c.outcome = std::string(err);  // the SERVER span says why too
    }
  }
  config_.traces->finish(std::move(c.span));
  client_spans_.erase(it);
}

void session::end_client_spans(std::string_view why, bool only_expired) {
  const auto cutoff = now() - config_.request_timeout;
  for (auto it = client_spans_.begin(); it != client_spans_.end();) {
    auto& c = it->second;
    if (only_expired && c.started > cutoff) {
      ++it;
      continue;
    }
    c.span.set("error.type", std::string(why));
    c.span.error(std::string(why));
    if (c.outcome && c.outcome->empty()) {
      *c.outcome = std::string(why);
    }
    config_.traces->finish(std::move(c.span));
    it = client_spans_.erase(it);
  }
}

}  // namespace bridge
