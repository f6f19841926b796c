// Runs a watcher against the apiserver and mirrors it into a store: the I/O half of
// watcher_fsm. Every failure is logged once per attempt with the resource, the error and
// the backoff delay, and retried forever (kube-rs: watcher errors are soft), so an apiserver
// restart costs a few lines of log and a resume, never a crash or a busy loop.
// Stops when its coroutine is cancelled (asio terminal cancellation).
#pragma once

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <vector>

#include "kube/client/api.hpp"
#include "kube/core/watcher_fsm.hpp"
#include "kube/runtime/store.hpp"

namespace kube {

using change_handler = std::function<void(const store_change&)>;

struct reflector_stats {
  std::uint64_t lists = 0;
  std::uint64_t watches = 0;
  std::uint64_t events = 0;  // watcher events applied to the store
  std::uint64_t failures = 0;
};

boost::asio::awaitable<void> reflect(api source, watcher_config config, store& cache, change_handler on_change,
                                     reflector_stats* stats = nullptr);

}  // namespace kube
