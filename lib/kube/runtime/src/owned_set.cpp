#include "kube/runtime/owned_set.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <optional>
#include <set>

#include "kube/core/subset.hpp"

namespace kube {

namespace asio = boost::asio;
namespace json = boost::json;

std::string_view to_string(owned_change::verb v) {
  switch (v) {
    case owned_change::verb::created:
      return "Created";
    case owned_change::verb::updated:
      return "Updated";
    case owned_change::verb::deleted:
      return "Deleted";
    case owned_change::verb::replaced:
      return "Replaced";
    case owned_change::verb::adopted:
      return "Adopted";
  }
  return "Changed";
}

std::string applied_hash(const object& body) {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : json::serialize(body)) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

namespace {

std::string_view str(const object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

const json::value* at_path(const object& o, const std::vector<std::string>& path) {
  const object* cur = &o;
  const json::value* v = nullptr;
  for (const auto& p : path) {
    if (cur == nullptr)
      return nullptr;
    v = cur->if_contains(p);
    if (v == nullptr)
      return nullptr;
    cur = v->if_object();
  }
  return v;
}

std::string_view annotation(const object& o, const std::string& key) {
  const json::value* a = at_path(o, {"metadata", "annotations"});
  return a != nullptr && a->is_object() ? str(a->get_object(), key) : std::string_view{};
}

api_resource resource_for(const cache_ref& c) {
  return c.resource();
}

std::string dotted(const std::vector<std::string>& path) {
  std::string out;
  for (const auto& p : path)
    out += (out.empty() ? "" : ".") + p;
  return out;
}

bool listed(std::string_view list, std::string_view item) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    if (list.substr(0, comma) == item)
      return true;
    if (comma == std::string_view::npos)
      break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

owned_set::owned_set(std::shared_ptr<client> http, owned_set_options opts)
    : http_(std::move(http)), opts_(std::move(opts)) {}

std::string owned_set::released_annotation() const {
  const auto slash = opts_.hash_annotation.find('/');
  return slash == std::string::npos ? opts_.hash_annotation + "-released"
                                    : opts_.hash_annotation.substr(0, slash) + "/released-fields";
}

void owned_set::add(cache_ref cache) {
  kinds_.push_back(cache);
}

const cache_ref* owned_set::cache_for(std::string_view api_version, std::string_view kind) const {
  for (const auto& k : kinds_) {
    if (k.resource().kind == kind && k.resource().api_version() == api_version)
      return &k;
  }
  return nullptr;
}

// The current values of the released fields that `desired` no longer sets, applied by the
// handover manager, so that the main manager's apply without them keeps them.
asio::awaitable<result<std::string>> owned_set::hand_over(const object& live, const object& desired, const api& to) {
  object body{{"apiVersion", desired.at("apiVersion")},
              {"kind", desired.at("kind")},
              {"metadata", object{{"name", desired.at("metadata").at("name")}}}};
  bool any = false;
  const std::string_view already = annotation(live, released_annotation());
  for (const auto& f : opts_.released) {
    if (f.kind != str(desired, "kind") || f.path.empty() || at_path(desired, f.path) != nullptr)
      continue;
    if (listed(already, dotted(f.path)))
      continue;  // released by an earlier apply: the main manager no longer owns it
    const json::value* current = at_path(live, f.path);
    if (current == nullptr)
      continue;
    object* cur = &body;
    for (std::size_t i = 0; i + 1 < f.path.size(); ++i) {
      json::value& next = (*cur)[f.path[i]];
      if (!next.is_object())
        next = object{};
      cur = &next.get_object();
    }
    (*cur)[f.path.back()] = *current;
    any = true;
  }
  if (!any)
    co_return std::string{};
  api a = to;
  const std::string name(str(desired.at("metadata").as_object(), "name"));
  const std::string manager = opts_.field_manager + "-handover";  // named: see api.hpp's GCC 12 caveat
  auto res = co_await a.apply(name, body, manager, false);
  // A conflict means another manager (a scaler) already set a different value and owns it:
  // exactly what the handover is for.
  if (!res && !res.error().is(error_kind::conflict))
    co_return res.error();
  co_return res ? std::string(resource_version_of(*res)) : std::string{};
}

namespace {

// Runs every task at once on the current executor and returns their results in order.
template <class T>
asio::awaitable<std::vector<T>> all_of(std::vector<asio::awaitable<T>> tasks) {
  std::vector<T> out;
  if (tasks.empty())
    co_return out;
  auto ex = co_await asio::this_coro::executor;
  using op_type = decltype(asio::co_spawn(ex, std::move(tasks.front()), asio::deferred));
  std::vector<op_type> ops;
  ops.reserve(tasks.size());
  for (auto& t : tasks)
    ops.push_back(asio::co_spawn(ex, std::move(t), asio::deferred));
  auto [order, errors, values] = co_await asio::experimental::make_parallel_group(std::move(ops))
                                     .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  (void)order;
  for (auto& e : errors) {
    if (e)
      std::rethrow_exception(e);
  }
  out = std::move(values);
  co_return out;
}

}  // namespace

asio::awaitable<std::optional<result<object_ptr>>> owned_set::get_uncached(const cache_ref* cache, std::string ns,
                                                                           std::string name) {
  api a(http_, resource_for(*cache), ns);
  auto got = co_await a.get(name);
  if (!got) {
    if (got.error().is(error_kind::not_found))
      co_return result<object_ptr>{object_ptr{}};
    co_return result<object_ptr>{got.error()};
  }
  co_return result<object_ptr>{std::make_shared<const object>(std::move(*got))};
}

namespace {

// Whether `owner` may apply its body over `live`: "" when it controls it already, the UID of the
// stale controller reference when an earlier incarnation of `owner` did (adopt it), else the
// already_exists error that names it.
result<std::string> claim(const object& live, const object& owner, std::string_view kind, std::string_view name) {
  switch (control_of(live, owner)) {
    case control::owner:
      return std::string{};
    case control::earlier_incarnation:
      return controller_of(live)->uid;
    case control::other:
      break;
  }
  return make_error(error_kind::already_exists, std::string(kind) + " " + std::string(name) +
                                                    " already exists and is not owned by this " +
                                                    std::string(str(owner, "kind")));
}

}  // namespace

asio::awaitable<std::optional<result<bool>>> owned_set::apply_one(const cache_ref* cache, std::string ns,
                                                                  const object& body, object_ptr live) {
  api a(http_, resource_for(*cache), ns);
  std::optional<object> rebased;  // an adoption's body after the handover's own write
  if (live && !opts_.released.empty()) {
    auto h = co_await hand_over(*live, body, a);
    if (!h)
      co_return result<bool>{h.error()};
    if (!h->empty() && at_path(body, {"metadata", "resourceVersion"}) != nullptr) {
      rebased = body;
      (*rebased)["metadata"].as_object()["resourceVersion"] = *h;
    }
  }
  const std::string name(name_of(body));
  auto res = co_await a.apply(name, rebased ? *rebased : body, opts_.field_manager, true);
  if (res)
    co_return result<bool>{false};
  if (!res.error().is(error_kind::invalid) || !live)
    co_return result<bool>{res.error()};
  // Refused as Invalid: a hand edit that server-side apply merges into something invalid (a
  // Service port changed by hand, whose entry apply cannot remove, so two ports get the same
  // name). If the desired object is valid on its own (a dry-run create under a generated
  // name), the live one is replaced; if not, the spec is at fault and the live object stays.
  object fresh = body;
  fresh["metadata"].as_object().erase("resourceVersion");  // an adoption's precondition
  object probe = fresh;
  probe["metadata"].as_object().erase("name");
  probe["metadata"].as_object()["generateName"] = "mcp-validate-";
  write_params wp;
  wp.field_manager = opts_.field_manager;
  wp.dry_run = true;
  auto valid = co_await a.create(probe, wp);
  if (!valid)
    co_return result<bool>{res.error()};
  delete_params p;
  p.precondition_uid = std::string(uid_of(*live));
  auto gone = co_await a.remove(name, p);
  if (!gone && !gone.error().is(error_kind::not_found))
    co_return result<bool>{gone.error()};
  auto again = co_await a.apply(name, fresh, opts_.field_manager, true);
  if (!again)
    co_return result<bool>{again.error()};
  co_return result<bool>{true};
}

asio::awaitable<result<std::vector<owned_change>>> owned_set::reconcile(const object& owner,
                                                                        std::vector<object> desired) {
  std::vector<owned_change> changes;
  const std::string owner_uid(uid_of(owner));
  const std::string ns(namespace_of(owner));
  std::set<std::pair<std::string, std::string>> wanted;  // (kind, name)
  struct pending {
    const cache_ref* cache;
    object* body;
    object_ptr live;  // from the cache
    bool exists;
    std::string adopt_from{};     // the stale controller UID of an object to adopt
    std::string adopt_version{};  // the resourceVersion it was judged at
  };
  std::vector<pending> work;
  for (auto& body : desired) {
    const std::string kind(str(body, "kind"));
    const std::string name(name_of(body));
    const cache_ref* cache = cache_for(str(body, "apiVersion"), kind);
    if (cache == nullptr) {
      co_return make_error(error_kind::bad_request, "kind " + kind + " was not declared as owned");
    }
    wanted.emplace(kind, name);
    json::value& meta = body["metadata"];
    if (!meta.is_object())
      meta = object{};
    // The released fields this body leaves unset, named on the object: the next apply knows
    // they were handed over already and makes no second handover write.
    std::string released;
    for (const auto& f : opts_.released) {
      if (f.kind == kind && !f.path.empty() && at_path(body, f.path) == nullptr)
        released += (released.empty() ? "" : ",") + dotted(f.path);
    }
    if (!released.empty()) {
      json::value& ann = meta.get_object()["annotations"];
      if (!ann.is_object())
        ann = object{};
      ann.get_object()[released_annotation()] = released;
    }
    const std::string hash = applied_hash(body);
    {
      json::value& ann = meta.get_object()["annotations"];
      if (!ann.is_object())
        ann = object{};
      ann.get_object()[opts_.hash_annotation] = hash;
    }
    object_ptr live = cache->get({ns, name});
    std::string adopt_from;
    if (live) {
      auto claimed = claim(*live, owner, kind, name);
      if (!claimed)
        co_return claimed.error();
      adopt_from = std::move(*claimed);
      if (adopt_from.empty() && annotation(*live, opts_.hash_annotation) == hash && contains_subset(*live, body))
        continue;
    }
    const bool cached = static_cast<bool>(live);
    std::string version(adopt_from.empty() || !live ? std::string_view{} : resource_version_of(*live));
    work.push_back({cache, &body, std::move(live), cached, std::move(adopt_from), std::move(version)});
  }

  // The cache holds only what carries the controller's label: an object of the same name
  // without it (someone else's, or ours with the label removed) must be looked at before a
  // forced apply would take it over. All of them at once, and nothing is applied if one is
  // someone else's.
  {
    std::vector<asio::awaitable<std::optional<result<object_ptr>>>> checks;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < work.size(); ++i) {
      if (work[i].live)
        continue;
      checks.push_back(get_uncached(work[i].cache, ns, std::string(name_of(*work[i].body))));
      which.push_back(i);
    }
    auto found = co_await all_of(std::move(checks));
    for (std::size_t j = 0; j < found.size(); ++j) {
      if (!found[j] || !*found[j])
        co_return found[j] ? found[j]->error() : make_error(error_kind::internal_error, "ownership check did not run");
      const object_ptr& got = **found[j];
      pending& w = work[which[j]];
      if (!got)
        continue;
      auto claimed = claim(*got, owner, str(*w.body, "kind"), name_of(*w.body));
      if (!claimed)
        co_return claimed.error();
      w.exists = true;
      w.adopt_from = std::move(*claimed);
      if (!w.adopt_from.empty())
        w.adopt_version = std::string(resource_version_of(*got));
    }
  }
  // An adoption applies over exactly the object judged: its resourceVersion is a precondition
  // (a Conflict, retried, if it changed meanwhile). Not part of the hashed body.
  for (auto& w : work) {
    if (!w.adopt_version.empty())
      (*w.body)["metadata"].as_object()["resourceVersion"] = w.adopt_version;
  }

  // The objects are independent: applied concurrently, a reconcile waits one round trip for
  // all of them instead of one per object.
  {
    std::vector<asio::awaitable<std::optional<result<bool>>>> applies;
    for (auto& w : work)
      applies.push_back(apply_one(w.cache, ns, *w.body, w.live));
    auto done = co_await all_of(std::move(applies));
    for (std::size_t i = 0; i < done.size(); ++i) {
      if (!done[i] || !*done[i])
        co_return done[i] ? done[i]->error() : make_error(error_kind::internal_error, "apply did not run");
      const auto verb = **done[i]                     ? owned_change::verb::replaced
                        : !work[i].adopt_from.empty() ? owned_change::verb::adopted
                        : work[i].exists              ? owned_change::verb::updated
                                                      : owned_change::verb::created;
      changes.push_back({verb, std::string(str(*work[i].body, "kind")), std::string(name_of(*work[i].body)),
                         verb == owned_change::verb::adopted ? work[i].adopt_from : std::string{}});
    }
  }

  for (const auto& k : kinds_) {
    for (const auto& live : k.controlled_by(owner_uid)) {
      std::string name(name_of(*live));
      if (wanted.contains({k.resource().kind, name}))
        continue;
      api a(http_, resource_for(k), ns);
      delete_params p;
      p.precondition_uid = std::string(uid_of(*live));
      auto res = co_await a.remove(name, p);
      if (!res && !res.error().is(error_kind::not_found) && !res.error().is(error_kind::conflict))
        co_return res.error();
      changes.push_back({owned_change::verb::deleted, k.resource().kind, name});
    }
  }
  co_return changes;
}

}  // namespace kube
