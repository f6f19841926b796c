// The runtime's task groups (async::task_group) report a failed task through spdlog, so the
// line has the operator's log format (JSON or text) like every other.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace kube::detail {

inline void log_task_failure(std::string_view task, std::string_view error) {
  spdlog::error("msg=\"task failed\" task={} error=\"{}\"", task, error);
}

}  // namespace kube::detail
