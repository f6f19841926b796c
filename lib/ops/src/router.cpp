#include "ops/router.hpp"

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <boost/url/parse.hpp>

namespace ops {

router::router(const health_checks* live, const health_checks* ready, std::shared_ptr<prometheus::Registry> metrics)
    : live_(live), ready_(ready), metrics_(std::move(metrics)) {}

namespace {

reply probe(const health_checks& checks, std::string_view name, bool verbose) {
  health_report r = checks.run(name, verbose);
  return reply{r.ok ? 200U : 500U, "text/plain; charset=utf-8", std::move(r.body)};
}

}  // namespace

reply router::handle(std::string_view method, std::string_view target) const {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) {
    return {400, "text/plain; charset=utf-8", "bad request target\n"};
  }
  if (method != "GET" && method != "HEAD") {
    return {405, "text/plain; charset=utf-8", "method not allowed\n"};
  }
  const std::string path = url->path();
  const bool verbose = url->params().contains("verbose");
  if (path == "/healthz" && live_ != nullptr) {
    return probe(*live_, "healthz", verbose);
  }
  if (path == "/readyz" && ready_ != nullptr) {
    return probe(*ready_, "readyz", verbose);
  }
  if (path == "/metrics" && metrics_) {
    prometheus::TextSerializer serializer;
    return {200, "text/plain; version=0.0.4; charset=utf-8", serializer.Serialize(metrics_->Collect())};
  }
  return {404, "text/plain; charset=utf-8", "not found\n"};
}

}  // namespace ops
