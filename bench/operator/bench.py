#!/usr/bin/env python3
"""Operators at scale on a local control plane with kwok nodes, side by side.

For each N and each operator (same N, one after the other, each on a fresh cluster so no
operator sees another's objects), in one run:
  create   N custom resources at once (8 threads, no pause between objects), while this
           process watches the resources and the Deployments: per-object latency from the
           resource's ADDED event to its Deployment's ADDED event (one clock), the time until
           all N Deployments exist and until all N report Ready in their status;
  idle     a quiet window after convergence: idle CPU, steady resident memory;
  rollout  a spec change to all N (one more env variable): time until every Deployment
           carries it, until every rollout finished, until every status is Ready again;
  restart  SIGTERM, start again with all N converged: writes it makes (should be none), CPU
           and time until it is quiet again, resident memory.
Memory and CPU come from /proc for every operator alike; the apiserver's audit log (filtered
by the operator's user agent) counts the requests each operator made in each phase.

Usage: bench.py --results DIR ... (bench/run.sh passes the settings of make bench and bench-quick)
"""
import argparse
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from kube import Kube, parallel  # noqa: E402
from operators import McpOperator, ToolHive  # noqa: E402
from procmon import ProcMon  # noqa: E402

WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection"}
NAMESPACE = "bench"


def log(msg):
    print(f"{time.strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)


def pct(values, p):
    if not values:
        return None
    v = sorted(values)
    return v[max(0, math.ceil(p / 100 * len(v)) - 1)]


class Cluster:
    def __init__(self, args):
        self.args = args
        self.dir = args.cluster_dir
        self.kubeconfig = os.path.join(self.dir, "kubeconfig")
        self.env = {**os.environ, "CLUSTER_DIR": self.dir, "NODES": str(args.nodes),
                    "NODE_PODS": str(args.node_pods), "AUDIT_POLICY": os.path.join(HERE, "audit-policy.yaml")}

    def script(self, cmd):
        subprocess.run([os.path.join(self.args.repo, "hack/cluster.sh"), cmd], env=self.env, check=True,
                       stdout=subprocess.DEVNULL, timeout=300)

    def kubectl(self, *a):
        p = subprocess.run([os.path.join(self.args.tools_bin, "kubectl"), "--kubeconfig", self.kubeconfig, *a],
                           capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(a)}: {p.stderr.strip()[:300]}")

    def audit_events(self):
        path = os.path.join(self.dir, "logs", "audit.log")
        events = []
        with open(path) as f:
            for line in f:
                ev = json.loads(line)
                ts = datetime.fromisoformat(ev["requestReceivedTimestamp"].replace("Z", "+00:00")).timestamp()
                events.append((ts, ev.get("userAgent", ""), ev.get("verb", ""),
                               (ev.get("objectRef") or {}).get("resource", ""), ev.get("responseStatus", {}).get("code")))
        return events


class Tracker:
    """Watches the custom resources and Deployments of the namespace; records when each
    resource and its Deployment appeared, became Ready, carried the rollout, finished it."""

    def __init__(self, op, n):
        self.op, self.n = op, n
        self.lock = threading.Lock()
        self.cr_added, self.dep_added = {}, {}
        self.cr, self.dep = {}, {}
        self.ready = {}  # phase -> name -> t
        self.dep_updated, self.dep_rolled = {}, {}
        self.phase = "create"
        self.gen_before, self.dep_gen_before = {}, {}

    def on_cr(self, _type, obj, t):
        name = obj["metadata"]["name"]
        with self.lock:
            self.cr[name] = obj
            self.cr_added.setdefault(name, t)
            if self.op.ready(obj) and obj["metadata"].get("generation", 0) > self.gen_before.get(name, 0):
                self.ready.setdefault(self.phase, {}).setdefault(name, t)

    def on_dep(self, _type, obj, t):
        owners = [o["name"] for o in obj["metadata"].get("ownerReferences", []) if o.get("kind") == "MCPServer"]
        if not owners:
            return
        name = owners[0]
        with self.lock:
            self.dep[name] = obj
            self.dep_added.setdefault(name, t)
            if self.phase == "rollout" and name in self.dep_gen_before:
                gen = obj["metadata"].get("generation", 0)
                if gen > self.dep_gen_before[name]:
                    self.dep_updated.setdefault(name, t)
                    st, want = obj.get("status", {}), obj["spec"].get("replicas", 1)
                    if (st.get("observedGeneration", 0) >= gen and st.get("updatedReplicas", 0) == want
                            and st.get("replicas", 0) == want and st.get("readyReplicas", 0) == want):
                        self.dep_rolled.setdefault(name, t)

    def start_rollout(self):
        with self.lock:
            self.phase = "rollout"
            self.gen_before = {k: v["metadata"].get("generation", 0) for k, v in self.cr.items()}
            self.dep_gen_before = {k: v["metadata"].get("generation", 0) for k, v in self.dep.items()}

    def counts(self):
        with self.lock:
            return (len(self.dep_added), len(self.ready.get(self.phase, {})), len(self.dep_updated),
                    len(self.dep_rolled))


class Operator:
    def __init__(self, op, kubeconfig, logfile):
        self.op, self.kubeconfig, self.logfile = op, kubeconfig, logfile
        self.proc = None

    def start(self):
        env = {**os.environ, "KUBECONFIG": self.kubeconfig, **self.op.env()}
        out = open(self.logfile, "ab")
        self.proc = subprocess.Popen(self.op.command(os.path.dirname(self.logfile)), env=env, stdout=out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        out.close()
        time.sleep(0.3)
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.op.name} exited at once ({self.proc.returncode}); see {self.logfile}")
        return ProcMon(self.proc.pid)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=35)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def writes_in(events, ua, t0, t1):
    sel = [e for e in events if e[1].startswith(ua) and t0 <= e[0] < t1]
    writes = [e for e in sel if e[2] in WRITE_VERBS]
    by = {}
    for e in writes:
        by[f"{e[2]} {e[3]}"] = by.get(f"{e[2]} {e[3]}", 0) + 1
    return {"requests": len(sel), "writes": len(writes), "writes_by": by}


