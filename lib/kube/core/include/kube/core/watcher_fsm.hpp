// The list/watch decisions of a watcher, as a sans-I/O state machine with kube-rs's states:
//
//   empty --list page with continue--> init_page --last page--> init_listed --watch--> watching
//
// next() says what to do (list a page, open a watch, or wait out a backoff); the I/O loop does
// it and reports the outcome through on_*(). Errors back off (0.8 s -> 30 s, jittered) and retry
// the same step; HTTP 410 (or an in-stream ERROR with code 410) means the resourceVersion is
// gone, so the next step is a full relist from `empty`. A watch that ends cleanly (server
// timeout) is resumed from the last resourceVersion at once, without backoff. Bookmarks only
// advance the resourceVersion. Consumers receive kube-rs's events: init, init_apply*, init_done
// for each (re)list, then apply/remove for each change.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "kube/core/backoff.hpp"
#include "kube/core/error.hpp"
#include "kube/core/object.hpp"
#include "kube/core/request.hpp"
#include "kube/core/watch_decoder.hpp"

namespace kube {

struct watcher_config {
  std::string label_selector;
  std::string field_selector;
  // Objects per list page. Smaller than kube-rs's 500: a page is held whole (the body, then its
  // parsed tree, ~8 MiB for 500 Deployments) until the store has it as text, and a restarted
  // operator lists every kind at once; at 100 that transient is a fifth, for 10 requests per
  // 1,000 objects instead of 2.
  std::uint32_t page_size = 100;
  std::uint32_t watch_timeout_seconds = 290;
  bool bookmarks = true;
  // Used by reflect() to build the fsm's backoff; kube-rs's 0.8 s -> 30 s by default.
  backoff_policy retry{};
  // While the apiserver cannot be reached at all (connect refused, reset, timeout), waits are
  // capped lower: a refused connection costs the server nothing, and a restarted apiserver
  // should be picked up within seconds, not after a 30 s backoff. Errors the server answered
  // (403, 500, ...) keep the full backoff.
  std::chrono::milliseconds unreachable_retry_max{4'000};
  // Applied to every object after trim_for_cache(), before it is shared: a controller that
  // needs a few fields of a large kind (Pods) keeps only those, so its cache stays small.
  std::function<void(object&)> transform;
};

enum class watcher_event_type { init, init_apply, init_done, apply, remove };

struct watcher_event {
  watcher_event_type type = watcher_event_type::apply;
  object_ptr obj;  // null for init and init_done
};

struct step_list {
  list_params params;
};
struct step_watch {
  watch_params params;
};
struct step_wait {
  std::chrono::milliseconds delay;
};
using watcher_step = std::variant<step_list, step_watch, step_wait>;

enum class watcher_state { empty, init_page, init_listed, watching };
std::string_view to_string(watcher_state s);

// What the I/O loop must do with an open watch stream after an event.
enum class stream_verdict { keep_reading, close };

class watcher_fsm {
 public:
  explicit watcher_fsm(watcher_config config, backoff retry = backoff{});

  // The next action. A step_wait is returned once per failure; call next() again after it.
  watcher_step next();

  void on_list_page(std::vector<object_ptr> items, std::string resource_version, std::string continue_token,
                    std::vector<watcher_event>& out);
  void on_list_error(const error& e);

  // The watch request was answered 200: events follow.
  void on_watch_opened();
  stream_verdict on_watch_event(watch_event ev, std::vector<watcher_event>& out);
  // Non-2xx answer to the watch request, or a transport/decode failure mid-stream.
  void on_watch_error(const error& e);
  // The server ended the stream cleanly (its timeoutSeconds elapsed).
  void on_watch_end();

  [[nodiscard]] watcher_state state() const { return state_; }
  [[nodiscard]] const std::string& resource_version() const { return resource_version_; }
  // Set when the last attempt failed; cleared by the next success. For logs and readiness.
  [[nodiscard]] const std::optional<error>& last_error() const { return last_error_; }

 private:
  void fail(const error& e);
  void relist();
  void on_gone(const error& e);
  void succeeded();

  watcher_config config_;
  backoff backoff_;
  watcher_state state_ = watcher_state::empty;
  std::string resource_version_;
  std::string continue_token_;
  std::optional<std::chrono::milliseconds> pending_wait_;
  std::optional<error> last_error_;
  // 410s since the last watch event: a server that answers 410 to every fresh watch must not
  // make us relist in a tight loop.
  unsigned gone_in_a_row_ = 0;
};

}  // namespace kube
