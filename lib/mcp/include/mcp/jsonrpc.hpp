// JSON-RPC 2.0 messages as MCP uses them: classification and validation of what a client
// or a child sends, and building the error responses the bridge itself answers with.
// Validation follows JSON-RPC 2.0 plus MCP's extra rule that request ids are strings or
// integers, never null. Messages keep their original JSON so forwarding is lossless.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace mcp {

enum class message_kind { request, notification, response, error_response };

struct message {
  message_kind kind = message_kind::notification;
  boost::json::object body;

  [[nodiscard]] bool is_request() const { return kind == message_kind::request; }
  [[nodiscard]] bool is_response() const {
    return kind == message_kind::response || kind == message_kind::error_response;
  }
  // Null for notifications.
  [[nodiscard]] const boost::json::value& id() const;
  // Empty for responses.
  [[nodiscard]] std::string_view method() const;
};

struct parsed_body {
  bool batch = false;
  std::vector<message> messages;
};

// Classifies one JSON value; fails with error::invalid_request.
boost::system::result<message> classify(boost::json::value v);

// Parses a body or a line: one message or a batch. Fails with error::parse_error,
// error::invalid_request or error::empty_batch.
boost::system::result<parsed_body> parse(std::string_view text);

// Canonical text of an id, usable as a map key ("s:abc" / "n:42") so that 1 and "1" differ.
std::string id_key(const boost::json::value& id);

// {"jsonrpc":"2.0","id":id,"error":{"code":code,"message":text}}; id may be null.
std::string error_response(const boost::json::value& id, int code, std::string_view text);

// Serialises a message body for the wire (no trailing newline).
std::string serialize(const message& m);

}  // namespace mcp
