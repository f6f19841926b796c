// libFuzzer target: the SSE parser must never crash or exceed its event or id limits, must parse
// identically however the bytes are split, and must read back what the encoder wrote.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/sse.hpp"

namespace {

std::vector<mcp::sse::event> parse(std::string_view input, std::size_t chunk) {
  mcp::sse::parser p(256);
  std::vector<mcp::sse::event> out;
  for (std::size_t i = 0; i < input.size(); i += chunk) {
    p.feed(input.substr(i, chunk));
  }
  mcp::sse::event e;
  while (p.next(e)) {
    out.push_back(e);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto whole = parse(input, size == 0 ? 1 : size);
  const auto split = parse(input, 1);
  if (whole.size() != split.size()) {
    std::abort();
  }
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (whole[i].data != split[i].data || whole[i].id != split[i].id || whole[i].type != split[i].type ||
        whole[i].data.size() > 256 || whole[i].id.size() > mcp::sse::default_max_id) {
      std::abort();
    }
  }
  // Round trip: any payload without NUL survives encode -> parse (line ends normalised).
  std::string payload(input.substr(0, 200));
  if (payload.find('\0') == std::string::npos && !payload.empty()) {
    mcp::sse::parser p(1024);
    p.feed(mcp::sse::encode(payload, "1-1"));
    mcp::sse::event e;
    std::string normalised;
    for (std::size_t i = 0; i < payload.size(); ++i) {
      if (payload[i] == '\r') {
        normalised.push_back('\n');
        if (i + 1 < payload.size() && payload[i + 1] == '\n') {
          ++i;
        }
      } else {
        normalised.push_back(payload[i]);
      }
    }
    if (!p.next(e) || e.data != normalised || e.id != "1-1") {
      std::abort();
    }
  }
  return 0;
}
