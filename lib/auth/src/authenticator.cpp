#include "auth/authenticator.hpp"

#include <boost/url/parse.hpp>

#include "auth/challenge.hpp"

namespace auth {

namespace asio = boost::asio;

bool validate(const resource_server_options& o, std::string& error) {
  if (o.rules.issuer.empty()) {
    error = "the issuer URL is empty";
    return false;
  }
  if (!metadata_url(o.rules.audience)) {
    error = "the audience must be the endpoint's absolute http(s) URI (RFC 8707), not \"" + o.rules.audience + "\"";
    return false;
  }
  return true;
}

authenticator::authenticator(asio::any_io_executor ex, resource_server_options o,
                             std::function<void(bool, std::string)> note)
    : opts_(std::move(o)) {
  opts_.keys.issuer = opts_.rules.issuer;
  keys_ = std::make_unique<key_source>(std::move(ex), opts_.keys, std::move(note));
  metadata_url_ = metadata_url(opts_.rules.audience).value_or("");
  if (auto u = boost::urls::parse_absolute_uri(metadata_url_)) {
    metadata_path_ = std::string(u->encoded_path());
  }
  metadata_ = protected_resource_metadata(opts_.rules.audience, {opts_.rules.issuer}, opts_.rules.required_scopes);
}

decision authenticator::decide(std::optional<std::string_view> authorization,
                               std::chrono::system_clock::time_point now) {
  auto token = bearer_token(authorization);
  if (!token) {
    decision d;
    d.description = "no bearer token";
    return d;
  }
  if (token->empty()) {
    decision d;
    d.result = outcome::invalid_request;
    d.description = "the Authorization header is not \"Bearer <token>\"";
    return d;
  }
  if (cache_generation_ != keys_->generation()) {
    verified_.clear();
    cache_generation_ = keys_->generation();
  }
  if (auto it = verified_.find(std::string(*token)); it != verified_.end()) {
    if (now < it->second->expires) {
      return check_scopes(it->second, opts_.rules);
    }
    verified_.erase(it);
  }
  decision d = check_token(*token, keys_->keys(), opts_.rules, now);
  if (d.result != outcome::ok) {
    if (d.unknown_key && !keys_->loaded()) {
      d.description = "the issuer's signing keys are not available yet: " +
                      (keys_->last_error().empty() ? std::string("fetching") : keys_->last_error());
    }
    return d;
  }
  if (verified_.size() >= opts_.cache_entries) {
    std::erase_if(verified_, [&](const auto& e) { return now >= e.second->expires; });
    if (verified_.size() >= opts_.cache_entries) {
      verified_.clear();
    }
  }
  verified_.emplace(std::string(*token), d.who);
  return check_scopes(d.who, opts_.rules);
}

std::string authenticator::challenge(const decision& d) const {
  return www_authenticate(d, metadata_url_, opts_.rules.required_scopes);
}

bool authenticator::is_metadata_path(std::string_view path) const {
  return path == "/.well-known/oauth-protected-resource" || path == metadata_path_;
}

}  // namespace auth
