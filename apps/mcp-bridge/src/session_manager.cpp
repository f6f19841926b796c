#include "session_manager.hpp"

#include <sys/random.h>

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cmath>

#include "log.hpp"

namespace bridge {

namespace {
// The id of the warm-up ping; a session that takes a child before its answer ignores it
// (it answers no request of the session's).
constexpr std::string_view warmup_id = "mcp-bridge-warmup";
}  // namespace

std::string random_session_id() {
  unsigned char bytes[16];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
    }
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 0xf]);
  }
  return out;
}

child_config make_child_config(const options& o);

session_manager::session_manager(const boost::asio::any_io_executor& ex, const options& o, metrics& m, reaper& r,
                                 session_hooks hooks)
    : ex_(ex),
      opts_(o),
      metrics_(m),
      reaper_(r),
      hooks_(std::move(hooks)),
      refill_timer_(ex),
      sweep_timer_(ex),
      tokens_(static_cast<double>(o.session_burst)),
      tokens_at_(std::chrono::steady_clock::now()),
      stateless_(
          ex, [this] { return make_link_(); }, m, o.request_timeout) {
  child_config_ = make_child_config(o);
  if (o.upstream) {
    std::string error;
    auto cfg = parse_upstream_url(*o.upstream, error);  // checked by parse_options already
    if (cfg) {
      cfg->max_message = o.max_line;
      cfg->request_timeout = o.request_timeout;
      cfg->write_timeout = o.write_timeout;
      http_ = std::make_shared<http_pool>(ex, *cfg);
    }
  }
  if (hooks_.make_link) {
    make_link_ = hooks_.make_link;
  } else if (http_) {
    make_link_ = [this]() -> boost::system::result<std::shared_ptr<server_link>> {
      return std::shared_ptr<server_link>(std::make_shared<http_link>(ex_, http_));
    };
  } else {
    make_link_ = [this]() -> boost::system::result<std::shared_ptr<server_link>> {
      auto c = child_process::spawn(ex_, child_config_, reaper_, metrics_);
      if (!c) {
        return c.error();
      }
      return std::shared_ptr<server_link>(*c);
    };
  }
  if (o.mode == session_mode::shared) {
    shared_ = std::make_shared<shared_upstream>(
        ex, [this] { return make_link_(); }, m);
  }
  session_config_.request_timeout = o.request_timeout;
  session_config_.max_stream_bytes = o.max_stream_buffer;
}

child_config make_child_config(const options& o) {
  child_config c;
  c.argv = o.command;
  c.max_line = o.max_line;
  return c;
}

void session_manager::start() {
  if (http_) {
    http_->watch();
  }
  if (shared_) {
    shared_->start();
  } else if (http_ || hooks_.make_link) {
    // Links are made on demand: nothing to warm.
  } else if (opts_.warm_pool == 0) {
    // No pool to prove the server starts: start one child once, for /readyz, and stop it.
    if (auto probe = spawn()) {
      probe->terminate();
    }
  } else {
    refill();
  }
  sweep_idle();
}

std::shared_ptr<server_link> session_manager::spawn() {
  auto c = make_link_();
  last_spawn_ok_ = c.has_value();
  started_once_ = started_once_ && c.has_value();
  if (!c) {
    log::error(
        "cannot start the MCP server",
        {{"command", opts_.command.empty() ? std::string() : opts_.command.front()}, {"error", c.error().message()}});
    return nullptr;
  }
  if (!http_ && !hooks_.make_link) {
    log::debug("child started", {{"pid", std::to_string((*c)->pid())}});
  }
  ++starting_;
  metrics_.set_children_starting(static_cast<std::int64_t>(starting_));
  // A child that has not spoken within the request timeout is failing its first request
  // anyway; its slot goes to the next one.
  (*c)->on_started([this] { start_finished(); },
                   std::chrono::duration_cast<std::chrono::milliseconds>(opts_.request_timeout));
  return *c;
}

