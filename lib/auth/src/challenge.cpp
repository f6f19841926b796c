#include "auth/challenge.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

namespace auth {
namespace {

// Quoted-string content: no quotes, backslashes or control characters (RFC 6750 limits
// error_description to printable ASCII without " and \).
std::string quoted(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out.push_back(c);
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    out += out.empty() ? "" : " ";
    out += s;
  }
  return out;
}

}  // namespace

unsigned http_status(outcome o) {
  switch (o) {
    case outcome::ok:
      return 200;
    case outcome::invalid_request:
      return 400;
    case outcome::insufficient_scope:
      return 403;
    case outcome::no_token:
    case outcome::invalid_token:
      break;
  }
  return 401;
}

std::string www_authenticate(const decision& d, std::string_view resource_metadata_url,
                             const std::vector<std::string>& scopes) {
  std::string h = "Bearer resource_metadata=\"" + quoted(resource_metadata_url) + "\"";
  if (!scopes.empty()) {
    h += ", scope=\"" + quoted(join(scopes)) + "\"";
  }
  const char* error = nullptr;
  switch (d.result) {
    case outcome::invalid_request:
      error = "invalid_request";
      break;
    case outcome::invalid_token:
      error = "invalid_token";
      break;
    case outcome::insufficient_scope:
      error = "insufficient_scope";
      break;
    case outcome::ok:
    case outcome::no_token:
      break;
  }
  if (error) {
    h += std::string(", error=\"") + error + "\"";
    if (!d.description.empty()) {
      h += ", error_description=\"" + quoted(d.description) + "\"";
    }
  }
  return h;
}

std::optional<std::string> metadata_url(std::string_view resource) {
  auto u = boost::urls::parse_absolute_uri(resource);
  if (!u || (u->scheme() != "https" && u->scheme() != "http") || u->has_query() || u->has_fragment() ||
      u->encoded_host().empty()) {
    return std::nullopt;
  }
  std::string path(u->encoded_path());
  if (path == "/") {
    path.clear();
  }
  return std::string(u->scheme()) + "://" + std::string(u->encoded_authority()) +
         "/.well-known/oauth-protected-resource" + path;
}

std::string protected_resource_metadata(std::string_view resource,
                                        const std::vector<std::string>& authorization_servers,
                                        const std::vector<std::string>& scopes) {
  boost::json::object doc;
  doc["resource"] = resource;
  boost::json::array as;
  for (const auto& s : authorization_servers) {
    as.emplace_back(s);
  }
  doc["authorization_servers"] = std::move(as);
  if (!scopes.empty()) {
    boost::json::array sc;
    for (const auto& s : scopes) {
      sc.emplace_back(s);
    }
    doc["scopes_supported"] = std::move(sc);
  }
  doc["bearer_methods_supported"] = boost::json::array{"header"};
  return boost::json::serialize(doc);
}

}  // namespace auth
