#include "controllers/mcpserver_controller.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <ctime>
#include <set>

#include "controllers/mcpserver_status.hpp"
#include "controllers/subset.hpp"

namespace controllers {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::string rfc3339_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

kube::api_resource resource_of(const owned_kind& k) {
  std::string_view av = k.api_version;
  auto slash = av.find('/');
  kube::api_resource r;
  r.group = slash == std::string_view::npos ? "" : std::string(av.substr(0, slash));
  r.version = std::string(slash == std::string_view::npos ? av : av.substr(slash + 1));
  r.plural = std::string(k.plural);
  r.kind = std::string(k.kind);
  return r;
}

kube::api_resource mcpservers() {
  return {std::string(api::group), std::string(api::version), std::string(api::plural), std::string(api::kind), true};
}

const json::object* status_of(const kube::object& o) {
  const json::value* s = o.if_contains("status");
  return s != nullptr ? s->if_object() : nullptr;
}

std::int64_t generation_or(const json::object* o, std::int64_t def) {
  if (o == nullptr)
    return def;
  return kube::generation_of(*o).value_or(def);
}

// The apiserver refuses new objects in a namespace being deleted; nothing to retry then.
bool namespace_terminating(const kube::error& e) {
  if (!e.is(kube::error_kind::forbidden) || !e.status)
    return false;
  for (const auto& c : e.status->causes) {
    if (c.reason == "NamespaceTerminating")
      return true;
  }
  return false;
}

}  // namespace

boost::asio::awaitable<verification> run_probe(probe_transport transport, api::mcpserver server, std::string version) {
  mcp_probe probe(std::move(version), rfc3339_now());
  while (auto req = probe.next()) {
    try {
      probe.on_response(co_await transport(server, std::move(*req)));
    } catch (const boost::system::system_error& e) {
      probe.on_transport_error(e.code().message());  // without Boost's source location
    } catch (const std::exception& e) {
      probe.on_transport_error(e.what());
    }
  }
  co_return probe.result();
}

const std::vector<mcpserver_controller::permission>& mcpserver_controller::required_permissions() {
  static const std::vector<permission> perms = [] {
    std::vector<permission> p;
    for (auto verb : {"list", "watch"})
      p.push_back({"mcp.v2dy.io", "mcpservers", verb});
    p.push_back({"mcp.v2dy.io", "mcpservers/status", "patch"});
    // The owned objects' references set blockOwnerDeletion: the OwnerReferencesPermissionEnforcement
    // admission plugin (on in OpenShift) accepts that only from who may update the owner's finalizers.
    p.push_back({"mcp.v2dy.io", "mcpservers/finalizers", "update"});
    static const std::vector<std::pair<std::string_view, std::string_view>> owned = {
        {"", "serviceaccounts"},
        {"", "services"},
        {"apps", "deployments"},
        {"networking.k8s.io", "ingresses"},
        {"networking.k8s.io", "networkpolicies"},
        {"policy", "poddisruptionbudgets"}};
    for (const auto& [g, r] : owned) {
      // Server-side apply (patch) is authorized as create too when it creates the object.
      for (auto verb : {"list", "watch", "create", "patch", "delete"})
        p.push_back({g, r, verb});
    }
    for (auto verb : {"list", "watch"})
      p.push_back({"", "pods", verb});
    for (auto verb : {"create", "patch"})
      p.push_back({"events.k8s.io", "events", verb});
    return p;
  }();
  return perms;
}

