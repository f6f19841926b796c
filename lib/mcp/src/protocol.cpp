#include "mcp/protocol.hpp"

#include "mcp/error.hpp"

namespace mcp {
namespace json = boost::json;

std::optional<revision> parse_revision(std::string_view text) {
  for (auto r : all_revisions) {
    if (to_string(r) == text) {
      return r;
    }
  }
  return std::nullopt;
}

std::string_view to_string(revision r) {
  switch (r) {
    case revision::v2024_11_05:
      return "2024-11-05";
    case revision::v2025_03_26:
      return "2025-03-26";
    case revision::v2025_06_18:
      return "2025-06-18";
    case revision::v2025_11_25:
      return "2025-11-25";
    case revision::v2026_07_28:
      return "2026-07-28";
  }
  return "";
}

transport_kind transport_of(revision r) {
  switch (r) {
    case revision::v2024_11_05:
      return transport_kind::http_sse;
    case revision::v2026_07_28:
      return transport_kind::stateless_http;
    default:
      return transport_kind::streamable_http;
  }
}

// Batches arrived in 2025-03-26 and were removed again in 2025-06-18.
bool allows_batches(revision r) {
  return r == revision::v2025_03_26;
}

bool has_sessions(revision r) {
  return r != revision::v2026_07_28;
}

boost::system::result<revision> request_revision(std::optional<std::string_view> header,
                                                 std::optional<revision> negotiated) {
  if (!header) {
    return negotiated.value_or(default_http_revision);
  }
  auto r = parse_revision(*header);
  if (!r) {
    return error::unsupported_version;
  }
  if (negotiated && *negotiated != *r) {
    return error::version_mismatch;
  }
  return *r;
}

std::optional<std::string_view> expected_mcp_name(const message& m) {
  const std::string_view method = m.method();
  std::string_view key;
  if (method == "tools/call" || method == "prompts/get") {
    key = "name";
  } else if (method == "resources/read") {
    key = "uri";
  } else {
    return std::nullopt;
  }
  const auto* params = m.body.if_contains("params");
  const auto* obj = params ? params->if_object() : nullptr;
  const auto* v = obj ? obj->if_contains(key) : nullptr;
  if (!v || !v->is_string()) {
    return std::string_view();  // required but absent from the body: only "" can match
  }
  return std::string_view(v->get_string());
}

namespace {

std::optional<std::string_view> meta_version(const message& m) {
  const auto* params = m.body.if_contains("params");
  const auto* p = params ? params->if_object() : nullptr;
  const auto* meta = p ? p->if_contains("_meta") : nullptr;
  const auto* mo = meta ? meta->if_object() : nullptr;
  const auto* v = mo ? mo->if_contains(meta_protocol_version) : nullptr;
  if (!v || !v->is_string()) {
    return std::nullopt;
  }
  return std::string_view(v->get_string());
}

}  // namespace

boost::system::result<void> check_stateless(const stateless_headers& h, const message& m) {
  if (!h.protocol_version) {
    return error::missing_header;
  }
  if (!parse_revision(*h.protocol_version)) {
    return error::unsupported_version;
  }
  if (auto body_version = meta_version(m); body_version && *body_version != *h.protocol_version) {
    return error::header_mismatch;
  }
  if (m.is_response()) {
    return {};
  }
  if (!h.method) {
    return m.is_request() ? boost::system::result<void>(error::missing_header) : boost::system::result<void>();
  }
  if (*h.method != m.method()) {
    return error::header_mismatch;
  }
  if (auto name = expected_mcp_name(m)) {
    if (!h.name) {
      return error::missing_header;
    }
    if (*h.name != *name) {
      return error::header_mismatch;
    }
  }
  return {};
}

std::optional<revision> negotiated_revision(const message& initialize_result) {
  const auto* result = initialize_result.body.if_contains("result");
  const auto* obj = result ? result->if_object() : nullptr;
  const auto* v = obj ? obj->if_contains("protocolVersion") : nullptr;
  if (!v || !v->is_string()) {
    return std::nullopt;
  }
  return parse_revision(v->get_string());
}

}  // namespace mcp
