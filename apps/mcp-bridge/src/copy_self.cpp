#include "copy_self.hpp"

#include <filesystem>
#include <system_error>

namespace bridge {

std::string install_executable(const std::string& source, const std::string& destination) {
  namespace fs = std::filesystem;
  const fs::path dst(destination);
  if (dst.filename().empty()) {
    return "--copy-to needs a file name, not a directory: " + destination;
  }
  const fs::path tmp = dst.parent_path() / ("." + dst.filename().string() + ".tmp");
  std::error_code ec;
  fs::copy_file(source, tmp, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    return "cannot copy " + source + " to " + tmp.string() + ": " + ec.message();
  }
  fs::permissions(tmp,
                  fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                      fs::perms::others_exec,
                  ec);
  if (!ec) {
    fs::rename(tmp, dst, ec);
  }
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return "cannot install " + destination + ": " + ec.message();
  }
  return {};
}

}  // namespace bridge
