"""bench/proctree.py: a process tree's peak PSS, sampled (real processes, Linux /proc)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench import proctree

pytestmark = pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(),
                                reason="needs Linux /proc smaps_rollup")

HOLD = "import time; x = bytearray({n}) ; x[::4096] = b'1' * len(x[::4096]); time.sleep(0.6)"


def test_the_peak_counts_children_too() -> None:
    parent = (f"import subprocess, sys, time; c = subprocess.Popen([sys.executable, '-c', "
              f"{HOLD.format(n=80_000_000)!r}]); time.sleep(0.3); c.wait()")
    got = proctree.peak_pss(subprocess.Popen([sys.executable, "-c", parent]), interval=0.05)
    assert got >= 80  # the child's 80 MB (76 MiB) plus two interpreters


def test_a_small_process_is_small() -> None:
    got = proctree.peak_pss(subprocess.Popen([sys.executable, "-c", HOLD.format(n=1)]),
                            interval=0.05)
    assert 1 < got < 60
