#include "controllers/mcppool_controller.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>

#include <algorithm>

#include "controllers/mcppool_members.hpp"
#include "controllers/render_parts.hpp"
#include "kube/runtime/owned_set.hpp"
#include "kube/runtime/status_writer.hpp"

namespace controllers {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// The pool's objects only: the MCPServer controller's caches hold the servers' (same managed-by).
constexpr std::string_view pool_objects_selector =
    "app.kubernetes.io/managed-by=mcp-operator,app.kubernetes.io/name=mcp-gateway";

kube::api_resource mcppools() {
  return {std::string(api::group), std::string(api::version), std::string(api::pool_plural),
          std::string(api::pool_kind), true};
}

kube::api_resource mcpservers() {
  return {std::string(api::group), std::string(api::version), std::string(api::plural), std::string(api::kind), true};
}

kube::api_resource resource(std::string group, std::string plural, std::string kind) {
  return {std::move(group), "v1", std::move(plural), std::move(kind), true};
}

// An MCPServer as the pool needs it: its name, labels and status (phase, url, conditions).
void project_server(kube::object& o) {
  o.erase("spec");
  if (json::value* m = o.if_contains("metadata"); m != nullptr && m->is_object()) {
    json::object& meta = m->get_object();
    json::object kept;
    for (auto key : {"name", "namespace", "uid", "labels", "resourceVersion", "generation"}) {
      if (const json::value* v = meta.if_contains(key))
        kept[key] = *v;
    }
    meta = std::move(kept);
  }
  if (json::value* s = o.if_contains("status"); s != nullptr && s->is_object()) {
    json::object& st = s->get_object();
    json::object kept;
    for (auto key : {"phase", "url", "conditions"}) {
      if (const json::value* v = st.if_contains(key))
        kept[key] = *v;
    }
    st = std::move(kept);
  }
}

const json::object* status_of(const kube::object& o) {
  const json::value* s = o.if_contains("status");
  return s != nullptr ? s->if_object() : nullptr;
}

// The server names a pool's status lists as members.
bool status_lists_server(const kube::object& pool, std::string_view server) {
  const json::object* st = status_of(pool);
  const json::value* ms = st != nullptr ? st->if_contains("members") : nullptr;
  if (ms == nullptr || !ms->is_array())
    return false;
  for (const auto& m : ms->get_array()) {
    const json::value* s = m.is_object() ? m.get_object().if_contains("server") : nullptr;
    if (s != nullptr && s->is_string() && s->get_string() == server)
      return true;
  }
  return false;
}

bool namespace_terminating(const kube::error& e) {
  if (!e.is(kube::error_kind::forbidden) || !e.status)
    return false;
  return std::any_of(e.status->causes.begin(), e.status->causes.end(),
                     [](const auto& c) { return c.reason == "NamespaceTerminating"; });
}

std::optional<std::string> random_key() {
  std::string key(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1)
    return std::nullopt;
  return key;
}

std::optional<std::chrono::seconds> earliest(std::optional<std::chrono::seconds> a,
                                             std::optional<std::chrono::seconds> b) {
  if (!a)
    return b;
  if (!b)
    return a;
  return std::min(*a, *b);
}

}  // namespace