mcpserver_controller::mcpserver_controller(std::shared_ptr<kube::client> http, controller_settings settings,
                                           prometheus::Registry* registry, event_sink events, probe_transport transport)
    : http_(std::move(http)),
      settings_(std::move(settings)),
      events_(std::move(events)),
      transport_(std::move(transport)) {
  kube::controller_options opts;
  opts.name = "mcpserver";
  opts.ns = settings_.watch_namespace;
  opts.concurrency = settings_.concurrency;
  ctrl_ = std::make_unique<kube::controller>(
      http_, mcpservers(), opts,
      [this](kube::object_ptr obj, kube::reconcile_context& ctx) { return reconcile(std::move(obj), ctx); },
      kube::error_policy_fn{}, registry);
  for (const auto& k : owned_kinds())
    ctrl_->owns(resource_of(k));
  // Pods belong to ReplicaSets, not to the MCPServer: map them back by their instance label.
  ctrl_->watches(kube::resources::pods(), [](const kube::object& pod) -> std::vector<kube::object_key> {
    const json::value* labels =
        pod.if_contains("metadata") ? pod.at("metadata").as_object().if_contains("labels") : nullptr;
    if (labels == nullptr || !labels->is_object())
      return {};
    const auto& l = labels->get_object();
    const json::value* managed = l.if_contains("app.kubernetes.io/managed-by");
    const json::value* instance = l.if_contains("app.kubernetes.io/instance");
    if (managed == nullptr || !managed->is_string() || managed->get_string() != "mcp-operator" || instance == nullptr ||
        !instance->is_string()) {
      return {};
    }
    return {{std::string(kube::namespace_of(pod)), std::string(instance->get_string())}};
  });
}

const kube::store& mcpserver_controller::owned_cache(std::string_view kind) const {
  const auto& kinds = owned_kinds();
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    if (kinds[i].kind == kind)
      return ctrl_->cache_of(i + 1);  // source 0 is the MCPServer itself
  }
  throw std::logic_error("not an owned kind: " + std::string(kind));
}

asio::awaitable<kube::result<void>> mcpserver_controller::apply_owned(const api::mcpserver& server,
                                                                      const kube::object& mcp, const rendered& want,
                                                                      kube::reconcile_context& ctx) {
  std::set<std::pair<std::string, std::string>> wanted;  // (kind, name)
  for (const auto& desired : want.objects) {
    const std::string kind(desired.at("kind").as_string());
    const std::string name(desired.at("metadata").at("name").as_string());
    wanted.emplace(kind, name);
    const kube::store& cache = owned_cache(kind);
    kube::object_ptr live = cache.get({server.namespace_, name});
    if (live) {
      auto owner = kube::controller_of(*live);
      if (!owner || owner->uid != server.uid) {
        co_return kube::make_error(kube::error_kind::already_exists,
                                   kind + " " + name + " already exists and is not owned by this MCPServer");
      }
      if (contains_subset(json::value(*live), json::value(desired)))
        continue;
    }
    const owned_kind* ok = nullptr;
    for (const auto& k : owned_kinds()) {
      if (k.kind == kind)
        ok = &k;
    }
    kube::api api(http_, resource_of(*ok), server.namespace_);
    auto res = co_await api.apply(name, desired, settings_.field_manager, true);
    if (!res)
      co_return res.error();
    const char* verb = live ? "Updated" : "Created";
    spdlog::info("msg=\"{} {}\" controller=mcpserver key={}/{} reconcile_id={} name={}", verb, kind, server.namespace_,
                 server.name, ctx.reconcile_id, name);
    if (events_)
      events_(mcp, "Normal", verb, live ? "Update" : "Create", std::string(verb) + " " + kind + " " + name);
  }
  // What the spec no longer asks for (an Ingress removed from the spec, a PDB after scaling
  // down to one replica) is deleted, with the UID as precondition so a replacement survives.
  for (const auto& k : owned_kinds()) {
    for (const auto& live : owned_cache(k.kind).controlled_by(server.uid)) {
      std::string name(kube::name_of(*live));
      if (wanted.contains({std::string(k.kind), name}))
        continue;
      kube::api api(http_, resource_of(k), server.namespace_);
      kube::delete_params p;
      p.precondition_uid = std::string(kube::uid_of(*live));
      auto res = co_await api.remove(name, p);
      if (!res && !res.error().is(kube::error_kind::not_found) && !res.error().is(kube::error_kind::conflict)) {
        co_return res.error();
      }
      spdlog::info("msg=\"Deleted {}\" controller=mcpserver key={}/{} reconcile_id={} name={}", k.kind,
                   server.namespace_, server.name, ctx.reconcile_id, name);
      if (events_)
        events_(mcp, "Normal", "Deleted", "Delete", "Deleted " + std::string(k.kind) + " " + name);
    }
  }
  co_return kube::result<void>{};
}

