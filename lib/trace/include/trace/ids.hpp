// Trace and span ids: xoshiro256** seeded once per process (from std::random_device, the
// clock and the pid through splitmix64). Not cryptographic: ids need to be unique, not
// unguessable (W3C Trace Context asks for randomness in the trace id's right half, which
// this gives). Never all zero. One generator per thread of use; not synchronized.
#pragma once

#include <cstdint>

#include "trace/context.hpp"

namespace trace {

class id_generator {
 public:
  id_generator();  // seeded from the process's entropy
  explicit id_generator(std::uint64_t seed);
  trace_id new_trace_id();
  span_id new_span_id();
  std::uint64_t next();

 private:
  std::uint64_t s_[4]{};
};

}  // namespace trace
