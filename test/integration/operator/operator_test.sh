#!/usr/bin/env bash
# The operator against the real apiserver, running as a process under the config/rbac
# ServiceAccount token. Each case starts its own operator and its own namespace.
# Usage: operator_test.sh <case>; the environment comes from CTest (MCP_INTEGRATION_ENV).
set -euo pipefail
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR
source "$(dirname "$0")/op.sh"
source "$(dirname "$0")/cases.sh"
case "$1" in
  setup)
    op_setup
    ;;

  samples_converge)
    # kubectl apply -f config/samples/ -> each sample's objects with the exact expected fields
    # within 5 s; once kwok makes the pods Ready, the status tells the truth.
    new_namespace samples
    # Pods must pass the restricted Pod Security Standard: the namespace enforces it, so a
    # non-compliant pod would be refused and its server would never reach Running.
    kubectl label namespace "$NS" pod-security.kubernetes.io/enforce=restricted >/dev/null
    start_operator samples
    kubectl -n "$NS" apply -k "$MCP_SOURCE_DIR/config/samples/" >/dev/null
    for s in example-mcp-server sendgrid-mcp everything; do
      wait_until 5 "$s objects" eval "jp deployment/$s '{.metadata.name}' && jp service/$s '{.metadata.name}' && jp serviceaccount/$s '{.metadata.name}'"
    done
    d=deployment/example-mcp-server
    uid=$(jp mcpserver/example-mcp-server '{.metadata.uid}')
    expect $d '{.metadata.ownerReferences[0].uid}' "$uid"
    expect $d '{.metadata.ownerReferences[0].controller}' true
    expect $d '{.metadata.labels.app\.kubernetes\.io/managed-by}' mcp-operator
    expect $d '{.metadata.labels.app\.kubernetes\.io/instance}' example-mcp-server
    expect $d '{.spec.replicas}' 1
    c='{.spec.template.spec.containers[0]'
    expect $d "$c.image}" mcp/example-server:latest
    expect $d "$c.env[0].valueFrom.secretKeyRef.name}" mcp-secrets
    expect $d "$c.env[0].valueFrom.secretKeyRef.key}" api-key
    expect $d "$c.resources.requests.memory}" 64Mi
    expect $d "$c.resources.limits.cpu}" 500m
    expect $d "$c.ports[0].containerPort}" 3000
    expect $d "$c.securityContext.allowPrivilegeEscalation}" false
    expect $d "$c.securityContext.readOnlyRootFilesystem}" true
    expect $d "$c.securityContext.capabilities.drop[0]}" ALL
    expect $d '{.spec.template.spec.securityContext.runAsNonRoot}' true
    expect $d '{.spec.template.spec.securityContext.seccompProfile.type}' RuntimeDefault
    expect $d '{.spec.template.spec.automountServiceAccountToken}' false
    expect $d '{.spec.template.spec.serviceAccountName}' example-mcp-server
    expect service/sendgrid-mcp '{.spec.ports[0].name}' mcp
    expect service/sendgrid-mcp '{.spec.ports[0].port}' 3001
    expect service/sendgrid-mcp '{.spec.ports[0].appProtocol}' http
    expect serviceaccount/sendgrid-mcp '{.automountServiceAccountToken}' false
    expect deployment/everything '{.spec.template.spec.initContainers[0].image}' mcp-bridge:test
    expect deployment/everything "$c.command[0]}" /opt/mcp-bridge/mcp-bridge
    for s in example-mcp-server sendgrid-mcp everything; do
      wait_until 30 "$s Running" eq "mcpserver/$s" '{.status.phase}' Running
      expect "mcpserver/$s" '{.status.readyReplicas}' 1
      expect "mcpserver/$s" '{.status.conditions[?(@.type=="Ready")].status}' True
      expect "mcpserver/$s" '{.status.observedGeneration}' "$(jp "mcpserver/$s" '{.metadata.generation}')"
    done
    expect mcpserver/sendgrid-mcp '{.status.url}' "http://sendgrid-mcp.$NS.svc.cluster.local:3001/mcp"
    header=$(kubectl -n "$NS" get mcps); header=${header%%$'\n'*}
    for col in NAME PHASE READY URL AGE; do grep -qw "$col" <<<"$header" || fail "no $col column"; done
    events=$(kubectl -n "$NS" get events.events.k8s.io -o jsonpath='{range .items[*]}{.reason} {.note}{"\n"}{end}')
    # One event per reconcile names every object it created.
    grep -qE "^Created Created (ServiceAccount|Service|Deployment) example-mcp-server(, (ServiceAccount|Service|Deployment) example-mcp-server){2}$" <<<"$events" ||
      fail "no Created event naming the three objects: $events"
    ;;

  owner_references_enforced)
    # The apiserver runs OwnerReferencesPermissionEnforcement (as OpenShift does): an owner
    # reference with blockOwnerDeletion is accepted only from who may update the owner's
    # finalizers. With mcpservers/finalizers update in its role, the operator creates every
    # object with blockOwnerDeletion=true and converges; the same role without it is refused.
    new_namespace ownerrefs
    start_operator ownerrefs
    kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: mcp.v2dy.io/v1
