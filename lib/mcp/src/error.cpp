#include "mcp/error.hpp"

#include <string>

namespace mcp {
namespace {

// boost::system::error_category deliberately has a non-virtual destructor (categories are
// never deleted through a base pointer; ours is a function-local static).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class category final : public boost::system::error_category {  // NOLINT(cppcoreguidelines-virtual-class-destructor)
 public:
  const char* name() const noexcept override { return "mcp"; }

  std::string message(int ev) const override {
    switch (static_cast<error>(ev)) {
      case error::parse_error:
        return "parse error";
      case error::invalid_request:
        return "invalid JSON-RPC request";
      case error::empty_batch:
        return "empty batch";
      case error::batch_not_allowed:
        return "batches are not allowed in this protocol revision";
      case error::line_too_long:
        return "message exceeds the size limit";
      case error::unsupported_version:
        return "unsupported protocol version";
      case error::header_mismatch:
        return "request headers do not match the body";
      case error::missing_header:
        return "a required header is missing";
      case error::unknown_event_id:
        return "unknown or expired event id";
      case error::missing_envelope:
        return "params._meta must carry the protocol version and client capabilities";
      case error::unsupported_modern_version:
        return "Unsupported protocol version";
    }
    return "unknown mcp error";
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& error_category() noexcept {
  static const category instance;
  return instance;
}

int jsonrpc_code(error e) noexcept {
  switch (e) {
    case error::parse_error:
      return -32700;
    case error::header_mismatch:
      // The 2026-07-28 revision names this HeaderMismatch.
      return -32020;
    case error::unsupported_modern_version:
      return -32022;
    case error::missing_envelope:
      return -32602;
    case error::invalid_request:
    case error::empty_batch:
    case error::batch_not_allowed:
    case error::line_too_long:
    case error::unsupported_version:
    case error::missing_header:
    case error::unknown_event_id:
      return -32600;
  }
  return -32603;
}

unsigned http_status(error e) noexcept {
  switch (e) {
    case error::line_too_long:
      return 413;
    default:
      return 400;
  }
}

}  // namespace mcp
