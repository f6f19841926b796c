#include "stats.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

namespace loadgen {

void tally::add(outcome o, double ms, unsigned status) {
  outcomes[static_cast<std::size_t>(o)]++;
  max_ms = std::max(max_ms, ms);
  if (o == outcome::ok) {
    ok_ms.push_back(ms);
  } else if (o == outcome::http_error) {
    http_statuses[status]++;
  }
}

void tally::merge(const tally& other) {
  ok_ms.insert(ok_ms.end(), other.ok_ms.begin(), other.ok_ms.end());
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    outcomes[i] += other.outcomes[i];
  }
  for (const auto& [s, n] : other.http_statuses) {
    http_statuses[s] += n;
  }
  max_ms = std::max(max_ms, other.max_ms);
}

std::uint64_t tally::total() const {
  std::uint64_t n = 0;
  for (auto c : outcomes) {
    n += c;
  }
  return n;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

boost::json::object tally::to_json() const {
  boost::json::object counts;
  for (int i = 0; i < outcome_count; ++i) {
    counts[to_string(static_cast<outcome>(i))] = outcomes[static_cast<std::size_t>(i)];
  }
  boost::json::object statuses;
  for (const auto& [s, n] : http_statuses) {
    statuses[std::to_string(s)] = n;
  }
  double mean = 0;
  for (double x : ok_ms) {
    mean += x;
  }
  mean = ok_ms.empty() ? 0 : mean / static_cast<double>(ok_ms.size());
  return {{"total", total()},
          {"outcomes", counts},
          {"http_statuses", statuses},
          {"ok_ms",
           {{"p50", percentile(ok_ms, 50)},
            {"p90", percentile(ok_ms, 90)},
            {"p99", percentile(ok_ms, 99)},
            {"mean", mean},
            {"min", ok_ms.empty() ? 0 : *std::min_element(ok_ms.begin(), ok_ms.end())}}},
          {"max_ms", max_ms}};
}

std::uint64_t rss_kib(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.starts_with("VmRSS:")) {
      return std::stoull(line.substr(6));
    }
  }
  return 0;
}

}  // namespace loadgen

namespace loadgen {

double cpu_ms(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const auto paren = stat.rfind(')');  // the command name may contain spaces
  if (paren == std::string::npos) {
    return 0;
  }
  std::istringstream rest(stat.substr(paren + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; rest >> field && i <= 15; ++i) {
    if (i == 14 || i == 15) {  // utime, stime
      ticks += std::stod(field);
    }
  }
  return ticks * 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace loadgen