kind: MCPServer
metadata: {name: owned}
spec:
  image: example.invalid/mcp:1
  replicas: 2
  ingress: {host: owned.example.invalid, tls: {secretName: owned-tls}}
  bridge: {enabled: true}
  auth: {mode: ServiceAccount}
  networkPolicy: {allowFrom: [{podSelector: {}}]}
EOF
    wait_until 10 "owned Running" eq mcpserver/owned '{.status.phase}' Running
    uid=$(jp mcpserver/owned '{.metadata.uid}')
    for o in serviceaccount/owned deployment/owned service/owned ingress/owned networkpolicy/owned \
             poddisruptionbudget/owned; do
      wait_until 10 "$o" jp "$o" '{.metadata.name}'
      expect "$o" '{.metadata.ownerReferences[0].uid}' "$uid"
      expect "$o" '{.metadata.ownerReferences[0].blockOwnerDeletion}' true
    done
    if grep -qi forbidden "$OP_DIR/ownerrefs.log"; then
      fail "Forbidden in the log: $(grep -i forbidden "$OP_DIR/ownerrefs.log" | head -2)"
    fi
    # The plugin is on, and the finalizers rule is what lets the operator through: an object
    # with the Deployment's owner reference is refused to a copy of the operator's role without
    # mcpservers/finalizers, and accepted from the operator's own ServiceAccount.
    role="it-no-finalizers-$$"
    python3 -c '
import json, sys, yaml
role = yaml.safe_load(open(sys.argv[1]))
role["metadata"] = {"name": sys.argv[2]}
role["rules"] = [r for r in role["rules"] if "mcpservers/finalizers" not in r["resources"]]
print(json.dumps(role))' "$MCP_SOURCE_DIR/config/rbac/role.yaml" "$role" | kubectl apply -f - >/dev/null
    CLEANUP+=("kubectl delete clusterrole $role")
    kubectl -n "$NS" create serviceaccount no-finalizers >/dev/null
    kubectl -n "$NS" create rolebinding no-finalizers --clusterrole="$role" \
      --serviceaccount="$NS:no-finalizers" >/dev/null
    who="system:serviceaccount:$NS:no-finalizers"
    may_create() { [[ $(kubectl -n "$NS" auth can-i create serviceaccounts --as "$who") == yes ]]; }
    wait_until 10 "no-finalizers may create ServiceAccounts" may_create
    refs=$(jp deployment/owned '{.metadata.ownerReferences}')
    probe='{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"probe","ownerReferences":'"$refs"'}}'
    if out=$(kubectl -n "$NS" create --dry-run=server -f - --as "$who" <<<"$probe" 2>&1); then
      fail "blockOwnerDeletion accepted without mcpservers/finalizers: OwnerReferencesPermissionEnforcement is off"
    fi
    grep -q "cannot set blockOwnerDeletion" <<<"$out" || fail "refused for another reason: $out"
    kubectl -n "$NS" create --dry-run=server -f - \
      --as system:serviceaccount:mcp-operator-system:mcp-operator-controller-manager <<<"$probe" >/dev/null
    ;;

  scale)
    # kubectl scale on the MCPServer scales the Deployment; without spec.replicas the
    # operator keeps whatever a scaler set.
    new_namespace scale
    start_operator scale
    kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: mcp.v2dy.io/v1
kind: MCPServer
metadata: {name: fixed}
spec: {image: example.invalid/mcp:1, replicas: 1}
---
apiVersion: mcp.v2dy.io/v1
kind: MCPServer
metadata: {name: free}
spec: {image: example.invalid/mcp:1}
EOF
    wait_until 10 "fixed Running" eq mcpserver/fixed '{.status.phase}' Running
    kubectl -n "$NS" scale mcpserver/fixed --replicas=3 >/dev/null
    wait_until 10 "Deployment scaled to 3" eq deployment/fixed '{.spec.replicas}' 3
    wait_until 20 "status follows" eq mcpserver/fixed '{.status.readyReplicas}' 3
    expect mcpserver/fixed '{.status.ready}' 3/3
    wait_until 10 "PodDisruptionBudget for 3 replicas" jp poddisruptionbudget/fixed '{.metadata.name}'
    wait_until 10 "free Running" eq mcpserver/free '{.status.phase}' Running
    kubectl -n "$NS" scale deployment/free --replicas=4 >/dev/null
    kubectl -n "$NS" label mcpserver/free touched=yes >/dev/null
    kubectl -n "$NS" annotate mcpserver/free touched=again >/dev/null
    sleep 2
    expect deployment/free '{.spec.replicas}' 4
    wait_until 20 "status of free follows the scaler" eq mcpserver/free '{.status.readyReplicas}' 4
    ;;

  drift)
    # A hand-edited Deployment is reverted and a deleted Service recreated within 5 s;
    # deleting the MCPServer garbage-collects everything it owned.
    new_namespace drift
    start_operator drift
    kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: mcp.v2dy.io/v1
