#include "pool_link.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>

#include "gateway/seal.hpp"
#include "log.hpp"
#include "mcp/protocol.hpp"
#include "mcp_version.hpp"
#include "pool_directory.hpp"

namespace gw {

namespace json = boost::json;
namespace asio = boost::asio;
namespace log = bridge::log;

namespace {

constexpr std::string_view member_init_id = "mcp-gateway-init";
constexpr std::size_t max_held = 1024;
std::atomic<std::uint64_t> next_serial{1};

gateway::pool_session_options core_options(const pool_directory& d) {
  gateway::pool_session_options o;
  o.server_name = d.options().server_name;
  o.server_version = mcp_version::version;
  return o;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string error_text(const mcp::message& m) {
  const auto* e = m.body.if_contains("error");
  const auto* t = e && e->is_object() ? e->as_object().if_contains("message") : nullptr;
  return t && t->is_string() ? std::string(t->get_string()) : std::string("no reason given");
}

mcp::message error_message(const json::value& id, int code, std::string_view text) {
  mcp::message m;
  m.kind = mcp::message_kind::error_response;
  m.body = json::object{{"jsonrpc", "2.0"}, {"id", id}, {"error", json::object{{"code", code}, {"message", text}}}};
  return m;
}

}  // namespace

pool_link::pool_link(std::shared_ptr<pool_directory> dir)
    : dir_(std::move(dir)),
      ex_(dir_->executor()),
      serial_(next_serial++),
      core_(dir_->catalog(), core_options(*dir_)),
      members_(dir_->member_count()),
      settle_timer_(ex_),
      settled_(ex_, std::chrono::steady_clock::time_point::max()),
      wake_timer_(ex_) {}

pool_link::~pool_link() {
  end_links(false);
}

void pool_link::on_started(std::function<void()> fn, std::chrono::milliseconds) {
  asio::post(ex_, std::move(fn));  // nothing to start: members are reached on initialize
}

// --- the client's side -----------------------------------------------------------------------

void pool_link::send(std::string json) {
  if (ended_) {
    return;
  }
  auto parsed = mcp::parse(json);
  if (!parsed) {
    return;  // the front end forwards only messages it validated
  }
  for (auto& m : parsed->messages) {
    client_message(std::move(m));
  }
  pump();
}

void pool_link::client_message(mcp::message m) {
  if (!is_settled_ && held_initialize_) {
    if (held_.size() >= max_held) {
      if (m.is_request()) {
        deliver(error_message(m.id(), gateway::code_too_many, "too many messages wait for the pool's members"));
      }
      return;
    }
    held_.push_back(std::move(m));
    return;
  }
  if (!is_settled_ && m.is_request() && m.method() == "initialize") {
    revision_ = std::string(gateway::pool_session::negotiate(m));
    json::object caps;
    if (const auto* p = m.body.if_contains("params"); p && p->is_object()) {
      if (const auto* c = p->as_object().if_contains("capabilities"); c && c->is_object()) {
        caps = c->as_object();
      }
    }
    held_initialize_ = std::move(m);
    for (std::size_t i = 0; i < members_.size(); ++i) {
      if (dir_->catalog().members()[i].enabled) {
        open_member(i, caps);
      }
    }
    settle_timer_.expires_after(dir_->options().member_timeout);
    settle_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self || self->is_settled_) {
        return;
      }
      for (std::size_t i = 0; i < self->members_.size(); ++i) {
        if (self->members_[i].state == member_state::initializing) {
          self->member_gone(i, "no answer to initialize within " +
                                   std::to_string(self->dir_->options().member_timeout.count()) + " s");
        }
      }
      self->settle();
      self->pump();
    });
    settle_if_done();
    return;
  }
  core_.from_client(std::move(m));
}

// --- the members' side -----------------------------------------------------------------------

void pool_link::open_member(std::size_t i, const json::object& client_capabilities) {
  auto ep = dir_->pick(i);
  if (!ep) {
    members_[i].state = member_state::down;
    const auto why = dir_->member_error(i);
    core_.member_failed(i, why.empty() ? "it has no endpoint" : why);
    return;
  }
  auto& mb = members_[i];
  mb.endpoint = ep;
  mb.link = dir_->open_link(ep);
  mb.state = member_state::initializing;
  attach(i);
  json::object init{{"jsonrpc", "2.0"},
                    {"id", member_init_id},
                    {"method", "initialize"},
                    {"params", json::object{{"protocolVersion", mcp::to_string(mcp::revision::v2025_11_25)},
                                            {"capabilities", client_capabilities},
                                            {"clientInfo", json::object{{"name", "mcp-gateway"},
                                                                        {"version", mcp_version::version}}}}}};
  auto msg = mcp::classify(json::value(std::move(init)));
  if (msg) {
    mb.link->send(std::move(*msg));
  }
}

