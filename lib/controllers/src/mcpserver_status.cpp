#include "controllers/mcpserver_status.hpp"

#include "json_path.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace controllers {

namespace json = boost::json;

namespace {

constexpr auto& path = detail::json_path;

std::int64_t int_at(const json::object& o, std::initializer_list<std::string_view> keys, std::int64_t def = 0) {
  const json::value* v = path(o, keys);
  return v != nullptr && v->is_number() ? v->to_number<std::int64_t>() : def;
}

std::string str_of(const json::value* v) {
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : "";
}

// The Deployment's condition of `type`, or null.
const json::object* deployment_condition(const json::object& d, std::string_view type) {
  const json::value* conds = path(d, {"status", "conditions"});
  if (conds == nullptr || !conds->is_array())
    return nullptr;
  for (const auto& c : conds->get_array()) {
    if (c.is_object() && str_of(c.get_object().if_contains("type")) == type)
      return &c.get_object();
  }
  return nullptr;
}

bool pod_ready(const json::object& pod) {
  const json::value* conds = path(pod, {"status", "conditions"});
  if (conds == nullptr || !conds->is_array())
    return false;
  for (const auto& c : conds->get_array()) {
    const auto* co = c.if_object();
    if (co != nullptr && str_of(co->if_contains("type")) == "Ready")
      return str_of(co->if_contains("status")) == "True";
  }
  return false;
}

std::string pod_template_hash(const json::object& pod) {
  const json::value* labels = path(pod, {"metadata", "labels"});
  return labels != nullptr && labels->is_object() ? str_of(labels->get_object().if_contains("pod-template-hash"))
                                                  : std::string{};
}

using condition = status_condition;

}  // namespace

json::array merge_conditions(const std::vector<status_condition>& next, const json::object& previous,
                             std::int64_t generation, const std::string& now) {
  const json::value* prev = previous.if_contains("conditions");
  json::array out;
  for (const auto& c : next) {
    std::string since = now;
    if (prev != nullptr && prev->is_array()) {
      for (const auto& p : prev->get_array()) {
        const auto* po = p.if_object();
        if (po != nullptr && str_of(po->if_contains("type")) == c.type &&
            str_of(po->if_contains("status")) == c.status) {
          since = str_of(po->if_contains("lastTransitionTime"));
        }
      }
    }
    out.push_back(json::object{{"type", c.type},
                               {"status", c.status},
                               {"reason", c.reason},
                               {"message", bounded(c.message, max_condition_message)},
                               {"observedGeneration", generation},
                               {"lastTransitionTime", since.empty() ? now : since}});
  }
  return out;
}

std::string bounded(std::string_view s, std::size_t max) {
  if (s.size() <= max)
    return std::string(s);
  constexpr std::string_view ellipsis = "...";
  std::size_t cut = max > ellipsis.size() ? max - ellipsis.size() : 0;
  // Back up over UTF-8 continuation bytes, so the cut never splits a character.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0U) == 0x80U)
    --cut;
  return std::string(s.substr(0, cut)).append(ellipsis);
}

namespace {

// "exited (Error, exit code 137)" from a container status's lastState.terminated, or "".
std::string last_exit(const json::object& container_status) {
  const json::value* t = path(container_status, {"lastState", "terminated"});
  if (t == nullptr || !t->is_object())
    return {};
  const std::string reason = str_of(t->get_object().if_contains("reason"));
  return "exited (" + (reason.empty() ? std::string("unknown reason") : reason) + ", exit code " +
         std::to_string(int_at(t->get_object(), {"exitCode"})) + ")";
}

}  // namespace

std::string restart_note(const std::vector<const json::object*>& pods) {
  std::int64_t restarts = 0;
  std::string last;
  for (const auto* pod : pods) {
    const json::value* statuses = path(*pod, {"status", "containerStatuses"});
    if (statuses == nullptr || !statuses->is_array())
      continue;
    for (const auto& cs : statuses->get_array()) {
      const auto* cso = cs.if_object();
      if (cso == nullptr || int_at(*cso, {"restartCount"}) == 0)
        continue;
      restarts += int_at(*cso, {"restartCount"});
      if (std::string exit = last_exit(*cso); !exit.empty()) {
        last = "container " + str_of(cso->if_contains("name")) + " of pod " + str_of(path(*pod, {"metadata", "name"})) +
               " " + exit;
      }
    }
  }
  if (restarts == 0)
    return {};
  return std::to_string(restarts) + (restarts == 1 ? " container restart" : " container restarts") +
         (last.empty() ? "" : " (last: " + last + ")");
}

