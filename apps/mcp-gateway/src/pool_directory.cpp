#include "pool_directory.hpp"

#include <openssl/rand.h>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "log.hpp"
#include "mcp/protocol.hpp"
#include "mcp_version.hpp"
#include "metrics.hpp"
#include "pool_link.hpp"

namespace gw {

namespace json = boost::json;
namespace log = bridge::log;
using gateway::list_kind;
using clock = std::chrono::steady_clock;

namespace {

constexpr auto ping_interval = std::chrono::seconds(5);
constexpr auto eject_for = std::chrono::seconds(5);
constexpr std::size_t max_pages = 100;  // per list; a member paging without end is cut there
constexpr std::string_view probe_init_id = "mcp-gateway-probe";

std::string_view list_method(list_kind k) {
  switch (k) {
    case list_kind::tools:
      return "tools/list";
    case list_kind::prompts:
      return "prompts/list";
    case list_kind::resources:
      return "resources/list";
    case list_kind::resource_templates:
      return "resources/templates/list";
  }
  return "tools/list";
}

std::vector<gateway::member_spec> specs_of(const pool_options& o) {
  std::vector<gateway::member_spec> out;
  for (const auto& m : o.members) {
    out.push_back(m.spec);
  }
  return out;
}

std::size_t kind_index(list_kind k) {
  return static_cast<std::size_t>(k);
}

}  // namespace

pool_directory::pool_directory(const boost::asio::any_io_executor& ex, pool_options o)
    : ex_(ex), opts_(std::move(o)), catalog_(specs_of(opts_), opts_.resolution), keyring_timer_(ex) {
  members_.resize(opts_.members.size());
  for (std::size_t i = 0; i < opts_.members.size(); ++i) {
    for (const auto& ep : opts_.members[i].endpoints) {
      members_[i].endpoints.push_back(std::make_shared<endpoint>(
          endpoint{ep.id, std::make_shared<bridge::http_pool>(ex, ep.http), 0, {}, true, ep.ready}));
    }
    members_[i].note = opts_.members[i].note;
    members_[i].timer = std::make_unique<boost::asio::steady_timer>(ex);
  }
}

bool pool_directory::start() {
  if (!load_keyring(true)) {
    return false;
  }
  watch_keyring();
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (opts_.members[i].spec.enabled) {
      start_probe(i);
    }
  }
  return true;
}

void pool_directory::retire() {
  stopped_ = true;
  keyring_timer_.cancel();
  for (std::size_t i = 0; i < members_.size(); ++i) {
    members_[i].timer->cancel();
    drop_probe(i);
  }
}

void pool_directory::stop() {
  retire();
  for (auto& m : members_) {
    for (auto& ep : m.endpoints) {
      ep->http->stop();
    }
  }
}

void pool_directory::drop_probe(std::size_t i) {
  auto& m = members_[i];
  ++m.probe_generation;  // whatever the old probe still says is ignored
  if (m.probe) {
    m.probe->on_message(nullptr);
    m.probe->on_exit(nullptr);
    m.probe->release();
    m.probe.reset();
  }
  m.probe_endpoint.reset();
  m.pending.clear();
  m.ping_in_flight.reset();
}

bool pool_directory::ready() const {
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (opts_.members[i].spec.enabled && !members_[i].attempted) {
      return false;
    }
  }
  return !stopped_;
}

const json::object* pool_directory::member_hello(std::size_t member) const {
  if (member >= members_.size() || !members_[member].hello) {
    return nullptr;
  }
  return &*members_[member].hello;
}

// --- endpoints -----------------------------------------------------------------------------

pool_directory::endpoint_ptr pool_directory::pick(std::size_t member) {
  if (member >= members_.size()) {
    return nullptr;
  }
  auto& m = members_[member];
  const auto now = clock::now();
  std::vector<gateway::upstream_pod> pods;
  bool any_ready = false;
  std::vector<endpoint_ptr> candidates;
  for (const auto& ep : m.endpoints) {
    if (!ep->ready) {
      continue;
    }
    const bool usable = ep->ejected_until <= now;
    any_ready = any_ready || usable;
    pods.push_back({ep->id, ep->outstanding, usable});
    candidates.push_back(ep);
  }
  if (!any_ready) {
    for (auto& p : pods) {
      p.ready = true;  // every endpoint failed lately: try them anyway, the error is then real
    }
  }
  auto i = gateway::pick_least_outstanding(pods, m.cursor);
  return i ? candidates[*i] : nullptr;
}

