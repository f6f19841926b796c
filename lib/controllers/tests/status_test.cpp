#include "controllers/mcpserver_status.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace {

namespace json = boost::json;

api::mcpserver server() {
  json::object o{{"metadata", json::object{{"name", "demo"}, {"namespace", "ns"}, {"uid", "u"}, {"generation", 3}}},
                 {"spec", json::object{{"image", "x"}, {"replicas", 2}}}};
  return *api::parse_mcpserver(o);
}

json::object deployment(int replicas, int ready, int updated, int available, const char* progressing_reason = nullptr) {
  json::object status{{"observedGeneration", 5},
                      {"replicas", replicas},
                      {"readyReplicas", ready},
                      {"updatedReplicas", updated},
                      {"availableReplicas", available}};
  if (progressing_reason != nullptr) {
    status["conditions"] = json::array{json::object{{"type", "Progressing"},
                                                    {"status", "False"},
                                                    {"reason", progressing_reason},
                                                    {"message", "ReplicaSet \"demo-7f\" has timed out progressing."}}};
  }
  return json::object{{"metadata", json::object{{"generation", 5}}},
                      {"spec", json::object{{"replicas", 2}}},
                      {"status", std::move(status)}};
}

std::string condition(const json::object& st, std::string_view type, std::string_view field = "status") {
  for (const auto& c : st.at("conditions").as_array()) {
    if (c.at("type").as_string() == type)
      return std::string(c.at(field).as_string());
  }
  return "<none>";
}

const controllers::render_options opts{};

TEST(Status, PendingBeforeTheDeploymentExists) {
  auto st = controllers::compute_status(server(), opts, {}, {}, "2026-01-01T00:00:00Z");
  EXPECT_EQ(st.at("phase").as_string(), "Pending");
  EXPECT_EQ(condition(st, "Ready"), "False");
  EXPECT_EQ(condition(st, "Verified"), "Unknown");
  EXPECT_EQ(st.at("observedGeneration"), 3);
  EXPECT_EQ(st.at("url").as_string(), "http://demo.ns.svc.cluster.local:3000/mcp");
  EXPECT_EQ(st.at("selector").as_string(), "app.kubernetes.io/name=mcp-server,app.kubernetes.io/instance=demo");
}

TEST(Status, ProgressingWhileRollingOut) {
  auto d = deployment(2, 1, 2, 1);
  controllers::observed obs{&d, {}, {}, {}};
  auto st = controllers::compute_status(server(), opts, obs, {}, "t1");
  EXPECT_EQ(st.at("phase").as_string(), "Progressing");
  EXPECT_EQ(condition(st, "Progressing"), "True");
  EXPECT_EQ(condition(st, "Ready"), "False");
  EXPECT_EQ(condition(st, "Available"), "True");
  EXPECT_EQ(st.at("ready").as_string(), "1/2");
}

TEST(Status, RunningWhenAllReplicasAreReady) {
  auto d = deployment(2, 2, 2, 2);
  controllers::observed obs{&d, {}, {}, {}};
  auto st = controllers::compute_status(server(), opts, obs, {}, "t1");
  EXPECT_EQ(st.at("phase").as_string(), "Running");
  EXPECT_EQ(condition(st, "Ready"), "True");
  EXPECT_EQ(condition(st, "Degraded"), "False");
  EXPECT_EQ(st.at("readyReplicas"), 2);
  EXPECT_EQ(st.at("replicas"), 2);
}

TEST(Status, DegradedPastTheProgressDeadline) {
  auto d = deployment(2, 0, 2, 0, "ProgressDeadlineExceeded");
  controllers::observed obs{&d, {}, {}, {}};
  auto st = controllers::compute_status(server(), opts, obs, {}, "t1");
  EXPECT_EQ(st.at("phase").as_string(), "Degraded");
  EXPECT_EQ(condition(st, "Degraded"), "True");
  EXPECT_EQ(condition(st, "Degraded", "reason"), "ProgressDeadlineExceeded");
  EXPECT_NE(condition(st, "Degraded", "message").find("timed out progressing"), std::string::npos);
}

