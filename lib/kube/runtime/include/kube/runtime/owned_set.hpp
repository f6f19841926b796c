// The owned-object half of a reconciler, as controller-runtime's owned-object helpers and
// kube-rs's examples do it: apply every desired object with server-side apply (forced, as the
// field manager that owns them), skip the ones already applied, and prune the owned objects
// the desired set no longer names (deleted with the object's own UID as a precondition, so a
// replacement created meanwhile survives).
//
// Change detection sees removals. Each applied body carries an annotation with a hash of the
// body itself; an object is skipped only when its hash annotation equals the desired body's
// hash AND the live object still holds every desired field (so a hand edit of an owned field
// is put back). A field dropped from the spec changes the hash, so the object is applied and
// server-side apply removes the field the manager no longer sets. A restart with nothing
// changed finds every hash equal and makes no write.
//
// Released fields: a field the desired body stops setting (a Deployment's spec.replicas when
// the spec leaves the count to a scaler) would be reset to its default by server-side apply
// if the manager owned it alone. Before such an apply the current live value is applied by a
// second field manager ("<manager>-handover"), which then co-owns it, so dropping it from the
// main manager's body keeps the value, and any scaler that writes it later takes it over.
// The applied body names the fields it leaves unset in a "<group>/released-fields" annotation,
// so the handover write happens once, on the apply that stops setting the field, not on every
// later change.
//
// The caches may hold only the controller's own (labelled) objects: a desired object missing
// from its cache is read from the apiserver first, so an object of the same name that another
// owner controls is reported (already_exists), never taken over by the forced apply.
//
// Adoption: an object whose controller reference names an earlier incarnation of the owner
// (same group, kind and name, another UID: that owner was deleted, and the garbage collector
// missed the object) is applied with the owner reference of the current one, which replaces the
// stale entry (ownerReferences is a map-list keyed by uid, and the earlier apply by the same
// field manager owns the stale entry, so an apply without it drops it). The apply carries the
// resourceVersion the decision was made on, so an object that changed meanwhile is not taken.
//
// Requires the desired objects to carry apiVersion, kind, metadata.name and the controller
// owner reference; their kinds must have been declared with add() (a cache of each, filled
// by the controller's owns()).
#pragma once

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kube/client/api.hpp"
#include "kube/runtime/controller.hpp"

namespace kube {

struct released_field {
  std::string kind;               // "Deployment"
  std::vector<std::string> path;  // {"spec", "replicas"}
};

struct owned_set_options {
  std::string field_manager;
  std::string hash_annotation;  // e.g. "mcp.v2dy.io/applied-hash"
  std::vector<released_field> released;
};

struct owned_change {
  // replaced: the apiserver refused the apply as Invalid although the desired object is valid
  // on its own (a hand edit apply cannot undo): deleted (UID precondition) and created again.
  // adopted: left behind by an earlier incarnation of the owner, now controlled by this one.
  enum class verb { created, updated, deleted, replaced, adopted } what = verb::created;
  std::string kind;
  std::string name;
  std::string previous_owner_uid{};  // adopted: the UID its stale controller reference named
};

// "Created", "Updated", "Deleted", "Replaced", "Adopted": event reasons and log words.
std::string_view to_string(owned_change::verb v);

// The hash written into the annotation: hex FNV-1a 64 of the serialized body.
std::string applied_hash(const object& body);

class owned_set {
 public:
  owned_set(std::shared_ptr<client> http, owned_set_options opts);

  // An owned kind and its cache (from controller::owns()).
  void add(cache_ref cache);

  // Applies `desired` for `owner` and prunes the rest; returns what changed. An object of the
  // same name that another owner controls (or none) is an already_exists error naming it
  // (nothing is applied, nothing is pruned); one an earlier incarnation of `owner` controlled is
  // adopted. The objects to apply are applied concurrently.
  boost::asio::awaitable<result<std::vector<owned_change>>> reconcile(const object& owner, std::vector<object> desired);

 private:
  const cache_ref* cache_for(std::string_view api_version, std::string_view kind) const;
  // "<group of the hash annotation>/released-fields": the released fields the last apply left
  // unset, comma-separated dotted paths ("spec.replicas").
  std::string released_annotation() const;
  // The resourceVersion its write left, "" when it wrote nothing.
  boost::asio::awaitable<result<std::string>> hand_over(const object& live, const object& desired, const api& to);
  // The live object (null: there is none), read from the apiserver.
  boost::asio::awaitable<std::optional<result<object_ptr>>> get_uncached(const cache_ref* cache, std::string ns,
                                                                         std::string name);
  boost::asio::awaitable<std::optional<result<bool>>> apply_one(const cache_ref* cache, std::string ns,
                                                                const object& body, object_ptr live);

  std::shared_ptr<client> http_;
  owned_set_options opts_;
  std::vector<cache_ref> kinds_;
};

}  // namespace kube
