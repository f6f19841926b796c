// Tools as a user reads them, and arguments as a user writes them: the table of `tools`
// (name, description, an input-schema summary such as "message*:string, count:integer",
// '*' marking required arguments) and the arguments object of `call`, where each
// `--arg KEY=VALUE` is typed by the tool's inputSchema (an integer property gets 5, not "5").
// Pure functions.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli.hpp"

namespace kubectl_mcp {

// "message*:string, count:integer" (required first, then the rest, each in schema order).
std::string schema_summary(const boost::json::object& input_schema);

// The table of `tools` (wide: the whole first line of each description).
std::string render_tools(const boost::json::array& tools, output_format fmt);

// The tool named `name` in `tools`, or null.
const boost::json::object* find_tool(const boost::json::array& tools, std::string_view name);

// The arguments of tools/call. `tool` (may be null: every --arg is then a string) gives the
// types. Fails with a one-line message on an unparseable value or --json that is not an object.
bool build_arguments(const std::vector<std::pair<std::string, std::string>>& args,
                     const std::optional<std::string>& json_args, const boost::json::object* tool,
                     boost::json::object& out, std::string& error);

}  // namespace kubectl_mcp
