#include "kube/runtime/reflector.hpp"

#include <spdlog/spdlog.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace kube {

namespace asio = boost::asio;

namespace {

// A (re)list parses every object of a kind and frees the trees once the store has their text:
// glibc keeps what was freed inside its heap, so the process would keep the list's peak as its
// size. malloc_trim hands the free pages back (a few ms, once per list).
void release_free_memory() {
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

class mirror {
 public:
  mirror(store& cache, change_handler& on_change, reflector_stats& stats)
      : cache_(cache), on_change_(on_change), stats_(stats) {}

  void push(std::vector<watcher_event>& events) {
    for (auto& ev : events) {
      cache_.apply(ev, [this](const store_change& c) {
        if (on_change_) {
          on_change_(c);
        }
      });
      ++stats_.events;
      ev.obj.reset();  // the store has its text: the tree goes as soon as nobody holds it
      if (ev.type == watcher_event_type::init_done) {
        release_free_memory();
      }
    }
    events.clear();
  }

 private:
  store& cache_;
  change_handler& on_change_;
  reflector_stats& stats_;
};

std::string resource_name(const api& a) {
  const auto& r = a.requests().resource();
  return r.group.empty() ? r.plural : r.plural + "." + r.group;
}

}  // namespace

asio::awaitable<void> reflect(api source, watcher_config config, store& cache, change_handler on_change,
                              reflector_stats* stats_out) {
  reflector_stats local;
  reflector_stats& stats = stats_out ? *stats_out : local;
  const auto retry = config.retry;
  const auto transform = config.transform;
  watcher_fsm fsm(std::move(config), backoff(retry));
  mirror out(cache, on_change, stats);
  const std::string what = resource_name(source);
  std::vector<watcher_event> events;
  std::vector<watch_event> raw;
  auto cs = co_await asio::this_coro::cancellation_state;
  while (cs.cancelled() == asio::cancellation_type::none) {
    auto step = fsm.next();
    if (auto* l = std::get_if<step_list>(&step)) {
      ++stats.lists;
      auto page = co_await source.list(l->params);
      if (!page) {
        if (cs.cancelled() != asio::cancellation_type::none) {
          co_return;
        }
        ++stats.failures;
        fsm.on_list_error(page.error());
        spdlog::warn("msg=\"list failed\" resource={} error=\"{}\"", what, page.error().describe());
        continue;
      }
      std::vector<object_ptr> items;
      items.reserve(page->items.size());
      for (auto& item : page->items) {
        trim_for_cache(item);
        if (transform) {
          transform(item);
        }
        items.push_back(std::make_shared<const object>(std::move(item)));
      }
      fsm.on_list_page(std::move(items), std::move(page->resource_version), std::move(page->continue_token), events);
      out.push(events);
    } else if (auto* w = std::get_if<step_watch>(&step)) {
      ++stats.watches;
      auto stream = co_await source.watch(w->params);
      if (!stream) {
        if (cs.cancelled() != asio::cancellation_type::none) {
          co_return;
        }
        ++stats.failures;
        fsm.on_watch_error(stream.error());
        spdlog::warn("msg=\"watch failed to start\" resource={} resource_version={} error=\"{}\"", what,
                     w->params.resource_version, stream.error().describe());
        continue;
      }
      fsm.on_watch_opened();
      for (;;) {
        raw.clear();
        auto more = co_await stream->next(raw);
        bool closed = false;
        for (auto& ev : raw) {
          if (fsm.on_watch_event(std::move(ev), events) == stream_verdict::close) {
            closed = true;
            break;
          }
        }
        out.push(events);
        if (closed) {
          if (fsm.last_error()) {
            spdlog::warn("msg=\"watch ended by the server\" resource={} error=\"{}\" relist={}", what,
                         fsm.last_error()->describe(), fsm.state() == watcher_state::empty);
          }
          break;
        }
        if (!more) {
          if (cs.cancelled() != asio::cancellation_type::none) {
            co_return;  // stopping, not failing
          }
          ++stats.failures;
          fsm.on_watch_error(more.error());
          spdlog::warn("msg=\"watch stream failed\" resource={} error=\"{}\"", what, more.error().describe());
          break;
        }
        if (!*more) {
          fsm.on_watch_end();
          break;
        }
      }
    } else {
      auto delay = std::get<step_wait>(step).delay;
      spdlog::info("msg=\"backing off before retrying\" resource={} delay_ms={} state={}", what, delay.count(),
                   to_string(fsm.state()));
      asio::steady_timer t(co_await asio::this_coro::executor, delay);
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }
}

}  // namespace kube
