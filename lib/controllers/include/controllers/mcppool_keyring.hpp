// The MCPPool's keyring Secret ("<pool>-keyring", the keys its gateway seals session ids
// with), as the operator keeps it: what to do next as a pure function of the Secret, the time
// and the rotation policy, and the bodies that do it. The format is the gateway's
// (gateway/keyring.hpp: entries k<N> of 32 random bytes and `current`, nothing else), so the
// operator's bookkeeping lives in annotations.
//
// Rotation has two phases, because a mounted Secret reaches the gateway's pods only after the
// kubelet's next sync (a minute or two), and a replica must hold a key before any other replica
// seals with it:
//   stage    every `rotation_period` after the last switch: add k<N+1> (N the highest id),
//            leave `current` alone, note the time in keyring-staged-at;
//   promote  `stage_delay` later (default 5 minutes): make the staged key current and drop
//            every key but it and the key that was current until now (sessions sealed by that
//            one still open), note the time in keyring-rotated-at.
// Ids only grow, so an id is never reused for another key. A Secret the gateway could not
// read (a hand edit) is replaced by a fresh ring whose id is above every id it held.
//
// Caveat: the decision carries key bytes (fresh and kept). They are never logged, put in an
// event or an error: `note` says only which entries changed.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace controllers {

// RFC 3339 times (UTC, seconds) of the last switch of `current` and of the staged key.
inline constexpr std::string_view keyring_rotated_at_annotation = "mcp.v2dy.io/keyring-rotated-at";
inline constexpr std::string_view keyring_staged_at_annotation = "mcp.v2dy.io/keyring-staged-at";

// The kubelet syncs a mounted Secret within its sync period plus its cache TTL (about a minute
// each by default): five minutes leaves every replica time to load a staged key.
inline constexpr std::chrono::seconds default_keyring_stage_delay{300};
inline constexpr std::chrono::seconds default_keyring_rotation{24 * 3600};

struct keyring_policy {
  std::chrono::seconds rotation_period = default_keyring_rotation;  // 0: never rotate
  std::chrono::seconds stage_delay = default_keyring_stage_delay;
};

struct keyring_decision {
  enum class step {
    keep,     // nothing to write
    create,   // no Secret: a new ring {k1, current: k1}
    stage,    // a new key beside the current one
    promote,  // the staged key becomes current; older keys go
    replace,  // the Secret held no valid ring: a fresh one
  } what = step::keep;
  std::map<std::string, std::string> data;         // the ring after the step (raw bytes), unless keep
  std::map<std::string, std::string> annotations;  // annotations to set; an empty value removes one
  std::optional<std::chrono::seconds> next;        // when the next step is due; none: never
  std::string note;                                // for humans, e.g. "staged k3"; no key material
};

std::string_view to_string(keyring_decision::step s);

// What to do with `secret` (nullptr: there is none) at `now`. `fresh_key` (32 random bytes) is
// used when a key is added.
keyring_decision plan_keyring(const boost::json::object* secret, std::chrono::system_clock::time_point now,
                              const keyring_policy& policy, const std::string& fresh_key);

// The Secret to create: `metadata` (name, namespace, labels, ownerReferences) plus the ring
// and the annotations of `d`.
boost::json::object keyring_secret(boost::json::object metadata, const keyring_decision& d);

// A JSON merge patch turning `secret` into the ring of `d` (removed entries set to null) with
// the annotations of `d`, the labels and owner references of `metadata`, and `secret`'s
// resourceVersion as a precondition (a concurrent change fails the patch with a conflict).
boost::json::object keyring_patch(const boost::json::object& secret, const boost::json::object& metadata,
                                  const keyring_decision& d);

// RFC 3339 in UTC, seconds precision ("2026-12-02T10:00:00Z"), and back (nullopt: not such a time).
std::string rfc3339(std::chrono::system_clock::time_point t);
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view s);

}  // namespace controllers