mcppool_controller::mcppool_controller(std::shared_ptr<kube::client> http, pool_controller_settings settings,
                                       prometheus::Registry* registry, event_sink events)
    : http_(std::move(http)),
      settings_(std::move(settings)),
      events_(std::move(events)),
      status_metrics_(registry, "mcppool") {
  kube::controller_options opts;
  opts.name = "mcppool";
  opts.namespaces = settings_.watch_namespaces;
  opts.concurrency = settings_.concurrency;
  ctrl_ = std::make_unique<kube::controller>(
      http_, mcppools(), opts,
      [this](kube::object_ptr obj, kube::reconcile_context& ctx) { return reconcile(std::move(obj), ctx); },
      kube::error_policy_fn{}, registry);
  kube::watch_options ours;
  ours.label_selector = std::string(pool_objects_selector);
  kube::owned_set_options aopts;
  aopts.field_manager = settings_.field_manager;
  aopts.hash_annotation = applied_hash_annotation;
  aopts.released.push_back({"Deployment", {"spec", "replicas"}});  // an unset count belongs to the scaler
  applier_ = std::make_unique<kube::owned_set>(http_, std::move(aopts));
  applier_->add(ctrl_->owns(kube::resources::service_accounts(), ours));
  applier_->add(ctrl_->owns(resource("rbac.authorization.k8s.io", "roles", "Role"), ours));
  applier_->add(ctrl_->owns(resource("rbac.authorization.k8s.io", "rolebindings", "RoleBinding"), ours));
  deployments_.emplace(ctrl_->owns(kube::resources::deployments(), ours));
  applier_->add(*deployments_);
  applier_->add(ctrl_->owns(kube::resources::services(), ours));
  applier_->add(ctrl_->owns(resource("networking.k8s.io", "ingresses", "Ingress"), ours));
  applier_->add(ctrl_->owns(resource("networking.k8s.io", "networkpolicies", "NetworkPolicy"), ours));
  kube::watch_options servers;
  servers.transform = project_server;
  servers_.emplace(ctrl_->watches(
      mcpservers(), [this](const kube::object& s) { return pools_of(s); }, servers));
  status_ = std::make_unique<kube::status_writer>(*ctrl_, settings_.field_manager);
  // blockOwnerDeletion under OwnerReferencesPermissionEnforcement (see the MCPServer controller).
  ctrl_->uses({std::string(api::group), std::string(api::pool_plural) + "/finalizers", "update"});
  ctrl_->uses({"events.k8s.io", "events", "create"});
  ctrl_->uses({"events.k8s.io", "events", "patch"});
  // The keyring Secret, by name only: never listed or watched.
  for (const char* verb : {"get", "create", "patch"})
    ctrl_->uses({"", "secrets", verb});
  // What the gateway's Role grants, which the operator must hold to create it (escalation
  // prevention); list and watch of mcppools and mcpservers come from the watches above.
  ctrl_->uses({std::string(api::group), std::string(api::pool_plural), "get"});
  ctrl_->uses({std::string(api::group), std::string(api::plural), "get"});
  for (const char* verb : {"get", "list", "watch"})
    ctrl_->uses({"discovery.k8s.io", "endpointslices", verb});
}

mcppool_controller::~mcppool_controller() = default;

void mcppool_controller::emit(const kube::object& obj, std::string_view type, std::string_view reason,
                              std::string_view action, std::string note) const {
  if (events_)
    events_(obj, type, reason, action, std::move(note));
}

std::vector<kube::object_key> mcppool_controller::pools_of(const kube::object& server) const {
  const std::string ns(kube::namespace_of(server));
  const std::string name(kube::name_of(server));
  std::vector<kube::object_key> out;
  for (const auto& p : ctrl_->cache().list_namespace(ns)) {
    auto pool = api::parse_mcppool(json::value(*p));
    if ((pool && pool_wants(*pool, server)) || status_lists_server(*p, name))
      out.push_back({ns, std::string(kube::name_of(*p))});
  }
  return out;
}

