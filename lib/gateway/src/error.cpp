#include "gateway/error.hpp"

#include <string>

namespace gateway {
namespace {

// boost::system::error_category deliberately has a non-virtual destructor (categories are
// never deleted through a base pointer; ours is a function-local static).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class category final : public boost::system::error_category {  // NOLINT(cppcoreguidelines-virtual-class-destructor)
 public:
  const char* name() const noexcept override { return "gateway"; }

  std::string message(int ev) const override {
    switch (static_cast<error>(ev)) {
      case error::malformed:
        return "malformed session token";
      case error::unknown_key:
        return "session token sealed with an unknown key";
      case error::tampered:
        return "session token failed authentication";
      case error::expired:
        return "session token expired";
      case error::unsupported_version:
        return "unsupported session token version";
      case error::invalid_record:
        return "session record outside its bounds";
      case error::crypto_failure:
        return "crypto library failure";
      case error::bad_key_entry:
        return "keyring entry is neither `current` nor k<N>";
      case error::bad_key_length:
        return "keyring key is not 32 bytes";
      case error::missing_current:
        return "keyring has no valid `current` entry";
      case error::unknown_current:
        return "keyring `current` names a key it does not hold";
      case error::too_many_keys:
        return "keyring holds too many keys";
      case error::duplicate_key_id:
        return "keyring holds two keys with one id";
      case error::invalid_cursor:
        return "invalid cursor";
      case error::stale_cursor:
        return "the list has changed since this cursor was issued; list again from the start";
    }
    return "unknown gateway error";
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& error_category() noexcept {
  static const category instance;
  return instance;
}

int jsonrpc_code(error /*e*/) noexcept {
  return -32602;  // invalid params: MCP's answer to an invalid cursor
}

}  // namespace gateway
