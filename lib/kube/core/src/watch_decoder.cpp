#include "kube/core/watch_decoder.hpp"

namespace kube {

std::string_view to_string(watch_event_type t) {
  switch (t) {
    case watch_event_type::added:
      return "ADDED";
    case watch_event_type::modified:
      return "MODIFIED";
    case watch_event_type::deleted:
      return "DELETED";
    case watch_event_type::bookmark:
      return "BOOKMARK";
    case watch_event_type::error:
      return "ERROR";
  }
  return "ERROR";
}

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

}  // namespace

watch_decoder::watch_decoder(std::size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {}

result<void> watch_decoder::fail(std::string why) {
  failed_ = true;
  failure_ = why;
  parser_.reset();
  return make_error(error_kind::decode, "watch stream: " + std::move(why));
}

result<void> watch_decoder::feed(std::string_view bytes, std::vector<watch_event>& out) {
  if (failed_) {
    return make_error(error_kind::decode, "watch stream: " + failure_);
  }
  while (!bytes.empty()) {
    if (!in_value_) {
      // Skip separators ourselves: the parser would count them as the start of a value,
      // and a stream that ends after a newline has not ended mid-event.
      std::size_t i = 0;
      while (i < bytes.size() && is_space(bytes[i])) {
        ++i;
      }
      bytes.remove_prefix(i);
      if (bytes.empty()) {
        break;
      }
      in_value_ = true;
      event_bytes_ = 0;
    }
    boost::system::error_code ec;
    // write_some stops at the end of the first complete value and leaves the rest to us.
    std::size_t n = parser_.write_some(bytes.data(), bytes.size(), ec);
    if (ec) {
      return fail("malformed JSON: " + ec.message());
    }
    event_bytes_ += n;
    if (event_bytes_ > max_event_bytes_) {
      return fail("event larger than " + std::to_string(max_event_bytes_) + " bytes");
    }
    bytes.remove_prefix(n);
    if (parser_.done()) {
      auto v = parser_.release();
      parser_.reset();
      in_value_ = false;
      if (auto r = emit(std::move(v), out); !r) {
        return r;
      }
    }
  }
  return {};
}

result<void> watch_decoder::emit(boost::json::value v, std::vector<watch_event>& out) {
  auto* o = v.if_object();
  if (!o) {
    return fail("event is not a JSON object");
  }
  const auto* type = o->if_contains("type");
  auto* obj = o->if_contains("object");
  if (!type || !type->is_string() || !obj || !obj->is_object()) {
    return fail("event lacks a string 'type' or an object 'object'");
  }
  std::string_view t = type->get_string();
  watch_event ev;
  if (t == "ADDED") {
    ev.type = watch_event_type::added;
  } else if (t == "MODIFIED") {
    ev.type = watch_event_type::modified;
  } else if (t == "DELETED") {
    ev.type = watch_event_type::deleted;
  } else if (t == "BOOKMARK") {
    ev.type = watch_event_type::bookmark;
  } else if (t == "ERROR") {
    ev.type = watch_event_type::error;
  } else {
    return fail("unknown event type '" + std::string(t.substr(0, 32)) + "'");
  }
  ev.obj = std::move(obj->get_object());
  out.push_back(std::move(ev));
  return {};
}

result<void> watch_decoder::finish() const {
  if (failed_) {
    return make_error(error_kind::decode, "watch stream: " + failure_);
  }
  if (in_value_) {
    return make_error(error_kind::decode, "watch stream ended inside an event");
  }
  return {};
}

}  // namespace kube