bool pool_directory::any_ready(std::size_t i) const {
  const auto& eps = members_[i].endpoints;
  return std::any_of(eps.begin(), eps.end(), [](const endpoint_ptr& e) { return e->ready; });
}

pool_directory::endpoint_ptr pool_directory::find_endpoint(std::size_t member, std::string_view id) const {
  if (member >= members_.size()) {
    return nullptr;
  }
  for (const auto& ep : members_[member].endpoints) {
    if (ep->id == id) {
      return ep;
    }
  }
  return nullptr;
}

std::shared_ptr<bridge::http_link> pool_directory::open_link(const endpoint_ptr& ep) {
  return std::make_shared<bridge::http_link>(ex_, ep->http);
}

void pool_directory::eject(endpoint& ep) {
  ep.ejected_until = clock::now() + eject_for;
}

void pool_directory::set_endpoints(std::size_t member, const std::vector<member_endpoint>& eps, std::string note) {
  if (member >= members_.size()) {
    return;
  }
  auto& m = members_[member];
  m.note = std::move(note);
  std::vector<endpoint_ptr> next;
  bool changed_ready = false;
  for (const auto& e : eps) {
    auto old = std::find_if(m.endpoints.begin(), m.endpoints.end(), [&](const endpoint_ptr& p) { return p->id == e.id; });
    if (old != m.endpoints.end()) {
      if ((*old)->http->config().extra_headers != e.http.extra_headers) {
        (*old)->http = std::make_shared<bridge::http_pool>(ex_, e.http);  // a new token: new links use it
      }
      changed_ready = changed_ready || (*old)->ready != e.ready;
      (*old)->ready = e.ready;
      next.push_back(*old);
    } else {
      next.push_back(std::make_shared<endpoint>(
          endpoint{e.id, std::make_shared<bridge::http_pool>(ex_, e.http), 0, {}, true, e.ready}));
    }
  }
  bool changed_set = next.size() != m.endpoints.size();
  for (auto& old : m.endpoints) {
    if (std::find(next.begin(), next.end(), old) == next.end()) {
      old->serving = false;  // sessions on it keep it until they end; no new one picks it
      changed_set = true;
    }
  }
  m.endpoints = std::move(next);
  if (stopped_ || !opts_.members[member].spec.enabled) {
    return;
  }
  const bool probe_lost = m.probe_endpoint && (!m.probe_endpoint->serving || !m.probe_endpoint->ready);
  changed_set = changed_set || changed_ready;
  if (!any_ready(member)) {
    if (m.probe || m.hello || probe_lost) {
      drop_probe(member);
      m.timer->cancel();
      m.last_error = m.note.empty() ? "it has no endpoint" : m.note;
      log::warn("member unavailable", {{"member", opts_.members[member].spec.name}, {"reason", m.last_error}});
      forget_member_lists(member);
    }
    m.failures = 0;
    m.attempted = true;
    return;
  }
  if (probe_lost) {
    // Its pod left or turned unready: the same member on another endpoint, lists kept until
    // they are read again.
    drop_probe(member);
    m.timer->cancel();
    start_probe(member);
  } else if (!m.probe && changed_set) {
    m.timer->cancel();
    start_probe(member);  // endpoints appeared for a member that had none, or new ones: try now
  }
}

std::string pool_directory::member_error(std::size_t member) const {
  if (member >= members_.size()) {
    return {};
  }
  const auto& m = members_[member];
  if (m.hello) {
    return {};
  }
  if (!any_ready(member) && !m.note.empty()) {
    return m.note;
  }
  return m.last_error;
}

