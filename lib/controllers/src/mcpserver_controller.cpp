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
#include <map>
#include <set>

#include "controllers/mcpserver_cache.hpp"
#include "controllers/mcpserver_status.hpp"
#include "kube/runtime/owned_set.hpp"
#include "kube/runtime/status_writer.hpp"

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

boost::asio::awaitable<verification> run_probe(probe_exchange exchange, std::string version,
                                               std::chrono::steady_clock::duration timeout,
                                               std::optional<std::string> auth_metadata) {
  mcp_probe probe(std::move(version), rfc3339_now());
  if (auth_metadata)
    probe.expect_auth(std::move(*auth_metadata));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string late = "the MCP endpoint did not complete initialize and tools/list within " +
                           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + "s";
  while (auto req = probe.next()) {
    std::string error;
    try {
      probe.on_response(co_await exchange(std::move(*req), deadline));
      continue;
    } catch (const boost::system::system_error& e) {
      error = e.code().message();  // without Boost's source location
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (std::chrono::steady_clock::now() >= deadline)
      probe.on_deadline(late);
    else
      probe.on_transport_error(error);
  }
  co_return probe.result();
}

boost::asio::awaitable<verification> run_probe(probe_transport transport, api::mcpserver server, std::string version,
                                               std::chrono::steady_clock::duration timeout,
                                               std::optional<std::string> auth_metadata) {
  probe_exchange exchange = [transport = std::move(transport), server = std::move(server)](
                                probe_request req, std::chrono::steady_clock::time_point deadline) {
    return transport(server, std::move(req), deadline);
  };
  co_return co_await run_probe(std::move(exchange), std::move(version), timeout, std::move(auth_metadata));
}

mcpserver_controller::mcpserver_controller(std::shared_ptr<kube::client> http, controller_settings settings,
                                           prometheus::Registry* registry, event_sink events, probe_transport transport)
    : http_(std::move(http)),
      settings_(std::move(settings)),
      events_(std::move(events)),
      transport_(std::move(transport)),
      status_metrics_(registry, "mcpserver") {
  kube::controller_options opts;
  opts.name = "mcpserver";
  opts.namespaces = settings_.watch_namespaces;
  opts.concurrency = settings_.concurrency;
  ctrl_ = std::make_unique<kube::controller>(
      http_, mcpservers(), opts,
      [this](kube::object_ptr obj, kube::reconcile_context& ctx) { return reconcile(std::move(obj), ctx); },
      kube::error_policy_fn{}, registry);
  // Only what this operator made is cached: a cluster's other Deployments, Services, ... cost
  // nothing. An owned object whose label was removed drops out of the cache and is re-applied.
  kube::watch_options ours;
  ours.label_selector = managed_by_selector;
  kube::owned_set_options aopts;
  aopts.field_manager = settings_.field_manager;
  aopts.hash_annotation = applied_hash_annotation;
  aopts.released.push_back({"Deployment", {"spec", "replicas"}});  // an unset count belongs to the scaler
  applier_ = std::make_unique<kube::owned_set>(http_, std::move(aopts));
  for (const auto& k : owned_kinds()) {
    auto cache = ctrl_->owns(resource_of(k), ours);
    if (k.kind == "Deployment")
      deployments_.emplace(cache);
    applier_->add(cache);
  }
  // Pods belong to ReplicaSets, not to the MCPServer: map them back by their instance label.
  kube::watch_options pods = ours;
  pods.transform = project_pod;
  pods.index = instance_label;
  auto by_instance = [](const kube::object& o) -> std::vector<kube::object_key> {
    auto instance = instance_label(o);
    if (!instance)
      return {};
    return {{std::string(kube::namespace_of(o)), std::move(*instance)}};
  };
  pods_.emplace(ctrl_->watches(kube::resources::pods(), by_instance, pods));
  // ReplicaSets tell which Pods are of the Deployment's current revision.
  kube::watch_options sets = ours;
  sets.transform = project_replica_set;
  sets.index = instance_label;
  replica_sets_.emplace(ctrl_->watches(kube::resources::replica_sets(), by_instance, sets));
  status_ = std::make_unique<kube::status_writer>(*ctrl_, settings_.field_manager);
  // Owner references with blockOwnerDeletion need this where the
  // OwnerReferencesPermissionEnforcement admission plugin runs (OpenShift enables it).
  ctrl_->uses({std::string(api::group), std::string(api::plural) + "/finalizers", "update"});
  ctrl_->uses({"events.k8s.io", "events", "create"});
  ctrl_->uses({"events.k8s.io", "events", "patch"});
}

mcpserver_controller::~mcpserver_controller() = default;

void mcpserver_controller::emit(const kube::object& mcp, std::string_view type, std::string_view reason,
                                std::string_view action, std::string note) const {
  if (events_)
    events_(mcp, type, reason, action, std::move(note));
}

asio::awaitable<kube::result<void>> mcpserver_controller::apply_owned(const kube::object& mcp, const rendered& want,
                                                                      kube::reconcile_context& ctx) {
  auto changes = co_await applier_->reconcile(mcp, want.objects);
  if (!changes)
    co_return changes.error();
  // One event per verb and reconcile ("Created ServiceAccount a, Service a, Deployment a"):
  // a burst of new servers costs the apiserver one Event write each, not one per object.
  std::map<kube::owned_change::verb, std::string> notes;
  std::vector<std::string> previous;  // the UIDs the adopted objects' stale references named
  for (const auto& c : *changes) {
    const std::string verb(kube::to_string(c.what));
    spdlog::info("msg=\"{} {}\" controller=mcpserver key={} reconcile_id={} name={}{}", verb, c.kind, ctx.key.str(),
                 ctx.reconcile_id, c.name,
                 c.previous_owner_uid.empty() ? "" : " previous_owner_uid=" + c.previous_owner_uid);
    std::string& note = notes[c.what];
    note += (note.empty() ? verb + " " : std::string(", ")) + c.kind + " " + c.name;
    if (!c.previous_owner_uid.empty() &&
        std::find(previous.begin(), previous.end(), c.previous_owner_uid) == previous.end())
      previous.push_back(c.previous_owner_uid);
  }
  for (auto& [what, note] : notes) {
    using verb = kube::owned_change::verb;
    const char* action = what == verb::created    ? "Create"
                         : what == verb::updated  ? "Update"
                         : what == verb::replaced ? "Replace"
                         : what == verb::adopted  ? "Adopt"
                                                  : "Delete";
    if (what == verb::adopted) {
      note += " left behind by a deleted " + std::string(api::kind) + " of the same name (uid ";
      for (std::size_t i = 0; i < previous.size(); ++i)
        note += (i == 0 ? "" : ", ") + previous[i];
      note += ")";
    }
    emit(mcp, "Normal", kube::to_string(what), action, std::move(note));
  }
  co_return kube::result<void>{};
}

asio::awaitable<kube::result<void>> mcpserver_controller::write_status(const kube::object& mcp, json::object status) {
  status_metrics_.set(kube::namespace_of(mcp), kube::name_of(mcp), status);
  auto res = co_await status_->write(mcp, std::move(status));
  if (!res)
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
  const bool stale = st.deployment_generation != gen || !st.last || now - st.at >= retry_after(st);
  if (st.running || !stale)
    return;
  st.running = true;
  asio::co_spawn(http_->executor(), verify_task(server, gen), asio::detached);
}

asio::awaitable<void> mcpserver_controller::verify_task(api::mcpserver server, std::int64_t deployment_generation) {
  if (!settings_.probe_slots)
    settings_.probe_slots = std::make_shared<probe_limiter>();  // a controller alone: its own bound
  auto slot = co_await settings_.probe_slots->acquire();
  std::optional<std::string> auth_metadata;
  if (server.spec.auth)
    auth_metadata = parts::auth_metadata_url(*server.spec.auth, service_url(server, settings_.render));
  auto result =
      co_await run_probe(transport_, server, settings_.version, settings_.verify_timeout, std::move(auth_metadata));
  slot.release();
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

// A spec that cannot be realised, or whose objects' names are taken: Failed, until it changes.
asio::awaitable<kube::reconcile_result> mcpserver_controller::failed(const kube::object& mcp,
                                                                     const api::mcpserver& server, const observed& obs,
                                                                     const json::object& prev) {
  auto status = compute_status(server, settings_.render, obs, prev, rfc3339_now());  // named: GCC 12, see api.hpp
  auto w = co_await write_status(mcp, std::move(status));
  if (!w)
    co_return kube::reconcile_error::retry(w.error().describe());
  co_return kube::reconcile_error::terminal_error(obs.render_error);
}

asio::awaitable<kube::reconcile_result> mcpserver_controller::reconcile(kube::object_ptr obj,
                                                                        kube::reconcile_context& ctx) {
  if (!obj || obj->at("metadata").as_object().contains("deletionTimestamp")) {
    status_metrics_.erase(ctx.key.ns, ctx.key.name);
    co_return kube::action::await_change();  // garbage collection removes what it owned
  }
  const kube::object& mcp = *obj;
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
    if (json::value(compute_status(server, settings_.render, obs, prev, rfc3339_now())) != json::value(prev))
      emit(mcp, "Warning", "InvalidSpec", "Reconcile", obs.render_error);
    co_return co_await failed(mcp, server, obs, prev);
  }

  if (auto applied = co_await apply_owned(mcp, want, ctx); !applied) {
    const auto& err = applied.error();
    if (namespace_terminating(err))
      co_return kube::action::await_change();  // the MCPServer goes with its namespace
    if (err.is(kube::error_kind::already_exists)) {
      // An object of the server's name that something else controls: refused, never taken over.
      // Its removal sends no event the label-filtered caches see, so the server looks again
      // every name_taken_recheck; the Warning Event is emitted when the status changes.
      obs.render_error = err.message;
      obs.failure_reason = name_taken_reason;
      auto status = compute_status(server, settings_.render, obs, prev, rfc3339_now());  // named: GCC 12
      if (json::value(status) != json::value(prev))
        emit(mcp, "Warning", name_taken_reason, "Reconcile", err.message);
      if (auto w = co_await write_status(mcp, std::move(status)); !w)
        co_return kube::reconcile_error::retry(w.error().describe());
      co_return kube::action::requeue(name_taken_recheck);
    }
    emit(mcp, "Warning", "ApplyFailed", "Reconcile", err.describe());
    co_return kube::reconcile_error::retry(err.describe());
  }

  kube::object_ptr deployment = deployments_->get({server.namespace_, server.name});
  obs.deployment = deployment.get();
  if (deployment) {
    std::vector<kube::object_ptr> sets = replica_sets_->indexed(server.namespace_, server.name);
    std::vector<const json::object*> views;
    for (const auto& rs : sets)
      views.push_back(rs.get());
    obs.current_hash = current_template_hash(*deployment, views);
  }
  // A terminating pod (of a rollout, or of an earlier MCPServer of the same name) says nothing
  // about this server's health: it is on its way out, often killed after its grace.
  std::vector<kube::object_ptr> pods = pods_->indexed(server.namespace_, server.name);
  for (const auto& p : pods) {
    if (!p->at("metadata").as_object().contains("deletionTimestamp"))
      obs.pods.push_back(p.get());
  }

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
  const json::value* old_phase = prev.if_contains("phase");
  if (status.at("phase") == "Degraded" && (old_phase == nullptr || *old_phase != "Degraded")) {
    for (const auto& c : status.at("conditions").as_array()) {
      if (c.at("type") == "Degraded")
        emit(mcp, "Warning", "Degraded", "Reconcile", std::string(c.at("message").as_string()));
    }
  }
  if (auto w = co_await write_status(mcp, std::move(status)); !w)
    co_return kube::reconcile_error::retry(w.error().describe());
  if (auto d = requeue_for(server, ready))
    co_return kube::action::requeue(*d);
  co_return kube::action::await_change();
}

}  // namespace controllers
