// Shared set-up of the kube integration tests: a client from $KUBECONFIG (the test cluster's
// admin), a way to run a coroutine to completion with a time limit, and a namespace per test
// that is deleted afterwards.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include <unistd.h>
#include <chrono>
#include <optional>
#include <string>

#include "kube/client/api.hpp"
#include "kube/client/config.hpp"

namespace kube::testing {

inline object json(std::string_view text) {
  return boost::json::parse(text).as_object();
}

class harness {
 public:
  explicit harness(double qps = 500, double burst = 1000) {
    auto cfg = default_config();
    if (!cfg) {
      throw std::runtime_error("no kubeconfig: " + cfg.error().describe());
    }
    cfg->qps = qps;
    cfg->burst = burst;
    http = client::create(io.get_executor(), *cfg).value();
  }

  // Runs `aw` on the test's io_context until it completes; fails the test after `limit`.
  template <class T>
  T run(boost::asio::awaitable<T> aw, std::chrono::seconds limit = std::chrono::seconds(120)) {
    std::optional<T> out;
    std::exception_ptr ex;
    boost::asio::co_spawn(io, std::move(aw), [&](std::exception_ptr e, T v) {
      ex = e;
      if (!e) {
        out.emplace(std::move(v));
      }
    });
    io.restart();
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!out && !ex && std::chrono::steady_clock::now() < deadline) {
      io.run_for(std::chrono::milliseconds(50));
      io.restart();
    }
    if (ex) {
      std::rethrow_exception(ex);
    }
    if (!out) {
      throw std::runtime_error("coroutine did not finish in time");
    }
    return std::move(*out);
  }

  // Lets background tasks run for `d`.
  void pump(std::chrono::milliseconds d) {
    io.restart();
    io.run_for(d);
  }

  boost::asio::io_context io;
  std::shared_ptr<client> http;
};

// A namespace that exists for the lifetime of the object.
class scoped_namespace {
 public:
  scoped_namespace(harness& h, const std::string& prefix) : h_(h) {
    name = prefix + "-" + std::to_string(::getpid());
    api ns(h.http, resources::namespaces());
    auto r = h.run(ns.create(json(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")" + name + "\"}}")));
    if (!r && !r.error().is(error_kind::already_exists)) {
      throw std::runtime_error("create namespace: " + r.error().describe());
    }
  }
  ~scoped_namespace() {
    api ns(h_.http, resources::namespaces());
    (void)h_.run(ns.remove(name));
  }
  std::string name;

 private:
  harness& h_;
};

}  // namespace kube::testing
