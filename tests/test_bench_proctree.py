"""bench/proctree.py: a process tree's peak PSS, sampled (real processes, Linux /proc).

The processes hold their memory until a sample was taken while they held it: they print
`ready` once it is touched, then wait for their stdin to close, which the test does only
after the sampler has started a sample since. A slow or busy machine makes the test slower,
never wrong."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bench import proctree

pytestmark = pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="needs Linux /proc smaps_rollup")

HOLD = "import sys; x = bytearray({n}); x[::4096] = b'1' * len(x[::4096]); print('ready', flush=True); sys.stdin.read()"


def _peak_while_held(script: str) -> float:
    """peak_pss of ``python -c script``, released once a whole sample saw it ready."""
    proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    samples = threading.Condition()
    taken = [0]

    def counted() -> None:
        with samples:
            taken[0] += 1
            samples.notify_all()

    peak: list[float] = []
    sampler = threading.Thread(target=lambda: peak.append(proctree.peak_pss(proc, interval=0.05, on_sample=counted)))
    sampler.start()
    try:
        assert proc.stdout is not None and proc.stdin is not None
        assert proc.stdout.readline().strip() == "ready"
        with samples:
            seen = taken[0]
            # the sample that ends next may have begun before 'ready'; the one after it cannot
            assert samples.wait_for(lambda: taken[0] >= seen + 2, timeout=120), "no sample"
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        sampler.join(60)
    return peak[0]


def test_the_peak_counts_children_too() -> None:
    parent = f"import subprocess, sys; sys.exit(subprocess.call([sys.executable, '-c', {HOLD.format(n=80_000_000)!r}]))"
    assert _peak_while_held(parent) >= 80  # the child's 80 MB (76 MiB) plus two interpreters


def test_a_small_process_is_small() -> None:
    assert 1 < _peak_while_held(HOLD.format(n=1)) < 60