std::string pool_directory::member_samples() const {
  std::string up, tools;
  const auto& reports = catalog_.members();
  for (std::size_t i = 0; i < members_.size(); ++i) {
    const auto& spec = opts_.members[i].spec;
    if (!spec.enabled) {
      continue;
    }
    const std::string label = "{member=\"" + bridge::metrics::label_value(spec.name) + "\"} ";
    up += "mcp_gateway_member_up" + label + (members_[i].hello ? "1\n" : "0\n");
    const std::size_t n = i < reports.size() ? reports[i].exposed[kind_index(list_kind::tools)] : 0;
    tools += "mcp_gateway_member_tools" + label + std::to_string(n) + "\n";
  }
  return "# HELP mcp_gateway_member_up Whether the member's probe is up (initialized and answering pings).\n"
         "# TYPE mcp_gateway_member_up gauge\n" +
         up +
         "# HELP mcp_gateway_member_tools Tools the member exposes through the pool.\n"
         "# TYPE mcp_gateway_member_tools gauge\n" +
         tools;
}

std::string pool_directory::status_json(std::string_view pool, std::int64_t generation) const {
  constexpr std::size_t max_tools = 64, max_conflicts = 32, max_error = 512;
  json::array members;
  const auto& reports = catalog_.members();
  for (std::size_t i = 0; i < members_.size(); ++i) {
    const auto& spec = opts_.members[i];
    json::object o{{"name", spec.spec.name}, {"ready", spec.spec.enabled && members_[i].hello.has_value()}};
    if (!spec.server.empty()) {
      o["server"] = spec.server;
    }
    if (!spec.url.empty()) {
      o["url"] = spec.url;
    }
    o["toolCount"] = i < reports.size() ? reports[i].exposed[kind_index(list_kind::tools)] : 0;
    auto error = spec.spec.enabled ? member_error(i) : std::string("disabled");
    if (error.size() > max_error) {
      error.resize(max_error);
    }
    if (!error.empty()) {
      o["lastError"] = error;
    }
    members.push_back(std::move(o));
  }
  json::array conflicts;
  for (const auto& c : catalog_.conflicts()) {
    if (conflicts.size() >= max_conflicts) {
      break;
    }
    json::array dropped;
    for (auto l : c.losers) {
      dropped.push_back(json::string(opts_.members[l].spec.name));
    }
    static constexpr std::array<std::string_view, gateway::list_kinds> kinds{"tool", "prompt", "resource",
                                                                             "resourceTemplate"};
    conflicts.push_back(json::object{{"name", c.name},
                                     {"kind", kinds[kind_index(c.kind)]},
                                     {"kept", opts_.members[c.winner].spec.name},
                                     {"dropped", std::move(dropped)}});
  }
  json::array tools;
  for (auto& t : catalog_.tools_for_status(max_tools)) {
    tools.push_back(json::string(t));
  }
  return json::serialize(json::object{{"pool", pool},
                                      {"generation", generation},
                                      {"members", std::move(members)},
                                      {"toolCount", catalog_.size(list_kind::tools)},
                                      {"tools", std::move(tools)},
                                      {"conflicts", std::move(conflicts)}}) +
         "\n";
}

// --- the probes ----------------------------------------------------------------------------

void pool_directory::start_probe(std::size_t i) {
  if (stopped_) {
    return;
  }
  auto& m = members_[i];
  auto ep = pick(i);
  if (!ep) {
    m.attempted = true;  // no ready endpoint: set_endpoints starts the probe when one comes
    return;
  }
  const auto gen = ++m.probe_generation;
  m.probe_endpoint = std::move(ep);
  m.probe = open_link(m.probe_endpoint);
  m.pending.clear();
  m.ping_in_flight.reset();
  m.listing_now = {};
  m.again = {};
  std::weak_ptr<pool_directory> weak = weak_from_this();
  m.probe->on_message([weak, i, gen](mcp::message msg) {
    if (auto self = weak.lock()) {
      self->probe_message(i, gen, msg);
    }
  });
  m.probe->on_exit([weak, i, gen](const std::string& why) {
    if (auto self = weak.lock()) {
      self->probe_failed(i, gen, why);
    }
  });
  json::object init{{"jsonrpc", "2.0"},
                    {"id", probe_init_id},
                    {"method", "initialize"},
                    {"params", json::object{{"protocolVersion", mcp::to_string(mcp::revision::v2025_11_25)},
                                            {"capabilities", json::object{}},
                                            {"clientInfo", json::object{{"name", "mcp-gateway"},
                                                                        {"version", mcp_version::version}}}}}};
  m.probe->send(json::serialize(init));
  m.timer->expires_after(opts_.member_timeout);
  m.timer->async_wait([weak, i, gen](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->members_[i].probe_generation != gen || self->members_[i].hello) {
      return;
    }
    self->probe_failed(i, gen,
                       "no answer to initialize within " + std::to_string(self->opts_.member_timeout.count()) + " s");
  });
}

