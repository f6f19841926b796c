// Exponential backoff with jitter, kube-rs's watcher default: 0.8 s doubling up to 30 s, each
// delay stretched by a random factor in [1, 2) and then capped, so many watchers failing
// together do not retry in lockstep. Pure: the random source is injected for tests.
#pragma once

#include <chrono>
#include <functional>

namespace kube {

struct backoff_policy {
  std::chrono::milliseconds initial{800};
  std::chrono::milliseconds max{30'000};
  double multiplier = 2.0;
};

class backoff {
 public:
  // `uniform01` returns values in [0, 1); by default a per-instance seeded engine.
  explicit backoff(backoff_policy policy = {}, std::function<double()> uniform01 = {});

  // The delay before the next attempt; grows with each call until reset().
  std::chrono::milliseconds next();
  void reset() { attempts_ = 0; }
  [[nodiscard]] unsigned attempts() const { return attempts_; }

 private:
  backoff_policy policy_;
  std::function<double()> uniform01_;
  unsigned attempts_ = 0;
};

}  // namespace kube
