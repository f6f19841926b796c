// Feeds arbitrary bytes to the watch decoder, split at points chosen by the input itself, and
// checks the decoder's own invariants: no crash, and splitting never changes the outcome.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "kube/core/watch_decoder.hpp"

namespace {

struct outcome {
  bool ok = true;
  std::size_t events = 0;
};

outcome decode(std::string_view data, std::size_t chunk) {
  kube::watch_decoder d(1u << 16);
  std::vector<kube::watch_event> out;
  outcome o;
  while (!data.empty()) {
    auto part = data.substr(0, chunk);
    data.remove_prefix(part.size());
    if (!d.feed(part, out)) {
      o.ok = false;
      break;
    }
  }
  if (o.ok) {
    o.ok = static_cast<bool>(d.finish());
  }
  o.events = out.size();
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::size_t chunk = 1 + data[0] % 17;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto whole = decode(text, text.size() + 1);
  auto split = decode(text, chunk);
  if (whole.ok != split.ok || (whole.ok && whole.events != split.events)) {
    std::abort();
  }
  return 0;
}
