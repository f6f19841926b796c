#include "auth/bearer.hpp"

#include <algorithm>
#include <cmath>

#include "auth/jwt.hpp"

namespace auth {
namespace {

using clock = std::chrono::system_clock;

decision invalid(std::string why, bool unknown_key = false) {
  decision d;
  d.result = outcome::invalid_token;
  d.description = std::move(why);
  d.unknown_key = unknown_key;
  return d;
}

std::string str(const boost::json::object& o, std::string_view k) {
  const auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::optional<double> number(const boost::json::object& o, std::string_view k) {
  const auto* v = o.if_contains(k);
  if (!v || !v->is_number()) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  const double d = v->to_number<double>(ec);
  return ec || !std::isfinite(d) ? std::nullopt : std::optional<double>(d);
}

// A claim that is a string or an array of strings ("aud", "scp", "groups").
std::vector<std::string> strings(const boost::json::object& o, std::string_view k) {
  std::vector<std::string> out;
  const auto* v = o.if_contains(k);
  if (v && v->is_string()) {
    out.emplace_back(v->as_string());
  } else if (v && v->is_array()) {
    for (const auto& e : v->as_array()) {
      if (e.is_string()) {
        out.emplace_back(e.as_string());
      }
    }
  }
  return out;
}

std::vector<std::string> split_spaces(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto j = std::min(s.find(' ', i), s.size());
    if (j > i) {
      out.emplace_back(s.substr(i, j - i));
    }
    i = j + 1;
  }
  return out;
}

clock::time_point at(double seconds) {
  return clock::time_point(std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(seconds)));
}

std::shared_ptr<principal> principal_of(const boost::json::object& c) {
  auto who = std::make_shared<principal>();
  who->subject = str(c, "sub");
  who->client_id = str(c, "client_id");
  if (who->client_id.empty()) {
    who->client_id = str(c, "azp");
  }
  who->groups = strings(c, "groups");
  who->scopes = c.if_contains("scope") ? split_spaces(str(c, "scope")) : strings(c, "scp");
  if (const auto* k8s = c.if_contains("kubernetes.io"); k8s && k8s->is_object()) {
    who->sa_namespace = str(k8s->as_object(), "namespace");
    if (const auto* sa = k8s->as_object().if_contains("serviceaccount"); sa && sa->is_object()) {
      who->sa_name = str(sa->as_object(), "name");
    }
  }
  return who;
}

bool b64token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}

}  // namespace

std::optional<std::string_view> bearer_token(std::optional<std::string_view> authorization) {
  if (!authorization) {
    return std::nullopt;
  }
  std::string_view h = *authorization;
  constexpr std::string_view scheme = "bearer";
  if (h.size() < scheme.size() ||
      !std::equal(scheme.begin(), scheme.end(), h.begin(), [](char a, char b) { return a == (b | 0x20); })) {
    return std::nullopt;
  }
  h.remove_prefix(scheme.size());
  if (!h.empty() && h.front() != ' ') {
    return std::nullopt;  // "Bearerx": another scheme
  }
  while (!h.empty() && h.front() == ' ') {
    h.remove_prefix(1);
  }
  while (!h.empty() && h.back() == ' ') {
    h.remove_suffix(1);
  }
  if (h.empty() || !std::all_of(h.begin(), h.end(), b64token_char)) {
    return std::string_view();
  }
  return h;
}

decision check_token(std::string_view token, const key_set& keys, const policy& p, clock::time_point now) {
  std::string why;
  auto t = parse_jwt(token, why);
  if (!t) {
    return invalid(why);
  }
  if (!supported_alg(t->alg)) {
    return invalid("alg " + t->alg + " is not accepted");
  }
  const public_key* key = keys.find(t->kid);
  if (!key) {
    return invalid(
        "no key " + (t->kid.empty() ? std::string("(the token names none)") : t->kid) + " in the issuer's key set",
        true);
  }
  if (!verify_signature(*t, *key, why)) {
    return invalid(why);
  }
  const auto& c = t->claims;
  if (str(c, "iss") != p.issuer) {
    return invalid("issuer " + str(c, "iss") + " is not " + p.issuer);
  }
  const auto aud = strings(c, "aud");
  if (std::find(aud.begin(), aud.end(), p.audience) == aud.end()) {
    return invalid("the token's audience is not " + p.audience);
  }
  const auto exp = number(c, "exp");
  if (!exp) {
    return invalid("the token has no exp");
  }
  if (now >= at(*exp) + p.leeway) {
    return invalid("the token expired");
  }
  if (const auto nbf = number(c, "nbf"); nbf && now + p.leeway < at(*nbf)) {
    return invalid("the token is not valid yet");
  }
  auto who = principal_of(c);
  who->expires = at(*exp) + p.leeway;
  decision d;
  d.result = outcome::ok;
  d.who = std::move(who);
  return d;
}

decision check_scopes(std::shared_ptr<const principal> who, const policy& p) {
  decision d;
  for (const auto& s : p.required_scopes) {
    if (std::find(who->scopes.begin(), who->scopes.end(), s) == who->scopes.end()) {
      d.result = outcome::insufficient_scope;
      d.description = "the token lacks the scope " + s;
      d.who = std::move(who);
      return d;
    }
  }
  d.result = outcome::ok;
  d.who = std::move(who);
  return d;
}

}  // namespace auth
