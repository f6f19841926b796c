// What the lib/mcp fuzz targets share: the input read as a program (one byte per choice, a
// length-prefixed chunk of raw bytes), and the invariant check that makes libFuzzer stop.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace fuzz_input {

struct reader {
  std::string_view in;
  std::uint8_t byte() {
    if (in.empty()) {
      return 0;
    }
    const auto b = static_cast<std::uint8_t>(in.front());
    in.remove_prefix(1);
    return b;
  }
  std::string_view chunk() {
    const std::size_t n = std::min<std::size_t>(byte(), in.size());
    auto s = in.substr(0, n);
    in.remove_prefix(n);
    return s;
  }
};

inline void check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

}  // namespace fuzz_input
