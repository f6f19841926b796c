// Keys and records for the gateway tests: fixed bytes per id, so two rings that hold the
// same id hold the same key unless a test asks for another one.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/keyring.hpp"
#include "gateway/session_record.hpp"

namespace gateway_test {

inline gateway::sealing_key key(gateway::key_id id, unsigned char salt = 0) {
  gateway::sealing_key k;
  k.id = id;
  for (std::size_t i = 0; i < k.bytes.size(); ++i) {
    k.bytes[i] = static_cast<unsigned char>(std::size_t{id} * 31 + i * 7 + salt);
  }
  return k;
}

inline std::string raw_key(gateway::key_id id, unsigned char salt = 0) {
  auto k = key(id, salt);
  return {k.bytes.begin(), k.bytes.end()};
}

inline gateway::keyring ring(const std::vector<gateway::key_id>& ids, gateway::key_id current, unsigned char salt = 0) {
  std::vector<gateway::sealing_key> keys;
  keys.reserve(ids.size());
  for (auto id : ids) {
    keys.push_back(key(id, salt));
  }
  auto r = gateway::keyring::make(std::move(keys), current);
  EXPECT_TRUE(r) << r.error().message();
  return std::move(*r);
}

inline gateway::session_record record() {
  gateway::session_record r;
  r.protocol_revision = "2025-06-18";
  r.issued_at = 1'750'000'000;
  r.expires_at = 1'750'086'400;
  r.members = {{"github", "github-7d9f8b6c4-x2x7q", "b7e2c1f0-5a3d-4e1b-9c8a-2f6d0e4b7a19"},
               {"filesystem", "10.244.1.17:8080", ""},
               {"search", "3f0c9a4e-1b2d-4c5e-8f7a-6b9d0e1c2a3b", "sess_01HZX"}};
  return r;
}

}  // namespace gateway_test
