#include "controllers/mcppool_keyring.hpp"

#include <openssl/evp.h>

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <limits>

#include "gateway/keyring.hpp"
#include "kube/client/config.hpp"

namespace controllers {

namespace json = boost::json;
using std::chrono::system_clock;

namespace {

std::string base64(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// The id of an entry named k<N> (canonical or not: only for choosing an id above it), or 0.
gateway::key_id loose_id(std::string_view name) {
  if (name.size() < 2 || name.front() != 'k')
    return 0;
  gateway::key_id id = 0;
  auto [end, ec] = std::from_chars(name.data() + 1, name.data() + name.size(), id);
  return ec == std::errc() && end == name.data() + name.size() ? id : 0;
}

std::string annotation(const json::object& secret, std::string_view key) {
  const json::value* m = secret.if_contains("metadata");
  const json::value* a = m != nullptr && m->is_object() ? m->get_object().if_contains("annotations") : nullptr;
  const json::value* v = a != nullptr && a->is_object() ? a->get_object().if_contains(key) : nullptr;
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string{};
}

// The Secret's data decoded; an entry that is not base64 keeps its text (and fails the ring).
std::map<std::string, std::string> decoded_data(const json::object& secret) {
  std::map<std::string, std::string> out;
  const json::value* d = secret.if_contains("data");
  if (d == nullptr || !d->is_object())
    return out;
  for (const auto& [k, v] : d->get_object()) {
    if (!v.is_string())
      continue;
    auto bytes = kube::base64_decode(v.get_string());
    out[std::string(k)] = bytes ? std::move(*bytes) : std::string(v.get_string());
  }
  return out;
}

std::chrono::seconds until(system_clock::time_point at, system_clock::time_point now) {
  auto d = std::chrono::ceil<std::chrono::seconds>(at - now);
  return std::max(d, std::chrono::seconds(1));
}

keyring_decision fresh_ring(keyring_decision::step what, gateway::key_id id, system_clock::time_point now,
                            const keyring_policy& policy, const std::string& key) {
  keyring_decision d;
  d.what = what;
  const std::string entry = gateway::keyring::entry_name(id);
  d.data = {{entry, key}, {"current", entry}};
  d.annotations = {{std::string(keyring_rotated_at_annotation), rfc3339(now)},
                   {std::string(keyring_staged_at_annotation), ""}};
  if (policy.rotation_period.count() > 0)
    d.next = policy.rotation_period;
  d.note = std::string(what == keyring_decision::step::create ? "created" : "replaced an invalid keyring:") +
           " current " + entry;
  return d;
}

}  // namespace

std::string_view to_string(keyring_decision::step s) {
  switch (s) {
    case keyring_decision::step::keep:
      return "keep";
    case keyring_decision::step::create:
      return "create";
    case keyring_decision::step::stage:
      return "stage";
    case keyring_decision::step::promote:
      return "promote";
    case keyring_decision::step::replace:
      return "replace";
  }
  return "keep";
}

std::string rfc3339(system_clock::time_point t) {
  const std::time_t tt = system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<system_clock::time_point> parse_rfc3339(std::string_view s) {
  std::tm tm{};
  std::string text(s);
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0')
    return std::nullopt;
  return system_clock::from_time_t(timegm(&tm));
}

keyring_decision plan_keyring(const json::object* secret, system_clock::time_point now, const keyring_policy& policy,
                              const std::string& fresh_key) {
  if (secret == nullptr)
    return fresh_ring(keyring_decision::step::create, 1, now, policy, fresh_key);
  const auto data = decoded_data(*secret);
  auto ring = gateway::keyring::from_secret_data(data);
  gateway::key_id top = 0;  // the highest id the Secret holds
  for (const auto& [name, value] : data)
    top = std::max(top, loose_id(name));
  if (!ring || top == std::numeric_limits<gateway::key_id>::max()) {
    // An id must never name two keys: the fresh ring starts above every id seen. (Ids exhausted
    // take 4 billion rotations; starting again at 1 is then the only way on.)
    const gateway::key_id id = top == std::numeric_limits<gateway::key_id>::max() ? 1 : top + 1;
    auto d = fresh_ring(keyring_decision::step::replace, id, now, policy, fresh_key);
    if (!ring)
      d.note += " (" + ring.error().message() + ")";
    return d;
  }
  const gateway::key_id current = ring->current().id;
  const auto rotated_at = parse_rfc3339(annotation(*secret, keyring_rotated_at_annotation));
  const auto staged_at = parse_rfc3339(annotation(*secret, keyring_staged_at_annotation));
  keyring_decision d;
  d.data = data;

  if (top != current) {
    // A staged key waits: promote it once every replica has had time to load it. A staged key
    // without its time (annotation lost) starts its wait now.
    if (!staged_at) {
      d.what = keyring_decision::step::stage;
      d.annotations[std::string(keyring_staged_at_annotation)] = rfc3339(now);
      d.next = policy.stage_delay;
      d.note = "staged " + gateway::keyring::entry_name(top) + " (again: its staging time was lost)";
      return d;
    }
    if (now < *staged_at + policy.stage_delay) {
      d.next = until(*staged_at + policy.stage_delay, now);
      return d;
    }
    d.what = keyring_decision::step::promote;
    const std::string cur = gateway::keyring::entry_name(current);
    const std::string next = gateway::keyring::entry_name(top);
    std::map<std::string, std::string> kept{{next, data.at(next)}, {cur, data.at(cur)}, {"current", next}};
    std::string dropped;
    for (const auto& [name, value] : data) {
      if (!kept.contains(name))
        dropped += (dropped.empty() ? "" : ", ") + name;
    }
    d.data = std::move(kept);
    d.annotations = {{std::string(keyring_rotated_at_annotation), rfc3339(now)},
                     {std::string(keyring_staged_at_annotation), ""}};
    if (policy.rotation_period.count() > 0)
      d.next = policy.rotation_period;
    d.note = "current " + next + " (was " + cur + ", kept to open its sessions)" +
             (dropped.empty() ? "" : "; dropped " + dropped);
    return d;
  }
  if (policy.rotation_period.count() <= 0)
    return d;  // never rotated: nothing to wait for
  // A ring without its rotation time (made by hand) counts as due: rotating it is harmless.
  const auto due = rotated_at ? *rotated_at + policy.rotation_period : now;
  if (now < due) {
    d.next = until(due, now);
    return d;
  }
  const std::string entry = gateway::keyring::entry_name(top + 1);
  d.what = keyring_decision::step::stage;
  d.data[entry] = fresh_key;
  d.annotations[std::string(keyring_staged_at_annotation)] = rfc3339(now);
  d.next = policy.stage_delay;
  d.note = "staged " + entry + " (current stays " + gateway::keyring::entry_name(current) + ")";
  return d;
}

json::object keyring_secret(json::object metadata, const keyring_decision& d) {
  json::object annotations;
  for (const auto& [k, v] : d.annotations) {
    if (!v.empty())
      annotations[k] = v;
  }
  metadata["annotations"] = std::move(annotations);
  json::object data;
  for (const auto& [k, v] : d.data)
    data[k] = base64(v);
  return json::object{{"apiVersion", "v1"},
                      {"kind", "Secret"},
                      {"metadata", std::move(metadata)},
                      {"type", "Opaque"},
                      {"data", std::move(data)}};
}

json::object keyring_patch(const json::object& secret, const json::object& metadata, const keyring_decision& d) {
  json::object data;
  if (const json::value* old = secret.if_contains("data"); old != nullptr && old->is_object()) {
    for (const auto& [k, v] : old->get_object()) {
      if (!d.data.contains(k))
        data[k] = nullptr;
    }
  }
  for (const auto& [k, v] : d.data)
    data[k] = base64(v);
  json::object annotations;
  for (const auto& [k, v] : d.annotations) {
    if (v.empty())
      annotations[k] = nullptr;
    else
      annotations[k] = v;
  }
  json::object meta{{"annotations", std::move(annotations)}};
  for (auto key : {"labels", "ownerReferences"}) {
    if (const json::value* v = metadata.if_contains(key))
      meta[key] = *v;
  }
  if (const json::value* m = secret.if_contains("metadata"); m != nullptr && m->is_object()) {
    if (const json::value* rv = m->get_object().if_contains("resourceVersion"))
      meta["resourceVersion"] = *rv;
  }
  return json::object{{"metadata", std::move(meta)}, {"data", std::move(data)}};
}

}  // namespace controllers
