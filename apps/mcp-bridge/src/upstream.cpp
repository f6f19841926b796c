#include "upstream.hpp"

#include <sys/wait.h>

#include "session.hpp"

namespace bridge {

namespace {

std::string exit_reason(int wait_status) {
  std::string why = "MCP server process exited";
  if (WIFSIGNALED(wait_status)) {
    why += " (signal " + std::to_string(WTERMSIG(wait_status)) + ")";
  } else if (WIFEXITED(wait_status)) {
    why += " (status " + std::to_string(WEXITSTATUS(wait_status)) + ")";
  }
  return why;
}

}  // namespace

child_upstream::~child_upstream() {
  child_->on_message(nullptr);
  child_->on_exit(nullptr);
  child_->terminate();
}

void child_upstream::attach(session& s) {
  child_->on_message([&s](const mcp::message& m) { s.from_server(m); });
  child_->on_exit([this, &s](int status) {
    metrics_.child_crashed();  // handlers are removed before a deliberate termination
    s.upstream_gone(exit_reason(status));
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

}  // namespace bridge
