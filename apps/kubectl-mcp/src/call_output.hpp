// How `call` prints a CallToolResult and which exit status it gives. Text content is printed
// as it is (one item per line), other content as a one-line summary ("[image image/png,
// 1024 bytes]"), and structuredContent as indented JSON unless a text item already carried
// the same JSON. A result with isError goes to stderr and exits 1; -o json|yaml prints the
// whole result on stdout (the exit status still says isError). Pure.
#pragma once

#include <boost/json/object.hpp>

#include <string>

#include "cli.hpp"

namespace kubectl_mcp {

struct printed {
  std::string out;  // for stdout
  std::string err;  // for stderr
  int exit_code = 0;
};

printed render_call_result(const boost::json::object& result, bool is_error, output_format fmt,
                           const std::string& tool);

}  // namespace kubectl_mcp
