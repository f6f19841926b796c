// Splits a child's stdout into newline-delimited JSON-RPC messages (the MCP stdio
// transport). Sans-I/O: feed() whatever bytes a read returned, then drain next().
// Guarantees: memory is bounded by max_line plus the size of one fed chunk; a line longer
// than max_line is dropped whole (reported once as `oversize`) and framing resumes at the
// next newline, so one bad message never desynchronises the stream. A trailing "\r" is
// stripped (some servers print CRLF); blank lines are skipped.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

namespace mcp {

struct frame {
  enum class kind { line, oversize };
  kind type = kind::line;
  std::string text;  // the line without its terminator; empty for oversize
};

class line_framer {
 public:
  explicit line_framer(std::size_t max_line) : max_line_(max_line) {}

  void feed(std::string_view bytes);

  // Returns false when no complete frame is buffered.
  bool next(frame& out);

  // Bytes of an incomplete line held back; a child that exits mid-line leaves them here.
  [[nodiscard]] std::size_t pending() const { return partial_.size(); }

 private:
  void finish_line();

  std::size_t max_line_;
  std::string partial_;
  bool discarding_ = false;
  std::deque<frame> ready_;
};

}  // namespace mcp
