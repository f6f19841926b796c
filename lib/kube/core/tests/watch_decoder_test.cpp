#include <gtest/gtest.h>

#include <string>

#include "kube/core/watch_decoder.hpp"

namespace kube {
namespace {

const std::string stream =
    R"({"type":"ADDED","object":{"kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"10"}}})"
    "\n"
    R"({"type":"MODIFIED","object":{"kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"11"},"data":{"k":"v\n}"}}})"
    "\n"
    R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","metadata":{"resourceVersion":"12"}}})"
    "\n"
    R"({"type":"DELETED","object":{"kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"13"}}})"
    "\n";

TEST(WatchDecoder, DecodesEveryEventWhateverTheSplit) {
  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    watch_decoder d;
    std::vector<watch_event> out;
    for (std::size_t i = 0; i < stream.size(); i += chunk) {
      ASSERT_TRUE(d.feed(std::string_view(stream).substr(i, chunk), out)) << "chunk " << chunk;
    }
    ASSERT_TRUE(d.finish());
    ASSERT_EQ(out.size(), 4u) << "chunk " << chunk;
    EXPECT_EQ(out[0].type, watch_event_type::added);
    EXPECT_EQ(out[1].type, watch_event_type::modified);
    EXPECT_EQ(out[1].obj.at("data").at("k").as_string(), "v\n}");
    EXPECT_EQ(out[2].type, watch_event_type::bookmark);
    EXPECT_EQ(out[3].type, watch_event_type::deleted);
  }
}

TEST(WatchDecoder, EventsWithoutSeparatorsAreSplitToo) {
  watch_decoder d;
  std::vector<watch_event> out;
  ASSERT_TRUE(d.feed(R"({"type":"ADDED","object":{}}{"type":"DELETED","object":{}})", out));
  EXPECT_EQ(out.size(), 2u);
}

TEST(WatchDecoder, EventIsAvailableAsSoonAsItsClosingBraceArrives) {
  watch_decoder d;
  std::vector<watch_event> out;
  ASSERT_TRUE(d.feed(R"({"type":"ADDED","object":{}})", out));
  EXPECT_EQ(out.size(), 1u);
  EXPECT_FALSE(d.mid_event());
}

TEST(WatchDecoder, ErrorEventCarriesTheStatus) {
  watch_decoder d;
  std::vector<watch_event> out;
  ASSERT_TRUE(d.feed(R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired"}})", out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, watch_event_type::error);
  auto st = parse_status(boost::json::value(out[0].obj));
  ASSERT_TRUE(st);
  EXPECT_EQ(error_from_status(*st).kind, error_kind::gone);
}

TEST(WatchDecoder, StreamCutInsideAnEventIsAnError) {
  watch_decoder d;
  std::vector<watch_event> out;
  ASSERT_TRUE(d.feed(R"({"type":"ADDED","obj)", out));
  EXPECT_TRUE(d.mid_event());
  auto r = d.finish();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, error_kind::decode);
}

TEST(WatchDecoder, TrailingNewlineIsNotAPartialEvent) {
  watch_decoder d;
  std::vector<watch_event> out;
  ASSERT_TRUE(d.feed("{\"type\":\"ADDED\",\"object\":{}}\n\n  ", out));
  EXPECT_TRUE(d.finish());
}

TEST(WatchDecoder, MalformedInputFailsAndStaysFailed) {
  watch_decoder d;
  std::vector<watch_event> out;
  EXPECT_FALSE(d.feed("{\"type\":]", out));
  EXPECT_FALSE(d.feed(R"({"type":"ADDED","object":{}})", out));
  EXPECT_TRUE(out.empty());
}

TEST(WatchDecoder, RejectsEventsOfWrongShapeOrUnknownType) {
  for (const char* bad :
       {R"([1,2])", R"({"type":"ADDED"})", R"({"type":"RENAMED","object":{}})", R"({"type":1,"object":{}})"}) {
    watch_decoder d;
    std::vector<watch_event> out;
    EXPECT_FALSE(d.feed(bad, out)) << bad;
  }
}

TEST(WatchDecoder, OversizedEventIsRejectedWithoutBufferingIt) {
  watch_decoder d(64);
  std::vector<watch_event> out;
  std::string big = R"({"type":"ADDED","object":{"data":")" + std::string(100, 'x') + R"("}})";
  auto r = d.feed(big, out);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("larger than 64"), std::string::npos);
}

}  // namespace
}  // namespace kube
