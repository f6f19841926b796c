#include "trace/ids.hpp"

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>

namespace trace {

namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

std::uint64_t process_seed() {
  std::uint64_t seed = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  seed ^= static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) << 1;
  seed ^= static_cast<std::uint64_t>(::getpid()) << 32;
  try {
    std::random_device rd;
    seed ^= (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  } catch (...) {  // NOLINT(bugprone-empty-catch): the clock and pid still differ per process
  }
  return seed;
}

}  // namespace

id_generator::id_generator() : id_generator(process_seed()) {}

id_generator::id_generator(std::uint64_t seed) {
  for (auto& s : s_) {
    s = splitmix64(seed);
  }
}

std::uint64_t id_generator::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

trace_id id_generator::new_trace_id() {
  trace_id id;
  while (!id.valid()) {
    const std::uint64_t a = next();
    const std::uint64_t b = next();
    std::memcpy(id.bytes.data(), &a, 8);
    std::memcpy(id.bytes.data() + 8, &b, 8);
  }
  return id;
}

span_id id_generator::new_span_id() {
  span_id id;
  while (!id.valid()) {
    const std::uint64_t a = next();
    std::memcpy(id.bytes.data(), &a, 8);
  }
  return id;
}

}  // namespace trace
