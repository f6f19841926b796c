#include "gateway/catalog.hpp"

#include <boost/json/serializer.hpp>

#include <algorithm>
#include <charconv>
#include <set>

namespace gateway {
namespace json = boost::json;

namespace {

// FNV-1a, 64 bits: a list's identity in its cursors. Not a defence against a hostile member
// (a forged collision only gives a client wrong pages of lists it may read anyway).
constexpr std::uint64_t fnv_basis = 14695981039346656037ULL;
constexpr std::uint64_t fnv_prime = 1099511628211ULL;

std::uint64_t fnv(std::uint64_t h, std::string_view bytes) noexcept {
  for (const char c : bytes) {
    h = (h ^ static_cast<unsigned char>(c)) * fnv_prime;
  }
  return h;
}

std::uint64_t fnv(std::uint64_t h, std::uint64_t n) noexcept {
  for (int i = 0; i < 8; ++i) {
    h = (h ^ (n & 0xffU)) * fnv_prime;
    n >>= 8U;
  }
  return h;
}

// Digest of a list's serialized text, streamed through a small buffer (no copy of the text).
std::uint64_t digest(const json::array& list) {
  json::serializer sr;
  sr.reset(&list);
  std::array<char, 4096> buf{};
  std::uint64_t h = fnv_basis;
  while (!sr.done()) {
    h = fnv(h, sr.read(buf.data(), buf.size()));
  }
  return h;
}

// The member that identifies an entry of each kind.
std::string_view key_field(list_kind k) noexcept {
  switch (k) {
    case list_kind::tools:
    case list_kind::prompts:
      return "name";
    case list_kind::resources:
      return "uri";
    case list_kind::resource_templates:
      return "uriTemplate";
  }
  return "name";
}

// Tools and prompts are exposed under a (possibly) new name; resources keep their URI.
bool renamed(list_kind k) noexcept {
  return k == list_kind::tools || k == list_kind::prompts;
}

// Characters (UTF-8 code points), as MCP counts a name's length.
std::size_t characters(std::string_view s) noexcept {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

// At most max_name bytes of `s`, never splitting a UTF-8 sequence (status must stay UTF-8).
std::string bounded(std::string_view s) {
  if (s.size() <= max_name) {
    return std::string(s);
  }
  std::size_t cut = max_name;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0U) == 0x80U) {
    --cut;
  }
  return std::string(s.substr(0, cut));
}

bool kept(const member_spec& spec, std::string_view tool) {
  const auto matches = [&](const std::string& p) { return glob_match(p, tool); };
  return (spec.include.empty() || std::ranges::any_of(spec.include, matches)) &&
         std::ranges::none_of(spec.exclude, matches);
}

// Cursor text: 'c', the kind as one digit, the list's tag as 16 hex digits, the offset in hex.
// Opaque to clients; parsed strictly so anything else is refused, not misread.
constexpr std::size_t tag_digits = 16;

std::string make_cursor(list_kind k, std::uint64_t tag, std::size_t offset) {
  std::array<char, 2 + tag_digits + 16> buf{};
  buf[0] = 'c';
  buf[1] = static_cast<char>('0' + static_cast<int>(k));
  auto* tag_begin = buf.data() + 2;
  auto r = std::to_chars(tag_begin, tag_begin + tag_digits, tag, 16);
  // Left-pad the tag to its fixed width.
  const auto written = static_cast<std::size_t>(r.ptr - tag_begin);
  std::copy_backward(tag_begin, r.ptr, tag_begin + tag_digits);
  std::fill(tag_begin, tag_begin + (tag_digits - written), '0');
  r = std::to_chars(tag_begin + tag_digits, buf.data() + buf.size(), offset, 16);
  return {buf.data(), r.ptr};
}

struct parsed_cursor {
  list_kind kind = list_kind::tools;
  std::uint64_t tag = 0;
  std::size_t offset = 0;
};

bool lower_hex(std::string_view s) {
  return !s.empty() && std::ranges::all_of(s, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::optional<parsed_cursor> parse_cursor(std::string_view text) {
  if (text.size() < 2 + tag_digits + 1 || text.size() > 2 + tag_digits + 16 || text[0] != 'c' || text[1] < '0' ||
      text[1] >= static_cast<char>('0' + list_kinds)) {
    return std::nullopt;
  }
  const auto tag = text.substr(2, tag_digits);
  const auto offset = text.substr(2 + tag_digits);
  if (!lower_hex(tag) || !lower_hex(offset)) {
    return std::nullopt;
  }
  parsed_cursor c;
  c.kind = static_cast<list_kind>(text[1] - '0');
  std::from_chars(tag.data(), tag.data() + tag.size(), c.tag, 16);
  std::from_chars(offset.data(), offset.data() + offset.size(), c.offset, 16);
  return c;
}

}  // namespace

std::string_view list_key(list_kind k) noexcept {
  switch (k) {
    case list_kind::tools:
      return "tools";
    case list_kind::prompts:
      return "prompts";
    case list_kind::resources:
      return "resources";
    case list_kind::resource_templates:
      return "resourceTemplates";
  }
  return "tools";
}

std::string_view to_string(invalid_reason r) noexcept {
  switch (r) {
    case invalid_reason::not_an_object:
      return "not an object";
    case invalid_reason::missing_name:
      return "no name";
    case invalid_reason::name_too_long:
      return "name longer than 128 characters";
    case invalid_reason::duplicate:
      return "listed twice";
    case invalid_reason::exposed_name_too_long:
      return "prefixed name longer than 128 characters";
  }
  return "invalid";
}

bool glob_match(std::string_view pattern, std::string_view name) noexcept {
  // Greedy with backtracking to the last `*`: linear in practice, O(n*m) at worst.
  std::size_t p = 0;
  std::size_t n = 0;
  std::optional<std::size_t> star;  // position in pattern after the last `*`
  std::size_t star_n = 0;           // name position that `*` is currently matched up to
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = ++p;
      star_n = n;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (star) {
      p = *star;
      n = ++star_n;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

std::string_view literal_prefix(std::string_view uri_template) noexcept {
  return uri_template.substr(0, uri_template.find('{'));
}

catalog::catalog(std::vector<member_spec> members, conflict_resolution resolution) : resolution_(resolution) {
  members_.reserve(members.size());
  reports_.reserve(members.size());
  for (auto& spec : members) {
    reports_.push_back({.name = spec.name, .enabled = spec.enabled});
    members_.push_back({.spec = std::move(spec)});
  }
}

bool catalog::set_member_list(std::size_t member, list_kind k, json::array list) {
  if (member >= members_.size()) {
    return false;
  }
  auto& m = members_[member];
  m.digests[index(k)] = digest(list);
  m.lists[index(k)] = std::move(list);
  return true;
}

bool catalog::clear_member(std::size_t member) {
  if (member >= members_.size()) {
    return false;
  }
  auto& m = members_[member];
  for (std::size_t i = 0; i < list_kinds; ++i) {
    m.lists[i] = json::array{};
    m.digests[i] = digest(m.lists[i]);
  }
  return true;
}

void catalog::rebuild() {
  conflicts_.clear();
  for (std::size_t m = 0; m < members_.size(); ++m) {
    reports_[m] = {.name = members_[m].spec.name, .enabled = members_[m].spec.enabled};
  }
  for (std::size_t i = 0; i < list_kinds; ++i) {
    aggregate_kind(static_cast<list_kind>(i));
  }
  ++generation_;
}

void catalog::aggregate_kind(list_kind k) {
  const auto i = index(k);
  auto& agg = lists_[i];
  agg = {};
  std::map<std::string, std::size_t, std::less<>> conflict_of;  // exposed -> conflicts_ index
  for (std::size_t m = 0; m < members_.size(); ++m) {
    const auto& state = members_[m];
    auto& report = reports_[m];
    const auto& list = state.lists[i];
    report.listed[i] = list.size();
    if (!state.spec.enabled) {
      continue;
    }
    const std::string prefix = state.spec.tool_prefix.value_or(state.spec.name + "_");
    const bool prefixed = renamed(k) && resolution_ == conflict_resolution::prefix;
    std::set<std::string_view, std::less<>> seen;  // views into `list`, which outlives the set
    for (std::size_t pos = 0; pos < list.size(); ++pos) {
      const auto invalid = [&](invalid_reason why, std::string_view name) {
        ++report.invalid_count;
        if (report.invalid.size() < max_reported_invalid) {
          report.invalid.push_back({.kind = k, .position = pos, .name = bounded(name), .reason = why});
        }
      };
      const auto* obj = list[pos].if_object();
      if (obj == nullptr) {
        invalid(invalid_reason::not_an_object, {});
        continue;
      }
      const auto* key = obj->if_contains(key_field(k));
      const auto* str = key != nullptr ? key->if_string() : nullptr;
      if (str == nullptr || str->empty()) {
        invalid(invalid_reason::missing_name, {});
        continue;
      }
      const std::string_view name = *str;
      if (renamed(k) && characters(name) > max_name) {
        invalid(invalid_reason::name_too_long, name);
        continue;
      }
      if (!seen.insert(name).second) {
        invalid(invalid_reason::duplicate, name);
        continue;
      }
      if (k == list_kind::tools && !kept(state.spec, name)) {
        ++report.tools_filtered;
        continue;
      }
      std::string exposed = prefixed ? prefix + std::string(name) : std::string(name);
      if (prefixed && characters(exposed) > max_name) {
        invalid(invalid_reason::exposed_name_too_long, name);
        continue;
      }
      const auto [it, fresh] = agg.by_exposed.try_emplace(exposed, agg.entries.size());
      if (!fresh) {
        // Taken by an earlier member: it wins in both modes (declared order is the priority).
        ++report.conflicts_lost;
        const auto [c, first] = conflict_of.try_emplace(exposed, conflicts_.size());
        if (first) {
          conflicts_.push_back({.kind = k, .name = exposed, .winner = agg.entries[it->second].member});
        }
        conflicts_[c->second].losers.push_back(m);
        continue;
      }
      ++report.exposed[i];
      agg.entries.push_back({.member = m, .position = pos, .exposed = std::move(exposed)});
    }
  }
  // The pages a client sees are the entries' objects with their exposed names: the member's
  // list (by digest), the position in it and the exposed name determine each one.
  std::uint64_t h = fnv(fnv_basis, static_cast<std::uint64_t>(i));
  for (const auto& e : agg.entries) {
    h = fnv(h, members_[e.member].digests[i]);
    h = fnv(h, static_cast<std::uint64_t>(e.position));
    h = fnv(fnv(h, e.exposed), std::uint64_t{0});
  }
  agg.tag = h;
}

boost::system::result<page_result> catalog::page(list_kind k, std::optional<std::string_view> cursor,
                                                 std::size_t page_size) const {
  const auto& agg = lists_[index(k)];
  std::size_t offset = 0;
  if (cursor) {
    const auto c = parse_cursor(*cursor);
    if (!c || c->kind != k) {
      return make_error_code(error::invalid_cursor);
    }
    // The tag first: a stale cursor's offset may lie past the end of the new list.
    if (c->tag != agg.tag) {
      return make_error_code(error::stale_cursor);
    }
    if (c->offset >= agg.entries.size()) {
      return make_error_code(error::invalid_cursor);
    }
    offset = c->offset;
  }
  const auto end = offset + std::min(std::max<std::size_t>(page_size, 1), agg.entries.size() - offset);
  page_result out;
  out.items.reserve(end - offset);
  for (std::size_t n = offset; n < end; ++n) {
    const auto& e = agg.entries[n];
    json::object item = object_of(k, e);
    if (renamed(k)) {
      item["name"] = e.exposed;  // in place: the member's field order is kept
    }
    out.items.emplace_back(std::move(item));
  }
  if (end < agg.entries.size()) {
    out.next_cursor = make_cursor(k, agg.tag, end);
  }
  return out;
}

const json::object& catalog::object_of(list_kind k, const entry& e) const {
  return members_[e.member].lists[index(k)][e.position].get_object();
}

std::optional<route> catalog::lookup(list_kind k, std::string_view exposed) const {
  const auto& agg = lists_[index(k)];
  const auto it = agg.by_exposed.find(exposed);
  if (it == agg.by_exposed.end()) {
    return std::nullopt;
  }
  const auto& e = agg.entries[it->second];
  return route{.member = e.member, .name = std::string(object_of(k, e).at(key_field(k)).get_string())};
}

std::optional<route> catalog::route_tool(std::string_view exposed) const {
  return lookup(list_kind::tools, exposed);
}

std::optional<route> catalog::route_prompt(std::string_view exposed) const {
  return lookup(list_kind::prompts, exposed);
}

std::optional<route> catalog::route_template(std::string_view uri_template) const {
  return lookup(list_kind::resource_templates, uri_template);
}

std::optional<route> catalog::route_resource(std::string_view uri) const {
  if (auto listed = lookup(list_kind::resources, uri)) {
    return listed;
  }
  // Linear in the templates: a pool exposes tens of them, and only unlisted URIs get here.
  const entry* best = nullptr;
  std::size_t best_length = 0;
  for (const auto& e : lists_[index(list_kind::resource_templates)].entries) {
    const auto literal = literal_prefix(e.exposed);
    const bool matches = literal.size() == e.exposed.size() ? uri == e.exposed : uri.starts_with(literal);
    if (matches && (best == nullptr || literal.size() > best_length)) {
      best = &e;
      best_length = literal.size();
    }
  }
  if (best == nullptr) {
    return std::nullopt;
  }
  return route{.member = best->member, .name = std::string(uri)};
}

std::optional<std::size_t> catalog::member_index(std::string_view name) const {
  for (std::size_t m = 0; m < members_.size(); ++m) {
    if (members_[m].spec.name == name) {
      return m;
    }
  }
  return std::nullopt;
}

std::vector<std::string> catalog::tools_for_status(std::size_t limit) const {
  const auto& entries = lists_[index(list_kind::tools)].entries;
  std::vector<std::string> out;
  out.reserve(std::min(limit, entries.size()));
  for (std::size_t n = 0; n < entries.size() && n < limit; ++n) {
    out.push_back(entries[n].exposed);
  }
  return out;
}

}  // namespace gateway
