// Named health checks for /healthz and /readyz, rendered the way the kube-apiserver
// renders its own: "ok" when all pass; otherwise one "[+]name ok" / "[-]name failed: why"
// line per check. Checks are registered before serving starts and run on the serving thread,
// so a check must be cheap and must not block (read an atomic, compare a timestamp).
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace ops {

struct check_result {
  bool ok = true;
  std::string reason;  // why the check failed; shown to whoever probes, so never a secret

  static check_result pass() { return {}; }
  static check_result fail(std::string why) { return {false, std::move(why)}; }
};

struct health_report {
  bool ok = true;
  std::string body;
};

class health_checks {
 public:
  using check = std::function<check_result()>;

  void add(std::string name, check fn);

  // Runs every check. With verbose, lists each check even when all pass.
  [[nodiscard]] health_report run(std::string_view probe_name, bool verbose) const;

  [[nodiscard]] std::size_t size() const { return checks_.size(); }

 private:
  std::vector<std::pair<std::string, check>> checks_;
};

}  // namespace ops