void pool_link::attach(std::size_t i) {
  std::weak_ptr<pool_link> weak = weak_from_this();
  members_[i].link->on_message([weak, i](mcp::message m) {
    if (auto self = weak.lock()) {
      self->member_message(i, std::move(m));
      self->pump();
    }
  });
  members_[i].link->on_exit([weak, i](const std::string& why) {
    if (auto self = weak.lock()) {
      self->member_gone(i, why);
      self->pump();
    }
  });
}

void pool_link::member_message(std::size_t i, mcp::message m) {
  auto& mb = members_[i];
  if (ended_ || mb.state == member_state::down) {
    return;
  }
  if (mb.state == member_state::initializing) {
    if (!m.is_response() || !m.id().is_string() || m.id().get_string() != member_init_id) {
      return;  // nothing else is owed before the answer to initialize
    }
    if (m.kind == mcp::message_kind::error_response) {
      member_gone(i, "initialize failed: " + error_text(m));
      return;
    }
    mb.state = member_state::up;
    mb.link->send(std::string(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
    const auto* r = m.body.if_contains("result");
    core_.member_up(i, r && r->is_object() ? r->as_object() : json::object{});
    settle_if_done();
    return;
  }
  if (m.is_response() && mb.open > 0) {
    --mb.open;
    pool_directory::requests_ended(*mb.endpoint);
  }
  core_.from_member(i, std::move(m));
}

void pool_link::member_gone(std::size_t i, const std::string& why) {
  auto& mb = members_[i];
  if (mb.state == member_state::down) {
    return;
  }
  const auto& name = dir_->catalog().members()[i].name;
  log::warn("member session failed",
            {{"member", name}, {"endpoint", mb.endpoint ? mb.endpoint->id : std::string("none")}, {"reason", why}});
  if (mb.endpoint && why.find("cannot reach") != std::string::npos) {
    pool_directory::eject(*mb.endpoint);
  }
  if (mb.open > 0 && mb.endpoint) {
    pool_directory::requests_ended(*mb.endpoint, mb.open);
    mb.open = 0;
  }
  mb.state = member_state::down;
  if (mb.link) {
    mb.link->on_message(nullptr);
    mb.link->on_exit(nullptr);
    mb.link->release();
  }
  core_.member_failed(i, why);
  settle_if_done();
  // Every member's session is gone (a DELETE through another replica, or every pod went):
  // the session has nothing left to serve; its id answers 404 from now on, and the client
  // initializes again, as the spec says.
  if (is_settled_ && !ended_ && std::all_of(members_.begin(), members_.end(), [](const member& m) {
        return m.state == member_state::down || m.state == member_state::none;
      }) && std::any_of(members_.begin(), members_.end(), [](const member& m) { return m.link != nullptr; })) {
    report_end("every member's upstream session has ended");
  }
}

// --- settling and sealing --------------------------------------------------------------------

void pool_link::settle_if_done() {
  if (is_settled_ || !held_initialize_) {
    return;
  }
  for (const auto& mb : members_) {
    if (mb.state == member_state::initializing) {
      return;
    }
  }
  settle();
}

void pool_link::settle() {
  if (is_settled_) {
    return;
  }
  is_settled_ = true;
  settle_timer_.cancel();
  settled_.cancel();
  if (held_initialize_) {
    core_.from_client(std::move(*held_initialize_));
    held_initialize_.reset();
  }
  auto held = std::move(held_);
  held_.clear();
  for (auto& m : held) {
    core_.from_client(std::move(m));
  }
}

asio::awaitable<std::optional<std::string>> pool_link::sealed_id() {
  auto keep = shared_from_this();
  while (!is_settled_ && !ended_) {
    co_await settled_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (ended_) {
    co_return std::nullopt;
  }
  gateway::session_record r;
  r.protocol_revision = revision_;
  r.issued_at = unix_now();
  r.expires_at = r.issued_at + dir_->options().session_lifetime.count();
  for (std::size_t i = 0; i < members_.size(); ++i) {
    const auto& mb = members_[i];
    if (mb.state != member_state::up) {
      continue;
    }
    r.members.push_back({dir_->catalog().members()[i].name, mb.endpoint->id, mb.link->session_id()});
  }
  auto token = gateway::seal(r, dir_->keyring(), r.issued_at);
  if (!token) {
    log::error("cannot seal a session id; the session is served by this replica only",
               {{"error", token.error().message()}});
    co_return std::nullopt;
  }
  co_return std::move(*token);
}

bool pool_link::resume(const gateway::session_record& r) {
  revision_ = r.protocol_revision;
  const auto& specs = dir_->catalog().members();
  // Every binding must still name an endpoint of its member: else the session cannot go on.
  std::vector<const gateway::member_binding*> binding(members_.size(), nullptr);
  for (const auto& b : r.members) {
    auto i = dir_->catalog().member_index(b.member);
    if (!i) {
      continue;  // a member removed since: nothing to continue
    }
    if (!dir_->find_endpoint(*i, b.pod)) {
      log::info("session not continued: its endpoint is gone", {{"member", b.member}, {"endpoint", b.pod}});
      return false;
    }
    binding[*i] = &b;
  }
  core_.resume();
  is_settled_ = true;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (!specs[i].enabled) {
      continue;
    }
    const auto* hello = dir_->member_hello(i);
    const auto* b = binding[i];
    if (b && !b->upstream_session_id.empty() && hello) {
      auto& mb = members_[i];
      mb.endpoint = dir_->find_endpoint(i, b->pod);
      mb.link = dir_->open_link(mb.endpoint);
      const auto* v = hello->if_contains("protocolVersion");
      const std::string version = v && v->is_string() ? std::string(v->get_string()) : revision_;
      mb.link->resume(b->upstream_session_id, version);
      mb.state = member_state::up;
      attach(i);
      core_.member_up(i, *hello);
    } else if (b && !hello) {
      members_[i].state = member_state::down;
      core_.member_failed(i, "it is unavailable");
    } else {
      open_member(i, {});  // added since, or a stateless member: a session of its own
      // Requests for it wait in the core until it is up (or failed).
    }
  }
  pump();
  return true;
}

void pool_link::catalog_changed(gateway::list_kind k) {
  if (ended_) {
    return;
  }
  core_.catalog_changed(k, std::chrono::steady_clock::now());
  pump();
}

// --- actions ---------------------------------------------------------------------------------

void pool_link::pump() {
  if (pumping_) {
    return;
  }
  pumping_ = true;
  auto keep = shared_from_this();
  gateway::pool_action a;
  while (!ended_ && core_.next(a)) {
    using kind = gateway::pool_action::kind;
    switch (a.what) {
      case kind::to_member: {
        auto& mb = members_[a.member];
        if (!mb.link || mb.state == member_state::down) {
          break;  // the core answers for a member it knows is down
        }
        if (a.msg.is_request()) {
          ++mb.open;
          pool_directory::requests_started(*mb.endpoint);
        }
        mb.link->send(std::move(a.msg));
        break;
      }
      case kind::to_client:
        deliver(std::move(a.msg));
        break;
      case kind::relist_member:
        dir_->relist(a.member, a.list, a.changed);
        break;
      case kind::wake_at:
        wake_timer_.expires_at(a.at);
        wake_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
          if (auto self = weak.lock(); self && !ec) {
            self->core_.tick(std::chrono::steady_clock::now());
            self->pump();
          }
        });
        break;
    }
  }
  pumping_ = false;
}

// --- the end ---------------------------------------------------------------------------------

void pool_link::end_links(bool terminate_upstream) {
  ended_ = true;
  settle_timer_.cancel();
  settled_.cancel();
  wake_timer_.cancel();
  for (std::size_t i = 0; i < members_.size(); ++i) {
    auto& mb = members_[i];
    if (!mb.link) {
      continue;
    }
    if (mb.open > 0) {
      pool_directory::requests_ended(*mb.endpoint, mb.open);
      mb.open = 0;
    }
    mb.link->on_message(nullptr);
    mb.link->on_exit(nullptr);
    if (terminate_upstream && mb.state != member_state::down) {
      mb.link->terminate();
    } else {
      mb.link->release();
    }
    mb.link.reset();
  }
}

void pool_link::terminate() {
  if (!ended_) {
    end_links(true);
  }
}

void pool_link::release() {
  if (!ended_) {
    end_links(false);
  }
}

}  // namespace gw
