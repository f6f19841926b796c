#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <map>

#include "kube/runtime/store.hpp"

namespace kube {
namespace {

object_ptr obj(const std::string& ns, const std::string& name, const std::string& rv,
               const std::string& owner_uid = {}) {
  std::string owners = owner_uid.empty() ? ""
                                         : R"(,"ownerReferences":[{"apiVersion":"v1","kind":"X","name":"o","uid":")" +
                                               owner_uid + R"(","controller":true}])";
  return std::make_shared<const object>(boost::json::parse(R"({"metadata":{"namespace":")" + ns + R"(","name":")" +
                                                           name + R"(","resourceVersion":")" + rv + "\"" + owners +
                                                           "}}")
                                            .as_object());
}

void feed(store& s, const std::vector<watcher_event>& evs, std::vector<store_change>& changes) {
  for (const auto& e : evs) {
    s.apply(e, changes);
  }
}

TEST(Store, ReadyOnlyAfterTheFirstCompleteList) {
  store s;
  std::vector<store_change> ch;
  s.apply({watcher_event_type::init, nullptr}, ch);
  s.apply({watcher_event_type::init_apply, obj("a", "x", "1")}, ch);
  EXPECT_FALSE(s.ready());
  EXPECT_EQ(s.size(), 0u) << "a partial list is not visible";
  s.apply({watcher_event_type::init_done, nullptr}, ch);
  EXPECT_TRUE(s.ready());
  EXPECT_EQ(s.size(), 1u);
  ASSERT_EQ(ch.size(), 1u);
  EXPECT_EQ(ch[0].type, change_type::applied);
}

TEST(Store, IndexesByNamespaceAndControllerOwner) {
  store s;
  std::vector<store_change> ch;
  feed(s,
       {{watcher_event_type::init, nullptr},
        {watcher_event_type::init_apply, obj("a", "x", "1", "owner-1")},
        {watcher_event_type::init_apply, obj("a", "y", "1")},
        {watcher_event_type::init_apply, obj("b", "x", "1", "owner-1")},
        {watcher_event_type::init_done, nullptr}},
       ch);
  EXPECT_EQ(s.list_namespace("a").size(), 2u);
  EXPECT_EQ(s.list_namespace("c").size(), 0u);
  EXPECT_EQ(s.controlled_by("owner-1").size(), 2u);
  s.apply({watcher_event_type::remove, obj("b", "x", "2", "owner-1")}, ch);
  EXPECT_EQ(s.controlled_by("owner-1").size(), 1u);
  EXPECT_EQ(s.list_namespace("b").size(), 0u);
  s.apply({watcher_event_type::apply, obj("a", "x", "3")}, ch);  // owner reference removed
  EXPECT_EQ(s.controlled_by("owner-1").size(), 0u);
  EXPECT_EQ(resource_version_of(*s.get({"a", "x"})), "3");
}

TEST(Store, RelistReportsObjectsDeletedDuringTheGapAsDeletions) {
  store s;
  std::vector<store_change> ch;
  feed(s,
       {{watcher_event_type::init, nullptr},
        {watcher_event_type::init_apply, obj("a", "keep", "1")},
        {watcher_event_type::init_apply, obj("a", "gone", "1")},
        {watcher_event_type::init_apply, obj("a", "changed", "1")},
        {watcher_event_type::init_done, nullptr}},
       ch);
  auto kept = s.get({"a", "keep"});
  ch.clear();
  feed(s,
       {{watcher_event_type::init, nullptr},
        {watcher_event_type::init_apply, obj("a", "keep", "1")},
        {watcher_event_type::init_apply, obj("a", "changed", "2")},
        {watcher_event_type::init_apply, obj("a", "new", "3")},
        {watcher_event_type::init_done, nullptr}},
       ch);
  std::map<std::string, change_type> seen;
  for (const auto& c : ch) {
    seen[std::string(name_of(*c.obj))] = c.type;
  }
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen["gone"], change_type::deleted);
  EXPECT_EQ(seen["changed"], change_type::applied);
  EXPECT_EQ(seen["new"], change_type::applied);
  EXPECT_FALSE(seen.contains("keep")) << "unchanged objects are not reported";
  EXPECT_EQ(s.get({"a", "keep"}), kept) << "unchanged objects keep their pointer";
  EXPECT_EQ(s.size(), 3u);
  EXPECT_FALSE(s.get({"a", "gone"}));
}

// Objects are kept as text and parsed again once nobody holds them: what a reader gets back is
// the object that came in, a held object is the same pointer on every get, and an update
// gives new readers the new object while a holder keeps the one it had.
TEST(Store, GivesBackTheSameObjectWhetherHeldOrParsedAgain) {
  store s;
  std::vector<store_change> ch;
  object_ptr in = obj("a", "x", "1", "owner-1");
  const object expected = *in;
  feed(s, {{watcher_event_type::init, nullptr}, {watcher_event_type::init_apply, in}, {watcher_event_type::init_done, nullptr}},
       ch);
  in.reset();
  ch.clear();
  object_ptr first = s.get({"a", "x"});
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, expected) << "parsed back from the stored text";
  EXPECT_EQ(s.get({"a", "x"}), first) << "a held object is not parsed twice";
  ASSERT_EQ(s.controlled_by("owner-1").size(), 1u);
  EXPECT_EQ(s.controlled_by("owner-1")[0], first);
  first.reset();
  object_ptr again = s.get({"a", "x"});
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, expected) << "parsed again after the last holder let go";

  s.apply({watcher_event_type::apply, obj("a", "x", "2", "owner-2")}, ch);
  EXPECT_EQ(resource_version_of(*again), "1") << "a holder keeps the object it had";
  EXPECT_EQ(resource_version_of(*s.get({"a", "x"})), "2");
  EXPECT_TRUE(s.controlled_by("owner-1").empty()) << "the owner index follows the update without a parse of the old";
  EXPECT_EQ(s.controlled_by("owner-2").size(), 1u);
  s.apply({watcher_event_type::remove, obj("a", "x", "3", "owner-2")}, ch);
  ASSERT_EQ(ch.size(), 2u);
  EXPECT_EQ(ch[1].type, change_type::deleted);
  EXPECT_EQ(resource_version_of(*ch[1].obj), "2") << "a deletion reports the last known object";
  EXPECT_TRUE(s.controlled_by("owner-2").empty());
  EXPECT_EQ(s.size(), 0u);
}