void pool_directory::probe_message(std::size_t i, std::uint64_t gen, const mcp::message& msg) {
  auto& m = members_[i];
  if (stopped_ || m.probe_generation != gen) {
    return;
  }
  if (msg.is_response()) {
    const auto& id = msg.id();
    if (id.is_string() && id.get_string() == probe_init_id) {
      if (msg.kind == mcp::message_kind::error_response) {
        const auto* e = msg.body.if_contains("error");
        const auto* text = e && e->is_object() ? e->as_object().if_contains("message") : nullptr;
        probe_failed(i, gen,
                     "initialize failed: " +
                         (text && text->is_string() ? std::string(text->get_string()) : std::string("no reason given")));
        return;
      }
      const auto* r = msg.body.if_contains("result");
      probe_up(i, r && r->is_object() ? r->as_object() : json::object{});
      return;
    }
    if (!id.is_int64()) {
      return;
    }
    if (m.ping_in_flight && id.get_int64() == *m.ping_in_flight) {
      m.ping_in_flight.reset();
      if (msg.kind == mcp::message_kind::error_response) {
        const auto* e = msg.body.if_contains("error");
        const auto* text = e && e->is_object() ? e->as_object().if_contains("message") : nullptr;
        probe_failed(i, gen, "ping failed: " + (text && text->is_string() ? std::string(text->get_string()) : ""));
        return;
      }
      schedule_ping(i, gen);
      return;
    }
    auto it = m.pending.find(id.get_int64());
    if (it == m.pending.end()) {
      return;
    }
    auto acc = std::move(it->second);
    m.pending.erase(it);
    if (msg.kind == mcp::message_kind::error_response) {
      // A member that announces a list but cannot list it (or has no templates): empty.
      log::warn("a member's list failed; taken as empty",
                {{"member", opts_.members[i].spec.name}, {"list", gateway::list_key(acc.kind)}});
      acc.items.clear();
      listed(i, std::move(acc));
      return;
    }
    const auto* r = msg.body.if_contains("result");
    const auto* items = r && r->is_object() ? r->as_object().if_contains(gateway::list_key(acc.kind)) : nullptr;
    if (items && items->is_array()) {
      for (const auto& v : items->as_array()) {
        acc.items.push_back(v);
      }
    }
    const auto* next = r && r->is_object() ? r->as_object().if_contains("nextCursor") : nullptr;
    if (next && next->is_string() && !next->get_string().empty() && acc.pages < max_pages) {
      const auto kind = acc.kind;
      list(i, kind, std::string(next->get_string()), std::move(acc));
      return;
    }
    listed(i, std::move(acc));
    return;
  }
  if (msg.kind != mcp::message_kind::notification) {
    return;  // the probe takes no requests: it announced no client capabilities
  }
  const auto method = msg.method();
  if (method == "notifications/tools/list_changed") {
    relist(i, list_kind::tools, true);
  } else if (method == "notifications/prompts/list_changed") {
    relist(i, list_kind::prompts, true);
  } else if (method == "notifications/resources/list_changed") {
    relist(i, list_kind::resources, true);
    relist(i, list_kind::resource_templates, true);
  }
}

