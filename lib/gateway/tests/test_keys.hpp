// Records for the gateway tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/session_record.hpp"

namespace gateway_test {

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