kind: MCPServer
metadata: {name: drifty}
spec: {image: example.invalid/mcp:1, replicas: 2}
EOF
    wait_until 10 "drifty Running" eq mcpserver/drifty '{.status.phase}' Running
    kubectl -n "$NS" set image deployment/drifty mcp-server=evil.invalid/other:6 >/dev/null
    wait_until 5 "image reverted" eq deployment/drifty '{.spec.template.spec.containers[0].image}' example.invalid/mcp:1
    # A hand edit that server-side apply cannot undo (the port of the Service's only port entry:
    # apply would add its own entry beside it, and two ports cannot share the name "mcp"): the
    # Service is replaced, with an Event saying so.
    kubectl -n "$NS" patch service drifty --type=json -p '[{"op":"replace","path":"/spec/ports/0/port","value":9999}]' >/dev/null
    wait_until 10 "Service port put back" eq service/drifty '{.spec.ports[*].port}' 3000
    replaced() { kubectl -n "$NS" get events.events.k8s.io -o jsonpath='{range .items[*]}{.reason} {.note}{"\n"}{end}' | grep -q "^Replaced Replaced Service drifty$"; }
    wait_until 5 "a Replaced event" replaced
    old=$(jp service/drifty '{.metadata.uid}')
    kubectl -n "$NS" delete service drifty >/dev/null
    wait_until 5 "Service recreated" eval "[[ \$(jp service/drifty '{.metadata.uid}') != '' && \$(jp service/drifty '{.metadata.uid}') != '$old' ]]"
    kubectl -n "$NS" delete mcpserver drifty >/dev/null
    gone() { [[ -z "$(kubectl -n "$NS" get deployment,service,serviceaccount,poddisruptionbudget -l app.kubernetes.io/instance=drifty -o name)" ]]; }
    wait_until 30 "owned objects garbage-collected" gone
    ;;

  field_removal)
    # Applied by another field manager with server-side apply (as Argo CD or Flux do), then
    # applied again without one optional field: the owned object loses that field within 5 s.
    # Each field on its own, with nothing else changing; the full spec is restored in between.
    new_namespace removal
    start_operator removal
    full='apiVersion: mcp.v2dy.io/v1
kind: MCPServer
metadata: {name: rm}
spec:
  image: example.invalid/mcp:1
  replicas: 2
  podAnnotations: {team: a}
  podLabels: {tier: gold}
  nodeSelector: {disk: ssd}
  tolerations: [{key: dedicated, operator: Equal, value: mcp, effect: NoSchedule}]
  resources: {requests: {cpu: 100m}, limits: {cpu: 500m, memory: 128Mi}}
  env: [{name: A, value: "1"}, {name: B, value: "2"}]
  service: {annotations: {svc: x}}
  ingress: {host: rm.example.com, annotations: {ing: i1}, tls: {secretName: rm-tls}}
  bridge: {enabled: true}
  auth: {mode: ServiceAccount}'
    gitops() { kubectl -n "$NS" apply --server-side --field-manager=argocd -f - >/dev/null <<<"$1"; }
    t='.spec.template'
    # name | sed edit of the spec | resource | jsonpath | value with the full spec | value without
    cases=(
      "podAnnotations|/podAnnotations:/d|deployment/rm|{$t.metadata.annotations.team}|a|"
      "podLabels|/podLabels:/d|deployment/rm|{$t.metadata.labels.tier}|gold|"
      "nodeSelector|/nodeSelector:/d|deployment/rm|{$t.spec.nodeSelector.disk}|ssd|"
      "tolerations|/tolerations:/d|deployment/rm|{$t.spec.tolerations[*].key}|dedicated|"
      "limits.cpu|s/limits: {cpu: 500m, /limits: {/|deployment/rm|{$t.spec.containers[0].resources.limits.cpu}|500m|"
      "env entry|s/, {name: B, value: \"2\"}//|deployment/rm|{$t.spec.containers[0].env[*].name}|A B|A"
      "service annotations|/service:/d|service/rm|{.metadata.annotations.svc}|x|"
      "ingress annotations|s/annotations: {ing: i1}, //|ingress/rm|{.metadata.annotations.ing}|i1|"
      "ingress tls|s/secretName: rm-tls/secretName: rm-tls-2/|ingress/rm|{.spec.tls[*].secretName}|rm-tls|rm-tls-2"
    )
    for c in "${cases[@]}"; do
      IFS='|' read -r what edit res path with without <<<"$c"
      gitops "$full"
      wait_until 5 "$what restored" eq "$res" "$path" "$with"
      gitops "$(sed "$edit" <<<"$full")"
      wait_until 5 "$what removed from $res" eq "$res" "$path" "$without"
      echo "removed: $what"
    done

    # replicas set -> unset: the Deployment keeps its count, and a scaler of the Deployment
    # owns it from then on, also across later unrelated changes.
    gitops "$full"
    wait_until 5 "2 replicas" eq deployment/rm '{.spec.replicas}' 2
    unset_spec=$(sed '/replicas:/d' <<<"$full")
    gitops "$unset_spec"
    sleep 3
    expect deployment/rm '{.spec.replicas}' 2
    kubectl -n "$NS" scale deployment/rm --replicas=3 >/dev/null
    gitops "$(sed 's/team: a/team: b/' <<<"$unset_spec")"
    wait_until 5 "unrelated change applied" eq deployment/rm "{$t.metadata.annotations.team}" b
    sleep 2
    expect deployment/rm '{.spec.replicas}' 3
    # The count was handed over once, when the spec stopped setting it: the later change made
    # no second handover write, so the scaler alone owns it now.
    handover_owns_replicas() {
      kubectl -n "$NS" get deployment/rm --show-managed-fields -o json | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if any(m.get("manager") == "mcp-operator-handover" and "f:replicas" in m.get("fieldsV1", {}).get("f:spec", {})
                  for m in d["metadata"].get("managedFields", [])) else 1)'
    }
    if handover_owns_replicas; then fail "a second handover took spec.replicas back from the scaler"; fi
    expect deployment/rm '{.metadata.annotations.mcp\.v2dy\.io/released-fields}' spec.replicas
    echo "removed: replicas (count kept at the scaler's 3)"

    # A restart with nothing changed makes no write to anything the operator owns or to the
    # MCPServer (resourceVersions unchanged, no apply logged).
    final=$(sed -e 's/team: a/team: b/' -e '/nodeSelector:/d' <<<"$unset_spec")
    gitops "$final"
    wait_until 30 "rm Running" eq mcpserver/rm '{.status.phase}' Running
    sleep 2
    versions() {
      kubectl -n "$NS" get mcpserver/rm deployment/rm service/rm serviceaccount/rm ingress/rm \
        -o jsonpath='{range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion}{"\n"}{end}'
    }
    before=$(versions)
    op_stop removal
    start_operator removal-2
    wait_until 20 "restarted operator synced" grep -q "caches synced" "$OP_DIR/removal-2.log"
    sleep 5
    after=$(versions)
    [[ "$before" == "$after" ]] || fail "a restart wrote: before=[$before] after=[$after]"
    if grep -E '"(Created|Updated|Deleted) ' "$OP_DIR/removal-2.log"; then fail "the restarted operator applied"; fi
    ;;

  current_revision)
    # Ready means every replica of the Deployment's current revision is Ready, judged from the
    # Pods of its current ReplicaSet: a spec change whose new Pod cannot be scheduled leaves
    # the server not Ready although the old Pod still serves; putting the spec back (the old
    # ReplicaSet becomes current again) makes it Ready from that Pod.
    new_namespace revision
    start_operator revision
    kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: mcp.v2dy.io/v1
