#include "kube/runtime/store.hpp"

#include <zlib.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <stdexcept>

namespace kube {

namespace {

// Deflate with a preset dictionary: the store's first object. Objects of one kind share most
// of their keys and many values (labels, images, probe settings), so each text compresses
// against a neighbour instead of alone. One
// pair of streams per thread serves every store of that thread (a deflate stream is ~150 KB),
// reset and given the store's dictionary on each use.
class codec {
 public:
  codec() {
    // windowBits 15: the dictionary may use the whole 32 KB window; memLevel 6 keeps the
    // deflate state at ~160 KB. Level 1: most of the ratio comes from the dictionary.
    if (deflateInit2(&def_, 1, Z_DEFLATED, -15, 6, Z_DEFAULT_STRATEGY) != Z_OK ||
        inflateInit2(&inf_, -15) != Z_OK) {
      throw std::bad_alloc();
    }
  }
  ~codec() {
    deflateEnd(&def_);
    inflateEnd(&inf_);
  }
  codec(const codec&) = delete;
  codec& operator=(const codec&) = delete;

  std::string compress(std::string_view text, std::string_view dict) {
    deflateReset(&def_);
    if (!dict.empty()) {
      deflateSetDictionary(&def_, bytes(dict), static_cast<uInt>(dict.size()));
    }
    std::string out(deflateBound(&def_, static_cast<uLong>(text.size())), '\0');
    def_.next_in = const_cast<Bytef*>(bytes(text));
    def_.avail_in = static_cast<uInt>(text.size());
    def_.next_out = reinterpret_cast<Bytef*>(out.data());
    def_.avail_out = static_cast<uInt>(out.size());
    if (deflate(&def_, Z_FINISH) != Z_STREAM_END) {
      throw std::runtime_error("store: deflate did not finish within its bound");
    }
    out.resize(out.size() - def_.avail_out);
    out.shrink_to_fit();
    return out;
  }

  std::string decompress(std::string_view packed, std::size_t size, std::string_view dict) {
    inflateReset(&inf_);
    if (!dict.empty()) {
      inflateSetDictionary(&inf_, bytes(dict), static_cast<uInt>(dict.size()));
    }
    std::string out(size, '\0');
    inf_.next_in = const_cast<Bytef*>(bytes(packed));
    inf_.avail_in = static_cast<uInt>(packed.size());
    inf_.next_out = reinterpret_cast<Bytef*>(out.data());
    inf_.avail_out = static_cast<uInt>(out.size());
    if (inflate(&inf_, Z_FINISH) != Z_STREAM_END || inf_.avail_out != 0) {
      throw std::runtime_error("store: a cached object does not inflate to its size");
    }
    return out;
  }