asio::awaitable<kube::result<mcppool_controller::keyring_result>> mcppool_controller::ensure_keyring(
    const kube::object& obj, const api::mcppool& pool) {
  kube::api secrets(http_, kube::resources::secrets(), pool.namespace_);
  const std::string name = keyring_name(pool);
  auto got = co_await secrets.get(name);
  kube::object_ptr live;
  if (got) {
    live = std::make_shared<const kube::object>(std::move(*got));
  } else if (!got.error().is(kube::error_kind::not_found)) {
    co_return got.error();
  }
  json::object meta =
      parts::metadata({api::pool_kind, pool.name, pool.namespace_, pool.uid}, name, pool_common_labels(pool));
  bool adopt = false;
  if (live) {
    const auto c = kube::control_of(*live, obj);
    if (c == kube::control::other) {
      co_return keyring_result{std::nullopt, "Secret " + name +
                                                 " exists and is not controlled by this MCPPool; "
                                                 "delete or rename it, the operator never takes it over"};
    }
    adopt = c == kube::control::earlier_incarnation;
  }
  auto key = random_key();
  if (!key)
    co_return kube::make_error(kube::error_kind::internal_error, "RAND_bytes failed: no random key for the keyring");
  auto d = plan_keyring(live.get(), std::chrono::system_clock::now(), settings_.keyring, *key);
  key->assign(key->size(), '\0');
  if (d.what == keyring_decision::step::keep && !adopt)
    co_return keyring_result{d.next, {}};
  if (d.what == keyring_decision::step::create) {
    auto body = keyring_secret(std::move(meta), d);
    auto created = co_await secrets.create(body);
    if (!created)
      co_return created.error();
    spdlog::info("msg=\"keyring created\" controller=mcppool key={}/{} secret={} note=\"{}\"", pool.namespace_,
                 pool.name, name, d.note);
    emit(obj, "Normal", "KeyringCreated", "Create", "Secret " + name + ": " + d.note);
    co_return keyring_result{d.next, {}};
  }
  if (d.what == keyring_decision::step::keep)
    d.data.clear();  // adopting only: the ring stays as it is
  json::value patch = keyring_patch(*live, meta, d);
  if (d.what == keyring_decision::step::keep)
    patch.as_object().erase("data");
  auto patched = co_await secrets.patch(name, kube::patch_type::merge, patch);
  if (!patched)
    co_return patched.error();
  spdlog::info("msg=\"keyring {}\" controller=mcppool key={}/{} secret={} note=\"{}\"", to_string(d.what),
               pool.namespace_, pool.name, name, adopt ? "adopted" : d.note);
  if (d.what == keyring_decision::step::stage || d.what == keyring_decision::step::promote)
    emit(obj, "Normal", "KeyringRotated", "Rotate", "Secret " + name + ": " + d.note);
  else if (d.what == keyring_decision::step::replace)
    emit(obj, "Warning", "KeyringRotated", "Replace", "Secret " + name + ": " + d.note);
  co_return keyring_result{d.next, {}};
}

asio::awaitable<kube::result<void>> mcppool_controller::apply_owned(const kube::object& obj,
                                                                    std::vector<kube::object> want,
                                                                    kube::reconcile_context& ctx) {
  auto changes = co_await applier_->reconcile(obj, std::move(want));
  if (!changes)
    co_return changes.error();
  // One event per verb and reconcile, naming every object, as for MCPServer.
  std::map<kube::owned_change::verb, std::string> notes;
  for (const auto& c : *changes) {
    const std::string verb(kube::to_string(c.what));
    spdlog::info("msg=\"{} {}\" controller=mcppool key={} reconcile_id={} name={}", verb, c.kind, ctx.key.str(),
                 ctx.reconcile_id, c.name);
    std::string& note = notes[c.what];
    note += (note.empty() ? verb + " " : std::string(", ")) + c.kind + " " + c.name;
  }
  for (auto& [what, note] : notes) {
    using verb = kube::owned_change::verb;
    const char* action = what == verb::created    ? "Create"
                         : what == verb::updated  ? "Update"
                         : what == verb::replaced ? "Replace"
                         : what == verb::adopted  ? "Adopt"
                                                  : "Delete";
    emit(obj, "Normal", kube::to_string(what), action, std::move(note));
  }
  co_return kube::result<void>{};
}

asio::awaitable<kube::reconcile_result> mcppool_controller::finish(const kube::object& obj, const api::mcppool& pool,
                                                                   pool_observed& obs, const json::object& prev,
                                                                   std::optional<std::chrono::seconds> next) {
  const std::string now = rfc3339(std::chrono::system_clock::now());
  auto status = compute_pool_status(pool, settings_.render, obs, prev, now);
  const json::value* old_phase = prev.if_contains("phase");
  const json::value& phase = status.at("phase");
  if ((phase == "Degraded" || phase == "Failed") && (old_phase == nullptr || *old_phase != phase)) {
    for (const auto& c : status.at("conditions").as_array()) {
      if (c.at("type") == "Degraded")
        emit(obj, "Warning", c.at("reason").as_string(), "Reconcile", std::string(c.at("message").as_string()));
    }
  }
  status_metrics_.set(kube::namespace_of(obj), kube::name_of(obj), status);
  auto w = co_await status_->write(obj, std::move(status));
  if (!w)
    co_return kube::reconcile_error::retry(w.error().describe());
  if (!obs.render_error.empty() && obs.failure_reason.empty())
    co_return kube::reconcile_error::terminal_error(obs.render_error);
  if (next)
    co_return kube::action::requeue(*next);
  co_return kube::action::await_change();
}

