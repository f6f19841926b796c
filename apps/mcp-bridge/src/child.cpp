#include "child.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "log.hpp"
#include "mcp/line_framer.hpp"

extern char** environ;

namespace bridge {
namespace asio = boost::asio;

namespace {

std::uint64_t g_next_serial = 1;  // only touched on the io_context thread
std::string exit_reason(int wait_status) {
  std::string why = "MCP server process exited";
  if (WIFSIGNALED(wait_status)) {
    why += " (signal " + std::to_string(WTERMSIG(wait_status)) + ")";
  } else if (WIFEXITED(wait_status)) {
    why += " (status " + std::to_string(WEXITSTATUS(wait_status)) + ")";
  }
  return why;
}

// Reads a descriptor until EOF or error, handing each chunk to `sink`.
template <class Sink>
asio::awaitable<void> pump(asio::posix::stream_descriptor& d, Sink sink) {
  std::array<char, 65536> buf;
  for (;;) {
    auto [ec, n] = co_await d.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
    if (n > 0) {
      sink(std::string_view(buf.data(), n));
    }
    if (ec) {
      co_return;
    }
  }
}

}  // namespace

reaper::reaper(const asio::any_io_executor& ex, metrics& m) : ex_(ex), metrics_(m) {}

void reaper::watch(pid_t pid, std::weak_ptr<child_process> c) {
  children_[pid] = std::move(c);
  metrics_.set_children_running(static_cast<std::int64_t>(children_.size()));
  reap();  // the child may already have exited before we watched it
}

void reaper::start() {
  // The bridge is PID 1 of its container, or at least the root of its servers' process
  // trees: orphans (the server a launcher forked, a daemonized grandchild) must become our
  // children so the loop below reaps them, instead of piling up as zombies.
  if (!subreaper_set_ && ::getpid() != 1) {
    subreaper_set_ = ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0;
  }
  signals_ = std::make_unique<asio::basic_signal_set<asio::any_io_executor>>(ex_, SIGCHLD);
  wait_signal();
}

void reaper::wait_signal() {
  signals_->async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) {
      return;
    }
    reap();
    wait_signal();
  });
}

void reaper::stop() {
  if (signals_) {
    signals_->cancel();
  }
}

void reaper::reap() {
  // SIGCHLD coalesces: one signal may stand for many exits, so wait until none is left.
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid == 0) {
      break;
    }
    if (pid < 0) {
      // ECHILD: no child at all, so whatever we still watch was reaped already.
      if (errno == EINTR) {
        continue;
      }
      auto left = std::move(children_);
      children_.clear();
      for (auto& [p, w] : left) {
        if (auto c = w.lock()) {
          c->reaped(0);
        }
      }
      break;
    }
    auto it = children_.find(pid);
    if (it == children_.end()) {
      ++orphans_reaped_;
      metrics_.orphan_reaped();
      continue;
    }
    auto c = it->second.lock();
    children_.erase(it);
    metrics_.set_children_running(static_cast<std::int64_t>(children_.size()));
    if (c) {
      c->reaped(status);  // may spawn and watch a new child: children_ is not iterated here
    }
  }
  if (on_reap_) {
    on_reap_();
  }
}

std::size_t reaper::signal_children(int sig) const {
  // Our children by /proc: the ones we spawned and every orphan that was reparented to us.
  const pid_t self = ::getpid();
  std::size_t n = 0;
  DIR* d = ::opendir("/proc");
  if (!d) {
    return 0;
  }
  while (const dirent* e = ::readdir(d)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') {
      continue;
    }
    std::ifstream in(std::string("/proc/") + e->d_name + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')');
    if (close == std::string::npos || close + 4 >= stat.size()) {
      continue;
    }
    std::istringstream fields(stat.substr(close + 2));
    char state = 0;
    long ppid = 0;
    fields >> state >> ppid;
    if (ppid == self && state != 'Z' && ::kill(static_cast<pid_t>(pid), sig) == 0) {
      ++n;
    }
  }
  ::closedir(d);
  return n;
}