asio::awaitable<kube::result<void>> mcpserver_controller::write_status(const kube::object& mcp, json::object status) {
  kube::api api(http_, mcpservers(), std::string(kube::namespace_of(mcp)));
  json::object body{{"status", std::move(status)}};
  kube::patch_params p;
  p.field_manager = settings_.field_manager;
  auto res = co_await api.patch_status(kube::name_of(mcp), kube::patch_type::merge, body, p);
  if (!res && !res.error().is(kube::error_kind::not_found))
    co_return res.error();
  co_return kube::result<void>{};
}

void mcpserver_controller::maybe_verify(const api::mcpserver& server, const json::object* deployment, bool ready,
                                        const json::object& status) {
  if (settings_.verify == verify_mode::off || !transport_ || !ready)
    return;
  const std::int64_t gen = generation_or(deployment, 0);
  const auto now = std::chrono::steady_clock::now();
  auto [it, first] = verify_.try_emplace(server.uid);
  verify_state& st = it->second;
  if (first) {
    // A restarted operator (or a new leader) takes over what the status already says; the
    // next check is one period from now, so a converged server sees no status write.
    if (auto v = verification_from_status(status, server.generation)) {
      st.last = std::move(v);
      st.deployment_generation = gen;
      st.at = now;
    }
  }
  const bool stale = st.deployment_generation != gen || !st.last ||
                     now - st.at >= retry_after(st);
  if (st.running || !stale)
    return;
  st.running = true;
  asio::co_spawn(http_->executor(), verify_task(server, gen), asio::detached);
}

asio::awaitable<void> mcpserver_controller::verify_task(api::mcpserver server, std::int64_t deployment_generation) {
  auto result = co_await run_probe(transport_, server, settings_.version);
  verify_state& s = verify_[server.uid];
  s.running = false;
  s.deployment_generation = deployment_generation;
  s.failures = result.ok ? 0 : s.failures + 1;
  s.last = std::move(result);
  s.at = std::chrono::steady_clock::now();
  ctrl_->queue().add({server.namespace_, server.name});
}

std::chrono::seconds mcpserver_controller::retry_after(const verify_state& st) const {
  if (st.last && st.last->ok)
    return settings_.verify_period;
  // A server that just became Ready may not be reachable yet (its Service's endpoints reach
  // kube-proxy a second or two later): retry every second 5 times, then after 2, 4, 8, ...
  // seconds, up to verify_retry.
  const int doubling = std::clamp(st.failures - 5, 0, 16);
  const auto backoff = std::chrono::seconds(std::int64_t{1} << doubling);
  return std::min(backoff, settings_.verify_retry);
}

std::optional<std::chrono::seconds> mcpserver_controller::requeue_for(const api::mcpserver& server, bool ready) const {
  if (settings_.verify == verify_mode::off || !ready)
    return std::nullopt;
  auto it = verify_.find(server.uid);
  if (it == verify_.end() || !it->second.last)
    return std::nullopt;  // a running probe re-queues itself
  return retry_after(it->second);
}

