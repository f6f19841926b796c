// The resource server's cost per request, without sockets: auth::authenticator::decide() on a
// valid token, (a) remembered from an earlier request (the common case: a client reuses its
// token for a session's calls), (b) checked from scratch with the issuer's key in memory
// (signature + claims: what a new token costs), for RS256 and ES256. bench/auth/run.sh runs it
// next to the end-to-end figure.
#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>

#include "../../lib/auth/tests/jose_fixture.hpp"
#include "auth/authenticator.hpp"

namespace {

constexpr std::int64_t now_s = 1'800'000'000;
const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(now_s));

boost::json::object claims() {
  return {{"iss", "https://issuer.example/"},
          {"sub", "agent"},
          {"aud", "https://mcp.example/mcp"},
          {"exp", now_s + 3600},
          {"iat", now_s - 10},
          {"scope", "mcp:tools"},
          {"client_id", "agent-client"},
          {"jti", "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d"}};
}

auth::policy rules() {
  auth::policy p;
  p.issuer = "https://issuer.example/";
  p.audience = "https://mcp.example/mcp";
  p.required_scopes = {"mcp:tools"};
  return p;
}

void check_from_scratch(benchmark::State& state, const auth_test::test_key& key) {
  std::string error;
  const auto keys = auth::parse_jwks(auth_test::jwks_of({&key}), error).value();
  const std::string token = auth_test::sign(claims(), key);
  for (auto _ : state) {
    auto d = auth::check_token(token, keys, rules(), now);
    benchmark::DoNotOptimize(d);
    if (d.result != auth::outcome::ok) {
      state.SkipWithError(d.description.c_str());
      break;
    }
  }
}

void BM_CheckRs256FromScratch(benchmark::State& state) {
  static const auto key = auth_test::rsa_key("r");
  check_from_scratch(state, key);
}
void BM_CheckEs256FromScratch(benchmark::State& state) {
  static const auto key = auth_test::ec_key("e");
  check_from_scratch(state, key);
}

// decide() on a token it has seen: the remembered principal, then the scope check.
void BM_DecideRemembered(benchmark::State& state) {
  static const auto key = auth_test::rsa_key("r");
  boost::asio::io_context io;
  auth::resource_server_options o;
  o.rules = rules();
  auth::authenticator a(io.get_executor(), o, [](bool, const std::string&) {});
  std::string error;
  const std::string header = "Bearer " + auth_test::sign(claims(), key);
  a.keys().set_keys(auth::parse_jwks(auth_test::jwks_of({&key}), error).value());
  if (a.decide(header, now).result != auth::outcome::ok) {
    state.SkipWithError("the first decision failed");
    return;
  }
  for (auto _ : state) {
    auto d = a.decide(header, now);
    benchmark::DoNotOptimize(d);
  }
}

BENCHMARK(BM_CheckRs256FromScratch);
BENCHMARK(BM_CheckEs256FromScratch);
BENCHMARK(BM_DecideRemembered);

}  // namespace

BENCHMARK_MAIN();
