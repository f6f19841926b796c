"""Resident memory and CPU time of one process, read from /proc (the same way for every operator)."""
import os
import threading
import time

TICK = os.sysconf("SC_CLK_TCK")


def _status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024  # kB -> MiB
    return 0.0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime, all threads


class ProcMon:
    """Samples VmRSS every 100 ms on a thread, so a phase's peak can be read afterwards;
    VmHWM gives the process's lifetime peak exactly."""

    def __init__(self, pid):
        self.pid = pid
        self.samples = []  # (monotonic, rss MiB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                self.samples.append((time.monotonic(), _status(self.pid, "VmRSS")))
            except OSError:
                return
            time.sleep(0.1)

    def stop(self):
        self._stop.set()
        self._thread.join()

    def rss(self):
        return _status(self.pid, "VmRSS")

    def hwm(self):
        return _status(self.pid, "VmHWM")

    def cpu(self):
        return cpu_seconds(self.pid)

    def peak_between(self, t0, t1):
        vals = [r for t, r in self.samples if t0 <= t <= t1]
        return max(vals) if vals else self.rss()

    def wait_quiet(self, min_s, max_s, quiet_s=3.0, busy_cpu=0.02):
        """Waits until the process used less than busy_cpu CPU seconds in each of quiet_s
        consecutive seconds (at least min_s, at most max_s). Returns the seconds waited."""
        t0 = time.monotonic()
        last, quiet = self.cpu(), 0.0
        while time.monotonic() - t0 < max_s:
            time.sleep(0.5)
            now = self.cpu()
            quiet = quiet + 0.5 if now - last < busy_cpu / 2 else 0.0
            last = now
            if quiet >= quiet_s and time.monotonic() - t0 >= min_s:
                break
        return time.monotonic() - t0
