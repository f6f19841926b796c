#include "gateway/session_record.hpp"

#include <algorithm>
#include <optional>

#include "gateway/error.hpp"

namespace gateway {
namespace {

bool visible_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

bool fits(std::string_view s, std::size_t max, bool may_be_empty) {
  return s.size() <= max && (may_be_empty || !s.empty()) && visible_ascii(s);
}

// The rules both directions enforce, so parse_record accepts exactly what encode_record writes.
bool valid(const session_record& r) {
  using L = record_limits;
  if (!fits(r.protocol_revision, L::max_protocol_revision, false) || r.issued_at > r.expires_at ||
      r.members.size() > L::max_members) {
    return false;
  }
  for (std::size_t i = 0; i < r.members.size(); ++i) {
    const auto& m = r.members[i];
    if (!fits(m.member, L::max_member, false) || !fits(m.pod, L::max_pod, false) ||
        !fits(m.upstream_session_id, L::max_upstream_session_id, true)) {
      return false;
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (r.members[j].member == m.member) {
        return false;
      }
    }
  }
  return true;
}

void put_uint(std::string& out, std::uint64_t v, int bytes) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

void put_string(std::string& out, std::string_view s, int length_bytes) {
  put_uint(out, s.size(), length_bytes);
  out.append(s);
}

// Reads forward through the input; every read is checked against what is left.
class reader {
 public:
  explicit reader(std::string_view in) : in_(in) {}

  std::optional<std::uint64_t> uint(int bytes) {
    auto raw = take(static_cast<std::size_t>(bytes));
    if (!raw) {
      return std::nullopt;
    }
    std::uint64_t v = 0;
    for (char c : *raw) {
      v = (v << 8) | static_cast<unsigned char>(c);
    }
    return v;
  }

  std::optional<std::string> string(int length_bytes, std::size_t max) {
    auto n = uint(length_bytes);
    if (!n || *n > max) {
      return std::nullopt;
    }
    auto s = take(static_cast<std::size_t>(*n));
    return s ? std::optional<std::string>(*s) : std::nullopt;
  }

  [[nodiscard]] bool done() const { return in_.empty(); }

 private:
  std::optional<std::string_view> take(std::size_t n) {
    if (n > in_.size()) {
      return std::nullopt;
    }
    auto s = in_.substr(0, n);
    in_.remove_prefix(n);
    return s;
  }

  std::string_view in_;
};

}  // namespace

boost::system::result<std::string> encode_record(const session_record& r) {
  if (r.version != session_record_version) {
    return error::unsupported_version;
  }
  if (!valid(r)) {
    return error::invalid_record;
  }
  std::string out;
  put_uint(out, r.version, 1);
  put_string(out, r.protocol_revision, 1);
  put_uint(out, static_cast<std::uint64_t>(r.issued_at), 8);
  put_uint(out, static_cast<std::uint64_t>(r.expires_at), 8);
  put_uint(out, r.members.size(), 1);
  for (const auto& m : r.members) {
    put_string(out, m.member, 1);
    put_string(out, m.pod, 1);
    put_string(out, m.upstream_session_id, 2);
  }
  if (out.size() > record_limits::max_bytes) {
    return error::invalid_record;
  }
  return out;
}

boost::system::result<session_record> parse_record(std::string_view bytes) {
  using L = record_limits;
  if (bytes.size() > L::max_bytes) {
    return error::malformed;
  }
  reader in(bytes);
  session_record r;
  auto version = in.uint(1);
  if (!version) {
    return error::malformed;
  }
  if (*version != session_record_version) {
    return error::unsupported_version;
  }
  r.version = static_cast<std::uint8_t>(*version);
  auto revision = in.string(1, L::max_protocol_revision);
  auto issued = in.uint(8);
  auto expires = in.uint(8);
  auto count = in.uint(1);
  if (!revision || !issued || !expires || !count || *count > L::max_members) {
    return error::malformed;
  }
  r.protocol_revision = std::move(*revision);
  r.issued_at = static_cast<std::int64_t>(*issued);
  r.expires_at = static_cast<std::int64_t>(*expires);
  r.members.reserve(static_cast<std::size_t>(*count));
  for (std::uint64_t i = 0; i < *count; ++i) {
    auto member = in.string(1, L::max_member);
    auto pod = member ? in.string(1, L::max_pod) : std::nullopt;
    auto upstream = pod ? in.string(2, L::max_upstream_session_id) : std::nullopt;
    if (!upstream) {
      return error::malformed;
    }
    r.members.push_back({std::move(*member), std::move(*pod), std::move(*upstream)});
  }
  if (!in.done() || !valid(r)) {
    return error::malformed;
  }
  return r;
}

}  // namespace gateway