void session_manager::start_finished() {
  --starting_;
  metrics_.set_children_starting(static_cast<std::int64_t>(starting_));
  if (stopping_) {
    return;
  }
  // Clients waiting for a start slot come before the warm pool.
  if (!start_waiters_.empty()) {
    auto t = std::move(start_waiters_.front());
    start_waiters_.pop_front();
    t->cancel();
    return;
  }
  boost::asio::post(ex_, [this] { refill(); });
}

boost::asio::awaitable<bool> session_manager::wait_for_start_slot(std::chrono::steady_clock::time_point deadline) {
  if (stopping_ || start_waiters_.size() >= opts_.max_sessions) {
    co_return false;  // the queue is bounded too
  }
  auto t = std::make_shared<boost::asio::steady_timer>(ex_, deadline);
  start_waiters_.push_back(t);
  auto [ec] = co_await t->async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  std::erase(start_waiters_, t);
  const bool woken = ec == boost::asio::error::operation_aborted && !stopping_;
  if (!woken && !stopping_ && starting_ < opts_.max_starting && !start_waiters_.empty()) {
    // A slot freed just as this wait expired (the wake-up was lost on it): pass it on.
    auto next = std::move(start_waiters_.front());
    start_waiters_.pop_front();
    next->cancel();
  }
  co_return woken;
}

std::optional<session_refusal> session_manager::admit() {
  if (stopping_) {
    return session_refusal::shutting_down;
  }
  if (sessions_.size() + isolated_.size() >= opts_.max_sessions) {
    return session_refusal::too_many_sessions;
  }
  // Token bucket: every new session may force a process start, so a client creating and
  // deleting sessions in a loop is slowed down instead of turning the bridge into a fork loop.
  const auto now = std::chrono::steady_clock::now();
  tokens_ = std::min(static_cast<double>(opts_.session_burst),
                     tokens_ + opts_.session_rate * std::chrono::duration<double>(now - tokens_at_).count());
  tokens_at_ = now;
  if (tokens_ < 1.0) {
    return session_refusal::rate_limited;
  }
  return std::nullopt;
}

unsigned session_manager::retry_after_rate() const {
  return static_cast<unsigned>(std::max(1.0, std::ceil((1.0 - tokens_) / opts_.session_rate)));
}

std::variant<std::shared_ptr<server_link>, session_refusal> session_manager::take_child() {
  std::erase_if(pool_, [](const auto& c) { return !c->alive(); });
  // Prefer a child that answered its warm-up ping; else the oldest, which is closest to ready.
  auto it = std::find_if(pool_.begin(), pool_.end(), [&](const auto& c) { return warm_.contains(c->serial()); });
  if (it == pool_.end()) {
    it = pool_.begin();
  }
  std::shared_ptr<server_link> child;
  bool warm = false;
  if (it != pool_.end()) {
    child = std::move(*it);
    pool_.erase(it);
    warm = warm_.erase(child->serial()) > 0;
    metrics_.set_warm_children(static_cast<std::int64_t>(warm_.size()));
    child->on_exit(nullptr);
    child->on_message(nullptr);
  } else if (starting_ >= opts_.max_starting) {
    return session_refusal::starting_busy;
  } else if (child = spawn(); !child) {
    return session_refusal::child_failed;
  }
  tokens_ -= 1.0;  // the session-creation rate limit counts what got a child
  if (warm) {
    boost::asio::post(ex_, [this] { refill(); });
  } else {
    // This child is still starting: a replacement started now would compete with it for CPU
    // (measured on 2 cores: the first session after start-up took twice as long).
    refill_later();
  }
  return child;
}