def wait_until(what, cond, timeout, alive):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        if not alive():
            raise RuntimeError(f"operator exited while waiting for {what}")
        time.sleep(0.1)
    log(f"  not converged: {what} after {timeout:.0f}s")
    return False


def rollout(args, res, kube, tr, mon, op, crs, names, n, alive):
    """A spec change to all N; times until every Deployment changed, rolled out, Ready again."""
    tr.start_rollout()
    timeout = args.timeout_base + args.timeout_per_object * n
    c0, t1 = mon.cpu(), time.monotonic()
    parallel(names, lambda nm: kube.merge_patch(f"{crs}/{nm}", op.rollout_patch()), workers=8)
    wait_until(f"{n} Deployments changed", lambda: tr.counts()[2] >= n, timeout, alive)
    # Finishing the rollouts is the control plane's work (new ReplicaSets and Pods at
    # kube-controller-manager's client rate), the same for every operator: waited for a bounded time.
    tail = min(args.rollout_tail, max(10, timeout - (time.monotonic() - t1)))
    res["rollout_tail_s"] = round(time.monotonic() - t1 + tail)
    wait_until(f"{n} rollouts done", lambda: tr.counts()[3] >= n, tail, alive)
    ok = wait_until(f"{n} Ready again", lambda: tr.counts()[1] >= n, 10, alive)
    with tr.lock:
        upd, rolled = list(tr.dep_updated.values()), list(tr.dep_rolled.values())
        rready = list(tr.ready.get("rollout", {}).values())
    res["rollout_changed"], res["rollout_rolled"], res["rollout_ready"] = len(upd), len(rolled), len(rready)
    res["rollout_deployments_s"] = round(max(upd) - t1, 2) if len(upd) >= n else None
    res["rollout_done_s"] = round(max(rolled) - t1, 2) if len(rolled) >= n else None
    res["rollout_ready_s"] = round(max(rready) - t1, 2) if ok else None
    res["cpu_rollout_s"] = round(mon.cpu() - c0, 2)


def run_case(args, op, n):
    cl = Cluster(args)
    cl.script("up")
    try:
        return measure(args, cl, op, n)
    finally:
        cl.script("down")


