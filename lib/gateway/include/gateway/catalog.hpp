// The MCPPool gateway's catalog: one MCP endpoint's tools, prompts, resources and resource
// templates, aggregated from its members' lists, and the routes from what a client names back
// to the member that serves it. Pure: no I/O, no clock, no locking (the driver owns it on one
// strand). The driver stores each member's list as the member returned it
// (set_member_list), calls rebuild() after a change (initialize, notifications/*/list_changed,
// a member gone), and answers */list with page() and a call with route_*().
//
// Guarantees:
// - Routing is by lookup, never by parsing a name: a prefix may contain anything, and a
//   member's own name may contain the prefix.
// - Entries keep every field as the member sent it; only a tool's or prompt's `name` is
//   rewritten (prefix mode). Resources and templates are never rewritten.
// - Order is stable: members in declared order, each member's entries in its own order.
// - Whatever a member sends, it is never a crash: an entry that is not an object, has no
//   string name (uri, uriTemplate), a name of more than 128 characters (MCP's limit on a tool
//   name, applied to prompts too) or a name it already listed is dropped and counted in that
//   member's report; the first max_reported_invalid are kept with their reason.
// - Names that collide across members are resolved deterministically (see
//   conflict_resolution) and every collision is reported in conflicts().
// - A cursor names the list it was cut from (a digest of that list's content), so after a
//   change that alters the list it is refused with error::stale_cursor (JSON-RPC -32602)
//   instead of giving pages that skip or repeat entries.
//
// Caveats:
// - include/exclude filter tools only; prompts, resources and templates are not filtered.
// - The member specs are fixed at construction; a changed MCPPool spec builds a new catalog
//   (its cursors stay valid wherever the new lists equal the old ones).
#pragma once

#include <boost/json/array.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "gateway/error.hpp"

namespace gateway {

enum class list_kind { tools, prompts, resources, resource_templates };
inline constexpr std::size_t list_kinds = 4;

// "tools", "prompts", "resources", "resourceTemplates": the result's array member in MCP.
std::string_view list_key(list_kind k) noexcept;

enum class conflict_resolution {
  // Every tool and prompt is exposed as its member's prefix + its name. If two still collide
  // (custom prefixes can make "a_" + "b_x" equal "a_b_" + "x"), the later member's is dropped.
  prefix,
  // Names are exposed unprefixed; the first member in declared order wins a name.
  priority,
};

// MCP: a tool name is 1 to 128 characters.
inline constexpr std::size_t max_name = 128;
// Invalid entries kept per member with their reason (all are counted).
inline constexpr std::size_t max_reported_invalid = 16;

struct member_spec {
  std::string name{};                      // DNS-1123 (validated by the API, not here)
  std::optional<std::string> tool_prefix{};  // nullopt: name + "_"
  std::vector<std::string> include{};      // tool-name globs; empty: every tool
  std::vector<std::string> exclude{};      // tool-name globs
  bool enabled = true;                     // a disabled member contributes nothing
};

enum class invalid_reason {
  not_an_object,
  missing_name,           // no non-empty string name (uri for resources, uriTemplate for templates)
  name_too_long,          // more than max_name characters
  duplicate,              // the member listed this name (uri) before
  exposed_name_too_long,  // prefix + name is more than max_name characters
};

std::string_view to_string(invalid_reason r) noexcept;

struct invalid_entry {
  list_kind kind = list_kind::tools;
  std::size_t position = 0;  // in the member's list
  std::string name{};        // as listed, cut to max_name bytes; empty if not a string
  invalid_reason reason = invalid_reason::missing_name;
};

// What one member contributes, for MCPPool status.
struct member_report {
  std::string name{};
  bool enabled = true;
  std::array<std::size_t, list_kinds> listed{};   // entries the member returned, by list_kind
  std::array<std::size_t, list_kinds> exposed{};  // of them, in the aggregate
  std::size_t tools_filtered = 0;                 // left out by include/exclude
  std::size_t conflicts_lost = 0;                 // dropped because another member won the name
  std::size_t invalid_count = 0;
  std::vector<invalid_entry> invalid{};  // the first max_reported_invalid
};

// One exposed name (or URI) that more than one member offered.
struct conflict {
  list_kind kind = list_kind::tools;
  std::string name{};               // the exposed name, URI or URI template
  std::size_t winner = 0;           // member index
  std::vector<std::size_t> losers{};  // member indices, in declared order
};

struct route {
  std::size_t member = 0;  // index in the declared members
  std::string name{};      // the member's own name (tool, prompt), or the URI / URI template
};

struct page_result {
  boost::json::array items;
  std::optional<std::string> next_cursor;  // none on the last page
};

// Whether `name` matches `pattern`: `*` is any run of bytes (also none), `?` exactly one byte,
// every other byte itself. Bytes, not characters: MCP tool names are ASCII.
bool glob_match(std::string_view pattern, std::string_view name) noexcept;

// The literal part of a URI template before its first `{`, used to route resources/read.
std::string_view literal_prefix(std::string_view uri_template) noexcept;

class catalog {
 public:
  catalog(std::vector<member_spec> members, conflict_resolution resolution);

