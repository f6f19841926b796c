#include "logs_view.hpp"

#include <algorithm>

namespace kubectl_mcp {

std::vector<std::string> containers_for(const boost::json::object& pod, std::string_view wanted) {
  std::vector<std::string> all;
  if (const auto* spec = pod.if_contains("spec"); spec != nullptr && spec->is_object())
    if (const auto* cs = spec->get_object().if_contains("containers"); cs != nullptr && cs->is_array())
      for (const auto& c : cs->get_array())
        if (const auto* co = c.if_object(); co != nullptr && co->contains("name") && co->at("name").is_string())
          all.emplace_back(co->at("name").get_string());
  auto has = [&](std::string_view n) { return std::find(all.begin(), all.end(), n) != all.end(); };
  if (wanted.empty())
    return all;
  if (wanted == "bridge") {
    if (has("mcp-bridge"))
      return {"mcp-bridge"};
    if (has("mcp-server"))
      return {"mcp-server"};
    return {};
  }
  if (wanted == "server") {
    if (has("mcp-server"))
      return {"mcp-server"};
    if (all.size() == 1)
      return all;
    return {};
  }
  if (has(wanted))
    return {std::string(wanted)};
  return {};
}

std::string line_prefixer::feed(std::string_view chunk) {
  partial_.append(chunk);
  std::string out;
  std::size_t start = 0;
  for (auto nl = partial_.find('\n'); nl != std::string::npos; nl = partial_.find('\n', start)) {
    out += prefix_;
    out.append(partial_, start, nl - start + 1);
    start = nl + 1;
  }
  partial_.erase(0, start);
  return out;
}

std::string line_prefixer::flush() {
  if (partial_.empty())
    return {};
  std::string out = prefix_ + partial_ + "\n";
  partial_.clear();
  return out;
}

}  // namespace kubectl_mcp
