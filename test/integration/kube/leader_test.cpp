// Two manager processes contend for one Lease: exactly one reconciles; kill -9 of the leader
// hands over within 20 s; SIGTERM of the leader releases the lease and the other leads
// within 5 s; and no reconcile of one process ever falls inside the other's leadership.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "harness.hpp"

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
  candidate(const std::string& identity, const std::string& ns) : identity_(identity) {
    out_ = std::string(std::getenv("MCP_BINARY_DIR") ? std::getenv("MCP_BINARY_DIR") : "/tmp") + "/leader-" + identity +
           "-" + std::to_string(::getpid()) + ".out";
    const std::string exe = std::string(std::getenv("MCP_BINARY_DIR")) + "/test/integration/kube/kube_leader_demo";
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
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
  int wait_exit(std::chrono::seconds limit) {
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

}  // namespace
}  // namespace kube