def measure(args, cl, op, n):
    kube = Kube(cl.kubeconfig)
    for path in op.crd_paths():
        cl.kubectl("apply", "--server-side", "--force-conflicts", "-f", path)
    for ns in [NAMESPACE, *op.setup_namespaces()]:
        kube.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    kube.wait_for(f"the {op.plural} API", lambda: kube.list(op.path(NAMESPACE)), 60)
    kube.wait_for("the default ServiceAccount", lambda: kube.list(f"/api/v1/namespaces/{NAMESPACE}/serviceaccounts/default"), 60)
    logfile = os.path.join(args.logs, f"{op.name}-{n}.log")
    if os.path.exists(logfile):
        os.remove(logfile)
    proc = Operator(op, cl.kubeconfig, logfile)
    res = {"operator": op.name, "version": op.version, "n": n, "load_start": round(os.getloadavg()[0], 2)}
    wall = {"start": time.time()}
    stop = threading.Event()
    mon = proc.start()
    try:
        res["startup_s"] = round(mon.wait_quiet(1, 30, quiet_s=1.0), 1)
        res["rss_start_mib"] = round(mon.rss(), 1)
        cpu_start = mon.cpu()

        # ---- create
        tr = Tracker(op, n)
        deadline = time.monotonic() + 3600
        crs, deps = op.path(NAMESPACE), f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments"
        watchers = [threading.Thread(target=kube.watch, args=(p, kube.list(p)["metadata"]["resourceVersion"], cb, stop,
                                                              deadline), daemon=True)
                    for p, cb in ((crs, tr.on_cr), (deps, tr.on_dep))]
        for w in watchers:
            w.start()
        time.sleep(1.0)
        names = [f"s{i:04d}" for i in range(n)]
        wall["create"] = time.time()
        t0 = time.monotonic()
        parallel(names, lambda nm: kube.create(crs, op.resource(nm)), workers=8)
        res["create_requests_s"] = round(time.monotonic() - t0, 2)
        alive = lambda: proc.proc.poll() is None  # noqa: E731
        timeout = args.timeout_base + args.timeout_per_object * n
        res["timeout_s"] = timeout
        wait_until(f"{n} Deployments", lambda: tr.counts()[0] >= n, timeout, alive)
        ok = wait_until(f"{n} Ready", lambda: tr.counts()[1] >= n, max(10, timeout - (time.monotonic() - t0)), alive)
        t_conv = time.monotonic()
        with tr.lock:
            lat = [tr.dep_added[k] - tr.cr_added[k] for k in tr.dep_added if k in tr.cr_added]
            ready_t = list(tr.ready.get("create", {}).values())
            res["deployments"], res["ready"] = len(tr.dep_added), len(ready_t)
            res["all_deployments_s"] = round(max(tr.dep_added.values()) - t0, 2) if len(tr.dep_added) >= n else None
            res["all_ready_s"] = round(max(ready_t) - t0, 2) if ok else None
        res["latency_p50_ms"] = round(pct(lat, 50) * 1000) if lat else None
        res["latency_p99_ms"] = round(pct(lat, 99) * 1000) if lat else None
        res["latency_mean_ms"] = round(statistics.mean(lat) * 1000) if lat else None
        res["cpu_create_s"] = round(mon.cpu() - cpu_start, 2)
        res["rss_peak_create_mib"] = round(mon.peak_between(t0, t_conv), 1)

        # ---- idle after convergence
        wall["idle"] = time.time()
        mon.wait_quiet(0, args.settle, quiet_s=2.0)
        c0, ti = mon.cpu(), time.monotonic()
        time.sleep(args.idle)
        res["idle_cpu_pct"] = round(100 * (mon.cpu() - c0) / (time.monotonic() - ti), 2)
        res["rss_steady_mib"] = round(mon.rss(), 1)

        res["rss_peak_create_idle_mib"] = round(mon.hwm(), 1)
        res["cpu_total_first_run_s"] = round(mon.cpu(), 2)

        # ---- restart with everything converged (before the rollout, which may not finish at large N)
        wall["stop"] = time.time()
        mon.stop()
        proc.stop()
        wall["restart"] = time.time()
        mon = proc.start()
        res["restart_quiet_s"] = round(mon.wait_quiet(args.restart_min, args.restart_max), 1)
        res["cpu_restart_s"] = round(mon.cpu(), 2)
        res["rss_restart_peak_mib"] = round(mon.hwm(), 1)
        c0, ti = mon.cpu(), time.monotonic()
        time.sleep(args.idle)
        res["idle_after_restart_cpu_pct"] = round(100 * (mon.cpu() - c0) / (time.monotonic() - ti), 2)
        res["rss_after_restart_mib"] = round(mon.rss(), 1)

        # ---- rollout (only from a converged state: otherwise it would measure the unfinished create)
        wall["rollout"] = time.time()
        res["rollout_skipped"] = ("left out (--no-rollout)" if args.no_rollout else None if res["all_ready_s"] is not None
                                  else "create did not converge in time")
        if res["rollout_skipped"] is None:
            rollout(args, res, kube, tr, mon, op, crs, names, n, alive)
        mon.wait_quiet(0, args.settle, quiet_s=2.0)
        res["rss_peak_mib"] = round(max(res["rss_peak_create_idle_mib"], mon.hwm()), 1)
        res["rss_end_mib"] = round(mon.rss(), 1)
        wall["end"] = time.time()
        res["load_end"] = round(os.getloadavg()[0], 2)
    finally:
        stop.set()
        kube.close_watches()
        mon.stop()
        proc.stop()

    events = cl.audit_events()
    phases = [("startup", "start", "create"), ("create", "create", "idle"), ("idle", "idle", "stop"),
              ("restart", "restart", "rollout"), ("rollout", "rollout", "end")]
    res["audit"] = {ph: writes_in(events, op.user_agent, wall[a], wall[b]) for ph, a, b in phases}
    res["user_agents"] = sorted({e[1] for e in events if e[0] >= wall["start"] and not e[1].startswith("mcp-bench")
                                 and not e[1].startswith("kubectl")})
    return res


