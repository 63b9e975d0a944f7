"""ingest.run.forked: the full ingest's middle in a child process (real fork, real pipe)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.checkout.checkout import CheckoutError
from ingest.run import forked

pytestmark = pytest.mark.skipif(not forked.can_fork(), reason="fork is used on Linux only")


def test_runs_in_a_child_and_relays_progress() -> None:
    seen: list[tuple[str, int, int]] = []

    def work(progress: forked.ProgressFn) -> dict[str, int]:
        for i in range(3):
            progress("task", i + 1, 3)
        return {"pid": os.getpid()}

    got = forked.run(work, lambda *a: seen.append(a))
    assert got["pid"] != os.getpid()
    assert seen == [("task", 1, 3), ("task", 2, 3), ("task", 3, 3)]


def test_the_childs_exception_is_raised_here_with_its_type() -> None:
    def work(progress: forked.ProgressFn) -> None:
        raise CheckoutError("no spec/ directory")

    with pytest.raises(CheckoutError, match="no spec/ directory"):
        forked.run(work, lambda *a: None)


def test_an_unpicklable_exception_arrives_as_its_text() -> None:
    class Local(Exception):  # defined in a function: pickle cannot find it
        pass

    def work(progress: forked.ProgressFn) -> None:
        raise Local("odd")

    with pytest.raises(RuntimeError, match="Local: odd"):
        forked.run(work, lambda *a: None)


def test_a_child_killed_without_an_answer_is_reported() -> None:
    def work(progress: forked.ProgressFn) -> None:
        progress("started", 0, 1)
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(forked.ChildDied, match="SIGKILL"):
        forked.run(work, lambda *a: None)


def test_a_failing_progress_callback_stops_the_child() -> None:
    def work(progress: forked.ProgressFn) -> None:
        while True:
            progress("spin", 0, 1)

    def explode(*_: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        forked.run(work, explode)


def test_fork_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OOTKG_INGEST_FORK", "0")
    assert forked.run(lambda progress: os.getpid(), lambda *a: None) == os.getpid()


def test_an_ingest_through_the_child_equals_one_in_process(
    mini_checkout: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_ingest_delta import _assert_same, _ingest, dump

    tmp = mini_checkout["db"].parent
    reports = {}
    for fork in ("1", "0"):
        monkeypatch.setenv("OOTKG_INGEST_FORK", fork)
        monkeypatch.setenv("OOTKG_DB", str(tmp / f"graph-{fork}"))
        monkeypatch.setenv("OOTKG_CACHE_DIR", str(tmp / f"cache-{fork}"))
        reports[fork] = _ingest(mini_checkout["decomp"])
    assert reports["1"]["counts"] == reports["0"]["counts"]
    drop_time = [{k: v for k, v in row.items() if k != "seconds"} for row in reports["1"]["per_version"]]
    assert drop_time == [{k: v for k, v in row.items() if k != "seconds"} for row in reports["0"]["per_version"]]
    _assert_same(dump(tmp / "graph-1"), dump(tmp / "graph-0"))
    # the child saved the run state: a second run has nothing to do
    monkeypatch.setenv("OOTKG_INGEST_FORK", "1")
    monkeypatch.setenv("OOTKG_DB", str(tmp / "graph-1"))
    monkeypatch.setenv("OOTKG_CACHE_DIR", str(tmp / "cache-1"))
    assert _ingest(mini_checkout["decomp"])["unchanged"]


def test_a_child_reaped_by_someone_else_still_answers() -> None:
    # e.g. an asyncio child watcher that waits for any child on SIGCHLD
    old = signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel

    def work(progress: forked.ProgressFn) -> int:  # and the child waits for its own
        return subprocess.run([sys.executable, "-c", "raise SystemExit(3)"]).returncode

    try:
        assert forked.run(work, lambda *a: None) == 3
    finally:
        signal.signal(signal.SIGCHLD, old)


def test_the_child_starts_its_own_worker_server_when_the_parent_has_one() -> None:
    import multiprocessing as mp

    ctx = mp.get_context("forkserver")
    with ctx.Pool(1) as pool:  # this process now has a fork server
        assert pool.apply(os.getpid) != os.getpid()

    def work(progress: forked.ProgressFn) -> int:
        with ctx.Pool(1) as pool:
            return pool.apply(abs, (-5,))

    assert forked.run(work, lambda *a: None) == 5