std::variant<std::pair<stateless_backend*, std::uint64_t>, session_refusal> session_manager::stateless_for_request() {
  if (shared_) {
    return std::pair<stateless_backend*, std::uint64_t>{&stateless_, 0};
  }
  if (auto refused = admit()) {
    return *refused;
  }
  auto taken = take_child();
  if (auto* r = std::get_if<session_refusal>(&taken)) {
    return *r;
  }
  auto backend = std::make_unique<stateless_backend>(ex_, make_link_, metrics_, opts_.request_timeout);
  backend->adopt(std::get<std::shared_ptr<server_link>>(std::move(taken)));
  const auto key = next_isolated_++;
  auto* raw = backend.get();
  isolated_.emplace(key, std::move(backend));
  return std::pair<stateless_backend*, std::uint64_t>{raw, key};
}

void session_manager::release_stateless(std::uint64_t key) {
  if (key == 0) {
    return;
  }
  // Later: we may be inside one of the backend's own callbacks.
  boost::asio::post(ex_, [this, key] { isolated_.erase(key); });
}

void session_manager::refill() {
  if (stopping_ || http_ || hooks_.make_link) {
    return;  // HTTP links are made on demand
  }
  while (pool_.size() < opts_.warm_pool && starting_ < opts_.max_starting && start_waiters_.empty()) {
    auto c = spawn();
    if (!c) {
      break;
    }
    std::weak_ptr<server_link> weak = c;
    const auto serial = c->serial();
    c->on_exit([this, weak, serial](const std::string&) {
      // A pooled child died before anyone used it: drop it and start another later. Until
      // one answers again, the server is not known to start (/readyz).
      warm_.erase(serial);
      started_once_ = false;
      std::erase_if(pool_, [&](const auto& p) { return p == weak.lock() || !p->alive(); });
      metrics_.set_warm_children(static_cast<std::int64_t>(warm_.size()));
      refill();
    });
    // A ping is the one request MCP allows before initialize: its answer proves the server
    // has started and reads stdin, so a session that takes this child will not wait for it.
    c->on_message([this, serial](const mcp::message& m) {
      if (m.is_response() && m.id().is_string() && m.id().get_string() == warmup_id) {
        warm_.insert(serial);
        started_once_ = true;
        metrics_.set_warm_children(static_cast<std::int64_t>(warm_.size()));
      }
    });
    c->send(std::string(R"({"jsonrpc":"2.0","id":")") + std::string(warmup_id) + R"(","method":"ping"})");
    pool_.push_back(std::move(c));
  }
  if (pool_.size() < opts_.warm_pool && starting_ < opts_.max_starting && start_waiters_.empty()) {
    refill_later();  // a start failed: try again in a second
  }
}

void session_manager::refill_later() {
  if (refill_scheduled_ || stopping_) {
    return;
  }
  refill_scheduled_ = true;
  refill_timer_.expires_after(std::chrono::seconds(1));
  refill_timer_.async_wait([this](const boost::system::error_code& ec) {
    refill_scheduled_ = false;
    if (!ec) {
      refill();
    }
  });
}

std::variant<std::shared_ptr<session>, session_refusal> session_manager::create(bool legacy_sse) {
  if (auto refused = admit()) {
    return *refused;
  }
  if (shared_) {
    tokens_ -= 1.0;
    return add(std::make_shared<session>(ex_, random_session_id(), legacy_sse, shared_, session_config_, metrics_));
  }
  auto taken = take_child();
  if (auto* r = std::get_if<session_refusal>(&taken)) {
    return *r;
  }
  auto child = std::get<std::shared_ptr<server_link>>(std::move(taken));
  return add(std::make_shared<session>(ex_, random_session_id(), legacy_sse,
                                       std::make_shared<child_upstream>(std::move(child), metrics_), session_config_,
                                       metrics_));
}

std::shared_ptr<session> session_manager::add(std::shared_ptr<session> s) {
  s->start([this](session& closed) {
    log::info("session ended", {{"session", log::short_id(closed.id())}});
    // Erase later: we are inside one of the session's own callbacks.
    boost::asio::post(ex_, [this, id = closed.id()] { sessions_.erase(id); });
  });
  sessions_.emplace(s->id(), s);
  log::info("session started", {{"session", log::short_id(s->id())}, {"pid", std::to_string(s->child_pid())}});
  return s;
}

std::shared_ptr<session> session_manager::find_or_restore(std::string_view id) {
  if (auto s = find(id)) {
    return s;
  }
  if (!hooks_.restore || stopping_ || sessions_.contains(id) || sessions_.size() >= opts_.max_sessions) {
    return nullptr;
  }
  auto restored = hooks_.restore(id);
  if (!restored || !restored->link) {
    return nullptr;
  }
  auto s = std::make_shared<session>(ex_, std::string(id), false,
                                     std::make_shared<child_upstream>(std::move(restored->link), metrics_),
                                     session_config_, metrics_);
  s->resume(restored->revision);
  log::info("session continued", {{"session", log::short_id(id)}});
  return add(std::move(s));
}

boost::asio::awaitable<void> session_manager::name(std::shared_ptr<session> s) {
  auto link = hooks_.name ? s->backend().link() : nullptr;
  if (!link) {
    co_return;
  }
  auto id = co_await hooks_.name(link);
  if (!id || s->closed() || stopping_ || sessions_.contains(*id)) {
    co_return;
  }
  auto it = sessions_.find(s->id());
  if (it == sessions_.end() || it->second != s) {
    co_return;
  }
  sessions_.erase(it);
  s->rename(std::move(*id));
  sessions_.emplace(s->id(), s);
}

std::shared_ptr<session> session_manager::find(std::string_view id) const {
  auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second->closed()) {
    return nullptr;
  }
  return it->second;
}