 private:
  static const Bytef* bytes(std::string_view s) { return reinterpret_cast<const Bytef*>(s.data()); }
  z_stream def_{};
  z_stream inf_{};
};

codec& this_thread_codec() {
  thread_local codec c;
  return c;
}

}  // namespace

store::entry store::make_entry(const object_ptr& obj) const {
  entry e;
  std::string text = boost::json::serialize(*obj);
  if (!dictionary_) {
    // The first object of the store is the dictionary of all (deflate uses its last 32 KB).
    dictionary_ = text.size() > 32 * 1024 ? text.substr(text.size() - 32 * 1024) : text;
  }
  e.size = static_cast<std::uint32_t>(text.size());
  e.text = this_thread_codec().compress(text, *dictionary_);
  e.resource_version = std::string(resource_version_of(*obj));
  if (auto owner = controller_of(*obj)) {
    e.owner_uid = owner->uid;
  }
  if (index_) {
    e.index_value = index_(*obj);
  }
  e.tree = obj;
  return e;
}

object_ptr store::materialize(const entry& e) const {
  if (auto held = e.tree.lock()) {
    return held;
  }
  // The text was serialized from an object, so it parses back to one.
  const std::string text = this_thread_codec().decompress(e.text, e.size, *dictionary_);
  auto obj = std::make_shared<const object>(std::move(boost::json::parse(text).as_object()));
  e.tree = obj;
  return obj;
}

object_ptr store::get(const object_key& key) const {
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : materialize(it->second);
}

std::vector<object_ptr> store::list() const {
  std::vector<object_ptr> out;
  out.reserve(objects_.size());
  for (const auto& [k, v] : objects_) {
    out.push_back(materialize(v));
  }
  return out;
}

std::vector<object_ptr> store::list_namespace(const std::string& ns) const {
  std::vector<object_ptr> out;
  if (auto it = by_namespace_.find(ns); it != by_namespace_.end()) {
    for (const auto& k : it->second) {
      out.push_back(materialize(objects_.at(k)));
    }
  }
  return out;
}

std::vector<object_ptr> store::controlled_by(const std::string& owner_uid) const {
  std::vector<object_ptr> out;
  if (auto it = by_owner_.find(owner_uid); it != by_owner_.end()) {
    for (const auto& k : it->second) {
      out.push_back(materialize(objects_.at(k)));
    }
  }
  return out;
}

std::vector<object_ptr> store::indexed(const std::string& ns, const std::string& value) const {
  std::vector<object_ptr> out;
  if (auto it = by_index_.find(ns + '/' + value); it != by_index_.end()) {
    for (const auto& k : it->second) {
      out.push_back(materialize(objects_.at(k)));
    }
  }
  return out;
}

void store::insert(const object_key& key, entry e) {
  erase(key);  // the owner may have changed
  by_namespace_[key.ns].insert(key);
  if (!e.owner_uid.empty()) {
    by_owner_[e.owner_uid].insert(key);
  }
  if (e.index_value) {
    by_index_[key.ns + '/' + *e.index_value].insert(key);
  }
  objects_.emplace(key, std::move(e));
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
  if (const std::string& uid = it->second.owner_uid; !uid.empty()) {
    if (auto o = by_owner_.find(uid); o != by_owner_.end()) {
      o->second.erase(key);
      if (o->second.empty()) {
        by_owner_.erase(o);
      }
    }
  }
  if (const auto& v = it->second.index_value) {
    if (auto i = by_index_.find(key.ns + '/' + *v); i != by_index_.end()) {
      i->second.erase(key);
      if (i->second.empty()) {
        by_index_.erase(i);
      }
    }
  }
  objects_.erase(it);
}

void store::apply(const watcher_event& ev, std::vector<store_change>& changes) {
  apply(ev, [&changes](const store_change& c) { changes.push_back(c); });
}

void store::apply(const watcher_event& ev, const std::function<void(const store_change&)>& sink) {
  switch (ev.type) {
    case watcher_event_type::init:
      relist_.emplace();
      break;
    case watcher_event_type::init_apply:
      if (relist_) {
        // Kept as text too: a relist of every object must not hold them all as trees.
        entry e = make_entry(ev.obj);
        e.tree.reset();
        relist_->insert_or_assign(key_of(*ev.obj), std::move(e));
      }
      break;
    case watcher_event_type::init_done: {
      if (!relist_) {
        break;
      }
      auto fresh = std::move(*relist_);
      relist_.reset();
      std::vector<entry> gone;
      for (auto it = objects_.begin(); it != objects_.end();) {
        const object_key k = (it++)->first;
        if (!fresh.contains(k)) {
          gone.push_back(objects_.at(k));
          erase(k);
        }
      }
      std::vector<object_key> changed;
      for (auto& [k, v] : fresh) {
        auto old = objects_.find(k);
        // Unchanged objects keep their old entry, so readers holding one see no difference.
        if (old != objects_.end() && old->second.resource_version == v.resource_version) {
          continue;
        }
        insert(k, std::move(v));
        changed.push_back(k);
      }
      ready_.store(true, std::memory_order_release);
      for (const auto& e : gone) {
        sink({change_type::deleted, materialize(e)});
      }
      for (const auto& k : changed) {
        sink({change_type::applied, get(k)});
      }
      break;
    }
    case watcher_event_type::apply:
      insert(key_of(*ev.obj), make_entry(ev.obj));
      sink({change_type::applied, ev.obj});
      break;
    case watcher_event_type::remove: {
      auto k = key_of(*ev.obj);
      auto it = objects_.find(k);
      object_ptr old = it != objects_.end() ? materialize(it->second) : ev.obj;
      erase(k);
      sink({change_type::deleted, old});
      break;
    }
  }
}

}  // namespace kube
