#!/usr/bin/env python3
"""A bounded soak of mcp-operator (`make soak`, issue 13): many MCPServers under a seeded random
schedule of spec edits, deletions and re-creations, owned-object deletions and hand edits, pod
deletions, operator kill -9s and apiserver restarts; then a quiet phase and the checks.

Phases, on a fresh local control plane with kwok nodes (hack/cluster.sh, through bench.py's
Cluster) in its own cluster directory:
  setup     create --servers MCPServers at once (the benchmark's stdio resource), wait until all
            are Ready;
  schedule  --minutes of actions at seeded random times on random targets (the seed is printed
            and settable with --seed; the same seed, --servers, --minutes and --rate give the same
            schedule). Actions on one target run in order, different targets concurrently;
  quiet     no more actions: poll until every convergence check passes (at most --quiet-max s);
  checks    each printed PASS/FAIL with its figures, written to --results/soak.json and --report.
The operator runs as a process outside the cluster with the admin kubeconfig, exactly as the
benchmark runs it (operators.McpOperator.command); its resident memory is sampled every second
from /proc (procmon), across its restarts. Exit status 1 when a check fails.

Usage: soak.py --repo R --operator-binary B --tools-bin T --cluster-dir D --logs L [--seed S]
       (bench/soak/run.sh, i.e. `make soak`, passes the rest)
"""
import argparse
import collections
import json
import os
import queue
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "operator"))
from bench import Cluster, Operator, log  # noqa: E402
from kube import Kube, parallel  # noqa: E402
from operators import ENV, IMAGE, McpOperator  # noqa: E402

NAMESPACE = "soak"
MANAGED_BY = ("app.kubernetes.io/managed-by", "mcp-operator")
INSTANCE = "app.kubernetes.io/instance"
ANNOTATION = "soak.mcp.v2dy.io/rev"
ENV_NAME = "SOAK_REV"
PORT = 3000
CONTAINER = "mcp-server"

# Relative weights of the per-server actions (operator kills and apiserver restarts are counted
# separately: --operator-kills, --apiserver-restarts).
WEIGHTS = {
    "edit-env": 18,          # one more env variable (SOAK_REV=<n>): a rollout
    "edit-annotation": 9,    # podAnnotations set (70 %) or removed: a rollout
    "edit-replicas": 12,     # spec.replicas set to 1..3 or unset (handed over, count kept)
    "edit-resources": 8,     # resources.requests.cpu set or removed: a rollout
    "recreate": 6,           # delete the MCPServer and create it again at once (new UID)
    "delete": 3,             # delete it; a later `create` brings it back
    "create": 3,             # create a deleted one again
    "delete-owned": 10,      # delete its Deployment, Service or ServiceAccount
    "edit-owned": 12,        # hand edit of one: image, label removal, port, automount token
    "delete-pod": 12,        # delete one of its (kwok) pods
}
GLOBAL_KINDS = ("kill-operator", "restart-apiserver")
OWNED = {  # kind -> its list path in the namespace
    "Deployment": f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments",
    "Service": f"/api/v1/namespaces/{NAMESPACE}/services",
    "ServiceAccount": f"/api/v1/namespaces/{NAMESPACE}/serviceaccounts",
}
OTHER = {
    "PodDisruptionBudget": f"/apis/policy/v1/namespaces/{NAMESPACE}/poddisruptionbudgets",
    "ReplicaSet": f"/apis/apps/v1/namespaces/{NAMESPACE}/replicasets",
    "Pod": f"/api/v1/namespaces/{NAMESPACE}/pods",
}
OWNED_EDITS = ("deployment-image", "deployment-label", "service-label", "service-port", "serviceaccount-label",
               "serviceaccount-automount")
CPU_VALUES = ("10m", "20m", "50m", "100m")


# ------------------------------------------------------------------------------------ schedule