void pool_directory::probe_up(std::size_t i, const json::object& result) {
  auto& m = members_[i];
  m.hello = result;
  m.failures = 0;
  m.timer->cancel();
  m.last_error.clear();
  log::info("member up", {{"member", opts_.members[i].spec.name}, {"endpoint", m.probe_endpoint->id}});
  m.probe->send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  const auto* caps_v = result.if_contains("capabilities");
  const auto caps = caps_v && caps_v->is_object() ? caps_v->as_object() : json::object{};
  m.listed = {};
  const auto want = [&](list_kind k) { list(i, k, std::nullopt, listing{k, {}, 0}); };
  if (caps.contains("tools")) {
    want(list_kind::tools);
  }
  if (caps.contains("prompts")) {
    want(list_kind::prompts);
  }
  if (caps.contains("resources")) {
    want(list_kind::resources);
    want(list_kind::resource_templates);
  }
  // Ready once its first lists are in the catalog (a client listing at once sees them).
  m.attempted = m.attempted || m.pending.empty();
  schedule_ping(i, m.probe_generation);
}

void pool_directory::list(std::size_t i, list_kind k, std::optional<std::string> cursor, listing acc) {
  auto& m = members_[i];
  if (!m.probe) {
    return;
  }
  m.listing_now[kind_index(k)] = true;
  const auto id = m.next_id++;
  json::object req{{"jsonrpc", "2.0"}, {"id", id}, {"method", list_method(k)}};
  if (cursor) {
    req["params"] = json::object{{"cursor", *cursor}};
  }
  ++acc.pages;
  m.pending.emplace(id, std::move(acc));
  m.probe->send(json::serialize(req));
}

void pool_directory::listed(std::size_t i, listing acc) {
  auto& m = members_[i];
  const auto k = acc.kind;
  m.listing_now[kind_index(k)] = false;
  m.listed[kind_index(k)] = true;
  m.attempted = m.attempted || m.pending.empty();
  auto text = json::serialize(acc.items);
  if (text != m.last_text[kind_index(k)]) {
    m.last_text[kind_index(k)] = std::move(text);
    catalog_.set_member_list(i, k, std::move(acc.items));
    catalog_.rebuild();
    changed(k);
  }
  if (m.again[kind_index(k)]) {
    m.again[kind_index(k)] = false;
    list(i, k, std::nullopt, listing{k, {}, 0});
  }
}

void pool_directory::schedule_ping(std::size_t i, std::uint64_t gen) {
  auto& m = members_[i];
  std::weak_ptr<pool_directory> weak = weak_from_this();
  m.timer->expires_after(ping_interval);
  m.timer->async_wait([weak, i, gen](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->stopped_) {
      return;
    }
    auto& mm = self->members_[i];
    if (mm.probe_generation != gen || !mm.probe) {
      return;
    }
    if (mm.ping_in_flight) {
      self->probe_failed(i, gen, "no answer to a ping within " + std::to_string(ping_interval.count()) + " s");
      return;
    }
    const auto id = mm.next_id++;
    mm.ping_in_flight = id;
    mm.probe->send(json::serialize(json::object{{"jsonrpc", "2.0"}, {"id", id}, {"method", "ping"}}));
    // The same timer judges the answer: no answer by the next tick is a failure.
    self->schedule_ping(i, gen);
  });
}

void pool_directory::probe_failed(std::size_t i, std::uint64_t gen, const std::string& why) {
  auto& m = members_[i];
  if (stopped_ || m.probe_generation != gen) {
    return;
  }
  log::warn("member unavailable",
            {{"member", opts_.members[i].spec.name}, {"endpoint", m.probe_endpoint->id}, {"reason", why}});
  m.last_error = why;
  eject(*m.probe_endpoint);
  drop_probe(i);
  m.attempted = true;
  forget_member_lists(i);
  const auto delay = std::chrono::seconds(std::min(10U, 1U << std::min(m.failures, 4U)));
  ++m.failures;
  const auto next_gen = m.probe_generation;
  std::weak_ptr<pool_directory> weak = weak_from_this();
  m.timer->expires_after(delay);
  m.timer->async_wait([weak, i, next_gen](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->members_[i].probe_generation != next_gen) {
      return;
    }
    self->start_probe(i);
  });
}