  // Stores one member's list as it returned it (the result's tools / prompts / resources /
  // resourceTemplates array); the aggregate changes only at rebuild(). False for an unknown
  // member. A member that never listed a kind has an empty list of it.
  bool set_member_list(std::size_t member, list_kind k, boost::json::array list);
  // Forgets a member's lists (it went away); it stays declared.
  bool clear_member(std::size_t member);

  // Aggregates every kind from the stored lists and bumps generation().
  void rebuild();

  [[nodiscard]] std::uint64_t generation() const { return generation_; }
  [[nodiscard]] std::size_t size(list_kind k) const { return lists_[index(k)].entries.size(); }

  // One page of a list: page_size entries (at least 1) from the cursor's offset, or from the
  // start without one, and a cursor for the next page unless this is the last one. Fails with
  // error::invalid_cursor (garbage, another kind's cursor, offset past the end) or
  // error::stale_cursor (the list has changed since the cursor was issued).
  [[nodiscard]] boost::system::result<page_result> page(list_kind k, std::optional<std::string_view> cursor,
                                                        std::size_t page_size) const;

  // The member and original name of an exposed tool / prompt name.
  [[nodiscard]] std::optional<route> route_tool(std::string_view exposed) const;
  [[nodiscard]] std::optional<route> route_prompt(std::string_view exposed) const;
  // The member of a resource URI: the member that listed it, else the member of the template
  // with the longest literal prefix (literal_prefix) the URI starts with; on equal lengths the
  // first template in the aggregate's order. A template without `{` matches only itself.
  // route::name is the URI.
  [[nodiscard]] std::optional<route> route_resource(std::string_view uri) const;
  // The member of an exposed URI template (completion/complete of a ref/resource).
  [[nodiscard]] std::optional<route> route_template(std::string_view uri_template) const;

  [[nodiscard]] const std::vector<conflict>& conflicts() const { return conflicts_; }
  [[nodiscard]] const std::vector<member_report>& members() const { return reports_; }
  [[nodiscard]] std::optional<std::size_t> member_index(std::string_view name) const;
  [[nodiscard]] const member_spec& spec(std::size_t member) const { return members_.at(member).spec; }
  [[nodiscard]] conflict_resolution resolution() const { return resolution_; }
  // The first `limit` exposed tool names, in order (status.tools; size(tools) is the count).
  [[nodiscard]] std::vector<std::string> tools_for_status(std::size_t limit) const;

 private:
  struct entry {
    std::size_t member = 0;
    std::size_t position = 0;  // in the member's stored list
    std::string exposed{};     // name, URI or URI template as the client sees it
  };
  struct aggregate {
    std::vector<entry> entries;
    std::map<std::string, std::size_t, std::less<>> by_exposed;  // -> entries index
    std::uint64_t tag = 0;  // digest of the entries' content: the cursor's list identity
  };
  struct member_state {
    member_spec spec;
    std::array<boost::json::array, list_kinds> lists{};
    std::array<std::uint64_t, list_kinds> digests{};  // of each stored list's text
  };

  static constexpr std::size_t index(list_kind k) { return static_cast<std::size_t>(k); }
  void aggregate_kind(list_kind k);
  [[nodiscard]] std::optional<route> lookup(list_kind k, std::string_view exposed) const;
  [[nodiscard]] const boost::json::object& object_of(list_kind k, const entry& e) const;

  conflict_resolution resolution_;
  std::vector<member_state> members_;
  std::array<aggregate, list_kinds> lists_;
  std::vector<conflict> conflicts_;
  std::vector<member_report> reports_;
  std::uint64_t generation_ = 0;
};

}  // namespace gateway

