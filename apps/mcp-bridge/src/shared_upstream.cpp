#include "shared_upstream.hpp"

#include "log.hpp"
#include "session.hpp"

namespace bridge {

shared_upstream::shared_upstream(const boost::asio::any_io_executor& ex, link_factory make_link, metrics& m)
    : ex_(ex), make_link_(std::move(make_link)), metrics_(m), restart_timer_(ex) {}

shared_upstream::~shared_upstream() {
  stop();
}

void shared_upstream::start() {
  if (child_ || stopped_) {
    return;
  }
  auto c = make_link_();
  if (!c) {
    log::error("cannot start the shared MCP server", {{"error", c.error().message()}});
    mux_.upstream_failed("the MCP server could not be started");
    run();
    return;
  }
  child_ = *c;
  child_->on_message([this](mcp::message m) {
    mux_.from_upstream(std::move(m));
    run();
  });
  child_->on_exit([this](const std::string&) { child_exited(); });
  mux_.upstream_started();
  run();
}

void shared_upstream::stop() {
  stopped_ = true;
  restart_timer_.cancel();
  if (child_) {
    child_->on_message(nullptr);
    child_->on_exit(nullptr);
    child_->terminate();
    child_.reset();
  }
}

void shared_upstream::attach(session& s) {
  sessions_[s.number()] = &s;
  mux_.attach(s.number());
}

void shared_upstream::detach(session& s) {
  sessions_.erase(s.number());
  mux_.detach(s.number());
  run();
}

void shared_upstream::send(session& s, mcp::message m) {
  mux_.from_session(s.number(), std::move(m));
  run();
}

void shared_upstream::run() {
  if (running_) {
    return;  // a session answered re-entered us: its actions are queued behind
  }
  running_ = true;
  mcp::mux_action a;
  while (mux_.next(a)) {
    using kind = mcp::mux_action::kind;
    switch (a.what) {
      case kind::to_upstream:
        if (child_) {
          child_->send(std::move(a.text));
        }
        break;
      case kind::to_session:
        if (auto it = sessions_.find(a.session); it != sessions_.end()) {
          it->second->from_server(a.msg);
        }
        break;
      case kind::end_session:
        if (auto it = sessions_.find(a.session); it != sessions_.end()) {
          it->second->upstream_gone(a.text);
        }
        break;
      case kind::need_upstream:
        start();  // what it makes the mux do is queued behind
        break;
    }
  }
  running_ = false;
}

void shared_upstream::child_exited() {
  log::warn("the shared MCP server exited; ending every session");
  metrics_.child_crashed();
  child_.reset();
  mux_.upstream_exited("MCP server process exited");
  run();
  restart_timer_.expires_after(std::chrono::seconds(1));
  restart_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      start();
    }
  });
}

}  // namespace bridge
