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
      case error::unsupported_version:
        return "unsupported session token version";
      case error::invalid_record:
        return "session record outside its bounds";
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

}  // namespace gateway
