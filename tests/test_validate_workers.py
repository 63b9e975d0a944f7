"""The worker pool's guarantees, with a tiny real worker process: exact time limits (also for
a replacement), cancellation, the slow lane, round-robin by client and the reserved worker."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from validate.workers import WorkerPool

WORKER = """
import json, os, sys, time
sys.stdin.readline()
print(json.dumps({"ready": True, "pid": os.getpid()}), flush=True)
for raw in sys.stdin:
    job = json.loads(raw)
    t0 = time.time()
    c0 = sum(os.times()[:2])
    while sum(os.times()[:2]) - c0 < job.get("cpu", 0):
        pass
    time.sleep(job.get("sleep", 0))
    print(json.dumps(["ok", {"id": job.get("id"), "start": t0, "pid": os.getpid()}]), flush=True)
"""


@pytest.fixture()
def script(tmp_path: Path) -> Path:
    p = tmp_path / "worker.py"
    p.write_text(WORKER)
    return p


def _pool(script: Path, size: int, **kw) -> WorkerPool:
    pool = WorkerPool("test", lambda: ([sys.executable, str(script)], {}, "/", None), size, ready_timeout=30, **kw)
    pool.wait_ready(30)
    deadline = time.monotonic() + 30
    while pool.stats()["ready"] < size + pool.max_slow and time.monotonic() < deadline:
        time.sleep(0.05)
    return pool


def _until_slow(pool: WorkerPool) -> None:
    """Until a job has used its CPU share (wall time varies with the machine's load)."""
    deadline = time.monotonic() + 30
    while pool.stats()["slow"] == 0:
        assert time.monotonic() < deadline, "the spinning job never turned slow"
        time.sleep(0.05)


def test_time_limits_are_exact_for_replacements(script):
    pool = _pool(script, 1, job_timeout=1.0, max_slow=0)
    try:
        for _ in range(2):
            t0 = time.monotonic()
            status, why = pool.submit({"sleep": 30}).result(30)
            assert status == "timeout" and "1 s" in why
            assert time.monotonic() - t0 < 10  # the limit, plus a replacement's start
        assert pool.submit({"id": 1}).result(30)[0] == "ok"
        assert pool.stats()["replaced"] == 2
    finally:
        pool.close()


def test_cancel_a_queued_and_a_running_job(script):
    pool = _pool(script, 1, job_timeout=60, max_slow=0)
    try:
        running = pool.submit({"sleep": 30})
        queued = pool.submit({"sleep": 30})
        time.sleep(0.5)
        pool.cancel(queued)
        assert queued.cancelled()
        pool.cancel(running)
        status, _ = running.result(10)
        assert status == "cancelled"
        assert pool.submit({"id": 2}).result(30)[0] == "ok"  # a fresh worker took over
    finally:
        pool.close()


def test_a_slow_job_moves_aside_for_quick_ones(script):
    pool = _pool(script, 1, job_timeout=60, slow_after=0.3, max_slow=1)
    try:
        slow = pool.submit({"cpu": 0.5, "sleep": 30, "id": "slow"}, client="a")
        _until_slow(pool)
        t0 = time.monotonic()
        quick = pool.submit({"id": "quick"}, client="b").result(30)
        assert quick[0] == "ok" and time.monotonic() - t0 < 5
        assert not slow.done()
        pool.cancel(slow)
    finally:
        pool.close()


def test_a_full_slow_lane_stops_the_next_slow_job(script):
    pool = _pool(script, 2, job_timeout=60, slow_after=0.3, max_slow=1)
    try:
        first = pool.submit({"cpu": 0.5, "sleep": 30}, client="a")
        _until_slow(pool)
        second = pool.submit({"cpu": 0.5}, client="b")
        status, why = second.result(60)
        assert status == "timeout" and "slow lane was full" in why
        assert not first.done()
        pool.cancel(first)
    finally:
        pool.close()


def test_round_robin_by_client(script):
    pool = _pool(script, 1, job_timeout=20, max_slow=0)
    try:
        burst = [pool.submit({"sleep": 0.3, "id": f"a{i}"}, client="a") for i in range(5)]
        other = pool.submit({"id": "b"}, client="b")
        starts = {f.result(30)[1]["id"]: f.result(30)[1]["start"] for f in [*burst, other]}
        order = sorted(starts, key=starts.get)
        assert order.index("b") <= 2  # served in turn, not after the whole burst
    finally:
        pool.close()


def test_the_last_free_worker_waits_for_a_newcomer(script):
    pool = _pool(script, 2, job_timeout=20, max_slow=0, reserve=1)
    try:
        burst = [pool.submit({"sleep": 1.0, "id": f"a{i}"}, client="a") for i in range(3)]
        time.sleep(0.3)
        assert pool.stats()["busy"] == 1  # a's burst may not take the last worker
        t0 = time.monotonic()
        assert pool.submit({"id": "b"}, client="b").result(30)[0] == "ok"
        assert time.monotonic() - t0 < 0.9  # b did not wait for a's jobs
        for f in burst:
            assert f.result(30)[0] == "ok"
    finally:
        pool.close()


def test_a_struck_client_runs_only_in_the_slow_lane(script):
    pool = _pool(script, 1, job_timeout=1.0, max_slow=1, strike_seconds=30)
    try:
        assert pool.submit({"sleep": 5}, client="a").result(30)[0] == "timeout"
        again = pool.submit({"sleep": 2, "id": "a2"}, client="a")
        deadline = time.monotonic() + 20
        while pool.stats()["slow"] == 0:  # it started, in the slow lane
            assert time.monotonic() < deadline
            time.sleep(0.05)
        t0 = time.monotonic()
        assert pool.submit({"id": "b"}, client="b").result(30)[0] == "ok"
        assert time.monotonic() - t0 < 0.9  # the normal worker was free for b
        assert again.result(30)[0] in ("ok", "timeout")
    finally:
        pool.close()
