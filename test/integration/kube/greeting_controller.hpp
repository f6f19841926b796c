// A second controller on the runtime's toolkit, as a test of the toolkit itself: the kind
// Greeting (toolkit.test.mcp.v2dy.io/v1, a CRD the test installs) owns a ConfigMap holding
// spec.message and spec.extra, and a Service when spec.expose is true; status says which
// ConfigMap holds the greeting. Everything a production controller needs of owned objects
// (removals seen, pruning, zero writes after a restart, bounded status writes, events-free
// logs, RBAC derived from what it declares) comes from kube::owned_set, kube::status_writer
// and kube::controller; this file is only the kind's own logic.
#pragma once

#include <boost/json.hpp>

#include <memory>

#include "kube/runtime/controller.hpp"
#include "kube/runtime/owned_set.hpp"
#include "kube/runtime/status_writer.hpp"

namespace greeting {

inline kube::api_resource greetings() { return {"toolkit.test.mcp.v2dy.io", "v1", "greetings", "Greeting", true}; }

// The objects a Greeting asks for: a pure function of the object.
inline std::vector<kube::object> render(const kube::object& g) {
  const auto& meta = g.at("metadata").as_object();
  const auto& spec = g.at("spec").as_object();
  boost::json::object owner{{"apiVersion", "toolkit.test.mcp.v2dy.io/v1"}, {"kind", "Greeting"},
                            {"name", meta.at("name")},  {"uid", meta.at("uid")},
                            {"controller", true},       {"blockOwnerDeletion", true}};
  boost::json::object labels{{"app.kubernetes.io/managed-by", "greeting-controller"},
                             {"app.kubernetes.io/instance", meta.at("name")}};
  auto metadata = [&] {
    return boost::json::object{
        {"name", meta.at("name")}, {"labels", labels}, {"ownerReferences", boost::json::array{owner}}};
  };
  boost::json::object data{{"message", spec.at("message")}};
  if (const auto* extra = spec.if_contains("extra"); extra != nullptr && extra->is_object()) {
    for (const auto& [k, v] : extra->get_object())
      data[k] = v;
  }
  std::vector<kube::object> out;
  out.push_back({{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", metadata()}, {"data", std::move(data)}});
  if (const auto* e = spec.if_contains("expose"); e != nullptr && e->is_bool() && e->get_bool()) {
    boost::json::object svc_spec{{"selector", labels},
                                 {"ports", boost::json::array{boost::json::object{{"name", "http"}, {"port", 80}}}}};
    out.push_back({{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", metadata()}, {"spec", std::move(svc_spec)}});
  }
  return out;
}

class controller {
 public:
  controller(std::shared_ptr<kube::client> http, std::string ns, prometheus::Registry* registry) {
    kube::controller_options opts;
    opts.name = "greeting";
    opts.namespaces = {std::move(ns)};
    ctrl_ = std::make_unique<kube::controller>(
        http, greetings(), opts,
        [this](kube::object_ptr g, kube::reconcile_context& ctx) { return reconcile(std::move(g), ctx); },
        kube::error_policy_fn{}, registry);
    applier_ = std::make_unique<kube::owned_set>(
        http, kube::owned_set_options{"greeting-controller", "toolkit.test.mcp.v2dy.io/applied-hash", {}});
    kube::watch_options ours{"app.kubernetes.io/managed-by=greeting-controller", {}, {}};
    applier_->add(ctrl_->owns(kube::resources::config_maps(), ours));
    applier_->add(ctrl_->owns(kube::resources::services(), ours));
    status_ = std::make_unique<kube::status_writer>(*ctrl_, "greeting-controller");
  }

  kube::controller& ctrl() { return *ctrl_; }
  int writes() const { return writes_; }  // applies, deletions and status patches sent

 private:
  boost::asio::awaitable<kube::reconcile_result> reconcile(kube::object_ptr g, kube::reconcile_context&) {
    if (!g)
      co_return kube::action::await_change();  // garbage collection removes what it owned
    auto desired = render(*g);  // named, not a temporary in co_await (GCC 12, see kube/client/api.hpp)
    auto changes = co_await applier_->reconcile(*g, std::move(desired));
    if (!changes)
      co_return kube::reconcile_error::retry(changes.error().describe());
    writes_ += static_cast<int>(changes->size());
    boost::json::object status{{"observedGeneration", kube::generation_of(*g).value_or(0)},
                               {"configMap", g->at("metadata").at("name")}};
    auto w = co_await status_->write(*g, std::move(status));
    if (!w)
      co_return kube::reconcile_error::retry(w.error().describe());
    writes_ += *w ? 1 : 0;
    co_return kube::action::await_change();
  }

  std::unique_ptr<kube::controller> ctrl_;
  std::unique_ptr<kube::owned_set> applier_;
  std::unique_ptr<kube::status_writer> status_;
  int writes_ = 0;
};

}  // namespace greeting
