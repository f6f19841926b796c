"""A small Kubernetes API client for the operator benchmark (Python standard library only).

Reads the admin kubeconfig that hack/cluster.sh writes (one cluster, client certificate), and
offers what the benchmark needs: create, merge-patch, list and watch. Every connection is to
the local apiserver on 127.0.0.1; every call has a timeout. The user agent is `mcp-bench`, so
the apiserver audit log tells the benchmark's own requests from the operators'.
"""
import base64
import http.client
import json
import os
import re
import socket
import ssl
import tempfile
import threading
import time
import urllib.parse

USER_AGENT = "mcp-bench"


def _field(text, key):
    m = re.search(rf"^\s*{key}:\s*(\S+)\s*$", text, re.M)
    if not m:
        raise ValueError(f"kubeconfig has no {key}")
    return m.group(1)


class Kube:
    def __init__(self, kubeconfig):
        text = open(kubeconfig).read()
        url = urllib.parse.urlsplit(_field(text, "server"))
        self.host, self.port = url.hostname, url.port
        self._dir = tempfile.mkdtemp(prefix="mcp-bench-")
        paths = {}
        for key in ("certificate-authority-data", "client-certificate-data", "client-key-data"):
            paths[key] = os.path.join(self._dir, key)
            with open(paths[key], "wb") as f:
                f.write(base64.b64decode(_field(text, key)))
        os.chmod(paths["client-key-data"], 0o600)
        self.ctx = ssl.create_default_context(cafile=paths["certificate-authority-data"])
        self.ctx.load_cert_chain(paths["client-certificate-data"], paths["client-key-data"])
        self._local = threading.local()
        self._watch_lock = threading.Lock()
        self._watch_conns = set()

    def _conn(self, timeout=30):
        return http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=timeout)

    def request(self, method, path, body=None, content_type="application/json", ok=(200, 201)):
        """One request on this thread's kept-alive connection; returns the decoded JSON body."""
        data = json.dumps(body).encode() if body is not None else None
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = content_type
        for attempt in range(3):
            conn = getattr(self._local, "conn", None) or self._conn()
            self._local.conn = conn
            try:
                conn.request(method, path, body=data, headers=headers)
                resp = conn.getresponse()
                payload = resp.read()
            except (http.client.HTTPException, OSError):
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    raise
                time.sleep(0.2)
                continue
            if resp.status not in ok:
                raise RuntimeError(f"{method} {path}: HTTP {resp.status}: {payload[:300]!r}")
            return json.loads(payload) if payload else {}

    def create(self, path, obj):
        return self.request("POST", path, obj)

    def merge_patch(self, path, patch):
        return self.request("PATCH", path, patch, content_type="application/merge-patch+json")

    def list(self, path):
        return self.request("GET", path)

    def watch(self, path, resource_version, on_event, stop, deadline):
        """Streams watch events of `path` from `resource_version` to on_event(type, obj, t) until
        stop is set (then call close_watches) or the monotonic deadline passes; reconnects from
        the last version seen. The server ends each stream after 30 s, which bounds every read."""
        rv = resource_version
        while not stop.is_set() and time.monotonic() < deadline:
            q = urllib.parse.urlencode({"watch": "1", "resourceVersion": rv, "allowWatchBookmarks": "true",
                                        "timeoutSeconds": "30"})
            conn = self._conn(timeout=None)
            with self._watch_lock:
                self._watch_conns.add(conn)
            try:
                conn.request("GET", f"{path}?{q}", headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
                resp = conn.getresponse()
                if resp.status != 200:
                    raise RuntimeError(f"watch {path}: HTTP {resp.status}")
                while not stop.is_set() and time.monotonic() < deadline:
                    line = resp.readline()
                    if not line:
                        break
                    ev = json.loads(line)
                    obj = ev["object"]
                    if ev["type"] == "ERROR":
                        raise RuntimeError(f"watch {path}: {obj.get('message')}")
                    rv = obj["metadata"]["resourceVersion"]
                    if ev["type"] != "BOOKMARK":
                        on_event(ev["type"], obj, time.monotonic())
            except (http.client.HTTPException, OSError, ValueError):
                time.sleep(0.1)
            finally:
                with self._watch_lock:
                    self._watch_conns.discard(conn)
                conn.close()

    def close_watches(self):
        with self._watch_lock:
            for conn in self._watch_conns:
                if conn.sock is not None:
                    try:
                        conn.sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

    def wait_for(self, what, predicate, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if predicate():
                    return
            except (RuntimeError, OSError):
                pass
            time.sleep(0.5)
        raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def parallel(items, fn, workers=8):
    """Runs fn(item) on `workers` threads without pausing between items; re-raises the first error."""
    items = list(items)
    errors, lock, idx = [], threading.Lock(), [0]

    def run():
        while True:
            with lock:
                if idx[0] >= len(items) or errors:
                    return
                item = items[idx[0]]
                idx[0] += 1
            try:
                fn(item)
            except Exception as e:  # noqa: BLE001 - reported to the caller below
                with lock:
                    errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