// The texts are deflated against the store's first object: objects unlike it, larger than the
// 32 KB window, or holding any byte JSON allows must come back exactly, from two stores at once
// (they share one codec per thread but not their dictionaries).
TEST(Store, ObjectsComeBackExactlyAfterDeflateWhateverTheirContent) {
  store first, second;
  std::vector<store_change> ch;
  auto with = [](const std::string& name, const std::string& rv, const boost::json::value& data) {
    boost::json::object o;
    o["metadata"] = {{"namespace", "a"}, {"name", name}, {"resourceVersion", rv}};
    o["data"] = data;
    return std::make_shared<const object>(std::move(o));
  };
  std::string big;
  for (int i = 0; big.size() < 100 * 1024; ++i) {
    big += std::to_string(i * 7919 % 10007) + ",";
  }
  const std::vector<object_ptr> objects = {
      with("small", "1", "x"),
      with("big", "2", boost::json::value(big)),
      with("unicode", "3", "caf\u00e9 \u2603 \U0001F600 \"quoted\" \\ \n\t\x01"),
      with("nested", "4", boost::json::parse(R"({"a":[1,2.5,-3,true,null,{"b":"c"}],"e":{}})")),
      with("empty", "5", boost::json::value("")),
  };
  for (store* s : {&first, &second}) {
    s->apply({watcher_event_type::init, nullptr}, ch);
  }
  // The second store's dictionary is its first object, which is the first store's last one.
  for (std::size_t i = 0; i < objects.size(); ++i) {
    first.apply({watcher_event_type::init_apply, objects[i]}, ch);
    second.apply({watcher_event_type::init_apply, objects[objects.size() - 1 - i]}, ch);
  }
  for (store* s : {&first, &second}) {
    s->apply({watcher_event_type::init_done, nullptr}, ch);
  }
  ch.clear();
  for (const auto& o : objects) {
    const object_key key = key_of(*o);
    for (store* s : {&first, &second}) {
      object_ptr back = s->get(key);
      ASSERT_TRUE(back) << key.name;
      EXPECT_NE(back, o) << "parsed from the stored text, not the object given";
      EXPECT_EQ(*back, *o) << key.name;
    }
  }
  first.apply({watcher_event_type::apply, with("small", "6", boost::json::value(big + big))}, ch);
  ch.clear();
  EXPECT_EQ(first.get({"a", "small"})->at("data").as_string().size(), 2 * big.size())
      << "an update larger than the window is kept whole";
}

TEST(Store, StaysReadyAndServesOldContentDuringARelist) {
  store s;
  std::vector<store_change> ch;
  feed(s,
       {{watcher_event_type::init, nullptr},
        {watcher_event_type::init_apply, obj("a", "x", "1")},
        {watcher_event_type::init_done, nullptr}},
       ch);
  s.apply({watcher_event_type::init, nullptr}, ch);
  EXPECT_TRUE(s.ready());
  EXPECT_TRUE(s.get({"a", "x"}));
}

TEST(Store, DeletionOfAnUnknownObjectIsStillReported) {
  store s;
  std::vector<store_change> ch;
  s.apply({watcher_event_type::remove, obj("a", "x", "5")}, ch);
  ASSERT_EQ(ch.size(), 1u);
  EXPECT_EQ(ch[0].type, change_type::deleted);
}

TEST(Store, IndexFindsObjectsByValuePerNamespaceAndFollowsChanges) {
  store s;
  // Index value = the owner UID's first letter, standing in for a label.
  s.set_index([](const object& o) -> std::optional<std::string> {
    auto owner = controller_of(o);
    if (!owner) {
      return std::nullopt;
    }
    return owner->uid.substr(0, 1);
  });
  std::vector<store_change> ch;
  feed(s, {{watcher_event_type::init, nullptr}, {watcher_event_type::init_apply, obj("a", "x", "1", "u1")},
           {watcher_event_type::init_apply, obj("a", "y", "1", "u2")}, {watcher_event_type::init_apply, obj("b", "z", "1", "u3")},
           {watcher_event_type::init_apply, obj("a", "w", "1")}, {watcher_event_type::init_done, nullptr}},
       ch);
  EXPECT_EQ(s.indexed("a", "u").size(), 2u);
  EXPECT_EQ(s.indexed("b", "u").size(), 1u);
  EXPECT_TRUE(s.indexed("c", "u").empty());
  // Changing an object's index value moves it; deleting removes it.
  s.apply({watcher_event_type::apply, obj("a", "x", "2", "v1")}, ch);
  EXPECT_EQ(s.indexed("a", "u").size(), 1u);
  ASSERT_EQ(s.indexed("a", "v").size(), 1u);
  EXPECT_EQ(name_of(*s.indexed("a", "v")[0]), "x");
  s.apply({watcher_event_type::remove, obj("a", "y", "3", "u2")}, ch);
  EXPECT_TRUE(s.indexed("a", "u").empty());
}

}  // namespace
}  // namespace kube
