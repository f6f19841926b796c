// libFuzzer target: the stdio line framer must never crash, never yield a line over the
// limit or one containing a newline, and must frame the same whatever the split points.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/line_framer.hpp"

namespace {

std::vector<mcp::frame> frame_all(std::string_view input, std::size_t chunk) {
  mcp::line_framer f(64);
  std::vector<mcp::frame> out;
  for (std::size_t i = 0; i < input.size(); i += chunk) {
    f.feed(input.substr(i, chunk));
    mcp::frame fr;
    while (f.next(fr)) {
      out.push_back(fr);
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto whole = frame_all(input, size == 0 ? 1 : size);
  const auto split = frame_all(input, 3);
  if (whole.size() != split.size()) {
    std::abort();
  }
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (whole[i].type != split[i].type || whole[i].text != split[i].text || whole[i].text.size() > 64 ||
        whole[i].text.find('\n') != std::string::npos) {
      std::abort();
    }
  }
  return 0;
}
