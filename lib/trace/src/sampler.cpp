#include "trace/sampler.hpp"

#include <algorithm>
#include <cmath>

namespace trace {

parent_based_ratio::parent_based_ratio(double ratio)
    : ratio_(std::isnan(ratio) ? 0.0 : std::clamp(ratio, 0.0, 1.0)), bound_(0), all_(ratio_ >= 1.0) {
  if (!all_) {
    // 2^64 * ratio, computed in long double so a ratio close to 1 does not overflow.
    bound_ = static_cast<std::uint64_t>(std::ldexp(static_cast<long double>(ratio_), 64));
  }
}

bool parent_based_ratio::should_sample(const std::optional<span_context>& parent, const trace_id& id) const {
  if (parent && parent->valid()) {
    return parent->sampled();
  }
  if (all_) {
    return true;
  }
  std::uint64_t low = 0;
  for (std::size_t i = 8; i < 16; ++i) {
    low = low << 8 | id.bytes[i];
  }
  return low < bound_;
}

}  // namespace trace
