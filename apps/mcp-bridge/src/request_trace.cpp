#include "request_trace.hpp"

#include <boost/json/object.hpp>

#include "log.hpp"
#include "session.hpp"

namespace bridge {

namespace {

namespace json = boost::json;

std::optional<std::string_view> header_of(const request& req, std::string_view name) {
  auto it = req.find(name);
  if (it == req.end()) {
    return std::nullopt;
  }
  return std::string_view(it->value());
}

const json::object* meta_of(const mcp::message& m) {
  const auto* params = m.body.if_contains("params");
  const auto* meta = params && params->is_object() ? params->as_object().if_contains("_meta") : nullptr;
  return meta && meta->is_object() ? &meta->as_object() : nullptr;
}

std::optional<std::string_view> string_at(const json::object* o, std::string_view key) {
  const auto* v = o ? o->if_contains(key) : nullptr;
  if (v && v->is_string()) {
    return std::string_view(v->get_string());
  }
  return std::nullopt;
}

// What a request is about, for the span name and attributes: a tool's or prompt's name.
std::optional<std::string_view> target_of(const mcp::message& m) {
  const auto method = m.method();
  if (method != "tools/call" && method != "prompts/get") {
    return std::nullopt;
  }
  const auto* params = m.body.if_contains("params");
  return string_at(params && params->is_object() ? &params->as_object() : nullptr, "name");
}

}  // namespace

void tracing::finish(trace::span s) const {
  s.end_unix_nano = trace::now_unix_nano();
  if (s.context.sampled() && sink) {
    sink(std::move(s));
  }
}

std::string_view answer_error(const mcp::message& answer) {
  if (answer.kind == mcp::message_kind::error_response) {
    return "jsonrpc_error";
  }
  const auto* result = answer.body.if_contains("result");
  const auto* is_error = result && result->is_object() ? result->as_object().if_contains("isError") : nullptr;
  if (is_error && is_error->is_bool() && is_error->get_bool()) {
    return "tool_error";
  }
  return {};
}

bool inject_meta(mcp::message& msg, const trace::span_context& ctx, std::string_view tracestate) {
  auto& params = msg.body["params"];
  if (params.is_null()) {
    params = json::object{};
  }
  if (!params.is_object()) {
    return false;
  }
  auto& meta = params.as_object()["_meta"];
  if (!meta.is_object()) {
    meta = json::object{};
  }
  auto& m = meta.as_object();
  m["traceparent"] = trace::format_traceparent(ctx);
  if (!tracestate.empty()) {
    m["tracestate"] = tracestate;
  } else {
    m.erase("tracestate");  // it belonged to the client's parent, not ours
  }
  return true;
}

request_trace::request_trace(tracing* t, const request& req) {
  if (t == nullptr || !t->enabled()) {
    return;  // tracing off: nothing else is done for this request
  }
  t_ = t;
  start_ = trace::now_unix_nano();
  request_size_ = req.body().size();
  if (auto tp = header_of(req, "traceparent")) {
    header_parent_ = trace::parse_traceparent(*tp);
    if (auto ts = header_parent_ ? header_of(req, "tracestate") : std::nullopt) {
      if (auto ok = trace::valid_tracestate(*ts)) {
        tracestate_ = std::string(*ok);
      }
    }
  }
}

void request_trace::begin(const std::vector<mcp::message>& messages) {
  if (!t_ || span_ || messages.empty()) {
    return;
  }
  const auto& first = messages.front();
  auto parent = header_parent_;
  if (!parent) {
    // No (valid) header: the trace context the client put in the first request's _meta.
    const auto* meta = meta_of(first);
    if (auto tp = string_at(meta, "traceparent")) {
      parent = trace::parse_traceparent(*tp);
      if (auto ts = parent ? string_at(meta, "tracestate") : std::nullopt) {
        if (auto ok = trace::valid_tracestate(*ts)) {
          tracestate_ = std::string(*ok);
        }
      }
    }
  }
  span_ = t_->tracer.start(parent, trace::span_kind::server, start_);
  if (!trace::recording(span_)) {
    return;  // its context still reaches the session through parent(): flags 00 downstream
  }
  auto& s = *span_;
  const std::string method = first.is_response() ? "response" : std::string(first.method());
  const auto target = target_of(first);
  s.name = target ? method + " " + std::string(*target) : method;
  s.set("mcp.method.name", method);
  if (target) {
    s.set(first.method() == "tools/call" ? "gen_ai.tool.name" : "gen_ai.prompt.name", std::string(*target));
  }
  if (messages.size() > 1) {
    s.set("jsonrpc.batch.size", static_cast<std::int64_t>(messages.size()));
  }
  s.set("network.transport", std::string("tcp"));
  s.set("http.request.method", std::string("POST"));
  s.set("http.request.body.size", static_cast<std::int64_t>(request_size_));
  outcome_ = std::make_shared<std::string>();
}

std::optional<trace_parent> request_trace::parent() const {
  if (!span_) {
    return std::nullopt;
  }
  return trace_parent{span_->context, tracestate_, outcome_};
}

void request_trace::answered(unsigned status, std::optional<std::size_t> body_size) {
  status_ = status;
  response_size_ = body_size;
}

request_trace::~request_trace() {
  if (!trace::recording(span_)) {
    return;
  }
  auto& s = *span_;
  if (session_) {
    s.set("mcp.session.id", log::short_id(session_->id()));
    if (auto r = session_->revision()) {
      s.set("mcp.protocol.version", std::string(mcp::to_string(*r)));
    }
  }
  if (status_ != 0) {
    s.set("http.response.status_code", static_cast<std::int64_t>(status_));
  }
  if (response_size_) {
    s.set("http.response.body.size", static_cast<std::int64_t>(*response_size_));
  }
  std::string error_type;
  if (outcome_ && !outcome_->empty()) {
    error_type = *outcome_;
  } else if (status_ >= 400 || status_ == 0) {
    error_type = status_ == 0 ? "connection_closed" : std::to_string(status_);
  }
  if (!error_type.empty()) {
    s.set("error.type", error_type);
    s.error(error_type);
  }
  try {
    t_->finish(std::move(s));
  } catch (...) {  // NOLINT(bugprone-empty-catch): a span is never worth an exception
  }
}

}  // namespace bridge
