#include "kube/core/watcher_fsm.hpp"

#include <algorithm>

namespace kube {

std::string_view to_string(watcher_state s) {
  switch (s) {
    case watcher_state::empty:
      return "empty";
    case watcher_state::init_page:
      return "init_page";
    case watcher_state::init_listed:
      return "init_listed";
    case watcher_state::watching:
      return "watching";
  }
  return "empty";
}

watcher_fsm::watcher_fsm(watcher_config config, backoff retry)
    : config_(std::move(config)), backoff_(std::move(retry)) {}

watcher_step watcher_fsm::next() {
  if (pending_wait_) {
    auto d = *pending_wait_;
    pending_wait_.reset();
    return step_wait{d};
  }
  switch (state_) {
    case watcher_state::empty:
    case watcher_state::init_page: {
      list_params p;
      p.label_selector = config_.label_selector;
      p.field_selector = config_.field_selector;
      if (config_.page_size > 0) {
        p.limit = config_.page_size;
      }
      // Empty resourceVersion: a consistent read of the latest state, paged by continue.
      p.continue_token = state_ == watcher_state::init_page ? continue_token_ : std::string{};
      return step_list{std::move(p)};
    }
    case watcher_state::init_listed:
    case watcher_state::watching: {
      // `watching` here means the stream was dropped without us being told; resume likewise.
      watch_params p;
      p.label_selector = config_.label_selector;
      p.field_selector = config_.field_selector;
      p.resource_version = resource_version_;
      p.timeout_seconds = config_.watch_timeout_seconds;
      p.allow_bookmarks = config_.bookmarks;
      return step_watch{std::move(p)};
    }
  }
  return step_wait{std::chrono::milliseconds(0)};
}

void watcher_fsm::succeeded() {
  backoff_.reset();
  last_error_.reset();
}

void watcher_fsm::fail(const error& e) {
  last_error_ = e;
  auto delay = backoff_.next();
  if (e.kind == error_kind::transport || (e.kind == error_kind::timeout && e.http_status == 0)) {
    delay = std::min(delay, config_.unreachable_retry_max);
  }
  pending_wait_ = delay;
}

void watcher_fsm::relist() {
  state_ = watcher_state::empty;
  continue_token_.clear();
}

void watcher_fsm::on_gone(const error& e) {
  relist();
  // The first 410 relists at once: that is what the server asked for (kube-rs does the same).
  if (++gone_in_a_row_ > 1) {
    fail(e);
  } else {
    last_error_ = e;
  }
}

void watcher_fsm::on_list_page(std::vector<object_ptr> items, std::string resource_version, std::string continue_token,
                               std::vector<watcher_event>& out) {
  succeeded();
  if (state_ == watcher_state::empty) {
    out.push_back({watcher_event_type::init, nullptr});
  }
  for (auto& item : items) {
    out.push_back({watcher_event_type::init_apply, std::move(item)});
  }
  if (!continue_token.empty()) {
    state_ = watcher_state::init_page;
    continue_token_ = std::move(continue_token);
    return;
  }
  // Only the last page's resourceVersion describes the whole (consistent) list.
  state_ = watcher_state::init_listed;
  continue_token_.clear();
  resource_version_ = std::move(resource_version);
  out.push_back({watcher_event_type::init_done, nullptr});
}

void watcher_fsm::on_list_error(const error& e) {
  if (e.is(error_kind::gone)) {
    // The continue token expired (compaction during paging): start the list over.
    relist();
  }
  fail(e);
}

void watcher_fsm::on_watch_opened() {
  state_ = watcher_state::watching;
}

stream_verdict watcher_fsm::on_watch_event(watch_event ev, std::vector<watcher_event>& out) {
  if (ev.type == watch_event_type::error) {
    auto st = parse_status(boost::json::value(std::move(ev.obj)));
    auto e = st ? error_from_status(*st) : make_error(error_kind::decode, "watch ERROR event without a Status");
    if (e.is(error_kind::gone)) {
      on_gone(e);
    } else {
      state_ = watcher_state::init_listed;
      fail(e);
    }
    return stream_verdict::close;
  }
  succeeded();
  gone_in_a_row_ = 0;
  auto rv = resource_version_of(ev.obj);
  if (!rv.empty()) {
    resource_version_ = std::string(rv);
  }
  trim_for_cache(ev.obj);
  if (config_.transform) {
    config_.transform(ev.obj);
  }
  switch (ev.type) {
    case watch_event_type::added:
    case watch_event_type::modified:
      out.push_back({watcher_event_type::apply, std::make_shared<const object>(std::move(ev.obj))});
      break;
    case watch_event_type::deleted:
      out.push_back({watcher_event_type::remove, std::make_shared<const object>(std::move(ev.obj))});
      break;
    case watch_event_type::bookmark:
    case watch_event_type::error:
      break;
  }
  return stream_verdict::keep_reading;
}

void watcher_fsm::on_watch_error(const error& e) {
  if (e.is(error_kind::gone)) {
    on_gone(e);
    return;
  }
  state_ = watcher_state::init_listed;
  fail(e);
}

void watcher_fsm::on_watch_end() {
  state_ = watcher_state::init_listed;
}

}  // namespace kube