kind: MCPServer
metadata: {name: rev}
spec: {image: example.invalid/mcp:1, replicas: 1}
EOF
    wait_until 20 "rev Running" eq mcpserver/rev '{.status.phase}' Running
    first=$(kubectl -n "$NS" get pods -l app.kubernetes.io/instance=rev -o jsonpath='{.items[0].metadata.name}')
    kubectl -n "$NS" patch mcpserver/rev --type=merge -p '{"spec":{"nodeSelector":{"mcp-test/nowhere":"true"}}}' >/dev/null
    two_pods() { [[ $(kubectl -n "$NS" get pods -l app.kubernetes.io/instance=rev -o name | wc -l) == 2 ]]; }
    wait_until 20 "a second (unschedulable) pod" two_pods
    wait_until 10 "rev not Ready" eq mcpserver/rev '{.status.conditions[?(@.type=="Ready")].status}' False
    sleep 3
    expect mcpserver/rev '{.status.conditions[?(@.type=="Ready")].status}' False
    expect mcpserver/rev '{.status.phase}' Progressing
    expect mcpserver/rev '{.status.ready}' 0/1
    expect "pod/$first" '{.status.conditions[?(@.type=="Ready")].status}' True
    kubectl -n "$NS" patch mcpserver/rev --type=json -p '[{"op":"remove","path":"/spec/nodeSelector"}]' >/dev/null
    wait_until 20 "rev Ready again" eq mcpserver/rev '{.status.conditions[?(@.type=="Ready")].status}' True
    expect mcpserver/rev '{.status.ready}' 1/1
    expect "pod/$first" '{.status.conditions[?(@.type=="Ready")].status}' True
    ;;

  name_taken)
    # A Service of the server's name that someone else made is reported, never taken over,
    # and nothing of the server is created meanwhile.
    new_namespace taken
    start_operator taken
    kubectl -n "$NS" create service clusterip taken --tcp=80:8080 >/dev/null
    before=$(jp service/taken '{.metadata.resourceVersion}')
    kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: mcp.v2dy.io/v1
