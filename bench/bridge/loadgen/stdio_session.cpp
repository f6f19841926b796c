#include "stdio_session.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

extern char** environ;

namespace loadgen {
namespace asio = boost::asio;
namespace json = boost::json;
using asio::as_tuple;
using asio::use_awaitable;

stdio_session::stdio_session(const asio::any_io_executor& ex, std::vector<std::string> command,
                             std::chrono::milliseconds timeout)
    : in_(ex), out_(ex), timer_(ex), command_(std::move(command)), timeout_(timeout) {}

stdio_session::~stdio_session() {
  if (pid_ > 0) {  // close() was not reached (the run was cut short): never leave a child
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

bool stdio_session::spawn() {
  std::array<int, 2> to_child{-1, -1};
  std::array<int, 2> from_child{-1, -1};
  if (::pipe2(to_child.data(), O_CLOEXEC) != 0) {
    return false;
  }
  if (::pipe2(from_child.data(), O_CLOEXEC) != 0) {
    ::close(to_child[0]);
    ::close(to_child[1]);
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> argv;
  argv.reserve(command_.size() + 1);
  for (auto& a : command_) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  const int rc = ::posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(to_child[0]);
  ::close(from_child[1]);
  if (rc != 0) {
    pid_ = -1;
    ::close(to_child[1]);
    ::close(from_child[0]);
    return false;
  }
  in_.assign(to_child[1]);
  out_.assign(from_child[0]);
  return true;
}

asio::awaitable<outcome> stdio_session::exchange(const std::string& line, std::uint64_t id) {
  timed_out_ = false;
  timer_.expires_after(timeout_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      timed_out_ = true;
      boost::system::error_code ignored;
      in_.cancel(ignored);
      out_.cancel(ignored);
    }
  });
  auto finish = [this](outcome o) {
    timer_.cancel();
    return timed_out_ ? outcome::timeout : o;
  };
  if (auto [ec, n] = co_await asio::async_write(in_, asio::buffer(line), as_tuple(use_awaitable)); ec) {
    co_return finish(outcome::io_error);
  }
  if (id == 0) {
    co_return finish(outcome::ok);
  }
  std::array<char, 65536> buf;
  for (;;) {
    mcp::frame f;
    while (framer_.next(f)) {
      if (f.type != mcp::frame::kind::line) {
        continue;
      }
      boost::system::error_code pec;
      auto v = json::parse(f.text, pec);
      const auto* o = pec ? nullptr : v.if_object();
      const auto* i = o != nullptr ? o->if_contains("id") : nullptr;
      if (i == nullptr || !i->is_number() || i->to_number<std::uint64_t>() != id) {
        continue;  // a notification or a request from the server: not our answer
      }
      co_return finish(o->contains("error") ? outcome::jsonrpc_error : outcome::ok);
    }
    auto [ec, n] = co_await out_.async_read_some(asio::buffer(buf), as_tuple(use_awaitable));
    if (ec) {
      co_return finish(outcome::io_error);
    }
    framer_.feed(std::string_view(buf.data(), n));
  }
}

asio::awaitable<outcome> stdio_session::initialize() {
  if (!spawn()) {
    co_return outcome::connect_error;
  }
  const std::uint64_t id = next_id_++;
  const std::string init =
      json::serialize(json::object{
          {"jsonrpc", "2.0"},
          {"id", id},
          {"method", "initialize"},
          {"params", json::object{{"protocolVersion", "2025-06-18"},
                                  {"capabilities", json::object{}},
                                  {"clientInfo", json::object{{"name", "mcp-bench-loadgen"}, {"version", "1"}}}}}}) +
      "\n";
  if (auto o = co_await exchange(init, id); o != outcome::ok) {
    co_return o;
  }
  co_return co_await exchange("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n", 0);
}

asio::awaitable<outcome> stdio_session::call(std::uint64_t n) {
  const std::uint64_t id = next_id_++;
  const std::string body =
      json::serialize(json::object{
          {"jsonrpc", "2.0"},
          {"id", id},
          {"method", "tools/call"},
          {"params",
           json::object{{"name", "echo"}, {"arguments", json::object{{"message", "m" + std::to_string(n)}}}}}}) +
      "\n";
  co_return co_await exchange(body, id);
}

asio::awaitable<void> stdio_session::close() {
  if (pid_ <= 0) {
    co_return;
  }
  boost::system::error_code ignored;
  in_.close(ignored);
  out_.close(ignored);
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 200; ++i) {  // 2 s, then SIGKILL
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      co_return;
    }
    timer_.expires_after(std::chrono::milliseconds(10));
    co_await timer_.async_wait(as_tuple(use_awaitable));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

}  // namespace loadgen
