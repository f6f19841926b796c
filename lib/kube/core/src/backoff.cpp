#include "kube/core/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

namespace kube {

backoff::backoff(backoff_policy policy, std::function<double()> uniform01)
    : policy_(policy), uniform01_(std::move(uniform01)) {
  if (!uniform01_) {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    uniform01_ = [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
  }
}

std::chrono::milliseconds backoff::next() {
  const double max_ms = static_cast<double>(policy_.max.count());
  // Cap the exponent so the power cannot overflow after many failures.
  const double exp = std::pow(policy_.multiplier, static_cast<double>(std::min(attempts_, 64u)));
  const double base = std::min(static_cast<double>(policy_.initial.count()) * exp, max_ms);
  ++attempts_;
  const double jittered = std::min(base * (1.0 + uniform01_()), max_ms);
  return std::chrono::milliseconds(static_cast<long long>(jittered));
}

}  // namespace kube
