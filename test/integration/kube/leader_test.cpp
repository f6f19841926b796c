// Two manager processes contend for one Lease: exactly one reconciles; kill -9 of the leader
// hands over within 20 s; SIGTERM of the leader releases the lease and the other leads
// within 5 s; and no reconcile of one process ever falls inside the other's leadership.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness.hpp"
#include "kube/runtime/leader_election.hpp"

namespace kube {
namespace {

using testing::harness;
using testing::json;
using testing::scoped_namespace;
using namespace std::chrono_literals;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class candidate {
 public:
  candidate(const std::string& identity, const std::string& ns, const std::string& metrics_addr = {},
            const std::string& probe_addr = {})
      : identity_(identity) {
    out_ = std::string(std::getenv("MCP_BINARY_DIR") ? std::getenv("MCP_BINARY_DIR") : "/tmp") + "/leader-" + identity +
           "-" + std::to_string(::getpid()) + ".out";
    const std::string exe = std::string(std::getenv("MCP_BINARY_DIR")) + "/test/integration/kube/kube_leader_demo";
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      if (!metrics_addr.empty()) {
        ::setenv("KUBE_DEMO_METRICS_ADDR", metrics_addr.c_str(), 1);
        ::setenv("KUBE_DEMO_PROBE_ADDR", probe_addr.c_str(), 1);
      }
      ::execl(exe.c_str(), exe.c_str(), identity.c_str(), ns.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~candidate() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::remove(out_.c_str());
  }
  // Reconcile timestamps printed so far.
  [[nodiscard]] std::vector<std::int64_t> reconciles() const {
    std::ifstream in(out_);
    std::vector<std::int64_t> t;
    std::string word, who;
    std::int64_t ms = 0;
    while (in >> word >> who >> ms) {
      t.push_back(ms);
    }
    return t;
  }
  void signal(int sig) { ::kill(pid_, sig); }
  // Waits (bounded) for the process to exit; returns its exit status or -1.
  int wait_exit(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(50ms);
    }
    return -1;
  }
  const std::string identity_;

 private:
  std::string out_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

// Waits until `c` reconciles; returns the wall time of its first reconcile, or 0.
std::int64_t first_reconcile(const candidate& c, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = c.reconciles();
    if (!r.empty()) {
      return r.front();
    }
    std::this_thread::sleep_for(50ms);
  }
  return 0;
}

TEST(KubeLeaderElection, ExactlyOneLeadsAndHandoverNeverOverlaps) {
  harness h;
  scoped_namespace ns(h, "kube-leader");
  api cms(h.http, resources::config_maps(), ns.name);
  ASSERT_TRUE(h.run(cms.create(json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"tick"}})"))));

  auto a = std::make_unique<candidate>("a", ns.name);
  auto b = std::make_unique<candidate>("b", ns.name);
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (a->reconciles().empty() && b->reconciles().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  std::this_thread::sleep_for(3s);
  const bool a_leads = !a->reconciles().empty();
  ASSERT_NE(a_leads, !b->reconciles().empty()) << "exactly one candidate must reconcile";
  auto& leader = a_leads ? a : b;
  auto& follower = a_leads ? b : a;

  // kill -9: no release; the follower waits for the lease to expire (15 s + one retry).
  leader->signal(SIGKILL);
  const auto killed_at = now_ms();
  ASSERT_NE(leader->wait_exit(10s), -1);
  const auto last_of_killed = leader->reconciles().back();
  const auto took_over = first_reconcile(*follower, 25s);
  ASSERT_NE(took_over, 0) << "follower never took over";
  EXPECT_LE(took_over - killed_at, 20'000) << "takeover after kill -9 took too long";
  EXPECT_GT(took_over, last_of_killed) << "both reconciled at the same time";

  // SIGTERM: the leader releases the lease; a new candidate leads within 5 s.
  auto c = std::make_unique<candidate>("c", ns.name);
  std::this_thread::sleep_for(3s);
  EXPECT_TRUE(c->reconciles().empty()) << "a second leader appeared";
  follower->signal(SIGTERM);
  const auto term_at = now_ms();
  EXPECT_EQ(follower->wait_exit(30s), 0) << "graceful shutdown must exit 0";
  const auto last_of_stopped = follower->reconciles().back();
  const auto c_first = first_reconcile(*c, 10s);
  ASSERT_NE(c_first, 0);
  EXPECT_LE(c_first - term_at, 5'000) << "release did not hand over within 5 s";
  EXPECT_GT(c_first, last_of_stopped) << "both reconciled at the same time";
  c->signal(SIGTERM);
  EXPECT_EQ(c->wait_exit(30s), 0);
}

TEST(KubeLeaderElection, LeaderWhoseLeaseIsTakenStopsReconcilingAtOnceAndExitsOne) {
  harness h;
  scoped_namespace ns(h, "kube-stolen");
  api cms(h.http, resources::config_maps(), ns.name);
  ASSERT_TRUE(h.run(cms.create(json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"tick"}})"))));
  candidate victim("victim", ns.name);
  ASSERT_NE(first_reconcile(victim, 30s), 0);
  // Another party overwrites the lease and keeps renewing it: the victim can no longer renew.
  api leases(h.http, resources::leases(), ns.name);
  const auto stolen_at = now_ms();
  int exit_code = -1;
  for (int i = 0; i < 40 && exit_code == -1; ++i) {
    auto lease = h.run(leases.get("kube-leader-test"));
    ASSERT_TRUE(lease) << lease.error().describe();
    auto& spec = (*lease)["spec"].as_object();
    spec["holderIdentity"] = "thief";
    spec["renewTime"] = micro_time(std::chrono::system_clock::now());
    (void)h.run(leases.replace("kube-leader-test", *lease));
    exit_code = victim.wait_exit(500ms);
  }
  EXPECT_EQ(exit_code, 1) << "a leader that lost its lease must exit 1";
  const auto last = victim.reconciles().back();
  // The next renewal (every 2 s) sees the other holder and ends leadership then and there.
  EXPECT_LT(last - stolen_at, 4'000) << "kept reconciling after losing the lease";
}

std::string free_port() {
  FILE* p = ::popen(
      "python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1]); s.close()'",
      "r");
  char buf[16] = {};
  if (!p || !std::fgets(buf, sizeof buf, p)) {
    throw std::runtime_error("no free port");
  }
  ::pclose(p);
  return std::string(buf, std::strlen(buf) - 1);
}

// GET http://127.0.0.1:<port><path>; returns "<status>\n<body>".
std::string http_get(const std::string& port, const std::string& path) {
  const std::string cmd = "curl -s --max-time 2 -w '\n%{http_code}' http://127.0.0.1:" + port + path;
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (p && std::fgets(buf, sizeof buf, p)) {
    out += buf;
  }
  if (p) {
    ::pclose(p);
  }
  return out;
}

TEST(KubeManager, ServesProbesAndControllerRuntimeMetricsAndExitsZeroOnSigterm) {
  harness h;
  scoped_namespace ns(h, "kube-manager");
  api cms(h.http, resources::config_maps(), ns.name);
  ASSERT_TRUE(h.run(cms.create(json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"tick"}})"))));
  const auto metrics = free_port();
  const auto probes = free_port();
  candidate m("m", ns.name, "127.0.0.1:" + metrics, "127.0.0.1:" + probes);
  ASSERT_NE(first_reconcile(m, 30s), 0);
  EXPECT_EQ(http_get(probes, "/healthz"), "ok\n200");
  EXPECT_EQ(http_get(probes, "/readyz"), "ok\n200") << "ready once the caches are synced";
  const auto text = http_get(metrics, "/metrics");
  EXPECT_NE(text.find(R"(controller_runtime_reconcile_total{controller="ticker",result="requeue_after"})"),
            std::string::npos)
      << text.substr(0, 2000);
  EXPECT_NE(text.find(R"(workqueue_depth{controller="ticker",name="ticker"})"), std::string::npos);
  EXPECT_NE(text.find("controller_runtime_reconcile_time_seconds_bucket"), std::string::npos);
  EXPECT_NE(text.find("workqueue_work_duration_seconds_bucket"), std::string::npos);
  m.signal(SIGTERM);
  EXPECT_EQ(m.wait_exit(30s), 0);
}

}  // namespace
}  // namespace kube
