#include "pool_runtime.hpp"

#include "log.hpp"

namespace gw {

namespace log = bridge::log;

namespace {
constexpr auto poll_every = std::chrono::milliseconds(50);
}

pool_runtime::pool_runtime(const boost::asio::any_io_executor& ex, pool_options base)
    : ex_(ex), base_(std::move(base)), poll_(ex) {}

bool pool_runtime::start_static() {
  current_ = std::make_shared<pool_directory>(ex_, base_);
  return current_->start();
}

void pool_runtime::apply(boost::system::result<pool_view, std::string> view) {
  if (stopped_) {
    return;
  }
  if (!view) {
    if (view.error() != last_error_) {
      log::error("the pool cannot be served as it is now; keeping what serves", {{"reason", view.error()}});
      last_error_ = view.error();
    }
    return;
  }
  last_error_.clear();
  // The newest directory (the one starting, else the one serving) takes what it can in place.
  auto& target = pending_ ? pending_ : current_;
  auto& target_view = pending_ ? pending_view_ : current_view_;
  if (target && target_view && same_shape(*target_view, *view)) {
    for (std::size_t i = 0; i < view->members.size(); ++i) {
      target->set_endpoints(i, view->members[i].endpoints, view->members[i].note);
    }
    target_view = std::move(*view);
    return;
  }
  pool_options o = base_;
  o.members = view->members;
  o.resolution = view->resolution;
  auto dir = std::make_shared<pool_directory>(ex_, std::move(o));
  if (!dir->start()) {
    log::error("a new configuration of the pool cannot start (the keyring); keeping what serves");
    return;
  }
  log::info(current_ ? "the pool changed; a new configuration starts" : "the pool is read; starting",
            {{"members", std::to_string(view->members.size())}, {"generation", std::to_string(view->generation)}});
  if (pending_) {
    pending_->retire();  // superseded before it served
  }
  pending_ = std::move(dir);
  pending_view_ = std::move(*view);
  pending_since_ = std::chrono::steady_clock::now();
  await_pending();
}

void pool_runtime::await_pending() {
  if (!pending_ || stopped_) {
    return;
  }
  // Nothing serves yet: the first directory serves at once (/readyz waits for it anyway).
  if (pending_->ready() || !current_ || std::chrono::steady_clock::now() - pending_since_ >= base_.member_timeout) {
    promote();
    return;
  }
  poll_.expires_after(poll_every);
  poll_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      await_pending();
    }
  });
}

void pool_runtime::promote() {
  if (current_) {
    current_->retire();
    std::erase_if(retired_, [](const auto& w) { return w.expired(); });
    retired_.push_back(current_);
  }
  current_ = std::move(pending_);
  current_view_ = std::move(pending_view_);
  pending_.reset();
  pending_view_.reset();
}

std::optional<std::string> pool_runtime::status_json() const {
  if (!current_) {
    return std::nullopt;
  }
  const std::string pool = base_.api ? base_.api->pool : std::string();
  return current_->status_json(pool, current_view_ ? current_view_->generation : 0);
}

std::string pool_runtime::metrics_text() const { return current_ ? current_->member_samples() : std::string(); }

void pool_runtime::stop() {
  stopped_ = true;
  poll_.cancel();
  for (auto& d : {current_, pending_}) {
    if (d) {
      d->stop();
    }
  }
  for (auto& w : retired_) {
    if (auto d = w.lock()) {
      d->stop();
    }
  }
}

}  // namespace gw
