#include "mcp/sse.hpp"

#include <charconv>

namespace mcp::sse {

std::string encode(std::string_view data, std::string_view id, std::string_view event) {
  std::string out;
  out.reserve(data.size() + id.size() + event.size() + 32);
  if (!id.empty()) {
    out.append("id: ").append(id).push_back('\n');
  }
  if (!event.empty()) {
    out.append("event: ").append(event).push_back('\n');
  }
  // Any of CR, LF, CRLF ends a line for the reader, so each becomes its own data line.
  std::size_t start = 0;
  for (std::size_t i = 0; i <= data.size(); ++i) {
    if (i == data.size() || data[i] == '\n' || data[i] == '\r') {
      out.append("data: ").append(data.substr(start, i - start)).push_back('\n');
      if (i + 1 < data.size() && data[i] == '\r' && data[i + 1] == '\n') {
        ++i;
      }
      start = i + 1;
    }
  }
  out.push_back('\n');
  return out;
}

std::string encode_comment(std::string_view text) {
  return std::string(": ").append(text).append("\n\n");
}

std::string encode_priming(std::string_view id, std::optional<unsigned> retry_ms) {
  std::string out;
  out.append("id: ").append(id).push_back('\n');
  if (retry_ms) {
    out.append("retry: ").append(std::to_string(*retry_ms)).push_back('\n');
  }
  out.append("data: \n\n");
  return out;
}

void parser::feed(std::string_view bytes) {
  for (char c : bytes) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (c == '\n') {
        continue;
      }
    }
    if (c == '\r' || c == '\n') {
      skip_lf_ = (c == '\r');
      if (!line_cut_) {
        line(buf_);  // a cut line's field is never applied: a prefix of an id is not the id
      }
      line_cut_ = false;
      buf_.clear();
      continue;
    }
    if (buf_.size() + data_.size() >= max_event_) {
      too_big_ = true;  // keep scanning for the event's end, but stop storing
      line_cut_ = true;
      continue;
    }
    buf_.push_back(c);
  }
}

void parser::line(std::string_view l) {
  if (l.empty()) {
    dispatch();
    return;
  }
  if (l.front() == ':') {
    return;
  }
  const auto colon = l.find(':');
  std::string_view field = l.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = l.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
  }
  if (field == "data") {
    if (has_data_) {
      data_.push_back('\n');
    }
    data_.append(value);
    has_data_ = true;
  } else if (field == "event") {
    type_.assign(value);
  } else if (field == "id") {
    if (value.size() > max_id_) {
      ++ids_ignored_;
    } else if (value.find('\0') == std::string_view::npos) {
      last_id_.assign(value);
    }
  } else if (field == "retry") {
    unsigned ms = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
    if (ec == std::errc() && p == value.data() + value.size() && !value.empty()) {
      retry_ = ms;
    }
  }
}

void parser::dispatch() {
  if (too_big_) {
    ++dropped_;
  } else if (has_data_ && !data_.empty() && ready_.size() >= max_queued_) {
    ++overflowed_;
  } else if (has_data_ && !data_.empty()) {  // WHATWG: an empty data buffer dispatches nothing
    ready_.push_back(event{last_id_, type_.empty() ? std::string("message") : type_, std::move(data_)});
  }
  too_big_ = false;
  has_data_ = false;
  data_.clear();
  type_.clear();
}

bool parser::next(event& out) {
  if (ready_.empty()) {
    return false;
  }
  out = std::move(ready_.front());
  ready_.pop_front();
  return true;
}

}  // namespace mcp::sse