def make_schedule(rng, names, args, window):
    """The whole run's actions, drawn up front from the seed: [(t, kind, target, params)], t in
    seconds from the start of the schedule. Tracks which servers are deleted, so edits target
    existing ones and `create` a deleted one."""
    n_actions = max(1, round(args.rate * window))
    times = sorted(rng.uniform(0, window) for _ in range(n_actions))
    left_out = set(args.without)
    kinds = [k for k in WEIGHTS if k not in left_out]
    weights = [WEIGHTS[k] for k in kinds]
    edits = [e for e in OWNED_EDITS if e not in left_out]
    if not edits and "edit-owned" in kinds:
        weights.pop(kinds.index("edit-owned"))
        kinds.remove("edit-owned")
    absent, present = set(), set(names)
    max_absent = max(1, len(names) // 20)
    rev = 0
    out = []
    for t in times:
        kind = rng.choices(kinds, weights)[0]
        if kind == "create" and not absent or kind == "delete" and len(absent) >= max_absent:
            kind = "recreate" if "recreate" in kinds else "edit-env"
        if kind == "create":
            target = rng.choice(sorted(absent))
            absent.discard(target)
            present.add(target)
        else:
            target = rng.choice(sorted(present))
        if kind == "delete":
            present.discard(target)
            absent.add(target)
        rev += 1
        p = {}
        if kind in ("edit-env", "recreate", "create"):
            p["rev"] = rev
        elif kind == "edit-annotation":
            p["value"] = f"r{rev}" if rng.random() < 0.7 else None
        elif kind == "edit-replicas":
            p["value"] = rng.choice([1, 2, 3, None])
        elif kind == "edit-resources":
            p["value"] = rng.choice(CPU_VALUES + (None,))
        elif kind == "delete-owned":
            p["kind"] = rng.choice(sorted(OWNED))
        elif kind == "edit-owned":
            p["edit"] = rng.choice(edits)
        elif kind == "delete-pod":
            p["pick"] = rng.random()
        out.append((round(t, 3), kind, target, p))
    # The global faults: spread over 5-90 % of the schedule, at least 20 s apart.
    faults = [("kill-operator", {"down_s": round(rng.uniform(1, 10), 1)}) for _ in range(args.operator_kills)]
    faults += [("restart-apiserver", {}) for _ in range(args.apiserver_restarts)]
    rng.shuffle(faults)
    placed = []
    for kind, p in faults:
        for _ in range(1000):
            t = rng.uniform(0.05 * window, 0.9 * window)
            if all(abs(t - u) >= min(20.0, window / 20) for u in placed):
                break
        placed.append(t)
        out.append((round(t, 3), kind, kind, p))
    out.sort(key=lambda a: a[0])
    return out


# ------------------------------------------------------------------------------------ model

class Model:
    """What this process believes each MCPServer's spec is (updated only after a call succeeded)."""

    def __init__(self):
        self.exists, self.uid, self.env, self.ann, self.replicas, self.cpu = {}, {}, {}, {}, {}, {}
        # Deployment replica counts that may stand while spec.replicas is unset: the operator
        # hands the field over and keeps the count, but may never have applied a value that the
        # spec held only briefly.
        self.cands = {}

    def reset(self, name, rev, uid):
        self.exists[name], self.uid[name] = True, uid
        self.env[name], self.ann[name], self.replicas[name], self.cpu[name] = rev, None, None, None
        self.cands[name] = {1}

    def spec(self, op, name):
        obj = op.resource(name)
        spec = obj["spec"]
        spec["env"] = env_list(self.env[name])
        if self.ann[name] is not None:
            spec["podAnnotations"] = {ANNOTATION: self.ann[name]}
        if self.replicas[name] is not None:
            spec["replicas"] = self.replicas[name]
        if self.cpu[name] is not None:
            spec["resources"] = {"requests": {"cpu": self.cpu[name]}}
        return obj


def env_list(rev):
    return ENV + ([{"name": ENV_NAME, "value": str(rev)}] if rev is not None else [])


# ------------------------------------------------------------------------------------ API calls

class Api:
    """Kube calls that outlast an apiserver restart: connection errors, 5xx and 429 are retried
    for up to `patience` seconds. 404 and 409 come back as the status code, not as an error."""

    def __init__(self, kube, patience=120.0):
        self.kube, self.patience = kube, patience

    def call(self, method, path, body=None, ctype="application/json"):
        deadline = time.monotonic() + self.patience
        delay = 0.2
        while True:
            try:
                r = self.kube.request(method, path, body, content_type=ctype, ok=(200, 201, 202, 404, 409))
                if r.get("kind") == "Status" and r.get("status") == "Failure":
                    return r.get("code", 0), r
                return 200, r
            except RuntimeError as e:
                m = re.search(r"HTTP (\d+)", str(e))
                code = int(m.group(1)) if m else 0
                if code and code < 500 and code != 429:
                    raise
                err = e
            except OSError as e:  # includes ssl errors and timeouts
                err = e
            except Exception as e:  # noqa: BLE001 - http.client errors on a dropped connection
                err = e
            if time.monotonic() > deadline:
                raise RuntimeError(f"{method} {path}: gave up after {self.patience:.0f}s: {err}")
            time.sleep(delay)
            delay = min(2.0, delay * 2)

    def get(self, path):
        return self.call("GET", path)

    def list(self, path, selector=None):
        q = f"?labelSelector={urllib.parse.quote(selector)}" if selector else ""
        code, r = self.call("GET", path + q)
        if code != 200:
            raise RuntimeError(f"list {path}: HTTP {code}")
        return r.get("items", [])


# ------------------------------------------------------------------------------------ operator

class OperatorProcess:
    """The operator process (bench.Operator), kill -9 and restart, RSS sampled every second."""

    def __init__(self, op, kubeconfig, logfile, t_ref):
        self.proc = Operator(op, kubeconfig, logfile)
        self.t_ref = t_ref
        self.lock = threading.Lock()
        self.mon, self.started = None, None
        self.down = False  # an intended stop is in progress
        self.processes = []  # {pid, start_s, end_s, ended, hwm_mib}
        self.samples = []  # (t_s, pid, age_s, rss_mib)
        self.unexpected = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def now(self):
        return time.monotonic() - self.t_ref

    def start(self):
        with self.lock:
            self._start()
        if not self._thread.is_alive():
            self._thread.start()

    def _start(self):
        self.mon = self.proc.start()
        self.started = time.monotonic()
        self.processes.append({"pid": self.proc.proc.pid, "start_s": round(self.now(), 1), "end_s": None,
                               "ended": None, "hwm_mib": None})
        log(f"operator running, pid {self.proc.proc.pid}")

    def _ended(self, how):
        self.mon.stop()
        self.processes[-1].update(end_s=round(self.now(), 1), ended=how)

    def kill9(self, down_s):
        with self.lock:
            self.down = True
            pid = self.proc.proc.pid
            self.proc.proc.kill()
            self.proc.proc.wait(timeout=30)
            self._ended("SIGKILL (scheduled)")
        log(f"operator pid {pid} killed with SIGKILL; restarting in {down_s}s")
        time.sleep(down_s)
        with self.lock:
            self._start()
            self.down = False

    def stop(self):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        with self.lock:
            if self.proc.proc is not None and self.proc.proc.poll() is None:
                self.proc.stop()
                self._ended("SIGTERM (end of run)")

    def _sample(self):
        while not self._stop.wait(1.0):
            with self.lock:
                if self.down or self.proc.proc is None:
                    continue
                if self.proc.proc.poll() is not None:
                    code = self.proc.proc.returncode
                    log(f"operator pid {self.proc.proc.pid} exited by itself ({code}); starting it again")
                    self.unexpected.append({"pid": self.proc.proc.pid, "t_s": round(self.now(), 1), "code": code})
                    self._ended(f"exited by itself ({code})")
                    try:
                        self._start()
                    except RuntimeError as e:
                        log(f"  could not start it again: {e}")
                    continue
                try:
                    rss, hwm = self.mon.rss(), self.mon.hwm()
                except OSError:
                    continue
                t = time.monotonic()
                self.samples.append((round(t - self.t_ref, 1), self.proc.proc.pid, round(t - self.started, 1),
                                     round(rss, 2)))
                self.processes[-1]["hwm_mib"] = round(hwm, 2)


# ------------------------------------------------------------------------------------ actions

class Runner:
    """Runs the schedule's actions: each target's in order, different targets on `workers`
    threads at once. Counts what each kind did: done, noop (its object was not there), error."""

    def __init__(self, soak, workers=8):
        self.soak = soak
        self.lock = threading.Lock()
        self.queues = collections.defaultdict(collections.deque)
        self.active = set()
        self.work = queue.Queue()
        self.counts = collections.defaultdict(collections.Counter)
        self.errors = []
        self.pending = 0
        self.idle = threading.Condition(self.lock)
        self.max_lag = 0.0
        self.threads = [threading.Thread(target=self._worker, daemon=True) for _ in range(workers)]
        for t in self.threads:
            t.start()

    def submit(self, action, due):
        with self.lock:
            self.pending += 1
            self.queues[action[2]].append((action, due))
            if action[2] not in self.active:
                self.active.add(action[2])
                self.work.put(action[2])

    def _worker(self):
        while True:
            target = self.work.get()
            if target is None:
                return
            while True:
                with self.lock:
                    if not self.queues[target]:
                        self.active.discard(target)
                        break
                    action, due = self.queues[target].popleft()
                self.max_lag = max(self.max_lag, time.monotonic() - due)
                kind = action[1]
                try:
                    outcome = self.soak.do(action)
                except Exception as e:  # noqa: BLE001 - counted and reported, the run goes on
                    outcome = "error"
                    self.errors.append(f"{action[0]}s {kind} {action[2]}: {str(e)[:200]}")
                    log(f"  action failed: {self.errors[-1]}")
                with self.lock:
                    self.counts[kind][outcome] += 1
                    self.pending -= 1
                    self.idle.notify_all()

    def wait_idle(self):
        with self.lock:
            while self.pending:
                self.idle.wait()

    def close(self):
        for _ in self.threads:
            self.work.put(None)


class Soak:
    def __init__(self, args, cl, api, op, model, operator):
        self.args, self.cl, self.api, self.op, self.model, self.operator = args, cl, api, op, model, operator
        self.crs = op.path(NAMESPACE)
        self.apiserver_restarts = 0

    def create(self, name, rev):
        """Creates the server from a fresh spec (SOAK_REV=rev); a 409 is a retried create that had
        gone through (another UID than the deleted one) or the deleted one not gone yet (wait)."""
        old_uid = self.model.uid.get(name)
        self.model.reset(name, rev, None)
        self.model.exists[name] = False
        body = self.model.spec(self.op, name)
        deadline = time.monotonic() + 60
        while True:
            code, r = self.api.call("POST", self.crs, body)
            if code == 409:
                code, r = self.api.get(f"{self.crs}/{name}")
                if code == 200 and (r["metadata"]["uid"] == old_uid or r["metadata"].get("deletionTimestamp")):
                    code = 409
            if code == 200:
                self.model.uid[name], self.model.exists[name] = r["metadata"]["uid"], True
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"create {name}: still HTTP {code} after 60s")
            time.sleep(0.5)

    def delete(self, name):
        self.api.call("DELETE", f"{self.crs}/{name}")  # 404: a retried delete that had gone through
        self.model.exists[name] = False

    def patch_spec(self, name, spec):
        code, _ = self.api.call("PATCH", f"{self.crs}/{name}", {"spec": spec}, "application/merge-patch+json")
        if code != 200:
            raise RuntimeError(f"patch {name}: HTTP {code}")

    def do(self, action):
        _t, kind, name, p = action
        m = self.model
        if kind == "kill-operator":
            self.operator.kill9(p["down_s"])
            return "done"
        if kind == "restart-apiserver":
            log("restarting kube-apiserver")
            self.cl.script("restart-apiserver")
            self.apiserver_restarts += 1
            return "done"
        if kind == "edit-env":
            self.patch_spec(name, {"env": env_list(p["rev"])})
            m.env[name] = p["rev"]
        elif kind == "edit-annotation":
            self.patch_spec(name, {"podAnnotations": {ANNOTATION: p["value"]} if p["value"] else None})
            m.ann[name] = p["value"]
        elif kind == "edit-replicas":
            v = p["value"]
            self.patch_spec(name, {"replicas": v})
            if v is not None:
                m.cands[name] = m.cands[name] | {v}
            m.replicas[name] = v
        elif kind == "edit-resources":
            v = p["value"]
            self.patch_spec(name, {"resources": {"requests": {"cpu": v}} if v else None})
            m.cpu[name] = v
        elif kind == "recreate":
            self.delete(name)
            self.create(name, p["rev"])
        elif kind == "delete":
            self.delete(name)
        elif kind == "create":
            self.create(name, p["rev"])
        elif kind == "delete-owned":
            code, _ = self.api.call("DELETE", f"{OWNED[p['kind']]}/{name}")
            if code == 404:
                return "noop"
            if p["kind"] == "Deployment":
                # Created again from the spec: without spec.replicas at the default of 1.
                m.cands[name] = {1} | ({m.replicas[name]} if m.replicas[name] is not None else set())
        elif kind == "edit-owned":
            code = self.edit_owned(name, p["edit"])
            if code == 404:
                return "noop"
        elif kind == "delete-pod":
            pods = sorted(x["metadata"]["name"] for x in self.api.list(OTHER["Pod"], f"{INSTANCE}={name}")
                          if x["metadata"].get("deletionTimestamp") is None)
            if not pods:
                return "noop"
            code, _ = self.api.call("DELETE", f"{OTHER['Pod']}/{pods[int(p['pick'] * len(pods))]}")
            if code == 404:
                return "noop"
        return "done"

    def edit_owned(self, name, edit):
        unlabel = {"metadata": {"labels": {MANAGED_BY[0]: None}}}
        merge, smp, jsonp = ("application/merge-patch+json", "application/strategic-merge-patch+json",
                             "application/json-patch+json")
        if edit == "deployment-image":  # as `kubectl set image deployment/<name> mcp-server=busybox:soak`
            body = {"spec": {"template": {"spec": {"containers": [{"name": CONTAINER, "image": "busybox:soak"}]}}}}
            code, _ = self.api.call("PATCH", f"{OWNED['Deployment']}/{name}", body, smp)
        elif edit == "deployment-label":
            code, _ = self.api.call("PATCH", f"{OWNED['Deployment']}/{name}", unlabel, merge)
        elif edit == "service-label":
            code, _ = self.api.call("PATCH", f"{OWNED['Service']}/{name}", unlabel, merge)
        elif edit == "service-port":
            body = [{"op": "replace", "path": "/spec/ports/0/port", "value": 9999}]
            code, _ = self.api.call("PATCH", f"{OWNED['Service']}/{name}", body, jsonp)
        elif edit == "serviceaccount-label":
            code, _ = self.api.call("PATCH", f"{OWNED['ServiceAccount']}/{name}", unlabel, merge)
        else:  # serviceaccount-automount
            code, _ = self.api.call("PATCH", f"{OWNED['ServiceAccount']}/{name}",
                                    {"automountServiceAccountToken": True}, merge)
        return code


