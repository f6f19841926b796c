// Which pool_directory serves new sessions, as the pool changes. Flags give one directory for
// the process's life; the API (pool_source) gives a view at every change:
// - the same shape (members, names, filters, conflict resolution): the running directory
//   takes each member's endpoints in place (pool_directory::set_endpoints), so pods coming
//   and going never disturb a session on another pod;
// - another shape: a new directory starts; it serves new sessions once it is ready (every
//   member's probe came up and listed, or failed) or after --member-timeout, whichever is
//   first, and the old one is retired then. Sessions opened on an older directory keep its
//   members and catalog until they end, and a sealed id from before is continued by the
//   newest directory (a member it no longer has is left out; one added gets a new session).
// A view that is an error (the pool deleted, or invalid) keeps what serves and is logged;
// /readyz is false until a first directory is ready.
#pragma once

#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pool_directory.hpp"
#include "pool_view.hpp"

namespace gw {

class pool_runtime {
 public:
  pool_runtime(const boost::asio::any_io_executor& ex, pool_options base);

  // Flags: one directory, now. False if it cannot start (the keyring).
  bool start_static();
  // The API's view changed.
  void apply(boost::system::result<pool_view, std::string> view);

  // The directory new and continued sessions use (null before the first one).
  [[nodiscard]] std::shared_ptr<pool_directory> current() const { return current_; }
  [[nodiscard]] bool ready() const { return current_ && current_->ready(); }
  // GET /pool: the current directory's view (null before there is one).
  [[nodiscard]] std::optional<std::string> status_json() const;
  // /metrics: the current directory's members (pool_directory::member_samples), none before it.
  [[nodiscard]] std::string metrics_text() const;
  void stop();

 private:
  void promote();
  void await_pending();

  boost::asio::any_io_executor ex_;
  pool_options base_;
  std::shared_ptr<pool_directory> current_;
  std::optional<pool_view> current_view_;
  std::shared_ptr<pool_directory> pending_;
  std::optional<pool_view> pending_view_;
  std::chrono::steady_clock::time_point pending_since_{};
  std::vector<std::weak_ptr<pool_directory>> retired_;
  std::string last_error_;
  boost::asio::steady_timer poll_;
  bool stopped_ = false;
};

}  // namespace gw
