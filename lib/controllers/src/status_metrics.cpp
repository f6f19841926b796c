#include "controllers/status_metrics.hpp"

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <array>

namespace controllers {
namespace {

namespace json = boost::json;

// Label values come from the status the operator itself wrote; still bounded, so a condition
// written by something else cannot grow the exposition without limit.
std::string bounded(const json::value* v) {
  if (v == nullptr || !v->is_string()) {
    return "";
  }
  const auto& s = v->get_string();
  return std::string(s.data(), std::min<std::size_t>(s.size(), 64));
}

constexpr std::array<const char*, 3> statuses{"True", "False", "Unknown"};
constexpr std::size_t max_conditions = 16;

}  // namespace

status_metrics::status_metrics(prometheus::Registry* registry, std::string_view kind) {
  if (registry == nullptr) {
    return;
  }
  const std::string prefix = "mcp_operator_" + std::string(kind);
  conditions_ = &prometheus::BuildGauge()
                     .Name(prefix + "_status_condition")
                     .Help("The " + std::string(kind) +
                           "'s status conditions: 1 for the condition's current status, 0 for the others")
                     .Register(*registry);
  phase_ = &prometheus::BuildGauge()
                .Name(prefix + "_status_phase")
                .Help("The " + std::string(kind) + "'s status.phase: 1 for the current phase")
                .Register(*registry);
}

void status_metrics::set(std::string_view ns, std::string_view name, const json::object& status) {
  if (conditions_ == nullptr) {
    return;
  }
  series& s = by_object_[std::string(ns) + "/" + std::string(name)];
  std::vector<prometheus::Gauge*> kept;
  const json::value* conds = status.if_contains("conditions");
  if (conds != nullptr && conds->is_array()) {
    for (const auto& c : conds->get_array()) {
      if (!c.is_object() || kept.size() >= max_conditions * statuses.size()) {
        continue;
      }
      const std::string type = bounded(c.get_object().if_contains("type"));
      const std::string current = bounded(c.get_object().if_contains("status"));
      if (type.empty()) {
        continue;
      }
      for (const char* st : statuses) {
        auto& g = conditions_->Add(
            {{"namespace", std::string(ns)}, {"name", std::string(name)}, {"type", type}, {"status", st}});
        g.Set(current == st ? 1 : 0);
        kept.push_back(&g);
      }
    }
  }
  for (auto* g : s.conditions) {
    if (std::find(kept.begin(), kept.end(), g) == kept.end()) {
      conditions_->Remove(g);  // a condition type the status no longer has
    }
  }
  s.conditions = std::move(kept);

  const std::string phase = bounded(status.if_contains("phase"));
  prometheus::Gauge* p = nullptr;
  if (!phase.empty()) {
    p = &phase_->Add({{"namespace", std::string(ns)}, {"name", std::string(name)}, {"phase", phase}});
    p->Set(1);
  }
  if (s.phase != nullptr && s.phase != p) {
    phase_->Remove(s.phase);
  }
  s.phase = p;
}

void status_metrics::erase(std::string_view ns, std::string_view name) {
  auto it = by_object_.find(std::string(ns) + "/" + std::string(name));
  if (it == by_object_.end()) {
    return;
  }
  for (auto* g : it->second.conditions) {
    conditions_->Remove(g);
  }
  if (it->second.phase != nullptr) {
    phase_->Remove(it->second.phase);
  }
  by_object_.erase(it);
}

}  // namespace controllers
