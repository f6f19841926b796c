// Decodes the body of a watch response: a sequence of JSON objects
// {"type": "ADDED|MODIFIED|DELETED|BOOKMARK|ERROR", "object": {...}}, separated by newlines
// in practice but by nothing in principle. Sans-I/O: feed whatever bytes arrived, in any
// split; complete events come out as soon as their closing brace is seen. Nothing but the
// event being parsed is buffered, and one event is capped (max_event_bytes) so a broken or
// hostile stream cannot grow memory without bound. After an error the decoder stays failed.
#pragma once

#include <boost/json/stream_parser.hpp>

#include <cstddef>
#include <string_view>
#include <vector>

#include "kube/core/error.hpp"
#include "kube/core/object.hpp"

namespace kube {

enum class watch_event_type { added, modified, deleted, bookmark, error };
std::string_view to_string(watch_event_type t);

struct watch_event {
  watch_event_type type = watch_event_type::added;
  object obj;  // for `error`: the metav1.Status
};

class watch_decoder {
 public:
  static constexpr std::size_t default_max_event_bytes = 32u << 20;

  explicit watch_decoder(std::size_t max_event_bytes = default_max_event_bytes);

  // Appends every event completed by `bytes` to `out`. A decode error is final.
  result<void> feed(std::string_view bytes, std::vector<watch_event>& out);
  // The stream ended: an error when it ended inside an event.
  [[nodiscard]] result<void> finish() const;
  [[nodiscard]] bool mid_event() const { return in_value_; }

 private:
  result<void> fail(std::string why);
  result<void> emit(boost::json::value v, std::vector<watch_event>& out);

  boost::json::stream_parser parser_;
  std::size_t max_event_bytes_;
  std::size_t event_bytes_ = 0;
  bool in_value_ = false;
  bool failed_ = false;
  std::string failure_;
};

}  // namespace kube
