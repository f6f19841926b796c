// What the MCPServer controller keeps of the objects it watches but does not own: Pods and
// ReplicaSets are cut down to what the status needs as they are decoded, and both are found by
// the server's instance label.
#pragma once

#include <optional>
#include <string>

#include "kube/core/object.hpp"

namespace controllers {

// A Pod: name, labels, owners, deletion and creation time; phase, conditions, container states.
void project_pod(kube::object& pod);

// A ReplicaSet: name, labels (its pod-template-hash), owners and its revision annotation.
void project_replica_set(kube::object& rs);

// The `app.kubernetes.io/instance` label (the MCPServer's name), if any.
std::optional<std::string> instance_label(const kube::object& o);

}  // namespace controllers