void pool_directory::forget_member_lists(std::size_t i) {
  auto& m = members_[i];
  const bool was_up = m.hello.has_value();
  m.hello.reset();
  m.listed = {};
  if (was_up || std::any_of(m.last_text.begin(), m.last_text.end(), [](const auto& t) { return !t.empty(); })) {
    m.last_text = {};
    catalog_.clear_member(i);
    catalog_.rebuild();
    for (std::size_t k = 0; k < gateway::list_kinds; ++k) {
      changed(static_cast<list_kind>(k));
    }
  }
}

void pool_directory::relist(std::size_t member, list_kind k, bool changed_now) {
  if (member >= members_.size() || stopped_) {
    return;
  }
  auto& m = members_[member];
  if (!m.probe || !m.hello) {
    return;  // listed when its probe comes up
  }
  const auto idx = kind_index(k);
  if (m.listing_now[idx]) {
    m.again[idx] = m.again[idx] || changed_now;
    return;
  }
  if (!changed_now && m.listed[idx]) {
    return;
  }
  list(member, k, std::nullopt, listing{k, {}, 0});
}

void pool_directory::add_session(const std::shared_ptr<pool_link>& s) {
  std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
  sessions_.push_back(s);
}

void pool_directory::changed(list_kind k) {
  std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
  auto copy = sessions_;
  for (auto& w : copy) {
    if (auto s = w.lock()) {
      s->catalog_changed(k);
    }
  }
}

// --- the keyring ---------------------------------------------------------------------------

namespace {
std::map<std::string, std::string> read_keyring_dir(const std::string& dir, std::error_code& ec) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto name = entry.path().filename().string();
    // A mounted Secret also holds ..data and ..<timestamp> (the kubelet's atomic swap).
    if (name.starts_with(".") || !entry.is_regular_file(ec)) {
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    files.emplace(name, ss.str());
  }
  return files;
}
}  // namespace

std::string pool_directory::check_keyring(const pool_options& o) {
  if (!o.keyring_dir) {
    return {};
  }
  std::error_code ec;
  auto files = read_keyring_dir(*o.keyring_dir, ec);
  if (ec) {
    return "cannot read --keyring-dir " + *o.keyring_dir + ": " + ec.message();
  }
  auto ring = gateway::keyring::from_secret_data(files);
  if (!ring) {
    return "the keyring in --keyring-dir " + *o.keyring_dir + " is not valid: " + ring.error().message();
  }
  return {};
}

bool pool_directory::load_keyring(bool first) {
  if (!opts_.keyring_dir) {
    if (!first) {
      return true;
    }
    gateway::sealing_key key;
    key.id = 1;
    if (RAND_bytes(key.bytes.data(), static_cast<int>(key.bytes.size())) != 1) {
      log::error("cannot make a sealing key: the system's random source failed");
      return false;
    }
    ring_ = gateway::keyring::make({key}, 1).value();
    log::warn("no --keyring-dir: session ids are sealed with a key of this process only; run one replica");
    return true;
  }
  std::error_code ec;
  auto files = read_keyring_dir(*opts_.keyring_dir, ec);
  if (ec) {
    log::error("cannot read --keyring-dir", {{"dir", *opts_.keyring_dir}, {"error", ec.message()}});
    return !first && ring_.has_value();
  }
  if (!first && files == ring_files_) {
    return true;
  }
  auto ring = gateway::keyring::from_secret_data(files);
  if (!ring) {
    log::error(first ? "the keyring in --keyring-dir is not valid" : "the new keyring is not valid; keeping the last one",
               {{"dir", *opts_.keyring_dir}, {"error", ring.error().message()}});
    return !first;
  }
  ring_files_ = std::move(files);
  const bool rotated = ring_ && ring_->current().id != ring->current().id;
  ring_ = std::move(*ring);
  if (first || rotated) {
    log::info(first ? "keyring loaded" : "keyring rotated", {{"keys", std::to_string(ring_->size())},
                                                             {"current", gateway::keyring::entry_name(ring_->current().id)}});
  }
  return true;
}

void pool_directory::watch_keyring() {
  if (!opts_.keyring_dir || stopped_) {
    return;
  }
  keyring_timer_.expires_after(std::chrono::seconds(5));
  keyring_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->stopped_) {
      return;
    }
    self->load_keyring(false);
    self->watch_keyring();
  });
}

}  // namespace gw
