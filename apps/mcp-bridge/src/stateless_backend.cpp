#include "stateless_backend.hpp"

#include "log.hpp"
#include "mcp/sse.hpp"

namespace bridge {

stateless_backend::stateless_backend(const boost::asio::any_io_executor& ex, link_factory make_link, metrics& m,
                                     std::chrono::milliseconds request_timeout)
    : ex_(ex), make_link_(std::move(make_link)), metrics_(m), request_timeout_(request_timeout) {}

stateless_backend::~stateless_backend() {
  stop();
}

void stateless_backend::stop() {
  stopped_ = true;
  for (auto& [key, r] : requests_) {
    r->core.close("mcp-bridge is shutting down", std::chrono::steady_clock::now());
  }
  pump();
  if (child_) {
    child_->on_message(nullptr);
    child_->on_exit(nullptr);
    child_->terminate();
    child_.reset();
  }
}

void stateless_backend::adopt(std::shared_ptr<server_link> child) {
  single_child_ = true;
  start_child(std::move(child));
}

void stateless_backend::ensure_child() {
  if (child_ || stopped_) {
    return;
  }
  if (single_child_) {
    mux_.upstream_failed("MCP server process exited");
    return;
  }
  auto c = make_link_();
  if (!c) {
    log::error("cannot start the MCP server for stateless requests", {{"error", c.error().message()}});
    mux_.upstream_failed("the MCP server could not be started");
    return;
  }
  start_child(*c);
}

void stateless_backend::start_child(std::shared_ptr<server_link> c) {
  child_ = std::move(c);
  child_->on_message([this](mcp::message m) {
    mux_.from_upstream(std::move(m));
    pump();
  });
  child_->on_exit([this](const std::string&) {
    log::warn("the stateless MCP server child exited; it restarts on the next request");
    metrics_.child_crashed();
    child_.reset();
    mux_.upstream_exited("MCP server process exited");
    pump();
  });
  mux_.upstream_started();
  pump();
}

void stateless_backend::submit(mcp::message request, std::shared_ptr<outbound> o) {
  const auto now = std::chrono::steady_clock::now();
  if (stopped_) {
    deliver(*o, mcp::error_response(request.id(), -32603, "mcp-bridge is shutting down"));
    o->finish();
    return;
  }
  mcp::session_options opts;
  opts.flavor = mcp::session_flavor::stateless;
  opts.request_timeout = request_timeout_;
  opts.max_stream_bytes = o->limit;
  o->limit = outbound::unlimited;  // the core bounds it
  const auto key = next_key_++;
  const bool json = o->json_mode;
  auto& r = *requests_.emplace(key, std::make_unique<request_slot>(ex_, mcp::session_core(opts, now), std::move(o)))
                 .first->second;
  r.stream_id = r.core.open_stream(json, now);
  r.stream->on_drain = [this, key](std::size_t bytes) {
    if (auto it = requests_.find(key); it != requests_.end()) {
      it->second->core.drained(it->second->stream_id, bytes);
    }
  };
  mux_.attach(key);
  std::vector<mcp::message> batch;
  batch.push_back(std::move(request));
  r.core.from_client(std::move(batch), r.stream_id, now);
  pump();
}

void stateless_backend::detach(outbound& o) {
  o.attached = false;
  for (auto& [key, r] : requests_) {
    if (r->stream.get() == &o) {
      r->core.detach(r->stream_id, std::chrono::steady_clock::now());  // cancels the request
      r->done = true;
      break;
    }
  }
  pump();
}

void stateless_backend::pump() {
  if (pumping_) {
    return;  // an action fed an input: the loop below performs what it caused
  }
  pumping_ = true;
  for (bool progress = true; progress;) {
    progress = false;
    for (auto& [key, r] : requests_) {
      mcp::action a;
      while (r->core.next(a)) {
        perform(key, *r, a);
        progress = true;
      }
    }
    mcp::mux_action m;
    while (mux_.next(m)) {
      perform(m);
      progress = true;
    }
    // A request is over once its stream is: it leaves the mux (which cancels what the child
    // may still run for it) and the backend.
    for (auto it = requests_.begin(); it != requests_.end();) {
      if (it->second->done) {
        mux_.detach(it->first);
        it = requests_.erase(it);
        progress = true;
      } else {
        ++it;
      }
    }
  }
  pumping_ = false;
}

void stateless_backend::perform(std::uint64_t key, request_slot& r, mcp::action& a) {
  using kind = mcp::action::kind;
  switch (a.what) {
    case kind::send_upstream:
      mux_.from_session(key, std::move(a.msg));
      break;
    case kind::deliver:
      deliver(*r.stream, a.text);
      break;
    case kind::finish_stream:
      r.stream->finish();
      r.done = true;
      break;
    case kind::overflow:
      r.stream->overflowed = true;  // the writer drops the connection
      r.stream->notify();
      break;
    case kind::arm_timer:
      r.deadline.expires_at(a.at);
      r.deadline.async_wait([this, key](const boost::system::error_code& ec) {
        if (ec) {
          return;
        }
        if (auto it = requests_.find(key); it != requests_.end()) {
          log::warn("stateless request timed out");
          it->second->core.expire(std::chrono::steady_clock::now());
          pump();
        }
      });
      break;
    case kind::cancel_timer:
      r.deadline.cancel();
      break;
    case kind::request_done:
      metrics_.rpc_latency(a.text, std::chrono::duration<double>(a.elapsed).count());
      if (!a.tool.empty())
        metrics_.tool_call(a.tool, a.outcome, std::chrono::duration<double>(a.elapsed).count());
      break;
    case kind::end_session:
      r.done = true;
      break;
  }
}

void stateless_backend::perform(mcp::mux_action& a) {
  using kind = mcp::mux_action::kind;
  const auto now = std::chrono::steady_clock::now();
  switch (a.what) {
    case kind::to_upstream:
      if (child_) {
        child_->send(std::move(a.text));
      }
      break;
    case kind::to_session:
      if (auto it = requests_.find(a.session); it != requests_.end()) {
        it->second->core.from_upstream(a.msg, now);
      }
      break;
    case kind::end_session:
      if (auto it = requests_.find(a.session); it != requests_.end()) {
        it->second->core.close(a.text, now);
      }
      break;
    case kind::need_upstream:
      ensure_child();
      break;
  }
}

void stateless_backend::deliver(outbound& o, const std::string& json) {
  o.push_back(o.json_mode ? json : mcp::sse::encode(json), json.size());
  o.notify();
}

}  // namespace bridge
