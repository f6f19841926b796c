#include "trace/tracer.hpp"

#include <chrono>

namespace trace {

std::uint64_t now_unix_nano() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

std::optional<span> tracer::start(const std::optional<span_context>& parent, span_kind kind,
                                  std::uint64_t start_unix_nano) {
  if (!enabled_) {
    return std::nullopt;
  }
  span s;
  const bool has_parent = parent && parent->valid();
  s.context.trace = has_parent ? parent->trace : ids_.new_trace_id();
  s.context.span = ids_.new_span_id();
  s.context.flags = sampler_.should_sample(has_parent ? parent : std::nullopt, s.context.trace) ? flag_sampled : 0;
  if (has_parent) {
    s.parent = parent->span;
  }
  s.kind = kind;
  s.start_unix_nano = start_unix_nano;
  return s;
}

}  // namespace trace