boost::system::result<std::shared_ptr<child_process>> child_process::spawn(const asio::any_io_executor& ex,
                                                                           const child_config& config, reaper& r,
                                                                           metrics& m) {
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0) {
    return boost::system::error_code(errno, boost::system::system_category());
  }
  if (::pipe2(out, O_CLOEXEC) != 0) {
    const int e = errno;
    ::close(in[0]), ::close(in[1]);
    return boost::system::error_code(e, boost::system::system_category());
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    const int e = errno;
    ::close(in[0]), ::close(in[1]), ::close(out[0]), ::close(out[1]);
    return boost::system::error_code(e, boost::system::system_category());
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  // dup2 clears FD_CLOEXEC on the target, so exactly fds 0, 1 and 2 reach the child.
  posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
  // Asio does not open sockets close-on-exec: without this the listening socket and every
  // client connection would leak into the child (which could then accept our connections
  // and keeps the port open after the bridge stops listening).
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group: terminate() signals the whole tree (npx starts node underneath).
  // Default signal dispositions: the bridge ignores SIGPIPE, the child must not inherit that.
  sigset_t defaults, empty;
  sigemptyset(&defaults);
  sigemptyset(&empty);
  for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGCHLD, SIGHUP}) {
    sigaddset(&defaults, s);
  }
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> argv;
  for (const auto& a : config.argv) {
    argv.push_back(const_cast<char*>(a.c_str()));
  }
  argv.push_back(nullptr);
  pid_t pid = -1;
  // The child gets the bridge's environment unchanged: the operator sets the container's
  // env for the server, and the bridge adds nothing of its own.
  const int rc = ::posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(in[1]), ::close(out[0]), ::close(err[0]);
    return boost::system::error_code(rc, boost::system::system_category());
  }
  auto c = std::make_shared<child_process>(ex, config, m);
  c->pid_ = pid;
  c->in_.assign(in[1]);
  c->out_.assign(out[0]);
  c->err_.assign(err[0]);
  m.child_started();
  c->start_io();
  r.watch(pid, c);
  return c;
}

child_process::child_process(const asio::any_io_executor& ex, const child_config& config, metrics& m)
    : ex_(ex),
      config_(config),
      metrics_(m),
      serial_(g_next_serial++),
      in_(ex),
      out_(ex),
      err_(ex),
      kill_timer_(ex),
      term_timer_(ex),
      start_timer_(ex) {}

child_process::~child_process() {
  // Last owner gone while the process may still run: make sure it does not outlive us.
  if (!exited_ && pid_ > 0) {
    ::kill(-pid_, SIGKILL);
  }
  fire_started();
}

void child_process::on_started(std::function<void()> fn, std::chrono::milliseconds limit) {
  on_started_ = std::move(fn);
  if (spoke_ || exited_) {
    fire_started();
    return;
  }
  start_timer_.expires_after(limit);
  // No shared_from_this: the destructor fires the callback (and cancels this wait) itself.
  start_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      fire_started();
    }
  });
}

void child_process::fire_started() {
  if (!on_started_) {
    return;
  }
  auto fn = std::move(on_started_);
  on_started_ = nullptr;
  start_timer_.cancel();
  fn();
}

void child_process::start_io() {
  auto self = shared_from_this();
  asio::co_spawn(
      ex_,
      [self]() -> asio::awaitable<void> {
        mcp::line_framer framer(self->config_.max_line);
        co_await pump(self->out_, [&](std::string_view bytes) {
          framer.feed(bytes);
          mcp::frame f;
          while (framer.next(f)) {
            if (f.type == mcp::frame::kind::oversize) {
              self->metrics_.child_line_dropped();
              log::warn("child stdout line over the size limit dropped", {{"pid", std::to_string(self->pid_)}});
              continue;
            }
            self->handle_stdout(f.text);
          }
        });
        self->stdout_done_ = true;
        self->maybe_finish();
      },
      asio::detached);
  asio::co_spawn(
      ex_,
      [self]() -> asio::awaitable<void> {
        mcp::line_framer framer(4096);
        co_await pump(self->err_, [&](std::string_view bytes) {
          framer.feed(bytes);
          mcp::frame f;
          while (framer.next(f)) {
            self->handle_stderr(f.type == mcp::frame::kind::oversize ? std::string_view("[line too long]")
                                                                     : std::string_view(f.text));
          }
        });
        self->stderr_done_ = true;
        self->maybe_finish();
      },
      asio::detached);
}

