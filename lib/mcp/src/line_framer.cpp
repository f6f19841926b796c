#include "mcp/line_framer.hpp"

#include <algorithm>

namespace mcp {

void line_framer::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto nl = bytes.find('\n');
    const auto piece = bytes.substr(0, nl);
    if (!discarding_) {
      if (partial_.size() + piece.size() > max_line_ + 1) {  // +1: a CR that will be stripped
        discarding_ = true;
        partial_.clear();
        partial_.shrink_to_fit();
        ready_.push_back(frame{frame::kind::oversize, {}});
      } else {
        partial_.append(piece);
      }
    }
    if (nl == std::string_view::npos) {
      return;
    }
    finish_line();
    bytes.remove_prefix(nl + 1);
  }
}

void line_framer::finish_line() {
  if (discarding_) {
    discarding_ = false;
    return;
  }
  if (!partial_.empty() && partial_.back() == '\r') {
    partial_.pop_back();
  }
  if (partial_.size() > max_line_) {
    ready_.push_back(frame{frame::kind::oversize, {}});
  } else if (std::any_of(partial_.begin(), partial_.end(), [](char c) { return c != ' ' && c != '\t'; })) {
    ready_.push_back(frame{frame::kind::line, std::move(partial_)});
  }
  partial_.clear();
}

bool line_framer::next(frame& out) {
  if (ready_.empty()) {
    return false;
  }
  out = std::move(ready_.front());
  ready_.pop_front();
  return true;
}

}  // namespace mcp