TEST(Status, DegradedWithTheCrashingPodsReason) {
  auto d = deployment(2, 1, 2, 1);
  auto pod = json::parse(R"({"metadata":{"name":"demo-7f-abc"},"status":{"containerStatuses":[
    {"name":"mcp-server","state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 40s restarting failed container"}}}]}})")
                 .as_object();
  controllers::observed obs{&d, {&pod}, {}, {}};
  auto st = controllers::compute_status(server(), opts, obs, {}, "t1");
  EXPECT_EQ(st.at("phase").as_string(), "Degraded");
  EXPECT_EQ(condition(st, "Degraded", "reason"), "PodsFailing");
  EXPECT_EQ(condition(st, "Degraded", "message"),
            "CrashLoopBackOff: back-off 40s restarting failed container (pod demo-7f-abc, container mcp-server)");
}

TEST(Status, AKilledServerIsDegradedUntilBackThenTheRestartIsNoted) {
  auto down = deployment(1, 0, 1, 0);
  down.at("spec").as_object()["replicas"] = 1;
  auto pod = json::parse(R"({"metadata":{"name":"demo-7f-abc"},"status":{"containerStatuses":[
    {"name":"mcp-server","ready":false,"restartCount":1,"state":{"running":{}},
     "lastState":{"terminated":{"reason":"Error","exitCode":137}}}]}})")
                 .as_object();
  auto st = controllers::compute_status(server(), opts, {&down, {&pod}, {}, {}}, {}, "t1");
  EXPECT_EQ(st.at("phase").as_string(), "Degraded");
  EXPECT_EQ(condition(st, "Degraded", "message"),
            "ContainerRestarted: container mcp-server of pod demo-7f-abc exited (Error, exit code 137), restarts: 1");

  auto up = deployment(1, 1, 1, 1);
  up.at("spec").as_object()["replicas"] = 1;
  pod.at("status").at("containerStatuses").as_array()[0].as_object()["ready"] = true;
  auto later = controllers::compute_status(server(), opts, {&up, {&pod}, {}, {}}, st, "t2");
  EXPECT_EQ(later.at("phase").as_string(), "Running");
  EXPECT_EQ(condition(later, "Ready", "message"),
            "1/1 replicas ready; 1 container restart (last: container mcp-server of pod demo-7f-abc exited (Error, "
            "exit code 137))");
}

TEST(Status, TransitionTimeKeptWhileAConditionHolds) {
  auto d = deployment(2, 2, 2, 2);
  controllers::observed obs{&d, {}, {}, {}};
  auto first = controllers::compute_status(server(), opts, obs, {}, "2026-01-01T00:00:00Z");
  auto second = controllers::compute_status(server(), opts, obs, first, "2026-01-01T00:05:00Z");
  EXPECT_EQ(json::serialize(first), json::serialize(second)) << "same observation, same status: no write needed";
  auto rolling = deployment(2, 1, 2, 1);
  controllers::observed obs2{&rolling, {}, {}, {}};
  auto third = controllers::compute_status(server(), opts, obs2, second, "2026-01-01T00:10:00Z");
  EXPECT_EQ(condition(third, "Ready", "lastTransitionTime"), "2026-01-01T00:10:00Z");
  EXPECT_EQ(condition(third, "Degraded", "lastTransitionTime"), "2026-01-01T00:00:00Z");
}

TEST(Status, VerificationFillsServerInfoAndTools) {
  auto d = deployment(2, 2, 2, 2);
  controllers::verification v{
      true, "Verified", "initialize and tools/list succeeded", "everything", "1.2.0", "2025-06-18", {"echo", "add"},
      "t2"};
  controllers::observed obs{&d, {}, v, {}};
  auto st = controllers::compute_status(server(), opts, obs, {}, "t2");
  EXPECT_EQ(condition(st, "Verified"), "True");
  EXPECT_EQ(json::serialize(st.at("serverInfo")),
            R"({"name":"everything","version":"1.2.0","protocolVersion":"2025-06-18"})");
  EXPECT_EQ(st.at("toolCount"), 2);

  controllers::verification failed{false, "Unreachable", "connection refused", {}, {}, {}, {}, {}};
  controllers::observed obs2{&d, {}, failed, {}};
  auto later = controllers::compute_status(server(), opts, obs2, st, "t3");
  EXPECT_EQ(condition(later, "Verified"), "False");
  EXPECT_EQ(condition(later, "Verified", "reason"), "Unreachable");
  EXPECT_EQ(later.at("toolCount"), 2) << "the last good verification stays visible";
}