asio::awaitable<kube::reconcile_result> mcpserver_controller::reconcile(kube::object_ptr obj,
                                                                        kube::reconcile_context& ctx) {
  if (!obj) {
    co_return kube::action::await_change();  // deleted: garbage collection removes what it owned
  }
  const kube::object& mcp = *obj;
  if (mcp.at("metadata").as_object().contains("deletionTimestamp")) {
    co_return kube::action::await_change();
  }
  const json::object* previous = status_of(mcp);
  static const json::object empty;
  const json::object& prev = previous != nullptr ? *previous : empty;

  auto parsed = api::parse_mcpserver(json::value(mcp));
  observed obs;
  obs.verification_off = settings_.verify == verify_mode::off;
  api::mcpserver server;
  rendered want;
  if (!parsed) {
    obs.render_error = parsed.error().message;
    server.name = std::string(kube::name_of(mcp));
    server.namespace_ = std::string(kube::namespace_of(mcp));
    server.generation = kube::generation_of(mcp).value_or(0);
  } else {
    server = std::move(*parsed);
    want = render(server, settings_.render);
    obs.render_error = want.error;
  }
  if (!obs.render_error.empty()) {
    auto status = compute_status(server, settings_.render, obs, prev, rfc3339_now());
    if (json::value(status) != json::value(prev)) {
      if (events_)
        events_(mcp, "Warning", "InvalidSpec", "Reconcile", obs.render_error);
      if (auto w = co_await write_status(mcp, std::move(status)); !w) {
        co_return kube::reconcile_error::retry(w.error().describe());
      }
    }
    co_return kube::reconcile_error::terminal_error(obs.render_error);
  }

  if (auto applied = co_await apply_owned(server, mcp, want, ctx); !applied) {
    const auto& err = applied.error();
    if (namespace_terminating(err)) {
      co_return kube::action::await_change();  // the MCPServer goes with its namespace
    }
    if (events_)
      events_(mcp, "Warning", "ApplyFailed", "Reconcile", err.describe());
    if (err.is(kube::error_kind::already_exists)) {
      obs.render_error = err.message;
      auto status = compute_status(server, settings_.render, obs, prev, rfc3339_now());
      if (json::value(status) != json::value(prev))
        (void)co_await write_status(mcp, std::move(status));
      co_return kube::reconcile_error::terminal_error(err.message);
    }
    co_return kube::reconcile_error::retry(err.describe());
  }

  kube::object_ptr deployment = owned_cache("Deployment").get({server.namespace_, server.name});
  obs.deployment = deployment.get();
  std::vector<kube::object_ptr> pods;
  for (auto& p : ctrl_->cache_of(owned_kinds().size() + 1).list_namespace(server.namespace_)) {
    const json::value* inst = nullptr;
    if (const json::value* labels = p->at("metadata").as_object().if_contains("labels");
        labels != nullptr && labels->is_object()) {
      inst = labels->get_object().if_contains("app.kubernetes.io/instance");
    }
    // A terminating pod (of a rollout, or of an earlier MCPServer of the same name) says
    // nothing about this server's health: it is on its way out, often killed after its grace.
    if (inst != nullptr && inst->is_string() && inst->get_string() == server.name &&
        !p->at("metadata").as_object().contains("deletionTimestamp"))
      pods.push_back(p);
  }
  for (const auto& p : pods)
    obs.pods.push_back(p.get());

  // Verification runs once the server is Ready; its result lands in the next reconcile.
  auto interim = compute_status(server, settings_.render, obs, prev, rfc3339_now());
  bool ready = false;
  for (const auto& c : interim.at("conditions").as_array()) {
    if (c.at("type") == "Ready" && c.at("status") == "True")
      ready = true;
  }
  maybe_verify(server, obs.deployment, ready, prev);
  if (auto it = verify_.find(server.uid); it != verify_.end() && it->second.last)
    obs.verified = it->second.last;

  auto status = compute_status(server, settings_.render, obs, prev, rfc3339_now());
  if (json::value(status) != json::value(prev)) {
    const std::string phase(status.at("phase").as_string());
    const json::value* old_phase = prev.if_contains("phase");
    if (events_ && phase == "Degraded" && (old_phase == nullptr || *old_phase != "Degraded")) {
      std::string why;
      for (const auto& c : status.at("conditions").as_array()) {
        if (c.at("type") == "Degraded")
          why = std::string(c.at("message").as_string());
      }
      events_(mcp, "Warning", "Degraded", "Reconcile", why);
    }
    if (auto w = co_await write_status(mcp, std::move(status)); !w) {
      co_return kube::reconcile_error::retry(w.error().describe());
    }
  }
  if (auto d = requeue_for(server, ready))
    co_return kube::action::requeue(*d);
  co_return kube::action::await_change();
}

}  // namespace controllers