# ------------------------------------------------------------------------------------ checks

def controller_uid(obj):
    for o in obj["metadata"].get("ownerReferences") or []:
        if o.get("controller"):
            return o.get("uid")
    return None


def labelled(obj):
    return (obj["metadata"].get("labels") or {}).get(MANAGED_BY[0]) == MANAGED_BY[1]


def snapshot(api, op):
    snap = {"MCPServer": api.list(op.path(NAMESPACE))}
    for kind, path in {**OWNED, **OTHER}.items():
        snap[kind] = api.list(path)
    return snap


def check(name, ok, figures, problems=()):
    return {"name": name, "ok": bool(ok), "figures": figures, "problems": list(problems)[:8],
            "problem_count": len(problems)}


def convergence_checks(snap, model, op):
    """The checks of the converged state (all but memory and the operator's own exits)."""
    out = []
    expected = {n for n, e in model.exists.items() if e}
    servers = {o["metadata"]["name"]: o for o in snap["MCPServer"]}
    missing = sorted(expected - set(servers))
    extra = sorted(set(servers) - expected)
    stale = sorted(n for n in expected & set(servers) if servers[n]["metadata"]["uid"] != model.uid[n])
    out.append(check("every MCPServer that should exist exists, none lost or extra", not (missing or extra or stale),
                     {"expected": len(expected), "present": len(servers), "missing": len(missing),
                      "extra": len(extra), "stale_uid": len(stale), "deleted_at_end": len(model.exists) - len(expected)},
                     [f"missing {n}" for n in missing] + [f"extra {n}" for n in extra] +
                     [f"{n}: uid is not the last created one" for n in stale]))

    live = [servers[n] for n in sorted(expected & set(servers))]
    not_ready = [o["metadata"]["name"] for o in live if not op.ready(o)]
    out.append(check("Ready=True with observedGeneration == generation", live and not not_ready and not missing,
                     {"ready": len(live) - len(not_ready), "of": len(expected)},
                     [f"{n}: {ready_text(servers[n])}" for n in not_ready]))

    by_owner = {k: collections.defaultdict(list) for k in OWNED}
    for kind in OWNED:
        for o in snap[kind]:
            uid = controller_uid(o)
            if uid:
                by_owner[kind][uid].append(o)
    dup, lacking = [], []
    for s in live:
        uid, n = s["metadata"]["uid"], s["metadata"]["name"]
        for kind in OWNED:
            objs = by_owner[kind][uid]
            if len(objs) > 1:
                dup.append(f"{n}: {len(objs)} {kind}s ({', '.join(o['metadata']['name'] for o in objs)})")
            elif not objs:
                lacking.append(f"{n}: no {kind} owned by uid {uid}")
    out.append(check("exactly one Deployment, Service, ServiceAccount per MCPServer (controller ref to its UID)",
                     live and not dup and not lacking,
                     {"servers": len(live), "duplicated": len(dup), "lacking": len(lacking)}, dup + lacking))

    deps = {d["metadata"]["name"]: d for d in snap["Deployment"]}
    svcs = {d["metadata"]["name"]: d for d in snap["Service"]}
    sas = {d["metadata"]["name"]: d for d in snap["ServiceAccount"]}
    pdbs = {d["metadata"]["name"] for d in snap["PodDisruptionBudget"]}
    wrong = []
    for s in live:
        n = s["metadata"]["name"]
        why = spec_mismatch(n, s, model, deps.get(n), svcs.get(n), sas.get(n), n in pdbs)
        if why:
            wrong.append(f"{n}: {why}")
    out.append(check("owned objects and status reflect the last spec (env, annotation, replicas, resources, "
                     "image, labels, port, PDB)", live and not wrong,
                     {"matching": len(live) - len(wrong), "of": len(live)}, wrong))

    uids = {o["metadata"]["uid"] for k in ("MCPServer", "Deployment", "ReplicaSet") for o in snap[k]}
    orphans, by_kind, terminating = [], collections.Counter(), 0
    for kind in (*OWNED, *OTHER):
        for o in snap[kind]:
            uid = controller_uid(o)
            if not labelled(o) and uid is None:
                continue  # not ours (the namespace's default ServiceAccount)
            if uid is None or uid not in uids:
                by_kind[kind] += 1
                terminating += o["metadata"].get("deletionTimestamp") is not None
                orphans.append(f"{kind} {o['metadata']['name']}: " +
                               ("no controller owner" if uid is None else f"owner uid {uid} is gone"))
    out.append(check("no orphaned object (managed-by label or owner reference, owner gone)", not orphans,
                     {"orphans": len(orphans), "by_kind": dict(by_kind), "terminating": terminating,
                      "objects_seen": sum(len(snap[k]) for k in (*OWNED, *OTHER))}, orphans))
    return out


