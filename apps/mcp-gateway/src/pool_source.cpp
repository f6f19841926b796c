#include "pool_source.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/mcppool.hpp"
#include "api/mcpserver.hpp"
#include "kube/client/api.hpp"
#include "kube/runtime/reflector.hpp"
#include "log.hpp"

namespace gw {

namespace asio = boost::asio;
namespace json = boost::json;
namespace log = bridge::log;

namespace {

constexpr auto settle_for = std::chrono::milliseconds(100);
constexpr auto token_period = std::chrono::seconds(10);
constexpr std::size_t max_token = 16 * 1024;

kube::api_resource pools() {
  return {std::string(api::group), std::string(api::version), std::string(api::pool_plural),
          std::string(api::pool_kind), true};
}
kube::api_resource servers() {
  return {std::string(api::group), std::string(api::version), std::string(api::plural), std::string(api::kind), true};
}
kube::api_resource endpoint_slices() {
  return {"discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true};
}

// A slice keeps only what resolve_pool reads: the gateway of a busy namespace holds little.
void trim_slice(kube::object& o) {
  json::object keep;
  if (const auto* m = o.if_contains("metadata"); m && m->is_object()) {
    json::object meta;
    for (std::string_view k : {"name", "namespace", "resourceVersion", "labels", "uid"}) {
      if (const auto* v = m->as_object().if_contains(k)) {
        meta[k] = *v;
      }
    }
    keep["metadata"] = std::move(meta);
  }
  for (std::string_view k : {"ports", "endpoints", "addressType"}) {
    if (const auto* v = o.if_contains(k)) {
      keep[k] = *v;
    }
  }
  o = std::move(keep);
}

std::string trim_space(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  const auto e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

}  // namespace

pool_source::pool_source(const asio::any_io_executor& ex, std::shared_ptr<kube::client> client, api_source src,
                         bridge::http_upstream_config base, view_handler on_view)
    : ex_(ex),
      client_(std::move(client)),
      src_(std::move(src)),
      base_(std::move(base)),
      on_view_(std::move(on_view)),
      settle_(ex),
      tokens_(ex) {}

pool_source::~pool_source() {
  *alive_ = false;
}

void pool_source::start() {
  const auto handler = [this, alive = std::weak_ptr<bool>(alive_)](const kube::store_change&) {
    if (alive.lock()) {
      changed();
    }
  };
  struct spec {
    kube::api_resource resource;
    kube::store* cache;
    kube::watcher_config config;
  };
  kube::watcher_config pool_cfg;
  pool_cfg.field_selector = "metadata.name=" + src_.pool;  // the Role names this pool only
  kube::watcher_config slice_cfg;
  slice_cfg.label_selector = "kubernetes.io/service-name";  // slices of Services only
  slice_cfg.transform = trim_slice;
  std::array<spec, 3> specs{spec{pools(), &pools_, pool_cfg}, spec{servers(), &servers_, {}},
                            spec{endpoint_slices(), &slices_, slice_cfg}};
  for (std::size_t i = 0; i < specs.size(); ++i) {
    auto& s = specs[i];
    asio::co_spawn(ex_, kube::reflect(kube::api(client_, s.resource, src_.ns), s.config, *s.cache, handler),
                   asio::bind_cancellation_slot(cancel_[i].slot(), [](std::exception_ptr e) {
                     if (e) {
                       try {
                         std::rethrow_exception(e);
                       } catch (const std::exception& ex) {
                         log::error("a watch of the API stopped", {{"error", ex.what()}});
                       }
                     }
                   }));
  }
  if (src_.member_token_dir) {
    start_token_timer();
  }
}

void pool_source::start_token_timer() {
  tokens_.expires_after(token_period);
  tokens_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
    if (ec || !alive.lock() || stopped_) {
      return;
    }
    changed();
    start_token_timer();
  });
}

void pool_source::stop() {
  stopped_ = true;
  settle_.cancel();
  tokens_.cancel();
  for (auto& c : cancel_) {
    c.emit(asio::cancellation_type::terminal);
  }
}

bool pool_source::synced() const {
  return pools_.ready() && servers_.ready() && slices_.ready();
}

void pool_source::changed() {
  if (stopped_ || pending_) {
    return;
  }
  pending_ = true;
  settle_.expires_after(settle_for);
  settle_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
    if (ec || !alive.lock()) {
      return;
    }
    pending_ = false;
    if (!stopped_ && synced()) {
      report();
    }
  });
}

void pool_source::report() {
  // Held while resolving: the store parses an object on get() only when nobody holds it.
  auto pool = pools_.get(kube::object_key{src_.ns, src_.pool});
  auto server_objs = servers_.list_namespace(src_.ns);
  auto slice_objs = slices_.list_namespace(src_.ns);
  pool_inputs in;
  in.pool = pool.get();
  for (const auto& s : server_objs) {
    in.servers.push_back(s.get());
  }
  for (const auto& s : slice_objs) {
    in.endpoint_slices.push_back(s.get());
  }
  const token_reader tokens = [this](const std::string& member, std::string& why) { return read_token(member, why); };
  on_view_(resolve_pool(in, tokens, base_));
}

std::optional<std::string> pool_source::read_token(const std::string& member, std::string& why) const {
  if (!src_.member_token_dir) {
    why = "the gateway runs without --member-token-dir";
    return std::nullopt;
  }
  const auto path = std::filesystem::path(*src_.member_token_dir) / member / "token";
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    why = path.string() + ": " + ec.message();
    return std::nullopt;
  }
  if (size > max_token) {
    why = path.string() + " is larger than 16 KiB";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  auto token = trim_space(ss.str());
  if (token.empty()) {
    why = path.string() + " is empty";
    return std::nullopt;
  }
  return token;
}

}  // namespace gw
