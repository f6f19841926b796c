#include "copy_self.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

namespace fs = std::filesystem;

struct temp_dir {
  fs::path path = fs::temp_directory_path() / ("copy_self_test_" + std::to_string(::getpid()) + "_" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  temp_dir() { fs::create_directories(path); }
  ~temp_dir() { fs::remove_all(path); }
};

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(bridge_copy_to, installs_an_identical_executable_and_replaces_an_old_copy) {
  temp_dir d;
  {
    std::ofstream(d.path / "src", std::ios::binary) << "\177ELF-new";
    std::ofstream(d.path / "mcp-bridge") << "old";
  }
  EXPECT_EQ(bridge::install_executable((d.path / "src").string(), (d.path / "mcp-bridge").string()), "");
  EXPECT_EQ(read(d.path / "mcp-bridge"), read(d.path / "src"));
  const auto perms = fs::status(d.path / "mcp-bridge").permissions();
  EXPECT_NE(perms & fs::perms::others_exec, fs::perms::none);
  EXPECT_NE(perms & fs::perms::owner_exec, fs::perms::none);
  EXPECT_EQ(std::distance(fs::directory_iterator(d.path), fs::directory_iterator{}), 2) << "no temporary file left";
}

TEST(bridge_copy_to, copies_the_running_binary) {
  temp_dir d;
  EXPECT_EQ(bridge::install_executable(bridge::self_executable, (d.path / "copy").string()), "");
  EXPECT_EQ(fs::file_size(d.path / "copy"), fs::file_size(fs::read_symlink(bridge::self_executable)));
}

TEST(bridge_copy_to, a_missing_directory_is_an_error_and_leaves_nothing_behind) {
  temp_dir d;
  const auto err = bridge::install_executable(bridge::self_executable, (d.path / "missing" / "mcp-bridge").string());
  EXPECT_NE(err.find("cannot copy"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(d.path / "missing"));
}

}  // namespace