def ready_text(obj):
    for c in obj.get("status", {}).get("conditions", []) or []:
        if c.get("type") == "Ready":
            return (f"Ready={c.get('status')} ({c.get('reason')}), observedGeneration "
                    f"{obj.get('status', {}).get('observedGeneration')} of {obj['metadata'].get('generation')}")
    return "no Ready condition"


def spec_mismatch(n, server, model, dep, svc, sa, has_pdb):
    if dep is None or svc is None or sa is None:
        return "Deployment, Service or ServiceAccount missing"
    tmpl = dep["spec"]["template"]
    c = next((c for c in tmpl["spec"]["containers"] if c["name"] == CONTAINER), None)
    if c is None:
        return f"no container {CONTAINER}"
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    want_env = str(model.env[n]) if model.env[n] is not None else None
    if env.get(ENV_NAME) != want_env:
        return f"{ENV_NAME}={env.get(ENV_NAME)}, spec says {want_env}"
    ann = (tmpl["metadata"].get("annotations") or {}).get(ANNOTATION)
    if ann != model.ann[n]:
        return f"pod annotation {ann}, spec says {model.ann[n]}"
    cpu = (c.get("resources", {}).get("requests") or {}).get("cpu")
    if cpu != model.cpu[n]:
        return f"cpu request {cpu}, spec says {model.cpu[n]}"
    if c.get("image") != IMAGE:
        return f"image {c.get('image')}, spec says {IMAGE}"
    reps = dep["spec"].get("replicas")
    if model.replicas[n] is not None and reps != model.replicas[n]:
        return f"Deployment replicas {reps}, spec says {model.replicas[n]}"
    if model.replicas[n] is None and reps not in model.cands[n]:
        return f"Deployment replicas {reps}, spec unset: expected one of {sorted(model.cands[n])}"
    want_ready = f"{reps}/{reps}"
    if server.get("status", {}).get("ready") != want_ready:
        return f"status.ready {server.get('status', {}).get('ready')}, expected {want_ready}"
    if has_pdb != ((model.replicas[n] or 1) > 1):
        return f"PodDisruptionBudget {'present' if has_pdb else 'absent'} with spec.replicas {model.replicas[n]}"
    for kind, o in (("Deployment", dep), ("Service", svc), ("ServiceAccount", sa)):
        if not labelled(o):
            return f"{kind} lacks {MANAGED_BY[0]}={MANAGED_BY[1]}"
    ports = [p.get("port") for p in svc["spec"].get("ports", [])]
    if ports != [PORT]:
        return f"Service ports {ports}, spec says [{PORT}]"
    if sa.get("automountServiceAccountToken") is True:
        return "ServiceAccount automountServiceAccountToken true, spec leaves it false"
    return None


