// The keys that seal and open session tokens: one current key seals, every key in the ring
// opens. Rotation is adding a key, making it current, and removing the old one only after
// the longest session lifetime has passed, so no live session loses its key.
//
// The ring lives in a Secret the operator creates and rotates. Its data format:
//   k<N>     a key: exactly 32 raw bytes (base64 in the Secret's `data`, as always). N is the
//            key id, a decimal integer 1..4294967295 without leading zeros; it travels in the
//            clear in every token, so a ring must never reuse an id for a different key.
//   current  the entry name of the key that seals, e.g. "k3" (no whitespace, no newline).
// Nothing else: any other entry is an error (error::bad_key_entry), so a typo or a foreign
// key is noticed when the gateway loads the Secret, not when sessions fail to open.
// Example (decoded): {k1: <32 bytes>, k2: <32 bytes>, current: "k2"}.
//
// Caveat: key bytes are plain memory; they are never logged, formatted or put in an error.
#pragma once

#include <boost/system/result.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gateway {

using key_id = std::uint32_t;

struct sealing_key {
  static constexpr std::size_t size = 32;
  key_id id = 0;
  std::array<unsigned char, size> bytes{};
};

class keyring {
 public:
  // Bounds what a Secret can make us hold (and what a rotation may leave behind).
  static constexpr std::size_t max_keys = 64;

  // From a Secret's data (entry name -> decoded bytes), in the format above.
  [[nodiscard]] static boost::system::result<keyring> from_secret_data(const std::map<std::string, std::string>& data);

  // From keys in hand (the operator minting a ring, tests). Fails on an empty ring, a zero
  // id, a repeated id, too many keys, or a current id the ring does not hold.
  [[nodiscard]] static boost::system::result<keyring> make(std::vector<sealing_key> keys, key_id current);

  // The Secret data that from_secret_data reads back as this ring.
  [[nodiscard]] std::map<std::string, std::string> to_secret_data() const;

  [[nodiscard]] const sealing_key& current() const { return keys_[current_]; }
  [[nodiscard]] const sealing_key* find(key_id id) const;  // nullptr when not in the ring
  [[nodiscard]] std::size_t size() const { return keys_.size(); }

  // "k<id>", the name of the key's entry in the Secret.
  static std::string entry_name(key_id id);

 private:
  keyring(std::vector<sealing_key> keys, std::size_t current) : keys_(std::move(keys)), current_(current) {}

  std::vector<sealing_key> keys_;  // sorted by id
  std::size_t current_ = 0;        // index into keys_
};

}  // namespace gateway