TEST(Status, ARestartedOperatorResumesFromTheRecordedVerification) {
  auto d = deployment(2, 2, 2, 2);
  std::vector<std::string> many;
  for (int i = 0; i < 70; ++i)
    many.push_back("tool" + std::to_string(i));
  controllers::verification v{true, "Verified", "ok", "everything", "1.2.0", "2025-06-18", many, "t2"};
  auto st = controllers::compute_status(server(), opts, {&d, {}, v, {}}, {}, "t2");
  ASSERT_EQ(st.at("tools").as_array().size(), 64U);

  auto resumed = controllers::verification_from_status(st, 3);
  ASSERT_TRUE(resumed.has_value());
  EXPECT_EQ(resumed->server_name, "everything");
  EXPECT_EQ(resumed->time, "t2");
  auto again = controllers::compute_status(server(), opts, {&d, {}, resumed, {}}, st, "t9");
  EXPECT_EQ(json::serialize(again), json::serialize(st)) << "nothing to write after a restart";

  EXPECT_FALSE(controllers::verification_from_status(st, 4).has_value()) << "the spec changed since";
  controllers::verification failed{false, "Unreachable", "connection refused", {}, {}, {}, {}, {}};
  auto unverified = controllers::compute_status(server(), opts, {&d, {}, failed, {}}, st, "t3");
  EXPECT_FALSE(controllers::verification_from_status(unverified, 3).has_value());
  EXPECT_FALSE(controllers::verification_from_status({}, 3).has_value());
}

TEST(Status, FailedWhenTheSpecCannotBeRealised) {
  controllers::observed obs{nullptr, {}, {}, "protocol stdio needs the mcp-bridge image"};
  auto st = controllers::compute_status(server(), opts, obs, {}, "t");
  EXPECT_EQ(st.at("phase").as_string(), "Failed");
  EXPECT_EQ(condition(st, "Ready", "reason"), "InvalidSpec");
  EXPECT_FALSE(st.contains("url"));
}

// An object of the server's name that something else controls is not a fault of the spec.
TEST(Status, FailedWithItsOwnReasonWhenANameIsTaken) {
  controllers::observed obs{nullptr, {}, {}, "ServiceAccount demo already exists and is not owned by this MCPServer"};
  obs.failure_reason = controllers::name_taken_reason;
  auto st = controllers::compute_status(server(), opts, obs, {}, "t");
  EXPECT_EQ(st.at("phase").as_string(), "Failed");
  for (const char* type : {"Ready", "Available", "Progressing", "Degraded"})
    EXPECT_EQ(condition(st, type, "reason"), "NameTaken") << type;
  EXPECT_EQ(condition(st, "Ready", "status"), "False");
  EXPECT_EQ(condition(st, "Ready", "message"), "ServiceAccount demo already exists and is not owned by this MCPServer");
}

json::object pod_of(const char* name, const char* hash, bool ready) {
  return json::object{
      {"metadata", json::object{{"name", name}, {"labels", json::object{{"pod-template-hash", hash}}}}},
      {"status", json::object{{"phase", "Running"},
                              {"conditions",
                               json::array{json::object{{"type", "Ready"}, {"status", ready ? "True" : "False"}}}}}}};
}