def memory_check(samples, t0, t1, args):
    """Median RSS of the fourth quarter of the schedule against the third, over samples of
    operator processes that had run at least --min-proc-age seconds."""
    span = t1 - t0
    quarters = []
    for q in range(4):
        a, b = t0 + span * q / 4, t0 + span * (q + 1) / 4
        allq = [s[3] for s in samples if a <= s[0] < b or (q == 3 and s[0] == b)]
        aged = [s[3] for s in samples if (a <= s[0] < b or (q == 3 and s[0] == b)) and s[2] >= args.min_proc_age]
        quarters.append({"quarter": q + 1, "from_s": round(a - t0), "to_s": round(b - t0), "samples": len(allq),
                         "peak_mib": round(max(allq), 1) if allq else None,
                         "median_mib": round(statistics.median(allq), 1) if allq else None,
                         "aged_samples": len(aged),
                         "aged_median_mib": round(statistics.median(aged), 1) if aged else None})
    q3, q4 = quarters[2], quarters[3]
    enough = q3["aged_samples"] >= 10 and q4["aged_samples"] >= 10
    growth = (100 * (q4["aged_median_mib"] / q3["aged_median_mib"] - 1)) if enough else None
    ok = enough and growth < args.growth_limit
    figs = {"rule": f"median RSS of Q4 < median of Q3 x (1 + {args.growth_limit:g} %), samples of processes "
                    f"aged >= {args.min_proc_age:g} s", "q3_median_mib": q3["aged_median_mib"],
            "q4_median_mib": q4["aged_median_mib"], "growth_pct": round(growth, 2) if growth is not None else None}
    problems = [] if enough else [f"too few samples (Q3 {q3['aged_samples']}, Q4 {q4['aged_samples']}, need 10 each)"]
    if enough and not ok:
        problems.append(f"Q4 median {q4['aged_median_mib']} MiB is {growth:.1f} % above Q3's {q3['aged_median_mib']} MiB")
    return check(f"memory flat over the last half (Q4 vs Q3 median growth < {args.growth_limit:g} %)", ok, figs,
                 problems), quarters


