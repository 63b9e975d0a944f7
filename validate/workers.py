"""A pool of worker processes that each answer one JSON-lines job at a time.

Both the compile workers (``validate.compile_worker``) and the check workers
(``validate.check_worker``) run in one. What the pool guarantees:

- A worker takes jobs only once it has said it is ready (its warm-up, e.g. loading a
  precompiled header or the graph's index, is never charged to a job), so a job's time
  limit is exact: measured from when it was sent, the same for a first job and a
  replacement worker's.
- A job over its time limit, or a worker over its memory cap (resident set, polled),
  kills that worker; a fresh one is started at once, and the job's future gets
  ``("timeout" | "memory" | "crash", why)``.
- ``cancel(fut)`` drops a queued job, or kills the worker running it (a client that went
  away stops costing anything).
- ``stats()`` (ready, busy, queued) feeds admission control and ``/healthz``.
"""

from __future__ import annotations

import json
import logging
import os
import select
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

log = logging.getLogger(__name__)

Outcome = tuple[str, Any]  # ("ok", payload) | ("timeout" | "memory" | "crash" | "error", why)


class WorkerStartError(RuntimeError):
    """A worker could not be started (its ready line said why)."""


class Job(Future):
    def __init__(self, payload: dict[str, Any], timeout: float) -> None:
        super().__init__()
        self.payload = payload
        self.timeout = timeout
        self.proc: subprocess.Popen | None = None
        self.client_cancelled = False
        self.queued_at = time.monotonic()
        self.started_at = 0.0


