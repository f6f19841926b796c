#include "kube/core/error.hpp"

#include <boost/json/parse.hpp>
#include <boost/throw_exception.hpp>

namespace kube {

std::string_view to_string(error_kind kind) {
  switch (kind) {
    case error_kind::bad_request:
      return "BadRequest";
    case error_kind::unauthorized:
      return "Unauthorized";
    case error_kind::forbidden:
      return "Forbidden";
    case error_kind::not_found:
      return "NotFound";
    case error_kind::method_not_allowed:
      return "MethodNotAllowed";
    case error_kind::already_exists:
      return "AlreadyExists";
    case error_kind::conflict:
      return "Conflict";
    case error_kind::gone:
      return "Gone";
    case error_kind::invalid:
      return "Invalid";
    case error_kind::too_many_requests:
      return "TooManyRequests";
    case error_kind::timeout:
      return "Timeout";
    case error_kind::internal_error:
      return "InternalError";
    case error_kind::service_unavailable:
      return "ServiceUnavailable";
    case error_kind::unknown_status:
      return "Unknown";
    case error_kind::transport:
      return "Transport";
    case error_kind::decode:
      return "Decode";
    case error_kind::config:
      return "Config";
  }
  return "Unknown";
}

namespace {

std::string string_at(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v && v->is_string()) {
    return std::string(v->get_string());
  }
  return {};
}

std::optional<error_kind> kind_from_reason(std::string_view reason) {
  if (reason == "NotFound")
    return error_kind::not_found;
  if (reason == "AlreadyExists")
    return error_kind::already_exists;
  if (reason == "Conflict")
    return error_kind::conflict;
  if (reason == "Gone" || reason == "Expired")
    return error_kind::gone;
  if (reason == "Invalid")
    return error_kind::invalid;
  if (reason == "Forbidden")
    return error_kind::forbidden;
  if (reason == "Unauthorized")
    return error_kind::unauthorized;
  if (reason == "TooManyRequests")
    return error_kind::too_many_requests;
  if (reason == "Timeout" || reason == "ServerTimeout")
    return error_kind::timeout;
  if (reason == "BadRequest")
    return error_kind::bad_request;
  if (reason == "MethodNotAllowed")
    return error_kind::method_not_allowed;
  if (reason == "InternalError")
    return error_kind::internal_error;
  if (reason == "ServiceUnavailable")
    return error_kind::service_unavailable;
  return std::nullopt;
}

error_kind kind_from_code(int code) {
  switch (code) {
    case 400:
      return error_kind::bad_request;
    case 401:
      return error_kind::unauthorized;
    case 403:
      return error_kind::forbidden;
    case 404:
      return error_kind::not_found;
    case 405:
      return error_kind::method_not_allowed;
    case 409:
      return error_kind::conflict;
    case 410:
      return error_kind::gone;
    case 422:
      return error_kind::invalid;
    case 429:
      return error_kind::too_many_requests;
    case 500:
      return error_kind::internal_error;
    case 503:
      return error_kind::service_unavailable;
    case 504:
      return error_kind::timeout;
    default:
      return error_kind::unknown_status;
  }
}

}  // namespace

std::optional<api_status> parse_status(const boost::json::value& v) {
  const auto* o = v.if_object();
  if (!o || string_at(*o, "kind") != "Status") {
    return std::nullopt;
  }
  api_status s;
  s.status = string_at(*o, "status");
  s.message = string_at(*o, "message");
  s.reason = string_at(*o, "reason");
  if (const auto* c = o->if_contains("code"); c && c->is_int64()) {
    s.code = static_cast<int>(c->get_int64());
  }
  if (const auto* d = o->if_contains("details"); d && d->is_object()) {
    if (const auto* causes = d->get_object().if_contains("causes"); causes && causes->is_array()) {
      for (const auto& c : causes->get_array()) {
        if (const auto* co = c.if_object()) {
          s.causes.push_back({string_at(*co, "reason"), string_at(*co, "message"), string_at(*co, "field")});
        }
      }
    }
    if (const auto* ra = d->get_object().if_contains("retryAfterSeconds"); ra && ra->is_int64()) {
      s.retry_after_seconds = static_cast<int>(ra->get_int64());
    }
  }
  return s;
}

error error_from_status(const api_status& status) {
  error e;
  e.http_status = status.code;
  auto by_reason = kind_from_reason(status.reason);
  e.kind = by_reason ? *by_reason : kind_from_code(status.code);
  e.message = status.message;
  if (status.retry_after_seconds) {
    e.retry_after = std::chrono::seconds(*status.retry_after_seconds);
  }
  e.status = status;
  return e;
}

error error_from_response(int http_status, std::string_view body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (!ec) {
    if (auto s = parse_status(v)) {
      if (s->code == 0) {
        s->code = http_status;
      }
      auto e = error_from_status(*s);
      e.http_status = http_status;
      return e;
    }
  }
  error e;
  e.http_status = http_status;
  e.kind = kind_from_code(http_status);
  // Not a Status (a proxy's HTML page, say): keep a bounded prefix for the log.
  e.message = std::string(body.substr(0, 256));
  return e;
}

error transport_error(boost::system::error_code ec, std::string message) {
  error e;
  e.kind = error_kind::transport;
  e.ec = ec;
  e.message = std::move(message);
  return e;
}

error make_error(error_kind kind, std::string message) {
  error e;
  e.kind = kind;
  e.message = std::move(message);
  return e;
}

std::string error::describe() const {
  std::string out(to_string(kind));
  if (http_status != 0) {
    out += " (" + std::to_string(http_status) + ")";
  }
  if (!message.empty()) {
    out += ": " + message;
  }
  if (ec) {
    out += " [" + ec.message() + "]";
  }
  return out;
}

void throw_exception_from_error(const error& e, const boost::source_location& loc) {
  boost::throw_with_location(exception(e), loc);
}

}  // namespace kube