kind: MCPServer
metadata: {name: taken}
spec: {image: example.invalid/mcp:1}
EOF
    wait_until 10 "taken Failed" eq mcpserver/taken '{.status.phase}' Failed
    msg=$(jp mcpserver/taken '{.status.conditions[?(@.type=="Ready")].message}')
    [[ "$msg" == "Service taken already exists and is not owned by this MCPServer" ]] || fail "message: $msg"
    expect mcpserver/taken '{.status.conditions[?(@.type=="Ready")].reason}' NameTaken
    expect service/taken '{.metadata.resourceVersion}' "$before"
    expect service/taken '{.metadata.ownerReferences}' ''
    sleep 1
    left=$(kubectl -n "$NS" get deployment,serviceaccount -l app.kubernetes.io/instance=taken -o name)
    [[ -z "$left" ]] || fail "created beside a taken name: $left"
    # Once the foreign Service is gone, the server looks again by itself (every 15 s) and runs.
    kubectl -n "$NS" delete service taken >/dev/null
    wait_until 25 "taken Running after the name was freed" eq mcpserver/taken '{.status.phase}' Running
    [[ -n $(jp service/taken '{.metadata.ownerReferences[0].uid}') ]] || fail "the new Service has no owner"
    ;;

  adopt_orphans)
    # The objects of a deleted MCPServer that the garbage collector missed (kube-controller-manager
    # does after an apiserver restart, bench/SOAK.md) are adopted by the MCPServer re-created
    # with that name: the same objects (UIDs kept), with one owner reference, to the new UID, and
    # an Adopted Event; the collector, running again, leaves them alone. The missed collection is
    # made by freezing kube-controller-manager (SIGSTOP) across the delete. Objects that another
    # owner controls, or nobody (what `kubectl delete --cascade=orphan` leaves: the collector
    # removes the owner references), are refused with reason NameTaken.
    new_namespace adopt
    start_operator adopt
    server() { printf 'apiVersion: mcp.v2dy.io/v1\nkind: MCPServer\nmetadata: {name: %s}\nspec: {image: example.invalid/mcp:1}\n' "$1"; }
    server again | kubectl -n "$NS" apply -f - >/dev/null
    wait_until 20 "again Running" eq mcpserver/again '{.status.phase}' Running
    old=$(jp mcpserver/again '{.metadata.uid}')
    objects=(serviceaccount/again service/again deployment/again)
    uids() { for o in "${objects[@]}"; do jp "$o" '{.metadata.uid}{" "}'; done; }
    before=$(uids)
    kcm=$(cat "$CLUSTER_DIR/run/kube-controller-manager.pid")
    [[ "$(ps -o comm= -p "$kcm")" == kube-controller* ]] || fail "pid $kcm is not kube-controller-manager"
    kill -STOP "$kcm"
    CLEANUP=("kill -CONT $kcm" "${CLEANUP[@]}")
    kubectl -n "$NS" delete mcpserver again --wait=false >/dev/null
    not_found() { [[ "$(kubectl -n "$NS" get "$1" 2>&1)" == *NotFound* ]]; }
    wait_until 10 "again deleted" not_found mcpserver/again
    expect deployment/again '{.metadata.ownerReferences[*].uid}' "$old"
    server again | kubectl -n "$NS" apply -f - >/dev/null
    new=$(jp mcpserver/again '{.metadata.uid}')
    [[ -n "$new" && "$new" != "$old" ]] || fail "re-created with uid '$new' (was $old)"
    refs() { jp "$1" '{range .metadata.ownerReferences[*]}{.kind}/{.name}/{.uid}/{.controller}/{.blockOwnerDeletion}{" "}{end}'; }
    adopted() { for o in "${objects[@]}"; do [[ "$(refs "$o")" == "MCPServer/again/$new/true/true " ]] || return 1; done; }
    wait_until 10 "objects adopted (one owner reference each, the new UID)" adopted
    # An object still naming the deleted UID is what the collector removes once it runs again:
    # when this one is gone, it has looked at the adopted objects too.
    kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: canary
  ownerReferences: [{apiVersion: mcp.v2dy.io/v1, kind: MCPServer, name: again, uid: $old, controller: true}]
EOF
    kill -CONT "$kcm"
    wait_until 30 "the garbage collector removes the canary" not_found configmap/canary
    sleep 2
    wait_until 20 "again Running" eq mcpserver/again '{.status.phase}' Running
    expect mcpserver/again '{.status.conditions[?(@.type=="Ready")].status}' True
    adopted || fail "owner references after the collector ran: $(for o in "${objects[@]}"; do echo "$o: $(refs "$o")"; done)"
    [[ "$(uids)" == "$before" ]] || fail "re-created, not adopted: uids before [$before], now [$(uids)]"
    events=$(kubectl -n "$NS" get events.events.k8s.io -o jsonpath='{range .items[*]}{.reason} {.note}{"\n"}{end}')
    o='(ServiceAccount|Service|Deployment) again'
    grep -qE "^Adopted Adopted $o(, $o){2} left behind by a deleted MCPServer of the same name \(uid $old\)$" <<<"$events" ||
      fail "no Adopted event naming the three objects and uid $old: $events"

    # Refused: the objects of an MCPServer deleted with --cascade=orphan (nobody's), a
    # ServiceAccount a ConfigMap controls (labelled as the operator's, so it is in the operator's
    # cache), and one an MCPServer of another name controls (unlabelled: read from the apiserver).
    kubectl -n "$NS" delete mcpserver again --cascade=orphan >/dev/null
    unowned() { [[ -z "$(jp serviceaccount/again '{.metadata.ownerReferences}')" ]]; }
    wait_until 20 "--cascade=orphan removed the owner references" unowned
    server again | kubectl -n "$NS" apply -f - >/dev/null
    third=$(jp mcpserver/again '{.metadata.uid}')
    kubectl -n "$NS" create configmap holder >/dev/null
    cm=$(jp configmap/holder '{.metadata.uid}')
    kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: ServiceAccount