bool session_manager::remove(std::string_view id) {
  auto s = find(id);
  if (!s) {
    return false;
  }
  s->close("session deleted by the client");
  return true;
}

bool session_manager::ready() const {
  if (stopping_) {
    return false;
  }
  if (hooks_.ready) {
    return hooks_.ready();
  }
  if (http_ && !http_->reachable()) {
    return false;
  }
  if (shared_) {
    return shared_->ready();
  }
  if (http_) {
    return true;
  }
  if (opts_.warm_pool == 0) {
    return last_spawn_ok_ || !sessions_.empty();
  }
  // Ready while a warm child waits, and also while the pool refills after a session took the
  // last one, as long as the latest child started fine: otherwise every new session would
  // turn the pod NotReady for a child's start-up time and drop it from its Service.
  return !warm_.empty() || started_once_;
}

std::size_t session_manager::pending_requests() const {
  std::size_t n = 0;
  for (const auto& [id, s] : sessions_) {
    n += s->pending();
  }
  for (const auto& [k, b] : isolated_) {
    n += b->pending();
  }
  return n + stateless_.pending();
}

void session_manager::sweep_idle() {
  sweep_timer_.expires_after(std::chrono::seconds(1));
  sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) {
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    std::vector<std::shared_ptr<session>> idle;
    for (const auto& [id, s] : sessions_) {
      if (!s->closed() && !s->busy() && now - s->last_activity() > opts_.idle_timeout) {
        idle.push_back(s);
      }
    }
    for (auto& s : idle) {
      s->close("session idle timeout", hooks_.release_on_close);
    }
    sweep_idle();
  });
}

void session_manager::stop() {
  stopping_ = true;
  refill_timer_.cancel();
  sweep_timer_.cancel();
  for (auto& c : pool_) {
    c->on_exit(nullptr);
    c->terminate();
  }
  pool_.clear();
  warm_.clear();
  std::vector<std::shared_ptr<session>> all;
  for (const auto& [id, s] : sessions_) {
    all.push_back(s);
  }
  for (auto& s : all) {
    s->close("mcp-bridge is shutting down", hooks_.release_on_close);
  }
  for (auto& t : start_waiters_) {
    t->cancel();
  }
  start_waiters_.clear();
  stateless_.stop();
  for (auto& [k, b] : isolated_) {
    b->stop();
  }
  if (shared_) {
    shared_->stop();
  }
  if (http_) {
    http_->stop();
  }
  if (hooks_.stop) {
    hooks_.stop();
  }
}

}  // namespace bridge
