// Latency samples and outcome counts, summarised as JSON for bench/bridge/report.py.
// Percentiles are nearest-rank over all samples (no histogram buckets, so p99 of a few
// thousand samples is an observed value).
#pragma once

#include <array>
#include <boost/json/object.hpp>
#include <map>
#include <vector>

#include "session.hpp"

namespace loadgen {

struct tally {
  std::vector<double> ok_ms;  // latency of successful operations
  std::array<std::uint64_t, outcome_count> outcomes{};
  std::map<unsigned, std::uint64_t> http_statuses;  // of http_error outcomes
  double max_ms = 0;                                // of any operation, failed or not

  void add(outcome o, double ms, unsigned status);
  void merge(const tally& other);
  [[nodiscard]] std::uint64_t total() const;
  [[nodiscard]] boost::json::object to_json() const;
};

double percentile(std::vector<double> v, double p);

// VmRSS of a process from /proc, in KiB (0 if unreadable). Its children are not included.
std::uint64_t rss_kib(int pid);

// CPU time (user + system) a process has used so far, in ms, from /proc; children excluded.
double cpu_ms(int pid);

}  // namespace loadgen
