#include "kube/runtime/store.hpp"

namespace kube {

object_ptr store::get(const object_key& key) const {
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : it->second;
}

std::vector<object_ptr> store::list() const {
  std::vector<object_ptr> out;
  out.reserve(objects_.size());
  for (const auto& [k, v] : objects_) {
    out.push_back(v);
  }
  return out;
}

std::vector<object_ptr> store::list_namespace(const std::string& ns) const {
  std::vector<object_ptr> out;
  if (auto it = by_namespace_.find(ns); it != by_namespace_.end()) {
    for (const auto& k : it->second) {
      out.push_back(objects_.at(k));
    }
  }
  return out;
}

std::vector<object_ptr> store::controlled_by(const std::string& owner_uid) const {
  std::vector<object_ptr> out;
  if (auto it = by_owner_.find(owner_uid); it != by_owner_.end()) {
    for (const auto& k : it->second) {
      out.push_back(objects_.at(k));
    }
  }
  return out;
}

std::vector<object_ptr> store::indexed(const std::string& ns, const std::string& value) const {
  std::vector<object_ptr> out;
  if (auto it = by_index_.find(ns + '/' + value); it != by_index_.end()) {
    for (const auto& k : it->second) {
      out.push_back(objects_.at(k));
    }
  }
  return out;
}

void store::insert(const object_key& key, object_ptr obj) {
  erase(key);  // the owner may have changed
  by_namespace_[key.ns].insert(key);
  if (auto owner = controller_of(*obj)) {
    by_owner_[owner->uid].insert(key);
  }
  if (index_) {
    if (auto v = index_(*obj)) {
      by_index_[key.ns + '/' + *v].insert(key);
    }
  }
  objects_.emplace(key, std::move(obj));
}

void store::erase(const object_key& key) {
  auto it = objects_.find(key);
  if (it == objects_.end()) {
    return;
  }
  if (auto ns = by_namespace_.find(key.ns); ns != by_namespace_.end()) {
    ns->second.erase(key);
    if (ns->second.empty()) {
      by_namespace_.erase(ns);
    }
  }
  if (auto owner = controller_of(*it->second)) {
    if (auto o = by_owner_.find(owner->uid); o != by_owner_.end()) {
      o->second.erase(key);
      if (o->second.empty()) {
        by_owner_.erase(o);
      }
    }
  }
  if (index_) {
    if (auto v = index_(*it->second)) {
      if (auto i = by_index_.find(key.ns + '/' + *v); i != by_index_.end()) {
        i->second.erase(key);
        if (i->second.empty()) {
          by_index_.erase(i);
        }
      }
    }
  }
  objects_.erase(it);
}

void store::apply(const watcher_event& ev, std::vector<store_change>& changes) {
  switch (ev.type) {
    case watcher_event_type::init:
      relist_.emplace();
      break;
    case watcher_event_type::init_apply:
      if (relist_) {
        relist_->insert_or_assign(key_of(*ev.obj), ev.obj);
      }
      break;
    case watcher_event_type::init_done: {
      if (!relist_) {
        break;
      }
      auto fresh = std::move(*relist_);
      relist_.reset();
      std::vector<object_key> gone;
      for (const auto& [k, v] : objects_) {
        if (!fresh.contains(k)) {
          gone.push_back(k);
        }
      }
      for (const auto& k : gone) {
        changes.push_back({change_type::deleted, objects_.at(k)});
        erase(k);
      }
      for (auto& [k, v] : fresh) {
        auto old = get(k);
        // Unchanged objects keep their old pointer, so readers holding it see no difference.
        if (old && resource_version_of(*old) == resource_version_of(*v)) {
          continue;
        }
        changes.push_back({change_type::applied, v});
        insert(k, v);
      }
      ready_.store(true, std::memory_order_release);
      break;
    }
    case watcher_event_type::apply:
      insert(key_of(*ev.obj), ev.obj);
      changes.push_back({change_type::applied, ev.obj});
      break;
    case watcher_event_type::remove: {
      auto k = key_of(*ev.obj);
      auto old = get(k);
      erase(k);
      changes.push_back({change_type::deleted, old ? old : ev.obj});
      break;
    }
  }
}

}  // namespace kube
