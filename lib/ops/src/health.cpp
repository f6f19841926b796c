#include "ops/health.hpp"

namespace ops {

void health_checks::add(std::string name, check fn) {
  checks_.emplace_back(std::move(name), std::move(fn));
}

health_report health_checks::run(std::string_view probe_name, bool verbose) const {
  health_report report;
  std::string lines;
  for (const auto& [name, fn] : checks_) {
    check_result r = fn();
    if (r.ok) {
      lines += "[+]" + name + " ok\n";
    } else {
      report.ok = false;
      lines += "[-]" + name + " failed: " + (r.reason.empty() ? "reason withheld" : r.reason) + "\n";
    }
  }
  if (report.ok && !verbose) {
    report.body = "ok";
  } else {
    report.body = lines + std::string(probe_name) + (report.ok ? " check passed\n" : " check failed\n");
  }
  return report;
}

}  // namespace ops
