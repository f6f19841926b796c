// What each MCPServer's or MCPPool's status says, as Prometheus gauges on the operator's
// /metrics, so alerts need no kube-state-metrics:
//   mcp_operator_<kind>_status_condition{namespace,name,type,status} 1 for the condition's
//     current status (True, False or Unknown) and 0 for the other two, per condition type;
//   mcp_operator_<kind>_status_phase{namespace,name,phase} 1, one series for the current phase.
// set() is called with every status the controller writes, erase() when the object is gone,
// so a deleted object's series leave the exposition. Only the leader reconciles, so only the
// leader exports these series.
// Not thread-safe: the controller calls it on the operator's single-threaded io_context.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace prometheus {
class Gauge;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace controllers {

class status_metrics {
 public:
  // `kind` names the families ("mcpserver", "mcppool"). A null registry exports nothing.
  status_metrics(prometheus::Registry* registry, std::string_view kind);

  void set(std::string_view ns, std::string_view name, const boost::json::object& status);
  void erase(std::string_view ns, std::string_view name);

 private:
  prometheus::Family<prometheus::Gauge>* conditions_ = nullptr;
  prometheus::Family<prometheus::Gauge>* phase_ = nullptr;
  struct series {
    std::vector<prometheus::Gauge*> conditions;
    prometheus::Gauge* phase = nullptr;
  };
  std::unordered_map<std::string, series> by_object_;  // "namespace/name"
};

}  // namespace controllers