metadata:
  name: by-configmap
  labels: {app.kubernetes.io/managed-by: mcp-operator, app.kubernetes.io/instance: by-configmap}
  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: holder, uid: $cm, controller: true}]
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: by-other
  ownerReferences: [{apiVersion: mcp.v2dy.io/v1, kind: MCPServer, name: again, uid: $third, controller: true}]
EOF
    declare -A want=([again]="" [by-configmap]="ConfigMap/holder/$cm/true/ " [by-other]="MCPServer/again/$third/true/ ")
    declare -A version
    for s in "${!want[@]}"; do version[$s]=$(jp "serviceaccount/$s" '{.metadata.resourceVersion}'); done
    for s in by-configmap by-other; do server "$s" | kubectl -n "$NS" apply -f - >/dev/null; done
    for s in "${!want[@]}"; do
      wait_until 10 "$s Failed" eq "mcpserver/$s" '{.status.phase}' Failed
      expect "mcpserver/$s" '{.status.conditions[?(@.type=="Ready")].status}' False
      expect "mcpserver/$s" '{.status.conditions[?(@.type=="Ready")].reason}' NameTaken
      expect "mcpserver/$s" '{.status.conditions[?(@.type=="Ready")].message}' \
        "ServiceAccount $s already exists and is not owned by this MCPServer"
      [[ "$(refs "serviceaccount/$s")" == "${want[$s]}" ]] || fail "serviceaccount/$s taken over: $(refs "serviceaccount/$s")"
      expect "serviceaccount/$s" '{.metadata.resourceVersion}' "${version[$s]}"
    done
    events=$(kubectl -n "$NS" get events.events.k8s.io -o jsonpath='{range .items[*]}{.type}/{.reason} {.note}{"\n"}{end}')
    for s in "${!want[@]}"; do
      grep -q "^Warning/NameTaken ServiceAccount $s already exists" <<<"$events" || fail "no NameTaken event for $s: $events"
    done
    ;;

  degraded)
    # Pods that crash-loop (a kwok test stage) -> Degraded with the pod's reason in the
    # condition message, and a Warning event.
    new_namespace degraded
    start_operator degraded
    kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: mcp.v2dy.io/v1
kind: MCPServer
metadata: {name: crashy}
spec:
  image: example.invalid/mcp:1
  podLabels: {mcp-test.kwok.x-k8s.io/crashloop: "true"}
EOF
    wait_until 20 "crashy Degraded" eq mcpserver/crashy '{.status.phase}' Degraded
    expect mcpserver/crashy '{.status.conditions[?(@.type=="Degraded")].status}' True
    msg=$(jp mcpserver/crashy '{.status.conditions[?(@.type=="Degraded")].message}')
    grep -q "CrashLoopBackOff" <<<"$msg" || fail "Degraded message lacks the reason: $msg"
    expect mcpserver/crashy '{.status.conditions[?(@.type=="Ready")].status}' False
    warned() { kubectl -n "$NS" get events.events.k8s.io -o jsonpath='{range .items[*]}{.type}/{.reason}{"\n"}{end}' | grep -q Warning/Degraded; }
    wait_until 10 "Degraded event" warned
    ;;

  invalid_at_runtime)
    # A spec the operator cannot realise (stdio without --bridge-image) is Failed, with an
    # event saying why; the operator keeps running.
    new_namespace invalid
    "$OP_BIN" --kubeconfig "$OP_DIR/operator.kubeconfig" --health-probe-bind-address=0 --metrics-bind-address=0 \
      --log-format=json >>"$OP_DIR/invalid-op.log" 2>&1 &
    echo $! > "$OP_DIR/invalid-op.pid"
    CLEANUP=("op_stop invalid-op" "${CLEANUP[@]}")
    kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: mcp.v2dy.io/v1
kind: MCPServer
metadata: {name: nobridge}
spec: {image: example.invalid/mcp:1, protocol: stdio, command: [server]}
EOF
    wait_until 10 "nobridge Failed" eq mcpserver/nobridge '{.status.phase}' Failed
    msg=$(jp mcpserver/nobridge '{.status.conditions[?(@.type=="Ready")].message}')
    grep -q -- "--bridge-image" <<<"$msg" || fail "message does not name the fix: $msg"
    wait_until 10 "InvalidSpec event" eval "kubectl -n $NS get events.events.k8s.io -o jsonpath='{.items[*].reason}' | grep -q InvalidSpec"
    kill -0 "$(cat "$OP_DIR/invalid-op.pid")" || fail "operator exited"
    # A spec change the apiserver refuses for the Deployment itself (requests above limits):
    # ApplyFailed with the apiserver's reason, and the running Deployment is kept, never
    # replaced (only a hand edit apply cannot undo gets an owned object replaced).
    kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: mcp.v2dy.io/v1
