#include "mcp/line_framer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

std::vector<mcp::frame> drain(mcp::line_framer& f) {
  std::vector<mcp::frame> out;
  mcp::frame fr;
  while (f.next(fr)) {
    out.push_back(fr);
  }
  return out;
}

TEST(line_framer, yields_the_same_lines_however_the_bytes_are_split) {
  const std::string input = "{\"a\":1}\n{\"b\":2}\r\n\n  \n{\"c\":3}\n";
  for (std::size_t split = 0; split <= input.size(); ++split) {
    mcp::line_framer f(64);
    f.feed(input.substr(0, split));
    f.feed(input.substr(split));
    auto frames = drain(f);
    ASSERT_EQ(frames.size(), 3u) << "split at " << split;
    EXPECT_EQ(frames[0].text, "{\"a\":1}");
    EXPECT_EQ(frames[1].text, "{\"b\":2}");
    EXPECT_EQ(frames[2].text, "{\"c\":3}");
  }
}

TEST(line_framer, byte_by_byte_feeding_works) {
  mcp::line_framer f(64);
  for (char c : std::string("abc\ndef\n")) {
    f.feed(std::string_view(&c, 1));
  }
  auto frames = drain(f);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[1].text, "def");
}

TEST(line_framer, drops_an_oversize_line_once_and_resumes_at_the_next_newline) {
  mcp::line_framer f(8);
  f.feed("0123456789");
  f.feed("abcdef");
  EXPECT_EQ(f.pending(), 0u);  // memory stays bounded while discarding
  f.feed("ghi\nok\n");
  auto frames = drain(f);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].type, mcp::frame::kind::oversize);
  EXPECT_EQ(frames[1].type, mcp::frame::kind::line);
  EXPECT_EQ(frames[1].text, "ok");
}

TEST(line_framer, a_line_of_exactly_the_limit_passes_even_with_crlf) {
  mcp::line_framer f(4);
  f.feed("abcd\r\nabcde\n");
  auto frames = drain(f);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].text, "abcd");
  EXPECT_EQ(frames[1].type, mcp::frame::kind::oversize);
}

TEST(line_framer, keeps_an_unterminated_tail_pending) {
  mcp::line_framer f(64);
  f.feed("{\"x\":1}\n{\"y\"");
  EXPECT_EQ(drain(f).size(), 1u);
  EXPECT_EQ(f.pending(), 4u);
}

}  // namespace
