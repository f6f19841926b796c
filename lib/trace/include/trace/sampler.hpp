// The sampler of the OpenTelemetry SDK's ParentBased(TraceIdRatioBased(ratio)): a span with a
// valid parent follows the parent's sampled flag (so a trace is kept or dropped whole across
// services); a root span is sampled when its trace id's lower 8 bytes, read as an unsigned
// number, fall below ratio * 2^64 (deterministic per trace id: every service that roots the
// same trace decides alike). ratio is clamped to [0, 1].
#pragma once

#include <cstdint>
#include <optional>

#include "trace/context.hpp"

namespace trace {

class parent_based_ratio {
 public:
  explicit parent_based_ratio(double ratio = 1.0);
  [[nodiscard]] bool should_sample(const std::optional<span_context>& parent, const trace_id& id) const;
  [[nodiscard]] double ratio() const { return ratio_; }

 private:
  double ratio_;
  std::uint64_t bound_;  // sampled when the id's lower 64 bits < bound_ (ratio 1: always)
  bool all_ = false;
};

}  // namespace trace
