// Maps the operations endpoints to replies: /healthz (alive), /readyz (ready to serve),
// /metrics (Prometheus text format 0.0.4 of one registry). Pure: no sockets, so every
// reply is unit-tested; ops/server.hpp puts it on a port.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "ops/health.hpp"

namespace prometheus {
class Registry;
}

namespace ops {

struct reply {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class router {
 public:
  // Either pointer may be null: then that endpoint is not served (404).
  router(const health_checks* live, const health_checks* ready, std::shared_ptr<prometheus::Registry> metrics);

  [[nodiscard]] reply handle(std::string_view method, std::string_view target) const;

 private:
  const health_checks* live_;
  const health_checks* ready_;
  std::shared_ptr<prometheus::Registry> metrics_;
};

}  // namespace ops
