// The cache of one resource type, filled by a watcher: shared immutable objects
// (object_ptr), indexed by key, by namespace and by controller owner UID. It becomes ready
// after the first complete list and stays ready across relists: a relist is buffered and
// swapped in at init_done, and its difference to the previous content is reported as
// changes, so objects deleted while the watch was down are reported as deletions.
//
// Objects are kept as their compact JSON text, not as trees: a Deployment of 3 KB of JSON is
// about 13 KB as a boost::json tree (184 allocations), so at N = 1,000 servers the trees were
// most of the operator's memory. get() and the lists parse an object when nobody holds it
// already; while a reader holds one, every get() of it returns that same pointer (a weak_ptr
// per entry), so a reconcile parses each object once and readers holding a pointer see no
// difference across updates of others. The owner UID, index value and resourceVersion are
// kept beside the text, so updates, deletions and relists never parse. The texts are deflated
// with the store's first object as a preset dictionary (objects of one kind are much alike),
// which took the operator's peak at N = 1,000 from 33.5 to 24.9 MiB at no measurable CPU cost
// for the create (bench/REPORT.md).
//
// One optional secondary index (set before the first object arrives): a function giving each
// object at most one index value, looked up per namespace with indexed(ns, value), e.g. Pods
// by their instance label, so a controller finds its pods without scanning the namespace.
//
// Not thread-safe: the store lives on the executor of the client and controllers using it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "kube/core/object.hpp"
#include "kube/core/watcher_fsm.hpp"

namespace kube {

enum class change_type { applied, deleted };

struct store_change {
  change_type type = change_type::applied;
  object_ptr obj;  // the new object, or the last known one for deletions
};

class store {
 public:
  [[nodiscard]] object_ptr get(const object_key& key) const;
  [[nodiscard]] std::vector<object_ptr> list() const;
  [[nodiscard]] std::vector<object_ptr> list_namespace(const std::string& ns) const;
  // Objects whose controller ownerReference has this UID.
  [[nodiscard]] std::vector<object_ptr> controlled_by(const std::string& owner_uid) const;
  // Objects of namespace `ns` whose index value is `value` (empty without an index).
  [[nodiscard]] std::vector<object_ptr> indexed(const std::string& ns, const std::string& value) const;
  void set_index(std::function<std::optional<std::string>(const object&)> index) { index_ = std::move(index); }
  [[nodiscard]] std::size_t size() const { return objects_.size(); }
  [[nodiscard]] bool ready() const { return ready_.load(std::memory_order_acquire); }

  // Applies one watcher event; appends what changed for event handlers.
  void apply(const watcher_event& ev, std::vector<store_change>& changes);
  // The same, handing each change to `sink` as it is made ready, one at a time: the end of a
  // relist reports every object, and this way only one of them is a parsed tree at a time
  // (unless the sink keeps it). Every change of the event is in the store before the first
  // is handed over, as with the vector.
  void apply(const watcher_event& ev, const std::function<void(const store_change&)>& sink);

 private:
  struct entry {
    std::string text;              // the object, serialized and deflated
    std::uint32_t size = 0;        // the serialized length
    std::string resource_version;
    std::string owner_uid;         // the controller ownerReference's UID, or empty
    std::optional<std::string> index_value;
    mutable std::weak_ptr<const object> tree;  // the parsed object, while someone holds it
  };
  entry make_entry(const object_ptr& obj) const;
  object_ptr materialize(const entry& e) const;
  void insert(const object_key& key, entry e);
  void erase(const object_key& key);

  std::unordered_map<object_key, entry, object_key_hash> objects_;
  std::unordered_map<std::string, std::set<object_key>> by_namespace_;
  std::unordered_map<std::string, std::set<object_key>> by_owner_;
  std::function<std::optional<std::string>(const object&)> index_;
  std::unordered_map<std::string, std::set<object_key>> by_index_;  // ns + '/' + value
  std::optional<std::unordered_map<object_key, entry, object_key_hash>> relist_;
  mutable std::optional<std::string> dictionary_;  // deflate's preset dictionary, set once
  std::atomic<bool> ready_{false};
};

}  // namespace kube
