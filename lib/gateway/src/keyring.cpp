#include "gateway/keyring.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>

#include "gateway/error.hpp"

namespace gateway {
namespace {

// "k<N>" with N in 1..2^32-1, decimal, no sign, no leading zero: one spelling per id, so two
// entries can never name one key.
std::optional<key_id> parse_entry_name(std::string_view name) {
  if (name.size() < 2 || name.front() != 'k' || name[1] == '0') {
    return std::nullopt;
  }
  const char* first = name.data() + 1;
  const char* last = name.data() + name.size();
  if (!std::all_of(first, last, [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  key_id id = 0;
  auto [end, ec] = std::from_chars(first, last, id);
  if (ec != std::errc() || end != last) {
    return std::nullopt;  // out of range
  }
  return id;
}

}  // namespace

std::string keyring::entry_name(key_id id) {
  return "k" + std::to_string(id);
}

boost::system::result<keyring> keyring::from_secret_data(const std::map<std::string, std::string>& data) {
  std::vector<sealing_key> keys;
  std::optional<key_id> current;
  bool has_current = false;
  for (const auto& [name, value] : data) {
    if (name == "current") {
      has_current = true;
      current = parse_entry_name(value);
      continue;
    }
    auto id = parse_entry_name(name);
    if (!id) {
      return error::bad_key_entry;
    }
    if (value.size() != sealing_key::size) {
      return error::bad_key_length;
    }
    if (keys.size() == max_keys) {
      return error::too_many_keys;
    }
    sealing_key k;
    k.id = *id;
    std::copy(value.begin(), value.end(), k.bytes.begin());
    keys.push_back(k);
  }
  if (!has_current || !current) {
    return error::missing_current;
  }
  return make(std::move(keys), *current);
}

boost::system::result<keyring> keyring::make(std::vector<sealing_key> keys, key_id current) {
  if (keys.size() > max_keys) {
    return error::too_many_keys;
  }
  std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].id == 0) {
      return error::bad_key_entry;
    }
    if (i > 0 && keys[i - 1].id == keys[i].id) {
      return error::duplicate_key_id;
    }
  }
  auto it = std::find_if(keys.begin(), keys.end(), [&](const auto& k) { return k.id == current; });
  if (it == keys.end()) {
    return error::unknown_current;  // also an empty ring: nothing to seal with
  }
  const auto index = static_cast<std::size_t>(it - keys.begin());
  return keyring(std::move(keys), index);
}

std::map<std::string, std::string> keyring::to_secret_data() const {
  std::map<std::string, std::string> data;
  for (const auto& k : keys_) {
    data.emplace(entry_name(k.id), std::string(k.bytes.begin(), k.bytes.end()));
  }
  data.emplace("current", entry_name(current().id));
  return data;
}

const sealing_key* keyring::find(key_id id) const {
  auto it = std::lower_bound(keys_.begin(), keys_.end(), id, [](const auto& k, key_id v) { return k.id < v; });
  return it != keys_.end() && it->id == id ? &*it : nullptr;
}

}  // namespace gateway
