#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "kube/core/watcher_fsm.hpp"

namespace kube {
namespace {

using namespace std::chrono_literals;

object_ptr cm(const std::string& name, const std::string& rv) {
  return std::make_shared<const object>(
      boost::json::parse(R"({"metadata":{"name":")" + name + R"(","resourceVersion":")" + rv + R"("}})").as_object());
}

watch_event ev(watch_event_type t, const std::string& name, const std::string& rv) {
  return {t, *cm(name, rv)};
}

watch_event gone_event() {
  return {watch_event_type::error,
          boost::json::parse(R"({"kind":"Status","code":410,"reason":"Expired","message":"too old"})").as_object()};
}

watcher_fsm make_fsm(watcher_config c = {}) {
  return watcher_fsm(std::move(c), backoff({}, [] { return 0.0; }));
}

std::vector<watcher_event_type> types(const std::vector<watcher_event>& evs) {
  std::vector<watcher_event_type> t;
  for (const auto& e : evs) {
    t.push_back(e.type);
  }
  return t;
}

TEST(WatcherFsm, PagedListThenWatchFromTheListsResourceVersion) {
  watcher_config c;
  c.label_selector = "app=x";
  c.page_size = 2;
  auto w = make_fsm(c);
  auto s = w.next();
  ASSERT_TRUE(std::holds_alternative<step_list>(s));
  EXPECT_EQ(std::get<step_list>(s).params.limit, 2u);
  EXPECT_EQ(std::get<step_list>(s).params.label_selector, "app=x");

  std::vector<watcher_event> out;
  w.on_list_page({cm("a", "1"), cm("b", "2")}, "5", "tok", out);
  EXPECT_EQ(w.state(), watcher_state::init_page);
  s = w.next();
  EXPECT_EQ(std::get<step_list>(s).params.continue_token, "tok");
  w.on_list_page({cm("c", "3")}, "6", "", out);
  EXPECT_EQ(types(out),
            (std::vector{watcher_event_type::init, watcher_event_type::init_apply, watcher_event_type::init_apply,
                         watcher_event_type::init_apply, watcher_event_type::init_done}));
  EXPECT_EQ(w.state(), watcher_state::init_listed);

  s = w.next();
  ASSERT_TRUE(std::holds_alternative<step_watch>(s));
  EXPECT_EQ(std::get<step_watch>(s).params.resource_version, "6");
  EXPECT_TRUE(std::get<step_watch>(s).params.allow_bookmarks);
  EXPECT_EQ(std::get<step_watch>(s).params.label_selector, "app=x");
}

TEST(WatcherFsm, WatchEventsBecomeApplyAndRemoveAndBookmarksAdvanceTheVersion) {
  auto w = make_fsm();
  std::vector<watcher_event> out;
  w.on_list_page({}, "5", "", out);
  out.clear();
  w.on_watch_opened();
  EXPECT_EQ(w.state(), watcher_state::watching);
  EXPECT_EQ(w.on_watch_event(ev(watch_event_type::added, "a", "6"), out), stream_verdict::keep_reading);
  w.on_watch_event(ev(watch_event_type::modified, "a", "7"), out);
  w.on_watch_event(ev(watch_event_type::deleted, "a", "8"), out);
  w.on_watch_event(ev(watch_event_type::bookmark, "", "9"), out);
  EXPECT_EQ(types(out),
            (std::vector{watcher_event_type::apply, watcher_event_type::apply, watcher_event_type::remove}));
  EXPECT_EQ(w.resource_version(), "9");
}

TEST(WatcherFsm, CleanEndOfWatchResumesAtOnceFromTheLastVersion) {
  auto w = make_fsm();
  std::vector<watcher_event> out;
  w.on_list_page({}, "5", "", out);
  w.on_watch_opened();
  w.on_watch_event(ev(watch_event_type::added, "a", "6"), out);
  w.on_watch_end();
  auto s = w.next();
  ASSERT_TRUE(std::holds_alternative<step_watch>(s));
  EXPECT_EQ(std::get<step_watch>(s).params.resource_version, "6");
}

TEST(WatcherFsm, TransportErrorBacksOffThenResumesTheWatch) {
  auto w = make_fsm();
  std::vector<watcher_event> out;
  w.on_list_page({}, "5", "", out);
  w.on_watch_opened();
  w.on_watch_error(transport_error({}, "connection refused"));
  auto s = w.next();
  ASSERT_TRUE(std::holds_alternative<step_wait>(s));
  EXPECT_EQ(std::get<step_wait>(s).delay, 800ms);
  ASSERT_TRUE(w.last_error());
  s = w.next();
  ASSERT_TRUE(std::holds_alternative<step_watch>(s));
  EXPECT_EQ(std::get<step_watch>(s).params.resource_version, "5");
  // Repeated failures double the wait; a successful event resets it.
  w.on_watch_error(transport_error({}, "refused"));
  EXPECT_EQ(std::get<step_wait>(w.next()).delay, 1600ms);
  (void)w.next();
  w.on_watch_opened();
  w.on_watch_event(ev(watch_event_type::bookmark, "", "7"), out);
  EXPECT_FALSE(w.last_error());
  w.on_watch_error(transport_error({}, "refused"));
  EXPECT_EQ(std::get<step_wait>(w.next()).delay, 800ms);
}

TEST(WatcherFsm, UnreachableServerIsRetriedAtMostEveryFourSecondsButAnswersBackOffToThirty) {
  auto w = make_fsm();
  std::vector<watcher_event> out;
  w.on_list_page({}, "5", "", out);
  std::chrono::milliseconds last{};
  for (int i = 0; i < 10; ++i) {
    w.on_watch_error(transport_error({}, "connection refused"));
    last = std::get<step_wait>(w.next()).delay;
    (void)w.next();
  }
  EXPECT_EQ(last, 4s);
  for (int i = 0; i < 10; ++i) {
    w.on_watch_error(error_from_response(500, R"({"kind":"Status","code":500,"reason":"InternalError"})"));
    last = std::get<step_wait>(w.next()).delay;
    (void)w.next();
  }
  EXPECT_EQ(last, 30s);
}

TEST(WatcherFsm, InStreamGoneRelistsImmediatelyAndReportsAFreshInit) {
  auto w = make_fsm();
  std::vector<watcher_event> out;
  w.on_list_page({cm("a", "1")}, "5", "", out);
  w.on_watch_opened();
  EXPECT_EQ(w.on_watch_event(gone_event(), out), stream_verdict::close);
  EXPECT_EQ(w.state(), watcher_state::empty);
  auto s = w.next();
  ASSERT_TRUE(std::holds_alternative<step_list>(s));
  EXPECT_TRUE(std::get<step_list>(s).params.continue_token.empty());
  out.clear();
  w.on_list_page({}, "50", "", out);
  EXPECT_EQ(types(out), (std::vector{watcher_event_type::init, watcher_event_type::init_done}));
}

TEST(WatcherFsm, HttpGoneOnWatchStartRelists) {
  auto w = make_fsm();
  std::vector<watcher_event> out;
  w.on_list_page({}, "5", "", out);
  w.on_watch_error(error_from_response(410, R"({"kind":"Status","code":410,"reason":"Gone"})"));
  EXPECT_TRUE(std::holds_alternative<step_list>(w.next()));
}

TEST(WatcherFsm, RepeatedGoneWithoutProgressBacksOff) {
  auto w = make_fsm();
  std::vector<watcher_event> out;
  w.on_list_page({}, "5", "", out);
  w.on_watch_opened();
  w.on_watch_event(gone_event(), out);
  EXPECT_TRUE(std::holds_alternative<step_list>(w.next()));
  w.on_list_page({}, "6", "", out);
  w.on_watch_opened();
  w.on_watch_event(gone_event(), out);
  EXPECT_TRUE(std::holds_alternative<step_wait>(w.next()));
  EXPECT_TRUE(std::holds_alternative<step_list>(w.next()));
}

TEST(WatcherFsm, OtherInStreamErrorsBackOffAndResume) {
  auto w = make_fsm();
  std::vector<watcher_event> out;
  w.on_list_page({}, "5", "", out);
  w.on_watch_opened();
  watch_event e{watch_event_type::error,
                boost::json::parse(R"({"kind":"Status","code":500,"reason":"InternalError"})").as_object()};
  EXPECT_EQ(w.on_watch_event(std::move(e), out), stream_verdict::close);
  EXPECT_TRUE(std::holds_alternative<step_wait>(w.next()));
  EXPECT_EQ(std::get<step_watch>(w.next()).params.resource_version, "5");
}

TEST(WatcherFsm, ListErrorRetriesTheSamePageAfterBackoff) {
  watcher_config c;
  c.page_size = 1;
  auto w = make_fsm(c);
  std::vector<watcher_event> out;
  w.on_list_page({cm("a", "1")}, "5", "tok", out);
  w.on_list_error(error_from_response(403, R"({"kind":"Status","code":403,"reason":"Forbidden"})"));
  EXPECT_TRUE(std::holds_alternative<step_wait>(w.next()));
  EXPECT_EQ(std::get<step_list>(w.next()).params.continue_token, "tok");
  EXPECT_EQ(w.last_error()->kind, error_kind::forbidden);
}

TEST(WatcherFsm, ExpiredContinueTokenRestartsTheList) {
  watcher_config c;
  c.page_size = 1;
  auto w = make_fsm(c);
  std::vector<watcher_event> out;
  w.on_list_page({cm("a", "1")}, "5", "tok", out);
  w.on_list_error(error_from_response(410, R"({"kind":"Status","code":410,"reason":"Expired"})"));
  EXPECT_TRUE(std::holds_alternative<step_wait>(w.next()));
  auto s = w.next();
  EXPECT_TRUE(std::get<step_list>(s).params.continue_token.empty());
  EXPECT_EQ(w.state(), watcher_state::empty);
}

}  // namespace
}  // namespace kube