class _Proc:
    """One worker process and its line-buffered stdout."""

    def __init__(self, argv: list[str], config: dict[str, Any], cwd: str,
                 env: dict[str, str] | None) -> None:
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, cwd=cwd, close_fds=True, env=env)
        self.buf = b""
        self.send(config)

    def send(self, obj: Any) -> None:
        assert self.p.stdin is not None
        self.p.stdin.write((json.dumps(obj) + "\n").encode())
        self.p.stdin.flush()

    def recv(self, deadline: float, check: Callable[[], str | None] | None = None) -> Any:
        """The next line as JSON; TimeoutError at ``deadline``, EOFError if the process
        ended, or ``_Stop(why)`` when ``check`` (polled every 0.1 s) returns a reason."""
        assert self.p.stdout is not None
        fd = self.p.stdout.fileno()
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], min(left, 0.1) if check else left)
            if not ready:
                why = check() if check else None
                if why:
                    raise _Stop(why)
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise EOFError
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)

    def rss_mb(self) -> float:
        try:
            with open(f"/proc/{self.p.pid}/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, ValueError, IndexError):
            return 0.0

    def kill(self) -> None:
        try:
            self.p.kill()
        except OSError:
            pass
        try:
            self.p.wait(5)
        except subprocess.TimeoutExpired:
            pass
        for f in (self.p.stdin, self.p.stdout):
            try:
                f.close()  # type: ignore[union-attr]
            except OSError:
                pass

    def alive(self) -> bool:
        return self.p.poll() is None


class _Stop(Exception):
    pass


class WorkerPool:
    """``size`` worker processes started by ``spawn()`` -> (argv, first line, cwd, env)."""

    def __init__(self, name: str, spawn: Callable[[], tuple[list[str], dict[str, Any], str,
                                                              dict[str, str] | None]],
                 size: int, *, job_timeout: float, ready_timeout: float = 120.0,
                 rss_limit_mb: float | None = None,
                 on_ready: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.name = name
        self.spawn = spawn
        self.size = max(1, size)
        self.job_timeout = job_timeout
        self.ready_timeout = ready_timeout
        self.rss_limit_mb = rss_limit_mb
        self.on_ready = on_ready
        self._queue: deque[Job] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self._ready = 0
        self._busy = 0
        self.replaced = 0
        self.start_error: str | None = None
        self._procs: set[_Proc] = set()
        self._started = threading.Event()
        self._threads = [threading.Thread(target=self._slot, name=f"{name}-{i}", daemon=True)
                         for i in range(self.size)]
        for t in self._threads:
            t.start()

    # ---------------------------------------------------------------- public

    def wait_ready(self, timeout: float | None = None) -> None:
        """Block until one worker is ready; WorkerStartError if starting failed."""
        if not self._started.wait(timeout if timeout is not None else self.ready_timeout):
            raise WorkerStartError(f"no {self.name} worker was ready within "
                                   f"{timeout or self.ready_timeout:g} s")
        if self.start_error and self._ready == 0:
            raise WorkerStartError(self.start_error)

    def submit(self, payload: dict[str, Any], timeout: float | None = None) -> Job:
        job = Job(payload, timeout if timeout is not None else self.job_timeout)
        with self._cond:
            if self._closed:
                job.set_result(("error", "the service is shutting down"))
                return job
            self._queue.append(job)
            self._cond.notify()
        return job

    def cancel(self, job: Job) -> None:
        """Drop a queued job, or kill the worker running it."""
        with self._cond:
            if job.cancel():
                try:
                    self._queue.remove(job)
                except ValueError:
                    pass
                return
            job.client_cancelled = True
            proc = job.proc
        if proc is not None and not job.done():
            proc.kill()

    def stats(self) -> dict[str, int]:
        with self._cond:
            return {"size": self.size, "ready": self._ready, "busy": self._busy,
                    "queued": len(self._queue), "replaced": self.replaced}

    def close(self) -> None:
        with self._cond:
            self._closed = True
            pending = list(self._queue)
            self._queue.clear()
            procs = list(self._procs)
            self._cond.notify_all()
        for j in pending:
            if j.set_running_or_notify_cancel():
                j.set_result(("error", "the service is shutting down"))
        for p in procs:
            p.kill()

    # ---------------------------------------------------------------- a slot

    def _start(self) -> _Proc | None:
        argv, config, cwd, env = self.spawn()
        proc = _Proc(argv, config, cwd, env)
        with self._cond:
            self._procs.add(proc)
        try:
            hello = proc.recv(time.monotonic() + self.ready_timeout)
        except (TimeoutError, EOFError, ValueError, OSError) as e:
            hello = {"ready": False, "error": f"the worker did not start ({type(e).__name__})"}
        if not isinstance(hello, dict) or not hello.get("ready"):
            why = hello.get("error", "not ready") if isinstance(hello, dict) else "bad hello"
            self._drop(proc)
            with self._cond:
                self.start_error = str(why)
            log.error("%s worker failed to start: %s", self.name, why)
            return None
        if self.on_ready is not None:
            self.on_ready(hello)
        return proc

    def _drop(self, proc: _Proc) -> None:
        proc.kill()
        with self._cond:
            self._procs.discard(proc)

    def _slot(self) -> None:
        proc: _Proc | None = None
        failures = 0
        while True:
            if proc is None:
                with self._cond:
                    if self._closed:
                        return
                proc = self._start()
                if proc is None:
                    failures += 1
                    self._started.set()
                    self._fail_queue_if_dead()
                    with self._cond:  # back off, but keep trying: the cause may pass
                        self._cond.wait_for(lambda: self._closed, min(2.0 ** failures, 30.0))
                    continue
                failures = 0
                with self._cond:
                    self._ready += 1
                self._started.set()
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if self._closed:
                    self._ready -= 1
                    self._drop(proc)
                    return
                job = self._queue.popleft()
                if not job.set_running_or_notify_cancel():
                    continue
                job.proc = proc.p  # type: ignore[assignment]
                self._busy += 1
            outcome, keep = self._run(proc, job)
            with self._cond:
                self._busy -= 1
                if not keep:
                    self._ready -= 1
                    self.replaced += 1
            if not keep:
                self._drop(proc)
                proc = None
            job.set_result(outcome)

    def _run(self, proc: _Proc, job: Job) -> tuple[Outcome, bool]:
        job.started_at = time.monotonic()
        limit = self.rss_limit_mb

        def over_memory() -> str | None:
            if limit and proc.rss_mb() > limit:
                return f"the worker went over its memory cap ({limit:g} MB)"
            return None

        try:
            proc.send(job.payload)
            reply = proc.recv(job.started_at + job.timeout, over_memory if limit else None)
        except TimeoutError:
            return ("timeout", f"took longer than {job.timeout:g} s; stopped"), False
        except _Stop as e:
            return ("memory", str(e)), False
        except (EOFError, OSError, ValueError):
            if job.client_cancelled:
                return ("cancelled", "the client went away"), False
            return ("crash", "the worker process died (memory cap or crash)"), False
        if isinstance(reply, list) and len(reply) == 2 and isinstance(reply[0], str):
            return (reply[0], reply[1]), True
        return ("crash", "the worker answered nonsense"), False

    def _fail_queue_if_dead(self) -> None:
        """When no worker can start, queued jobs get the reason instead of waiting forever."""
        with self._cond:
            if self._ready > 0:
                return
            pending = list(self._queue)
            self._queue.clear()
        for j in pending:
            if j.set_running_or_notify_cancel():
                j.set_result(("error", f"no {self.name} worker could start: {self.start_error}"))


def python_argv(module: str) -> list[str]:
    return [sys.executable, "-m", module]
