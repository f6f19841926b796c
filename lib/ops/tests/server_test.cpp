#include "ops/server.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <time.h>

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <vector>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/_experimental/test/stream.hpp>

namespace {

namespace asio = boost::asio;
using boost::beast::test::stream;

std::string exchange(const std::string& request_bytes, bool close_after = true) {
  asio::io_context ioc;
  ops::health_checks live;
  ops::router routes(&live, nullptr, nullptr);
  stream server(ioc);
  stream client(ioc);
  server.connect(client);
  client.write_some(asio::buffer(request_bytes));
  if (close_after) {
    client.close();  // the server sees end_of_stream after the request
  }
  asio::co_spawn(ioc, ops::serve_connection(server, routes), asio::detached);
  ioc.run();
  return std::string(client.str());
}

TEST(ServeConnection, AnswersAProbe) {
  auto out = exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << out;
  EXPECT_NE(out.find("\r\n\r\nok"), std::string::npos) << out;
}

TEST(ServeConnection, AnswersPipelinedRequestsOnOneConnection) {
  auto out = exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /missing HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(out.find("HTTP/1.1 200 OK"), std::string::npos) << out;
  EXPECT_NE(out.find("HTTP/1.1 404 Not Found"), std::string::npos) << out;
}

TEST(ServeConnection, RefusesAnOversizedBodyByClosing) {
  std::string body(10000, 'x');
  auto out = exchange("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n" + body);
  EXPECT_EQ(out, "");
}

TEST(ServeConnection, HeadHasNoBody) {
  auto out = exchange("HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(out.find("Content-Length: 2"), std::string::npos) << out;
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n") << out;
}

TEST(ParseBindAddress, AcceptsControllerRuntimeForms) {
  asio::ip::tcp::endpoint ep;
  bool disabled = false;
  ASSERT_TRUE(ops::parse_bind_address(":8081", ep, disabled));
  EXPECT_EQ(ep.port(), 8081);
  EXPECT_FALSE(disabled);
  ASSERT_TRUE(ops::parse_bind_address("127.0.0.1:9090", ep, disabled));
  EXPECT_EQ(ep.address().to_string(), "127.0.0.1");
  ASSERT_TRUE(ops::parse_bind_address("[::1]:80", ep, disabled));
  EXPECT_EQ(ep.address().to_string(), "::1");
  ASSERT_TRUE(ops::parse_bind_address("0", ep, disabled));
  EXPECT_TRUE(disabled);
  EXPECT_FALSE(ops::parse_bind_address("host:notaport", ep, disabled));
  EXPECT_FALSE(ops::parse_bind_address(":70000", ep, disabled));
  EXPECT_FALSE(ops::parse_bind_address("999.1.1.1:80", ep, disabled));
}

}  // namespace

namespace {

double process_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Out of file descriptors, a pending connection makes every accept fail at once: the loop
// must back off instead of spinning on the CPU, and serve again once descriptors are free.
TEST(Serve, BacksOffWhenOutOfFileDescriptors) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto endpoint = acceptor.local_endpoint();
  ops::health_checks live;
  ops::router routes(&live, nullptr, nullptr);
  boost::asio::co_spawn(ioc, ops::serve(std::move(acceptor), routes), boost::asio::detached);
  // Clients first (they need descriptors too), then no descriptor is left for accept.
  std::vector<std::unique_ptr<boost::asio::ip::tcp::socket>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<boost::asio::ip::tcp::socket>(ioc));
    clients.back()->connect(endpoint);
  }
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  // accept takes the lowest free descriptor: a limit at it leaves none.
  const int lowest_free = ::fcntl(0, F_DUPFD, 0);
  ASSERT_GE(lowest_free, 0);
  ::close(lowest_free);
  rlimit tight = saved;
  tight.rlim_cur = static_cast<rlim_t>(lowest_free);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
  const double cpu0 = process_cpu_seconds();
  ioc.run_for(std::chrono::milliseconds(500));
  const double used = process_cpu_seconds() - cpu0;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_LT(used, 0.1) << "the accept loop spun for " << used << " s of CPU in 0.5 s";
  // Descriptors are back: the pending connections are accepted and served.
  boost::asio::ip::tcp::socket probe(ioc);
  probe.connect(endpoint);
  const std::string req = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  boost::asio::write(probe, boost::asio::buffer(req));
  std::string got;
  std::array<char, 512> buf{};
  ioc.restart();
  bool done = false;
  probe.async_read_some(boost::asio::buffer(buf), [&](const boost::system::error_code& ec, std::size_t n) {
    if (!ec) {
      got.assign(buf.data(), n);
    }
    done = true;
  });
  ioc.run_for(std::chrono::seconds(3));
  EXPECT_TRUE(done);
  EXPECT_NE(got.find("200"), std::string::npos) << got;
}

}  // namespace

namespace {

// The listener's connections are tasks of its own: cancelling the listener (what the
// manager does on shutdown) ends an idle keep-alive connection at once, not after the
// 30 s idle timeout, and serve() completes only once that connection has ended.
TEST(Serve, CancellingTheListenerClosesItsIdleKeepAliveConnections) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto endpoint = acceptor.local_endpoint();
  ops::health_checks live;
  ops::router routes(&live, nullptr, nullptr);
  boost::asio::cancellation_signal stop;
  bool served = false;
  boost::asio::co_spawn(ioc, ops::serve(std::move(acceptor), routes),
                        boost::asio::bind_cancellation_slot(stop.slot(), [&](std::exception_ptr) { served = true; }));
  std::vector<std::unique_ptr<boost::asio::ip::tcp::socket>> clients;
  std::vector<std::string> replies(3);
  int answered = 0;
  for (auto& reply : replies) {
    clients.push_back(std::make_unique<boost::asio::ip::tcp::socket>(ioc));
    clients.back()->connect(endpoint);
    const std::string req = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";  // keep-alive
    boost::asio::write(*clients.back(), boost::asio::buffer(req));
    boost::asio::async_read_until(*clients.back(), boost::asio::dynamic_buffer(reply), "\r\n\r\nok",
                                  [&](const boost::system::error_code& ec, std::size_t) { answered += ec ? 0 : 1; });
  }
  ioc.run_for(std::chrono::milliseconds(300));
  ASSERT_EQ(answered, 3) << "every connection got its answer and stays open";
  ASSERT_FALSE(served);
  ioc.restart();
  stop.emit(boost::asio::cancellation_type::terminal);
  int closed = 0;
  std::array<char, 64> sink{};
  for (auto& c : clients) {
    c->async_read_some(boost::asio::buffer(sink), [&](const boost::system::error_code& ec, std::size_t) {
      closed += ec == boost::asio::error::eof ? 1 : 0;
    });
  }
  const auto t0 = std::chrono::steady_clock::now();
  ioc.run_for(std::chrono::seconds(5));
  EXPECT_EQ(closed, 3) << "the clients see EOF";
  EXPECT_TRUE(served) << "serve() completes once its connections have ended";
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
}

}  // namespace