def operators(args):
    ops, skipped = [McpOperator(args.repo, args.operator_binary)], []
    if args.operator_before:
        # An earlier build of this operator, measured first in the same run (before/after).
        before = McpOperator(args.repo, args.operator_before)
        before.name = "mcp-operator-before"
        ops.insert(0, before)
    peers = json.load(open(args.peers))["peers"] if args.peers else []
    for p in peers:
        if "binary" not in p:
            skipped.append({"name": p["name"], "version": p["version"], "module": p["module"],
                            "reason": "could not be built: " + p["error"], "tried": p["tried"]})
        elif p["name"] in ("toolhive", "toolhive-newest"):
            ops.append(ToolHive(p))
    if args.only:
        ops = [o for o in ops if o.name in args.only.split(",")]
    return ops, skipped, peers


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--operator-binary", required=True)
    ap.add_argument("--peers", help="peers.json from peers.py")
    ap.add_argument("--operator-before", help="an earlier mcp-operator binary, run first as mcp-operator-before")
    ap.add_argument("--tools-bin", required=True)
    ap.add_argument("--cluster-dir", required=True)
    ap.add_argument("--logs", required=True)
    ap.add_argument("--counts", default="100,500,1000")
    ap.add_argument("--only", help="comma-separated operator names")
    ap.add_argument("--nodes", type=int, default=10)
    ap.add_argument("--node-pods", type=int, default=250)
    ap.add_argument("--idle", type=float, default=10.0, help="seconds of the idle windows")
    ap.add_argument("--settle", type=float, default=10.0, help="at most this long for CPU to go quiet")
    ap.add_argument("--rollout-tail", type=float, default=60.0,
                    help="at most this long for the rollouts to finish once every Deployment changed")
    ap.add_argument("--no-rollout", action="store_true", help="leave the rollout out (make bench-quick)")
    ap.add_argument("--restart-min", type=float, default=5.0)
    ap.add_argument("--restart-max", type=float, default=90.0)
    ap.add_argument("--timeout-base", type=float, default=60.0)
    ap.add_argument("--timeout-per-object", type=float, default=0.3)
    ap.add_argument("--mode", default="full")
    args = ap.parse_args()
    # SIGTERM (a stopped `make bench`) unwinds like Ctrl-C, so every operator and cluster is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.makedirs(args.logs, exist_ok=True)
    os.makedirs(args.results, exist_ok=True)
    ops, skipped, peers = operators(args)
    out = {"mode": args.mode, "counts": [int(c) for c in args.counts.split(",")], "nodes": args.nodes,
           "node_pods": args.node_pods, "idle_window_s": args.idle,
           "operators": [{"name": o.name, "version": o.version, "ready_meaning": o.ready_meaning,
                          "user_agent": o.user_agent, "group_version": o.group_version, "resource": o.resource("s0000")}
                         for o in ops],
           "skipped": skipped, "peers": peers, "cases": [], "failures": []}
    path = os.path.join(args.results, "operator.json")
    t0 = time.monotonic()
    for i, n in enumerate(out["counts"]):
        # Alternate which operator goes first, so a drift in the machine's load favours none.
        for op in (ops if i % 2 == 0 else list(reversed(ops))):
            log(f"{op.name} {op.version}, N={n}")
            try:
                res = run_case(args, op, n)
                out["cases"].append(res)
                log(f"  deployments {res['all_deployments_s']}s, ready {res['all_ready_s']}s, "
                    f"p50/p99 {res['latency_p50_ms']}/{res['latency_p99_ms']} ms, peak {res['rss_peak_mib']} MiB, "
                    f"restart writes {res['audit']['restart']['writes']}")
            except Exception as e:  # noqa: BLE001 - one failed case is reported, the others still run
                log(f"  failed: {e}")
                out["failures"].append({"operator": op.name, "n": n, "error": str(e)[:400]})
            with open(path, "w") as f:
                json.dump(out, f, indent=1)
    out["wall_s"] = round(time.monotonic() - t0)
    with open(path, "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