asio::awaitable<kube::reconcile_result> mcppool_controller::reconcile(kube::object_ptr obj,
                                                                      kube::reconcile_context& ctx) {
  if (!obj) {
    views_.erase(ctx.key.str());
    status_metrics_.erase(ctx.key.ns, ctx.key.name);
    co_return kube::action::await_change();  // garbage collection removes what it owned
  }
  if (obj->at("metadata").as_object().contains("deletionTimestamp")) {
    status_metrics_.erase(ctx.key.ns, ctx.key.name);
    co_return kube::action::await_change();
  }
  const kube::object& o = *obj;
  static const json::object empty;
  const json::object* previous = status_of(o);
  const json::object& prev = previous != nullptr ? *previous : empty;

  pool_observed obs;
  obs.verification_off = settings_.verify == verify_mode::off;
  auto parsed = api::parse_mcppool(json::value(o));
  api::mcppool pool;
  if (!parsed) {
    pool.name = std::string(kube::name_of(o));
    pool.namespace_ = std::string(kube::namespace_of(o));
    pool.generation = kube::generation_of(o).value_or(0);
    obs.render_error = parsed.error().message;
    co_return co_await finish(o, pool, obs, prev, std::nullopt);
  }
  pool = std::move(*parsed);
  auto want = render(pool, settings_.render);
  obs.render_error = want.error;
  std::vector<kube::object_ptr> server_objs = servers_->list_namespace(pool.namespace_);
  std::vector<const json::object*> server_views;
  for (const auto& s : server_objs)
    server_views.push_back(s.get());
  auto chosen = choose_members(pool, server_views);
  if (obs.render_error.empty() && !chosen.selector_error.empty())
    obs.render_error = chosen.selector_error;
  if (!obs.render_error.empty())
    co_return co_await finish(o, pool, obs, prev, std::nullopt);

  // The keyring first: the Deployment mounts it, and a pod waits for a missing Secret.
  auto ring = co_await ensure_keyring(o, pool);
  if (!ring) {
    if (namespace_terminating(ring.error()))
      co_return kube::action::await_change();
    emit(o, "Warning", "KeyringFailed", "Reconcile", ring.error().describe());
    co_return kube::reconcile_error::retry(ring.error().describe());
  }
  if (!ring->name_taken.empty()) {
    obs.render_error = ring->name_taken;
    obs.failure_reason = name_taken_reason;
    co_return co_await finish(o, pool, obs, prev, name_taken_recheck);
  }

  if (auto applied = co_await apply_owned(o, std::move(want.objects), ctx); !applied) {
    const auto& err = applied.error();
    if (namespace_terminating(err))
      co_return kube::action::await_change();
    if (err.is(kube::error_kind::already_exists)) {
      obs.render_error = err.message;
      obs.failure_reason = name_taken_reason;
      co_return co_await finish(o, pool, obs, prev, name_taken_recheck);
    }
    emit(o, "Warning", "ApplyFailed", "Reconcile", err.describe());
    co_return kube::reconcile_error::retry(err.describe());
  }

  kube::object_ptr deployment = deployments_->get({pool.namespace_, gateway_name(pool)});
  obs.deployment = deployment.get();
  for (const auto& m : chosen.members) {
    if (!m.enabled)
      continue;
    kube::object_ptr server = m.remote() ? nullptr : servers_->get({pool.namespace_, m.server_name()});
    obs.members.push_back(member_from_server(m, server.get()));
  }
  std::optional<std::chrono::seconds> next = ring->next;
  if (!obs.verification_off) {
    const json::value* st = deployment ? deployment->if_contains("status") : nullptr;
    const json::value* rr = st != nullptr && st->is_object() ? st->get_object().if_contains("readyReplicas") : nullptr;
    const bool gateway_ready = rr != nullptr && rr->is_number() && rr->to_number<std::int64_t>() > 0;
    maybe_ask_gateway(pool, obs.deployment, gateway_ready);
    if (auto it = views_.find(pool.namespace_ + "/" + pool.name); it != views_.end()) {
      obs.report = it->second.report;
      obs.verified = it->second.verified;
      if (gateway_ready && !it->second.running && it->second.verified)
        next = earliest(next, retry_after(it->second));
    }
  }
  co_return co_await finish(o, pool, obs, prev, next);
}

}  // namespace controllers