std::string pod_failure(const std::vector<const json::object*>& pods) {
  static constexpr std::string_view failing[] = {
      "CrashLoopBackOff",     "ImagePullBackOff", "ErrImagePull",     "CreateContainerConfigError",
      "CreateContainerError", "InvalidImageName", "RunContainerError"};
  for (const auto* pod : pods) {
    for (auto field : {"initContainerStatuses", "containerStatuses"}) {
      const json::value* statuses = path(*pod, {"status", field});
      if (statuses == nullptr || !statuses->is_array())
        continue;
      for (const auto& cs : statuses->get_array()) {
        const auto* cso = cs.if_object();
        if (cso == nullptr)
          continue;
        const json::value* waiting = path(*cso, {"state", "waiting"});
        std::string reason =
            waiting != nullptr && waiting->is_object() ? str_of(waiting->get_object().if_contains("reason")) : "";
        if (std::find(std::begin(failing), std::end(failing), reason) == std::end(failing)) {
          // A container that died and is not back yet (the kubelet restarting it, or its probe
          // not passing again): the server is down although nothing is crash-looping yet.
          if (std::string_view(field) == "containerStatuses" && int_at(*cso, {"restartCount"}) > 0 &&
              cso->if_contains("ready") != nullptr && cso->at("ready") == false) {
            if (std::string last = last_exit(*cso); !last.empty()) {
              return "ContainerRestarted: container " + str_of(cso->if_contains("name")) + " of pod " +
                     str_of(path(*pod, {"metadata", "name"})) + " " + last +
                     ", restarts: " + std::to_string(int_at(*cso, {"restartCount"}));
            }
          }
          continue;
        }
        std::string msg = str_of(waiting->get_object().if_contains("message"));
        std::string pod_name = str_of(path(*pod, {"metadata", "name"}));
        return reason + (msg.empty() ? "" : ": " + msg) + " (pod " + pod_name + ", container " +
               str_of(cso->if_contains("name")) + ")";
      }
    }
    // A pod that never becomes Ready without a container reason (e.g. a failing readiness probe).
    const json::value* conds = path(*pod, {"status", "conditions"});
    if (conds != nullptr && conds->is_array()) {
      for (const auto& c : conds->get_array()) {
        const auto* co = c.if_object();
        if (co != nullptr && str_of(co->if_contains("type")) == "Ready" &&
            str_of(co->if_contains("status")) == "False" && !str_of(co->if_contains("reason")).empty() &&
            str_of(co->if_contains("reason")) != "ContainersNotReady") {
          return str_of(co->if_contains("reason")) + ": " + str_of(co->if_contains("message")) + " (pod " +
                 str_of(path(*pod, {"metadata", "name"})) + ")";
        }
      }
    }
  }
  return {};
}

namespace {

std::string annotation_of(const json::object& o, std::string_view key) {
  const json::value* a = path(o, {"metadata", "annotations"});
  return a != nullptr && a->is_object() ? str_of(a->get_object().if_contains(key)) : std::string{};
}

// The uid of the controller named in ownerReferences, or "".
std::string controller_uid(const json::object& o) {
  const json::value* refs = path(o, {"metadata", "ownerReferences"});
  if (refs == nullptr || !refs->is_array())
    return {};
  for (const auto& r : refs->get_array()) {
    const auto* ro = r.if_object();
    const json::value* c = ro != nullptr ? ro->if_contains("controller") : nullptr;
    if (c != nullptr && c->is_bool() && c->get_bool())
      return str_of(ro->if_contains("uid"));
  }
  return {};
}

}  // namespace

std::string current_template_hash(const json::object& deployment,
                                  const std::vector<const json::object*>& replica_sets) {
  const std::string revision = annotation_of(deployment, deployment_revision_annotation);
  const std::string uid = str_of(path(deployment, {"metadata", "uid"}));
  if (revision.empty() || uid.empty())
    return {};
  for (const auto* rs : replica_sets) {
    if (controller_uid(*rs) != uid || annotation_of(*rs, deployment_revision_annotation) != revision)
      continue;
    const json::value* labels = path(*rs, {"metadata", "labels"});
    if (labels != nullptr && labels->is_object())
      return str_of(labels->get_object().if_contains("pod-template-hash"));
  }
  return {};
}