kind: MCPServer
metadata: {name: keep}
spec: {image: example.invalid/mcp:1}
EOF
    wait_until 20 "keep Running" eq mcpserver/keep '{.status.phase}' Running
    uid=$(jp deployment/keep '{.metadata.uid}')
    kubectl -n "$NS" patch mcpserver/keep --type=merge -p '{"spec":{"resources":{"requests":{"cpu":"2"},"limits":{"cpu":"1"}}}}' >/dev/null
    refused() { kubectl -n "$NS" get events.events.k8s.io -o jsonpath='{range .items[*]}{.reason} {.note}{"\n"}{end}' | grep -q "^ApplyFailed .*must be less than or equal to cpu limit"; }
    wait_until 10 "ApplyFailed naming the limit" refused
    sleep 2
    expect deployment/keep '{.metadata.uid}' "$uid"
    expect deployment/keep '{.spec.template.spec.containers[0].resources.requests.cpu}' ''
    ;;

  watch_namespaces_metrics)
    # --watch-namespaces=a,b: one controller with a reflector per namespace, so the metrics
    # have one series per controller (not one per namespace overwriting each other) and they
    # count the work of both namespaces.
    a="it-op-multi-a-$$"; b="it-op-multi-b-$$"
    kubectl create namespace "$a" >/dev/null; kubectl create namespace "$b" >/dev/null
    CLEANUP+=("kubectl delete namespace $a $b --wait=false")
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    start_operator multi --watch-namespaces="$a,$b" --metrics-bind-address="127.0.0.1:$port"
    for ns in "$a" "$b"; do
      for i in 1 2 3; do
        printf 'apiVersion: mcp.v2dy.io/v1\nkind: MCPServer\nmetadata: {name: m%s}\nspec: {image: example.invalid/mcp:1}\n' "$i" |
          kubectl -n "$ns" apply -f - >/dev/null
      done
    done
    for ns in "$a" "$b"; do
      NS=$ns
      for i in 1 2 3; do wait_until 15 "m$i Running in $ns" eq mcpserver/m$i '{.status.phase}' Running; done
    done
    metrics=$(curl -sf "http://127.0.0.1:$port/metrics")
    for m in workqueue_adds_total workqueue_depth controller_runtime_max_concurrent_reconciles controller_runtime_active_workers; do
      n=$(grep -c "^$m{controller=\"mcpserver\"" <<<"$metrics" || true)
      [[ "$n" == 1 ]] || fail "$m: $n series for controller mcpserver (want 1)"
    done
    adds=$(grep '^workqueue_adds_total{controller="mcpserver"' <<<"$metrics" | awk '{print int($2)}')
    (( adds >= 6 )) || fail "workqueue_adds_total=$adds counts fewer than the 6 servers of both namespaces"
    # 4 workers per watched namespace (the default), in one controller: the gauge says 8, where
    # one controller per namespace used to report 4 for each and overwrite the other.
    workers=$(grep '^controller_runtime_max_concurrent_reconciles{controller="mcpserver"}' <<<"$metrics" | awk '{print int($2)}')
    [[ "$workers" == 8 ]] || fail "max_concurrent_reconciles=$workers, want 8 (4 per namespace)"
    ok=$(grep '^controller_runtime_reconcile_total{controller="mcpserver",result="success"}' <<<"$metrics" | awk '{print int($2)}')
    (( ok >= 6 )) || fail "reconcile_total success=$ok, fewer than the 6 servers"
    ;;

  watch_namespaces)
    # With --watch-namespaces=a and only a RoleBinding in a, the operator reconciles in a,
    # ignores b, and logs no Forbidden error.
    a="it-op-tenant-a-$$"; b="it-op-tenant-b-$$"
    kubectl create namespace "$a" >/dev/null; kubectl create namespace "$b" >/dev/null
    CLEANUP+=("kubectl delete namespace $a $b --wait=false")
    kubectl -n mcp-operator-system create serviceaccount tenant-operator >/dev/null 2>&1 || true
    kubectl -n "$a" create rolebinding tenant-operator --clusterrole=mcp-operator-manager-role \
      --serviceaccount=mcp-operator-system:tenant-operator >/dev/null
    op_kubeconfig tenant-operator mcp-operator-system "$OP_DIR/tenant.kubeconfig"
    [[ "$(kubectl auth can-i list mcpservers.mcp.v2dy.io -A --as system:serviceaccount:mcp-operator-system:tenant-operator)" == no ]] ||
      fail "tenant operator has cluster-wide rights"
    "$OP_BIN" --kubeconfig "$OP_DIR/tenant.kubeconfig" --watch-namespaces="$a" --health-probe-bind-address=0 \
      --metrics-bind-address=0 --log-format=json >"$OP_DIR/tenant.log" 2>&1 &
    echo $! > "$OP_DIR/tenant.pid"
    CLEANUP=("op_stop tenant" "${CLEANUP[@]}")
    for ns in "$a" "$b"; do
      kubectl -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: mcp.v2dy.io/v1