// kube-controller-manager writes the Deployment's counts a round after the Pods are Ready:
// the Pods of the current ReplicaSet say it first.
TEST(Status, ReadyFromTheCurrentRevisionsPodsBeforeTheDeploymentCountsThem) {
  auto d = deployment(2, 0, 2, 0);
  auto a = pod_of("demo-new-a", "new", true), b = pod_of("demo-new-b", "new", true);
  controllers::observed obs{&d, {&a, &b}, {}, {}};
  obs.current_hash = "new";
  auto st = controllers::compute_status(server(), opts, obs, {}, "t1");
  EXPECT_EQ(condition(st, "Ready"), "True");
  EXPECT_EQ(st.at("phase").as_string(), "Running");
  EXPECT_EQ(st.at("ready").as_string(), "2/2");
  EXPECT_EQ(condition(st, "Progressing", "reason"), "RolloutComplete");

  // Without the current revision known, the Deployment's counts decide, as before.
  obs.current_hash.clear();
  auto without = controllers::compute_status(server(), opts, obs, {}, "t1");
  EXPECT_EQ(condition(without, "Ready"), "False");
  EXPECT_EQ(without.at("ready").as_string(), "0/2");
}

TEST(Status, OldRevisionPodsDoNotMakeItReady) {
  auto d = deployment(3, 2, 1, 2);
  auto o1 = pod_of("demo-old-a", "old", true), o2 = pod_of("demo-old-b", "old", true);
  auto n1 = pod_of("demo-new-a", "new", false);
  controllers::observed obs{&d, {&o1, &o2, &n1}, {}, {}};
  obs.current_hash = "new";
  auto st = controllers::compute_status(server(), opts, obs, {}, "t1");
  EXPECT_EQ(condition(st, "Ready"), "False");
  EXPECT_EQ(st.at("phase").as_string(), "Progressing");
  EXPECT_EQ(st.at("ready").as_string(), "0/2");
}

TEST(Status, PodsCountOnlyOnceTheDeploymentsGenerationIsObserved) {
  auto d = deployment(2, 0, 0, 0);
  d.at("metadata").as_object()["generation"] = 6;  // a new template kube-controller-manager has not seen
  auto a = pod_of("demo-new-a", "new", true), b = pod_of("demo-new-b", "new", true);
  controllers::observed obs{&d, {&a, &b}, {}, {}};
  obs.current_hash = "new";
  auto st = controllers::compute_status(server(), opts, obs, {}, "t1");
  EXPECT_EQ(condition(st, "Ready"), "False");
}

TEST(Status, RunningWhileTheOldPodsAreScaledDown) {
  auto d = deployment(3, 3, 2, 3);
  auto a = pod_of("demo-new-a", "new", true), b = pod_of("demo-new-b", "new", true);
  auto old = pod_of("demo-old-a", "old", true);
  controllers::observed obs{&d, {&a, &b, &old}, {}, {}};
  obs.current_hash = "new";
  auto st = controllers::compute_status(server(), opts, obs, {}, "t1");
  EXPECT_EQ(condition(st, "Ready"), "True");
  EXPECT_EQ(st.at("phase").as_string(), "Running");
  EXPECT_EQ(condition(st, "Progressing"), "True");
  EXPECT_EQ(condition(st, "Progressing", "message"), "2/2 replicas ready, 1 old pod still running");
}

}  // namespace

namespace {

TEST(Status, TheCurrentReplicaSetIsTheOneOfTheDeploymentsRevision) {
  auto owned = [](const char* uid, const char* rev, const char* hash) {
    return json::object{
        {"metadata", json::object{{"annotations", json::object{{"deployment.kubernetes.io/revision", rev}}},
                                  {"labels", json::object{{"pod-template-hash", hash}}},
                                  {"ownerReferences", json::array{json::object{{"uid", uid}, {"controller", true}}}}}}};
  };
  auto d = json::object{
      {"metadata",
       json::object{{"uid", "d1"}, {"annotations", json::object{{"deployment.kubernetes.io/revision", "3"}}}}}};
  auto old = owned("d1", "2", "aaa"), cur = owned("d1", "3", "bbb"), other = owned("d0", "3", "ccc");
  EXPECT_EQ(controllers::current_template_hash(d, {&old, &other, &cur}), "bbb");
  EXPECT_EQ(controllers::current_template_hash(d, {&old, &other}), "");
  d.at("metadata").as_object().erase("annotations");  // kube-controller-manager has not seen it yet
  EXPECT_EQ(controllers::current_template_hash(d, {&old, &cur}), "");
}

}  // namespace