def print_checks(checks):
    for c in checks:
        log(f"{'PASS' if c['ok'] else 'FAIL'}  {c['name']}: {json.dumps(c['figures'])}")
        for p in c["problems"]:
            log(f"        {p}")
        if c["problem_count"] > len(c["problems"]):
            log(f"        ... {c['problem_count'] - len(c['problems'])} more")


# ------------------------------------------------------------------------------------ run

def wait_all_ready(api, op, names, timeout):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        items = api.list(op.path(NAMESPACE))
        ready = sum(1 for o in items if o["metadata"]["name"] in names and op.ready(o))
        if ready >= len(names):
            return round(time.monotonic() - t0, 1)
        time.sleep(2)
    log(f"  only {ready}/{len(names)} Ready after {timeout:.0f}s; the schedule starts anyway")
    return None


def run(args, res):
    cl = Cluster(args)
    cl.env.pop("AUDIT_POLICY", None)  # no audit log: a 25-minute one would be large and is not read
    op = McpOperator(args.repo, args.operator_binary)
    res["operator"] = {"name": op.name, "version": op.version, "binary": args.operator_binary,
                       "git": git_rev(args.repo)}
    log(f"cluster up in {args.cluster_dir} ({args.nodes} kwok nodes x {args.node_pods} pods)")
    t_up = time.monotonic()
    operator = None
    runner = None
    try:
        cl.script("up")  # inside the try: a SIGTERM while it starts still takes the cluster down
        res["timing"]["cluster_up_s"] = round(time.monotonic() - t_up, 1)
        kube = Kube(cl.kubeconfig)
        api = Api(kube)
        for path in op.crd_paths():
            cl.kubectl("apply", "--server-side", "--force-conflicts", "-f", path)
        kube.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
        kube.wait_for(f"the {op.plural} API", lambda: kube.list(op.path(NAMESPACE)), 60)
        kube.wait_for("the default ServiceAccount",
                      lambda: kube.list(f"/api/v1/namespaces/{NAMESPACE}/serviceaccounts/default"), 60)
        res["kubernetes"] = kube.list("/version").get("gitVersion")
        logfile = os.path.join(args.logs, "mcp-operator.log")
        if os.path.exists(logfile):
            os.remove(logfile)
        t_ref = time.monotonic()
        operator = OperatorProcess(op, cl.kubeconfig, logfile, t_ref)
        operator.start()
        model = Model()
        soak = Soak(args, cl, api, op, model, operator)
        names = [f"s{i:04d}" for i in range(args.servers)]

        # ---- setup: every server at once, then all Ready
        log(f"creating {args.servers} MCPServers")
        t0 = time.monotonic()
        parallel(names, lambda n: soak.create(n, None), workers=8)
        res["timing"]["create_requests_s"] = round(time.monotonic() - t0, 1)
        res["timing"]["initial_ready_s"] = wait_all_ready(api, op, set(names), 60 + 0.5 * args.servers)
        log(f"  all Ready after {res['timing']['initial_ready_s']}s")

        # ---- schedule
        window = args.minutes * 60
        rng = random.Random(args.seed)
        schedule = make_schedule(rng, names, args, window)
        res["planned"] = dict(collections.Counter(a[1] for a in schedule))
        log(f"schedule: {len(schedule)} actions over {window:.0f}s, seed {args.seed}: "
            + ", ".join(f"{k} {v}" for k, v in sorted(res["planned"].items())))
        runner = Runner(soak)
        t_s0 = time.monotonic()
        res["schedule_start_s"] = round(t_s0 - t_ref, 1)
        next_report = 60
        for a in schedule:
            due = t_s0 + a[0]
            while True:
                now = time.monotonic()
                if now >= due:
                    break
                time.sleep(min(0.5, due - now))
            runner.submit(a, due)
            if a[0] >= next_report:
                next_report += 60
                log(f"  {a[0]:.0f}s: {sum(sum(c.values()) for c in runner.counts.values())} actions done, "
                    f"{len(runner.errors)} errors, operator RSS "
                    f"{operator.samples[-1][3] if operator.samples else '?'} MiB")
        while time.monotonic() < t_s0 + window:
            time.sleep(0.5)
        runner.wait_idle()
        t_s1 = time.monotonic()
        res["schedule_end_s"] = round(t_s1 - t_ref, 1)
        res["timing"]["schedule_s"] = round(t_s1 - t_s0, 1)
        res["timing"]["schedule_lag_max_s"] = round(runner.max_lag, 1)
        res["actions"] = {k: dict(v) for k, v in sorted(runner.counts.items())}
        res["action_errors"] = runner.errors[:50]
        log(f"schedule done in {t_s1 - t_s0:.0f}s; quiet phase (at most {args.quiet_max:.0f}s)")

        # ---- quiet: poll until converged
        conv, checks = None, []
        deadline = t_s1 + args.quiet_max
        while True:
            checks = convergence_checks(snapshot(api, op), model, op)
            if all(c["ok"] for c in checks):
                conv = round(time.monotonic() - t_s1, 1)
                break
            if time.monotonic() > deadline:
                break
            time.sleep(5)
        res["timing"]["converge_s"] = conv
        log(f"converged {conv}s after the schedule" if conv is not None else
            f"not converged {args.quiet_max:.0f}s after the schedule")
        operator.stop()
        checks.append(check("the operator never exited by itself", not operator.unexpected,
                            {"unexpected_exits": len(operator.unexpected)},
                            [f"pid {u['pid']} exited with {u['code']} at {u['t_s']}s" for u in operator.unexpected]))
        checks.append(check("every scheduled action was carried out", not runner.errors,
                            {"actions": len(schedule), "errors": len(runner.errors)}, runner.errors))
        mem, quarters = memory_check(operator.samples, t_s0 - t_ref, t_s1 - t_ref, args)
        checks.append(mem)
        res["checks"] = checks
        kills = sum(1 for p in operator.processes if p["ended"] == "SIGKILL (scheduled)")
        res["operator_restarts"] = kills
        res["unexpected_exits"] = len(operator.unexpected)
        res["apiserver_restarts"] = soak.apiserver_restarts
        res["memory"] = {"quarters": quarters, "peak_mib": max((p["hwm_mib"] or 0) for p in operator.processes),
                         "min_proc_age_s": args.min_proc_age, "growth_limit_pct": args.growth_limit}
        res["operator_processes"] = operator.processes
        res["rss_samples"] = {"fields": ["t_s", "pid", "age_s", "rss_mib"], "values": operator.samples}
    finally:
        if runner:
            runner.close()
        if operator:
            operator.stop()
        if args.keep_cluster:
            log(f"cluster kept (--keep-cluster): KUBECONFIG={cl.kubeconfig}; stop it with "
                f"CLUSTER_DIR={args.cluster_dir} hack/cluster.sh down")
            return
        log("cluster down")
        try:
            cl.script("down")
        except Exception as e:  # noqa: BLE001
            log(f"cluster down failed: {e}")


