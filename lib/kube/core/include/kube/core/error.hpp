// The one error type of the Kubernetes libraries. An apiserver error keeps the parsed
// metav1.Status (reason, code, message, causes) and is classified the way apimachinery's
// errors.ReasonForError does: by the Status reason when the server gave one, else by the HTTP
// code. Transport failures (connect, TLS, deadline) carry the underlying error_code instead.
// Fallible functions return kube::result<T> = boost::system::result<T, kube::error>.
#pragma once

#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kube {

enum class error_kind {
  bad_request,
  unauthorized,
  forbidden,
  not_found,
  method_not_allowed,
  already_exists,
  conflict,
  gone,  // 410 Gone / Expired: the resourceVersion is too old; relist
  invalid,
  too_many_requests,
  timeout,  // server-side Timeout/ServerTimeout (504) or a client deadline
  internal_error,
  service_unavailable,
  unknown_status,  // another non-2xx HTTP status
  transport,       // connect, TLS, reset: no answer from the server
  decode,          // the server answered something we could not parse
  config,          // kubeconfig or in-cluster settings are unusable
};

std::string_view to_string(error_kind kind);

struct status_cause {
  std::string reason;
  std::string message;
  std::string field;
};

// metav1.Status as sent by the apiserver with an error.
struct api_status {
  std::string status;   // "Failure"
  std::string message;  // human-readable
  std::string reason;   // machine-readable: "NotFound", "AlreadyExists", "Conflict", ...
  int code = 0;         // HTTP status
  std::vector<status_cause> causes;
  std::optional<int> retry_after_seconds;  // details.retryAfterSeconds
};

// Parses a metav1.Status object; nullopt when `v` is not one (kind != Status).
std::optional<api_status> parse_status(const boost::json::value& v);

struct error {
  error_kind kind = error_kind::unknown_status;
  int http_status = 0;  // 0 when no HTTP answer arrived
  std::optional<api_status> status;
  boost::system::error_code ec;                     // transport cause, if any
  std::string message;                              // what went wrong, for logs; never contains credentials
  std::optional<std::chrono::seconds> retry_after;  // Retry-After header or details.retryAfterSeconds

  [[nodiscard]] bool is(error_kind k) const { return kind == k; }
  // One line for logs: "Conflict (409): Operation cannot be fulfilled ..."
  [[nodiscard]] std::string describe() const;
};

// Classifies a non-2xx answer; `body` is parsed as a Status when it is one.
error error_from_response(int http_status, std::string_view body);
// Classifies a Status that arrived inside a watch stream (type ERROR).
error error_from_status(const api_status& status);
error transport_error(boost::system::error_code ec, std::string message);
error make_error(error_kind kind, std::string message);

// boost::system::result<T, kube::error>::value() on an error throws kube::exception.
class exception : public std::exception {
 public:
  explicit exception(error e) : error_(std::move(e)), what_(error_.describe()) {}
  [[nodiscard]] const char* what() const noexcept override { return what_.c_str(); }
  [[nodiscard]] const kube::error& err() const { return error_; }

 private:
  kube::error error_;
  std::string what_;
};

[[noreturn]] void throw_exception_from_error(const error& e, const boost::source_location& loc);

template <class T>
using result = boost::system::result<T, error>;

}  // namespace kube
