// Starting spans: ids, the sampling decision and the parent link in one place. A tracer
// built without an endpoint is disabled: start() then returns an empty optional without
// generating ids, formatting or allocating anything, so a bridge without --otlp-endpoint pays
// one branch per request ("no cost when tracing is off"). A span that is not sampled is not
// recorded either, but its context still travels downstream (flags 00) so the services
// behind agree not to sample the trace.
// Single-threaded: one tracer per io_context thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "trace/context.hpp"
#include "trace/ids.hpp"
#include "trace/sampler.hpp"
#include "trace/span.hpp"

namespace trace {

struct tracer_config {
  bool enabled = false;
  double sample_ratio = 1.0;
};

class tracer {
 public:
  tracer() = default;  // disabled
  explicit tracer(const tracer_config& c) : enabled_(c.enabled), sampler_(c.sample_ratio) {}
  tracer(const tracer_config& c, std::uint64_t seed) : enabled_(c.enabled), ids_(seed), sampler_(c.sample_ratio) {}

  [[nodiscard]] bool enabled() const { return enabled_; }

  // A new span under `parent` (a remote or local parent; nullopt or invalid: a new trace).
  // Disabled: nullopt. Otherwise the span has its context (sampled or not), parent, kind and
  // start time; its name and attributes are the caller's to set, when recording() says so.
  std::optional<span> start(const std::optional<span_context>& parent, span_kind kind, std::uint64_t start_unix_nano);

 private:
  bool enabled_ = false;
  id_generator ids_;
  parent_based_ratio sampler_;
};

// Whether a started span is recorded and exported (its context travels either way).
inline bool recording(const std::optional<span>& s) {
  return s && s->context.sampled();
}

}  // namespace trace
