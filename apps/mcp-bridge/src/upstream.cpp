#include "upstream.hpp"

#include "session.hpp"

namespace bridge {

child_upstream::~child_upstream() {
  child_->on_message(nullptr);
  child_->on_exit(nullptr);
  child_->terminate();
}

void child_upstream::attach(session& s) {
  child_->on_message([&s](const mcp::message& m) { s.from_server(m); });
  child_->on_exit([this, &s](const std::string& why) {
    metrics_.child_crashed();  // handlers are removed before a deliberate termination
    s.upstream_gone(why);
  });
}

void child_upstream::send(session&, mcp::message m) {
  child_->send(mcp::serialize(m));
}

void child_upstream::detach(session&) {
  child_->on_message(nullptr);
  child_->on_exit(nullptr);
  child_->terminate();
}

void child_upstream::release(session&) {
  child_->on_message(nullptr);
  child_->on_exit(nullptr);
  child_->release();
}

}  // namespace bridge
