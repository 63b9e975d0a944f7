"""Memory of a process and all its descendants, sampled while it runs (Linux /proc).

``peak_pss(popen)``: the largest sum of PSS (proportional set size: a page shared by N
processes counts 1/N in each) over the process tree, sampled every ``interval`` seconds until
the process exits. Summing RSS instead would count pages a forked child shares with its
parent twice; the main process's own RSS alone would leave out its workers."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out += [int(x) for x in fh.read().split()]
    except OSError:
        pass
    return out


def tree(pid: int) -> list[int]:
    todo, out = [pid], []
    while todo:
        p = todo.pop()
        out.append(p)
        todo += _children(p)
    return out


def pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_pss(proc: subprocess.Popen, interval: float = 0.25, on_sample: Callable[[], None] | None = None) -> float:
    """MB; 0 when nothing could be read (no smaps_rollup, or the process ended at once).
    Samples every 10 ms at first, then less often up to every ``interval`` s (a run of a
    fraction of a second is seen; a long one is not slowed by the sampling). ``on_sample``
    is called after each sample (a test waits for one taken while its process holds memory)."""
    peak, delay = 0, 0.01
    while proc.poll() is None:
        peak = max(peak, sum(pss_kb(p) for p in tree(proc.pid)))
        if on_sample is not None:
            on_sample()
        time.sleep(delay)
        delay = min(interval, delay * 1.5)
    return peak / 1024
