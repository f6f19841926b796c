// Where a session's client messages go and where the server's messages come from. Two
// kinds: a server link of its own (per-session mode, the default: a child per session, or an
// HTTP session of its own upstream with --upstream) or one link shared by every session
// (shared mode, for stateless servers; ids remapped).
// The session keeps all the stream logic and does not know which kind it talks to.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "link.hpp"
#include "mcp/jsonrpc.hpp"
#include "metrics.hpp"

namespace bridge {

class session;

class upstream {
 public:
  virtual ~upstream() = default;
  // From now on the server's messages for `s` go to s.from_server(), its end to s.upstream_gone().
  virtual void attach(session& s) = 0;
  virtual void send(session& s, mcp::message m) = 0;
  // `s` ended: stop routing to it and release what it holds.
  virtual void detach(session& s) = 0;
  // `s` ended here but its server session lives on (session_hooks::release_on_close).
  virtual void release(session& s) { detach(s); }
  // The session's own link (per-session mode), nullptr when shared.
  [[nodiscard]] virtual std::shared_ptr<server_link> link() const { return nullptr; }
  [[nodiscard]] virtual pid_t pid() const = 0;
};

// Per-session mode: the session owns its link; ending the session terminates it.
class child_upstream final : public upstream {
 public:
  child_upstream(std::shared_ptr<server_link> child, metrics& m) : child_(std::move(child)), metrics_(m) {}
  ~child_upstream() override;
  void attach(session& s) override;
  void send(session& s, mcp::message m) override;
  void detach(session& s) override;
  void release(session& s) override;
  [[nodiscard]] std::shared_ptr<server_link> link() const override { return child_; }
  [[nodiscard]] pid_t pid() const override { return child_->pid(); }

 private:
  std::shared_ptr<server_link> child_;
  metrics& metrics_;
};

}  // namespace bridge
