#include "ops/server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
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
