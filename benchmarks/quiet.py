"""Timing on a shared machine: wait until other work leaves the CPUs idle, and record how busy they were."""

from __future__ import annotations

import os
import time


def cpu_busy(interval: float = 1.0) -> float:
    """Fraction of all CPUs busy over the interval (from /proc/stat); between our runs, that is other work."""
    def sample() -> tuple[int, int]:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    (t0, i0), _, (t1, i1) = sample(), time.sleep(interval), sample()
    return round(1 - (i1 - i0) / max(t1 - t0, 1), 3)


def wait_quiet(max_busy: float, max_wait_s: float) -> dict:
    """Wait (up to max_wait_s) until the machine is idle enough to time something; say how busy it was."""
    start = time.monotonic()
    busy = cpu_busy()
    while busy > max_busy and time.monotonic() - start < max_wait_s:
        busy = cpu_busy(2.0)
    return {"busy_before": busy, "waited_s": round(time.monotonic() - start, 1), "load1": os.getloadavg()[0]}