def git_rev(repo):
    try:
        return subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              timeout=10).stdout.strip() or None
    except OSError:
        return None


# ------------------------------------------------------------------------------------ report

def fmt(v, unit=""):
    return "–" if v is None else f"{v}{unit}"


def loads(v):
    return " / ".join(f"{x:g}" for x in v) if v else "–"


def write_report(res, path):
    p, t, mem = res["params"], res["timing"], res.get("memory", {})
    ok = res.get("passed")
    lines = ["# Soak: mcp-operator under random faults", ""]
    if (p["servers"], p["minutes"]) != (500, 25):
        lines += [f"**A short run** ({p['servers']} servers, {p['minutes']:g} min), not the full soak "
                  "(500 servers, 25 min): `make soak` replaces this file.", ""]
    lines += [f"Written by `bench/soak/soak.py` ({res['command_short']}) on {res['started_utc']} UTC in "
              f"{fmt(t.get('wall_s'))} s. Outcome: **{'PASS' if ok else 'FAIL'}**. Seed **{res['seed']}**. "
              "Raw figures (with the RSS sample of every second): [`results/soak.json`](results/soak.json).", "",
              "## Run", "",
              "| fact | value |", "|---|---|",
              f"| MCPServers | {p['servers']} (namespace `{NAMESPACE}`) |",
              f"| schedule | {p['minutes']:g} min, {p['rate']:g} actions per second on average ({sum(res.get('planned', {}).values())} actions) |",
              f"| kwok nodes | {p['nodes']} x {p['node_pods']} pods |",
              f"| operator | {res['operator']['version']} (git {res['operator']['git']}), outside the cluster with "
              "the admin kubeconfig, as `make bench` runs it |",
              f"| Kubernetes | {res.get('kubernetes')} |",
              f"| machine | {res['machine']['cpus']} cores; load average (1/5/15 min) at start "
              f"{loads(res['machine']['load_start'])}, at end {loads(res['machine'].get('load_end'))} |",
              f"| left out | {', '.join(p.get('without') or []) or 'nothing'} |",
              f"| operator restarts (kill -9) | {res.get('operator_restarts')} |",
              f"| apiserver restarts (kill -9) | {res.get('apiserver_restarts')} |",
              f"| operator exits by itself | {res.get('unexpected_exits')} |",
              f"| setup: create requests, all Ready | {fmt(t.get('create_requests_s'), ' s')}, "
              f"{fmt(t.get('initial_ready_s'), ' s')} |",
              f"| schedule took (largest lag of an action) | {fmt(t.get('schedule_s'), ' s')} "
              f"({fmt(t.get('schedule_lag_max_s'), ' s')}) |",
              f"| time to converge after the schedule | {fmt(t.get('converge_s'), ' s')} "
              f"(at most {p['quiet_max_s']:g} s waited) |", "",
              "## Actions", "", "| action | planned | done | no-op (object not there) | error |", "|---|---|---|---|---|"]
    for k in [*WEIGHTS, *GLOBAL_KINDS]:
        c = res.get("actions", {}).get(k, {})
        lines.append(f"| {k} | {res.get('planned', {}).get(k, 0)} | {c.get('done', 0)} | {c.get('noop', 0)} | "
                     f"{c.get('error', 0)} |")
    lines += ["", "## Operator memory (RSS, MiB)", "",
              f"Peak (VmHWM over all its processes): {fmt(mem.get('peak_mib'))} MiB. Quarters of the schedule; "
              f"\"aged\" counts only samples of processes that had run at least {fmt(mem.get('min_proc_age_s'))} s.",
              "", "| quarter | seconds | samples | peak | median | aged samples | aged median |",
              "|---|---|---|---|---|---|---|"]
    for q in mem.get("quarters", []):
        lines.append(f"| Q{q['quarter']} | {q['from_s']}–{q['to_s']} | {q['samples']} | {fmt(q['peak_mib'])} | "
                     f"{fmt(q['median_mib'])} | {q['aged_samples']} | {fmt(q['aged_median_mib'])} |")
    lines += ["", "## Checks", "", "| check | outcome | figures |", "|---|---|---|"]
    for c in res.get("checks", []):
        figs = ", ".join(f"{k} {v}" for k, v in c["figures"].items())
        lines.append(f"| {c['name']} | {'PASS' if c['ok'] else '**FAIL**'} | {figs} |")
    failed = [c for c in res.get("checks", []) if not c["ok"]]
    for c in failed:
        lines += ["", f"{c['name']}: first problems ({c['problem_count']} in all):", ""]
        lines += [f"- {x}" for x in c["problems"]]
    if res.get("error"):
        lines += ["", f"The run stopped early: `{res['error']}`"]
    lines += ["", "## Reproduce", "", "```bash", f"make soak SOAK_ARGS='{res['command_short']}'",
              "```", "",
              "The same seed, `--servers`, `--minutes` and `--rate` give the same schedule (which action, when, on "
              "which server); what the control plane makes of it still depends on timing. The rules of the "
              "checks are in README.md (\"Soak\").", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def write_json(res, path):
    """Indented, but the RSS samples one line (a row a second would make thousands of lines)."""
    values = res.get("rss_samples", {}).get("values")
    if values is not None:
        res = {**res, "rss_samples": {**res["rss_samples"], "values": "@@SAMPLES@@"}}
    text = json.dumps(res, indent=1)
    if values is not None:
        text = text.replace('"@@SAMPLES@@"', json.dumps(values, separators=(",", ":")))
    with open(path, "w") as f:
        f.write(text + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", required=True)
    ap.add_argument("--operator-binary", required=True)
    ap.add_argument("--tools-bin", required=True)
    ap.add_argument("--cluster-dir", required=True)
    ap.add_argument("--logs", required=True)
    ap.add_argument("--results", default=None, help="directory of soak.json (default <repo>/bench/results)")
    ap.add_argument("--report", default=None, help="the Markdown report (default <repo>/bench/SOAK.md)")
    ap.add_argument("--seed", type=int, default=None, help="schedule seed (default: a random one, printed)")
    ap.add_argument("--servers", type=int, default=500)
    ap.add_argument("--minutes", type=float, default=25.0, help="length of the schedule")
    ap.add_argument("--rate", type=float, default=1.0, help="per-server actions per second, on average")
    ap.add_argument("--operator-kills", type=int, default=None, help="default: max(2, minutes / 5)")
    ap.add_argument("--apiserver-restarts", type=int, default=None, help="default: max(1, minutes / 8)")
    ap.add_argument("--nodes", type=int, default=10)
    ap.add_argument("--node-pods", type=int, default=250)
    ap.add_argument("--quiet-max", type=float, default=180.0, help="at most this long for convergence")
    ap.add_argument("--min-proc-age", type=float, default=None,
                    help="memory rule: only samples of processes this old (default min(60, schedule / 10) s)")
    ap.add_argument("--growth-limit", type=float, default=10.0, help="memory rule: Q4 over Q3 median, percent")
    ap.add_argument("--without", default="", type=lambda v: [x for x in v.split(",") if x],
                    help="comma-separated actions (" + ", ".join(WEIGHTS) + ") or hand edits (" +
                    ", ".join(OWNED_EDITS) + ") to leave out of the schedule")
    ap.add_argument("--keep-cluster", action="store_true", help="leave the cluster up at the end (debugging)")
    ap.add_argument("--dry-run", action="store_true", help="print the schedule's actions and exit")
    args = ap.parse_args()
    unknown = set(args.without) - set(WEIGHTS) - set(OWNED_EDITS)
    if unknown:
        ap.error(f"--without: unknown {', '.join(sorted(unknown))}")
    if args.seed is None:
        args.seed = int.from_bytes(os.urandom(4), "big")
    if args.operator_kills is None:
        args.operator_kills = max(2, round(args.minutes / 5))
    if args.apiserver_restarts is None:
        args.apiserver_restarts = max(1, round(args.minutes / 8))
    if args.min_proc_age is None:
        args.min_proc_age = min(60.0, args.minutes * 6)
    if args.dry_run:
        names = [f"s{i:04d}" for i in range(args.servers)]
        for a in make_schedule(random.Random(args.seed), names, args, args.minutes * 60):
            print(f"{a[0]:9.3f}  {a[1]:18} {a[2]:18} {json.dumps(a[3])}")
        return
    results = args.results or os.path.join(args.repo, "bench", "results")
    report = args.report or os.path.join(args.repo, "bench", "SOAK.md")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.makedirs(args.logs, exist_ok=True)
    os.makedirs(results, exist_ok=True)
    log(f"soak: seed {args.seed} (reproduce the schedule with --seed {args.seed}), {args.servers} servers, "
        f"{args.minutes:g} min")
    short = f"--seed {args.seed} --servers {args.servers} --minutes {args.minutes:g}"
    if args.rate != 1.0:
        short += f" --rate {args.rate:g}"
    if args.without:
        short += f" --without {','.join(args.without)}"
    res = {"seed": args.seed, "command_short": short, "started_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
           "params": {"servers": args.servers, "minutes": args.minutes, "rate": args.rate, "nodes": args.nodes,
                      "node_pods": args.node_pods, "operator_kills": args.operator_kills,
                      "apiserver_restarts": args.apiserver_restarts, "quiet_max_s": args.quiet_max,
                      "min_proc_age_s": args.min_proc_age, "growth_limit_pct": args.growth_limit,
                      "without": args.without},
           "machine": {"cpus": os.cpu_count(), "load_start": [round(x, 2) for x in os.getloadavg()]},
           "timing": {}, "checks": []}
    t0 = time.monotonic()
    try:
        run(args, res)
    except Exception as e:  # noqa: BLE001 - written to the results, then a failing exit
        log(f"soak failed: {e}")
        res["error"] = str(e)[:500]
    finally:
        res["machine"]["load_end"] = [round(x, 2) for x in os.getloadavg()]
        res["timing"]["wall_s"] = round(time.monotonic() - t0)
        res["passed"] = bool(res["checks"]) and all(c["ok"] for c in res["checks"]) and "error" not in res
        write_json(res, os.path.join(results, "soak.json"))
        write_report(res, report)
    print_checks(res["checks"])
    log(f"soak {'PASSED' if res['passed'] else 'FAILED'} (seed {args.seed}); report {report}")
    sys.exit(0 if res["passed"] else 1)


if __name__ == "__main__":
    main()