json::object compute_status(const api::mcpserver& s, const render_options& options, const observed& obs,
                            const json::object& previous, const std::string& now) {
  json::object st;
  std::vector<condition> conds;
  std::string phase;
  std::int64_t desired = 0, ready = 0, current = 0;
  if (!obs.render_error.empty()) {
    phase = "Failed";
    const std::string why = obs.failure_reason.empty() ? "InvalidSpec" : obs.failure_reason;
    conds = {{"Ready", "False", why, obs.render_error},
             {"Available", "False", why, obs.render_error},
             {"Progressing", "False", why, obs.render_error},
             {"Degraded", "True", why, obs.render_error}};
  } else if (obs.deployment == nullptr) {
    phase = "Pending";
    conds = {{"Ready", "False", "DeploymentMissing", "the server's Deployment has not been created yet"},
             {"Available", "False", "DeploymentMissing", "the server's Deployment has not been created yet"},
             {"Progressing", "True", "Creating", "creating the server's objects"},
             {"Degraded", "False", "AsExpected", ""}};
  } else {
    const json::object& d = *obs.deployment;
    desired = int_at(d, {"spec", "replicas"}, 1);
    current = int_at(d, {"status", "replicas"});
    ready = int_at(d, {"status", "readyReplicas"});
    const std::int64_t updated = int_at(d, {"status", "updatedReplicas"});
    const std::int64_t available = int_at(d, {"status", "availableReplicas"});
    const bool observed_latest = int_at(d, {"status", "observedGeneration"}) >= int_at(d, {"metadata", "generation"});
    const json::object* progressing = deployment_condition(d, "Progressing");
    const bool deadline_exceeded =
        progressing != nullptr && str_of(progressing->if_contains("reason")) == "ProgressDeadlineExceeded";
    const std::string failure = pod_failure(obs.pods);
    const bool deployment_rolled_out =
        observed_latest && updated == desired && current == desired && available == desired;
    const bool deployment_ready = desired > 0 && ready >= desired && deployment_rolled_out;
    // The Pods of the current revision say it first: kube-controller-manager writes the
    // Deployment's counts a round (seconds, in a burst) after the Pods are Ready. The meaning
    // stays strict: every replica of the current revision is Ready.
    bool pods_ready = false, pods_rolled_out = false;
    std::int64_t old_pods = 0;
    if (observed_latest && !obs.current_hash.empty()) {
      std::int64_t ready_current = 0;
      for (const auto* pod : obs.pods) {
        if (pod_template_hash(*pod) != obs.current_hash)
          ++old_pods;
        else if (pod_ready(*pod))
          ++ready_current;
      }
      pods_ready = desired > 0 && ready_current >= desired;
      pods_rolled_out = pods_ready && old_pods == 0;
      if (!deployment_ready || pods_ready)
        ready = ready_current;
    }
    const bool is_ready = deployment_ready || pods_ready;
    const bool rolled_out = deployment_rolled_out || pods_rolled_out;
    const std::string counts = std::to_string(ready) + "/" + std::to_string(desired) + " replicas ready";

    if (deadline_exceeded || !failure.empty()) {
      std::string why = !failure.empty() ? failure
                                         : "pods not ready after " + std::to_string(options.progress_deadline_seconds) +
                                               "s: " + str_of(progressing->if_contains("message"));
      phase = "Degraded";
      conds.push_back({"Degraded", "True", deadline_exceeded ? "ProgressDeadlineExceeded" : "PodsFailing", why});
      conds.push_back({"Progressing", "False", deadline_exceeded ? "ProgressDeadlineExceeded" : "PodsFailing", why});
    } else if (!rolled_out && is_ready) {
      // Every replica of the new revision serves; the old Pods are still being scaled down.
      phase = "Running";
      conds.push_back({"Degraded", "False", "AsExpected", ""});
      conds.push_back(
          {"Progressing", "True", "RollingOut",
           counts + ", " + std::to_string(old_pods) + " old " + (old_pods == 1 ? "pod" : "pods") + " still running"});
    } else if (!rolled_out) {
      phase = "Progressing";
      conds.push_back({"Degraded", "False", "AsExpected", ""});
      conds.push_back({"Progressing", "True", "RollingOut", counts + ", " + std::to_string(updated) + " updated"});
    } else {
      phase = desired == 0 ? "Pending" : "Running";
      conds.push_back({"Degraded", "False", "AsExpected", ""});
      conds.push_back({"Progressing", "False", "RolloutComplete", counts});
    }
    const std::string restarts = restart_note(obs.pods);
    conds.push_back(
        is_ready ? condition{"Ready", "True", "ReplicasReady", restarts.empty() ? counts : counts + "; " + restarts}
                 : condition{"Ready", "False", desired == 0 ? "ScaledToZero" : "ReplicasNotReady", counts});
    conds.push_back(available > 0 ? condition{"Available", "True", "MinimumReplicasAvailable",
                                              std::to_string(available) + " replicas available"}
                                  : condition{"Available", "False", "NoReplicasAvailable", counts});
  }
  if (obs.verified) {
    const verification& v = *obs.verified;
    conds.push_back({"Verified", v.ok ? "True" : "False", v.reason, v.message});
  } else if (obs.verification_off) {
    conds.push_back({"Verified", "Unknown", "VerificationOff",
                     "MCP verification is off (the operator runs outside the cluster, or with --verify=off)"});
  } else {
    conds.push_back({"Verified", "Unknown", "NotVerifiedYet", "the operator verifies the server once it is Ready"});
  }

  st["phase"] = phase;
  st["conditions"] = merge_conditions(conds, previous, s.generation, now);
  st["observedGeneration"] = s.generation;
  st["replicas"] = current;
  st["readyReplicas"] = ready;
  st["ready"] = std::to_string(ready) + "/" + std::to_string(desired);
  st["selector"] = selector_string(s);
  if (obs.render_error.empty())
    st["url"] = service_url(s, options);
  if (obs.verified && obs.verified->ok) {
    const verification& v = *obs.verified;
    st["serverInfo"] = json::object{{"name", bounded(v.server_name, max_server_info_field)},
                                    {"version", bounded(v.server_version, max_server_info_field)},
                                    {"protocolVersion", bounded(v.protocol_version, max_server_info_field)}};
    json::array tools;
    for (std::size_t i = 0; i < v.tools.size() && i < max_status_tools; ++i)
      tools.emplace_back(bounded(v.tools[i], max_tool_name));
    st["tools"] = std::move(tools);
    st["toolCount"] = v.tool_count >= 0 ? v.tool_count : static_cast<std::int64_t>(v.tools.size());
    st["lastVerifiedTime"] = v.time;
  } else {
    // Keep what the last successful verification found while a re-check fails.
    for (auto key : {"serverInfo", "tools", "toolCount", "lastVerifiedTime"}) {
      if (const json::value* v = previous.if_contains(key))
        st[key] = *v;
    }
  }
  return st;
}