kind: MCPServer
metadata: {name: tenant-server}
spec: {image: example.invalid/mcp:1}
EOF
    done
    NS=$a
    wait_until 10 "reconciled in $a" eq mcpserver/tenant-server '{.status.phase}' Running
    sleep 2
    [[ -z "$(kubectl -n "$b" get deployment tenant-server -o name 2>/dev/null)" ]] || fail "reconciled in $b"
    [[ -z "$(kubectl -n "$b" get mcpserver tenant-server -o jsonpath='{.status.phase}')" ]] || fail "status written in $b"
    if grep -qi forbidden "$OP_DIR/tenant.log"; then fail "Forbidden in the log: $(grep -i forbidden "$OP_DIR/tenant.log" | head -2)"; fi
    ;;

  kill9_200)
    # kill -9 while 200 MCPServers are being created: after a restart all 200 converge, with
    # exactly one Deployment each and nothing duplicated.
    new_namespace many
    start_operator many-1
    manifest=$(mktemp); CLEANUP+=("rm -f $manifest")
    for i in $(seq -w 1 200); do
      printf 'apiVersion: mcp.v2dy.io/v1\nkind: MCPServer\nmetadata: {name: s%s}\nspec: {image: example.invalid/mcp:1}\n---\n' "$i"
    done > "$manifest"
    kubectl -n "$NS" apply -f "$manifest" >/dev/null &
    creator=$!
    sleep 1.5
    op_stop many-1 KILL
    wait "$creator"
    start_operator many-2
    count() { [[ "$(kubectl -n "$NS" get deployments -o name | wc -l)" == 200 ]]; }
    wait_until 90 "200 Deployments" count
    running() { [[ "$(kubectl -n "$NS" get mcps -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -c '^Running$')" == 200 ]]; }
    wait_until 120 "200 Running" running
    dup=$(kubectl -n "$NS" get deployments -o jsonpath='{range .items[*]}{.metadata.labels.app\.kubernetes\.io/instance}{"\n"}{end}' | sort | uniq -d)
    [[ -z "$dup" ]] || fail "duplicated Deployments: $dup"
    [[ "$(kubectl -n "$NS" get serviceaccounts -l app.kubernetes.io/managed-by=mcp-operator -o name | wc -l)" == 200 ]] || fail "ServiceAccounts"
    ;;

  leader_failover)
    # Two replicas with --leader-elect: exactly one reconciles; kill -9 of the leader -> the
    # other takes over (within the 15 s lease plus a retry) and reconciles new servers.
    new_namespace leader
    flags=(--leader-elect --leader-election-namespace=mcp-operator-system --leader-election-id="it-leader-$$")
    start_operator leader-a "${flags[@]}"
    start_operator leader-b "${flags[@]}"
    leads() { grep -l '"became leader"' "$OP_DIR"/leader-a.log "$OP_DIR"/leader-b.log 2>/dev/null | wc -l; }
    one_leader() { [[ "$(leads)" == 1 ]]; }
    wait_until 30 "a leader" one_leader
    leader=$(basename "$(grep -l '"became leader"' "$OP_DIR"/leader-a.log "$OP_DIR"/leader-b.log)" .log)
    other=leader-b; [[ "$leader" == leader-b ]] && other=leader-a
    kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: mcp.v2dy.io/v1
kind: MCPServer
metadata: {name: first}
spec: {image: example.invalid/mcp:1}
EOF
    wait_until 10 "first Running" eq mcpserver/first '{.status.phase}' Running
    if grep -q '"Created Deployment"' "$OP_DIR/$other.log"; then fail "the follower reconciled"; fi
    op_stop "$leader" KILL
    kubectl -n "$NS" apply -f - >/dev/null <<EOF
apiVersion: mcp.v2dy.io/v1
kind: MCPServer
metadata: {name: second}
spec: {image: example.invalid/mcp:1}
EOF
    wait_until 30 "the other replica takes over" jp deployment/second '{.metadata.name}'
    grep -q '"became leader"' "$OP_DIR/$other.log" || fail "$other did not log leadership"
    ;;

  no_secrets_in_logs)
    # The sample secrets' values never reach a log line (all operators of this run).
    for v in sample-api-key-do-not-use-7f3a9c sample-bearer-token-do-not-use-5e1b2d; do
      if grep -rq "$v" "$OP_DIR"/*.log 2>/dev/null; then fail "secret value $v found in operator logs"; fi
    done
    ls "$OP_DIR"/*.log >/dev/null || fail "no operator logs to check"
    ;;

  *) fail "unknown case $1" ;;
esac
echo "ok: $1"
