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

const json::object* meta_of(const message& m) {
  const auto* params = m.body.if_contains("params");
  const auto* p = params ? params->if_object() : nullptr;
  const auto* meta = p ? p->if_contains("_meta") : nullptr;
  return meta ? meta->if_object() : nullptr;
}

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

std::string b64_encode(std::string_view in) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += {alphabet[v >> 18], alphabet[(v >> 12) & 63], alphabet[(v >> 6) & 63], alphabet[v & 63]};
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {alphabet[v >> 18], alphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {alphabet[v >> 18], alphabet[(v >> 12) & 63], alphabet[(v >> 6) & 63], '='};
  }
  return out;
}

// Structural UTF-8 check (lead byte and continuation bytes); enough to refuse binary junk.
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    if (c >= 0x80) {
      if ((c >> 5) == 6) {
        n = 1;
      } else if ((c >> 4) == 14) {
        n = 2;
      } else if ((c >> 3) == 30) {
        n = 3;
      } else {
        return false;
      }
    }
    if (i + n >= s.size() && n > 0) {
      return false;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) {
        return false;
      }
    }
    i += n + 1;
  }
  return true;
}

}  // namespace

std::optional<std::string> decode_header_value(std::string_view value) {
  constexpr std::string_view prefix = "=?base64?";
  constexpr std::string_view suffix = "?=";
  if (value.size() < prefix.size() + suffix.size() || value.substr(0, prefix.size()) != prefix ||
      value.substr(value.size() - suffix.size()) != suffix) {
    return std::string(value);
  }
  const std::string_view payload = value.substr(prefix.size(), value.size() - prefix.size() - suffix.size());
  if (payload.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  std::size_t pad = 0;
  for (char c : payload) {
    if (c == '=') {
      ++pad;
      continue;
    }
    const int v = b64_value(c);
    if (v < 0 || pad > 0) {
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // Canonical form only: re-encoding must give the payload back (no stray trailing bits).
  if (pad > 2 || b64_encode(out) != payload || !valid_utf8(out)) {
    return std::nullopt;
  }
  return out;
}

boost::system::result<void> check_stateless(const stateless_headers& h, const message& m) {
  const auto* meta = meta_of(m);
  if (!meta || !meta->contains(meta_protocol_version) || !meta->contains(meta_client_capabilities)) {
    return error::missing_envelope;
  }
  const auto& version = meta->at(meta_protocol_version);
  // A disagreeing client is told so before being told its version is unsupported.
  if (!h.protocol_version || !version.is_string() || version.get_string() != *h.protocol_version) {
    return error::header_mismatch;
  }
  if (!h.method || *h.method != m.method()) {
    return error::header_mismatch;
  }
  if (auto expected = expected_mcp_name(m); expected && !expected->empty()) {
    auto given = h.name ? decode_header_value(*h.name) : std::nullopt;
    if (!given || *given != *expected) {
      return error::header_mismatch;
    }
  }
  auto r = parse_revision(version.get_string());
  if (!r || transport_of(*r) != transport_kind::stateless_http) {
    return error::unsupported_modern_version;
  }
  return {};
}

void to_stateless_result(std::string_view method, json::object& response) {
  auto* result = response.if_contains("result");
  auto* obj = result ? result->if_object() : nullptr;
  if (!obj) {
    return;
  }
  if (!obj->contains("resultType")) {
    (*obj)["resultType"] = "complete";
  }
  const bool cacheable = method == "tools/list" || method == "prompts/list" || method == "resources/list" ||
                         method == "resources/templates/list" || method == "resources/read" ||
                         method == "server/discover";
  if (cacheable) {
    if (!obj->contains("ttlMs")) {
      (*obj)["ttlMs"] = 0;
    }
    if (!obj->contains("cacheScope")) {
      (*obj)["cacheScope"] = "private";
    }
  }
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
