// The pure half of `logs`: which containers of a pod to read (-c bridge, -c server, a
// container's own name, or all of them), and each line prefixed with where it came from
// ("[pod/echo-7d9f/mcp-server] "), also when a chunk of a followed log ends mid-line.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace kubectl_mcp {

// The containers of `pod` that `wanted` names. "bridge": the mcp-bridge sidecar if the pod
// has one, else the mcp-server container (a stdio server runs behind the bridge in it);
// "server": mcp-server, else the pod's only container (an MCPPool's mcp-gateway); "": all.
std::vector<std::string> containers_for(const boost::json::object& pod, std::string_view wanted);

class line_prefixer {
 public:
  explicit line_prefixer(std::string prefix) : prefix_(std::move(prefix)) {}
  // The complete lines of `chunk` (with what was held back before), each prefixed.
  std::string feed(std::string_view chunk);
  // What is left of an unfinished last line, prefixed and ended; empty if nothing.
  std::string flush();

 private:
  std::string prefix_;
  std::string partial_;
};

}  // namespace kubectl_mcp
