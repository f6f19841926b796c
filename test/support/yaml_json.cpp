#include "yaml_json.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>

#include <charconv>

namespace test_support {

namespace {

boost::json::value scalar(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() == "!") {  // quoted: always a string
    return boost::json::value(s);
  }
  if (s == "true" || s == "false")
    return boost::json::value(s == "true");
  if (s == "null" || s == "~")
    return nullptr;
  std::int64_t i = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
  if (ec == std::errc{} && p == s.data() + s.size() && !s.empty())
    return boost::json::value(i);
  return boost::json::value(s);
}

boost::json::value convert(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      boost::json::object o;
      for (const auto& kv : n)
        o[kv.first.Scalar()] = convert(kv.second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      boost::json::array a;
      for (const auto& e : n)
        a.push_back(convert(e));
      return a;
    }
    case YAML::NodeType::Scalar:
      return scalar(n);
    default:
      return nullptr;
  }
}

}  // namespace

std::vector<boost::json::value> load_yaml_documents(const std::string& path) {
  std::vector<boost::json::value> out;
  for (const auto& doc : YAML::LoadAllFromFile(path)) {
    if (doc.IsDefined() && !doc.IsNull())
      out.push_back(convert(doc));
  }
  return out;
}

boost::json::value yaml_to_json(const std::string& text) {
  return convert(YAML::Load(text));
}

}  // namespace test_support
