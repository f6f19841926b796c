// Test support: reads YAML files (samples, CRDs) as JSON values, the way the apiserver would
// see them after `kubectl apply`. Scalars become strings unless they are plainly numbers or
// booleans, as YAML 1.2's core schema resolves them.
#pragma once

#include <boost/json/value.hpp>

#include <string>
#include <vector>

namespace test_support {

// Every document in the file, in order.
std::vector<boost::json::value> load_yaml_documents(const std::string& path);
boost::json::value yaml_to_json(const std::string& text);

}  // namespace test_support