std::optional<verification> verification_from_status(const json::object& status, std::int64_t generation) {
  const json::value* conds = status.if_contains("conditions");
  const json::value* info = status.if_contains("serverInfo");
  const json::value* when = status.if_contains("lastVerifiedTime");
  if (conds == nullptr || !conds->is_array() || info == nullptr || !info->is_object() || when == nullptr ||
      !when->is_string())
    return std::nullopt;
  for (const auto& c : conds->get_array()) {
    if (!c.is_object() || c.as_object().if_contains("type") == nullptr || c.at("type") != "Verified")
      continue;
    const json::object& cond = c.as_object();
    const json::value* gen = cond.if_contains("observedGeneration");
    if (cond.if_contains("status") == nullptr || cond.at("status") != "True" || gen == nullptr || !gen->is_int64() ||
        gen->get_int64() != generation)
      return std::nullopt;
    verification v;
    v.ok = true;
    v.reason = str_of(cond.if_contains("reason"));
    v.message = str_of(cond.if_contains("message"));
    v.server_name = str_of(info->as_object().if_contains("name"));
    v.server_version = str_of(info->as_object().if_contains("version"));
    v.protocol_version = str_of(info->as_object().if_contains("protocolVersion"));
    if (const json::value* tools = status.if_contains("tools"); tools != nullptr && tools->is_array()) {
      for (const auto& t : tools->get_array()) {
        if (t.is_string())
          v.tools.emplace_back(t.get_string());
      }
    }
    if (const json::value* n = status.if_contains("toolCount"); n != nullptr && n->is_int64())
      v.tool_count = n->get_int64();
    v.time = std::string(when->get_string());
    return v;
  }
  return std::nullopt;
}

}  // namespace controllers
