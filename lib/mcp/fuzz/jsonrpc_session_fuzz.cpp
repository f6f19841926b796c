// libFuzzer target for the JSON-RPC and session-rule layer: whatever a client or child
// sends, classification, error building, the revision/header rules, id remapping and the
// replay buffer must not crash, and a message that parses must survive re-serialisation.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mcp/id_remap.hpp"
#include "mcp/jsonrpc.hpp"
#include "mcp/protocol.hpp"
#include "mcp/replay_buffer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // The first line, if any, plays the MCP-Protocol-Version / Mcp-Name header values.
  const auto nl = input.find('\n');
  const std::string_view header = nl == std::string_view::npos ? std::string_view() : input.substr(0, nl);
  const std::string_view body = nl == std::string_view::npos ? input : input.substr(nl + 1);

  (void)mcp::request_revision(header, std::nullopt);
  (void)mcp::request_revision(header, mcp::revision::v2025_11_25);
  mcp::replay_buffer replay(4, 64);
  (void)replay.after(header);

  auto parsed = mcp::parse(body);
  if (!parsed) {
    return 0;
  }
  mcp::id_remapper remap;
  for (const auto& m : parsed->messages) {
    auto again = mcp::parse(mcp::serialize(m));
    if (!again || again->messages.size() != 1 || again->messages[0].kind != m.kind) {
      std::abort();
    }
    (void)mcp::check_stateless({header, m.method(), header}, m);
    (void)mcp::expected_mcp_name(m);
    (void)mcp::negotiated_revision(m);
    (void)mcp::error_response(m.id(), -32600, m.method());
    replay.append(1, mcp::serialize(m));
    if (m.is_request()) {
      auto child_id = remap.map(7, m.id());
      auto back = remap.take(boost::json::value(child_id));
      if (!back || back->session != 7 || back->id != m.id()) {
        std::abort();
      }
    }
  }
  return 0;
}