void child_process::handle_stdout(std::string_view line) {
  auto parsed = mcp::parse(line);
  if (!parsed) {
    metrics_.child_line_dropped();
    log::warn("child printed a non-JSON-RPC line on stdout; dropped",
              {{"pid", std::to_string(pid_)}, {"line", line.substr(0, 200)}});
    return;
  }
  spoke_ = true;
  fire_started();
  for (auto& m : parsed->messages) {
    deliver(std::move(m));
  }
}

void child_process::handle_stderr(std::string_view line) {
  const auto now = std::chrono::steady_clock::now();
  if (now - window_start_ >= std::chrono::seconds(1)) {
    if (stderr_dropped_ > 0) {
      log::warn("child stderr lines dropped by rate limit",
                {{"pid", std::to_string(pid_)}, {"dropped", std::to_string(stderr_dropped_)}});
    }
    window_start_ = now;
    window_lines_ = 0;
    stderr_dropped_ = 0;
  }
  if (window_lines_++ >= config_.stderr_lines_per_second) {
    ++stderr_dropped_;
    return;
  }
  log::info("child stderr", {{"pid", std::to_string(pid_)}, {"line", line}});
}

void child_process::send(std::string json) {
  if (exited_ || terminating_ || !in_.is_open()) {
    return;
  }
  json.push_back('\n');
  write_queue_.push_back(std::move(json));
  kick_writer();
}

void child_process::kick_writer() {
  if (writing_ || write_queue_.empty()) {
    return;
  }
  writing_ = true;
  auto self = shared_from_this();
  asio::co_spawn(
      ex_,
      [self]() -> asio::awaitable<void> {
        while (!self->write_queue_.empty() && self->in_.is_open()) {
          auto [ec, n] = co_await asio::async_write(self->in_, asio::buffer(self->write_queue_.front()),
                                                    asio::as_tuple(asio::use_awaitable));
          (void)n;
          if (ec) {
            self->write_queue_.clear();
            break;
          }
          self->write_queue_.pop_front();
        }
        self->writing_ = false;
        if (self->terminating_) {
          self->close_stdin_and_signal();
        }
      },
      asio::detached);
}

void child_process::terminate() {
  if (terminating_ || exited_) {
    return;
  }
  terminating_ = true;
  kill_timer_.expires_after(config_.kill_grace);
  auto self = shared_from_this();
  kill_timer_.async_wait([self](const boost::system::error_code& ec) {
    if (!ec && !self->exited_) {
      ::kill(-self->pid_, SIGKILL);
    }
  });
  // What is queued already (a notifications/cancelled, say) still reaches the child; the
  // writer closes stdin and signals once it is written (the kill timer bounds the wait).
  if (!writing_) {
    close_stdin_and_signal();
  }
}

void child_process::close_stdin_and_signal() {
  write_queue_.clear();
  boost::system::error_code ignored;
  in_.close(ignored);
  // The stdio shutdown MCP describes: stdin EOF first (many servers exit on it, and one
  // that was just sent notifications/cancelled gets to read it), SIGTERM to the group if
  // it is still there a moment later, SIGKILL after the grace period.
  term_timer_.expires_after(std::min(config_.term_delay, config_.kill_grace));
  auto self = shared_from_this();
  term_timer_.async_wait([self](const boost::system::error_code& ec) {
    if (!ec && !self->exited_) {
      ::kill(-self->pid_, SIGTERM);
    }
  });
}

void child_process::reaped(int wait_status) {
  exited_ = true;
  wait_status_ = wait_status;
  kill_timer_.cancel();
  term_timer_.cancel();
  fire_started();
  // Whatever the leader left behind in its group goes too; otherwise a grandchild holding
  // our stdout pipe would keep the session half-alive forever.
  ::kill(-pid_, SIGKILL);
  boost::system::error_code ignored;
  in_.close(ignored);
  maybe_finish();
}

void child_process::maybe_finish() {
  if (finished_ || !exited_ || !stdout_done_ || !stderr_done_) {
    return;
  }
  finished_ = true;
  close_all();
  report_end(exit_reason(wait_status_));
}

void child_process::close_all() {
  boost::system::error_code ignored;
  in_.close(ignored);
  out_.close(ignored);
  err_.close(ignored);
}

}  // namespace bridge
