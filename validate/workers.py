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
- **Slow jobs cannot starve quick ones.** At most ``size`` jobs run at normal priority.
  A job that has used half of ``slow_after`` seconds of CPU (CPU, not wall time: on a
  loaded machine every job is slower, not heavier) runs at a lower priority; one that has
  used ``slow_after`` moves to the slow lane: its worker is
  reniced to the lowest priority and no longer counts against ``size``, so a spare worker
  (the pool keeps ``max_slow`` of them warm) takes the next job at once. When the slow
  lane is full, a job turning slow is stopped there (a ``timeout`` that says why). A
  worker that ran a slow job is replaced afterwards (back to normal priority).
- Queued jobs are served round-robin by ``client`` (e.g. the remote address), so one
  client's burst does not queue everyone else behind it: a free worker takes the job of the
  client with the fewest jobs running. With ``reserve``, the last ``reserve`` free workers
  never go to the client running the most, so a newcomer finds one free even while
  another client's burst of slow jobs is starting. With ``strike_seconds``, a client whose
  job was stopped for a limit is struck that long: its next jobs wait behind everyone
  else's and run only in the slow lane, at the lowest priority.
- ``cancel(job)`` drops a queued job, or kills the worker running it.
- ``stats()`` (ready, busy, slow, queued) feeds admission control and ``/healthz``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from validate.workerproc import Stop, WorkerProcess

log = logging.getLogger(__name__)

Outcome = tuple[str, Any]  # ("ok", payload) | ("timeout" | "memory" | "crash" | "error", why)
Spawn = Callable[[], tuple[list[str], dict[str, Any], str, dict[str, str] | None]]
STRIKE_SECONDS = 30.0  # the service's (validate.engine)


class WorkerStartError(RuntimeError):
    """A worker could not be started (its ready line said why)."""


class Job(Future):
    def __init__(self, payload: dict[str, Any], timeout: float, client: str) -> None:
        super().__init__()
        self.payload = payload
        self.timeout = timeout
        self.client = client
        self.proc: WorkerProcess | None = None
        self.client_cancelled = False
        self.slow = False
        self.queued_at = time.monotonic()
        self.started_at = 0.0


class WorkerPool:
    """``size`` workers at normal priority (+ ``max_slow`` spares) started by ``spawn()``,
    which returns (argv, first line, cwd, env)."""

    def __init__(
        self,
        name: str,
        spawn: Spawn,
        size: int,
        *,
        job_timeout: float,
        ready_timeout: float = 120.0,
        rss_limit_mb: float | None = None,
        slow_after: float | None = None,
        max_slow: int = 1,
        reserve: int = 0,
        strike_seconds: float = 0.0,
        on_ready: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.name = name
        self.spawn = spawn
        self.size = max(1, size)
        self.job_timeout = job_timeout
        self.ready_timeout = ready_timeout
        self.rss_limit_mb = rss_limit_mb
        self.slow_after = slow_after if slow_after is not None else min(0.5, job_timeout / 4)
        self.max_slow = max(0, max_slow)
        self.reserve = max(0, reserve)
        self._running: dict[str, int] = {}  # normal-priority jobs running, per client
        # client -> when a job of its was last stopped for a limit (0 s: no strikes)
        self.strike_seconds = strike_seconds if max_slow > 0 else 0.0
        self._struck: dict[str, float] = {}
        self.on_ready = on_ready
        self._queues: dict[str, deque[Job]] = {}
        self._turn: deque[str] = deque()  # clients with queued jobs, in serving order
        self._cond = threading.Condition()
        self._closed = False
        self._ready = 0
        self._busy = 0
        self._slow = 0
        self.replaced = 0
        self.start_error: str | None = None
        self._procs: set[WorkerProcess] = set()
        self._started = threading.Event()
        self._threads = [
            threading.Thread(target=self._slot, name=f"{name}-{i}", daemon=True)
            for i in range(self.size + self.max_slow)
        ]
        for t in self._threads:
            t.start()

    # ---------------------------------------------------------------- public

    def wait_ready(self, timeout: float | None = None) -> None:
        """Block until one worker is ready; WorkerStartError if starting failed."""
        if not self._started.wait(timeout if timeout is not None else self.ready_timeout):
            raise WorkerStartError(f"no {self.name} worker was ready within {timeout or self.ready_timeout:g} s")
        if self.start_error and self._ready == 0:
            raise WorkerStartError(self.start_error)

    def wait_all(self, timeout: float | None = None) -> None:
        """Block until every worker (spares too) is ready, or ``timeout`` passes."""
        deadline = time.monotonic() + (timeout if timeout is not None else self.ready_timeout)
        with self._cond:
            while self._ready < self.size + self.max_slow and not self._closed:
                left = deadline - time.monotonic()
                if left <= 0 or (self.start_error and self._ready == 0):
                    return
                self._cond.wait(min(left, 0.5))

    def submit(self, payload: dict[str, Any], timeout: float | None = None, client: str = "") -> Job:
        job = Job(payload, timeout if timeout is not None else self.job_timeout, client)
        with self._cond:
            if self._closed:
                job.set_result(("closed", "the service is shutting down"))
                return job
            q = self._queues.get(client)
            if q is None:
                q = self._queues[client] = deque()
                self._turn.append(client)
            q.append(job)
            self._cond.notify_all()
        return job

    def cancel(self, job: Job) -> None:
        """Drop a queued job, or kill the worker running it."""
        with self._cond:
            if job.cancel():
                q = self._queues.get(job.client)
                if q is not None:
                    try:
                        q.remove(job)
                    except ValueError:
                        pass
                    self._forget(job.client)
                return
            job.client_cancelled = True
            proc = job.proc
        if proc is not None and not job.done():
            proc.kill()

    def stats(self) -> dict[str, int]:
        with self._cond:
            return {
                "size": self.size,
                "ready": self._ready,
                "busy": self._busy,
                "slow": self._slow,
                "queued": sum(len(q) for q in self._queues.values()),
                "replaced": self.replaced,
            }

    def close(self) -> None:
        with self._cond:
            self._closed = True
            pending = [j for q in self._queues.values() for j in q]
            self._queues.clear()
            self._turn.clear()
            procs = list(self._procs)
            self._cond.notify_all()
        for j in pending:
            if j.set_running_or_notify_cancel():
                j.set_result(("closed", "the service is shutting down"))
        for p in procs:
            p.kill()

    # ---------------------------------------------------------------- a slot

    def _start(self) -> WorkerProcess | None:
        argv, config, cwd, env = self.spawn()
        proc = WorkerProcess(argv, config, cwd, env)
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

    def _drop(self, proc: WorkerProcess) -> None:
        proc.kill()
        with self._cond:
            self._procs.discard(proc)

    def _struck_now(self, client: str) -> bool:
        t = self._struck.get(client)
        return t is not None and time.monotonic() - t < self.strike_seconds

    def _can_start(self, client: str) -> bool:
        """Whether a job of ``client`` may start now (under the lock). A struck client's
        jobs run only in the slow lane; the others' in the normal capacity, the last
        ``reserve`` free workers not going to the client running the most."""
        if self._struck_now(client):
            return self._slow < self.max_slow
        if self._busy - self._slow >= self.size:
            return False
        free = min(self._ready - self._busy, self.size - (self._busy - self._slow))
        if free > self.reserve:
            return True
        running = self._running.get(client, 0)
        return running == 0 or running < max(self._running.values(), default=0)

    def _eligible(self) -> bool:
        return any(self._queues.get(c) and self._can_start(c) for c in self._turn)

    def _next_job(self) -> Job | None:
        """The oldest job of the client with the fewest jobs running (round-robin among
        equals; struck clients last), skipping clients that may not start one now; under
        the lock. A struck client's job starts in the slow lane."""
        best: str | None = None
        best_key = (False, 0)
        for client in list(self._turn):
            if not self._queues.get(client):
                self._forget(client)
                continue
            if not self._can_start(client):
                continue
            key = (self._struck_now(client), self._running.get(client, 0))
            if best is None or key < best_key:
                best, best_key = client, key
        if best is None:
            return None
        q = self._queues[best]
        job = q.popleft()
        self._turn.remove(best)
        if q:
            self._turn.append(best)
        else:
            del self._queues[best]
        job.slow = best_key[0]
        return job

    def _slot(self) -> None:
        proc: WorkerProcess | None = None
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
                        self._cond.wait_for(lambda: self._closed, min(2.0**failures, 30.0))
                    continue
                failures = 0
                with self._cond:
                    self._ready += 1
                    self._cond.notify_all()
                self._started.set()
            with self._cond:
                while not self._closed and not (self._turn and self._eligible()):
                    self._cond.wait()
                if self._closed:
                    self._ready -= 1
                    self._drop(proc)
                    return
                job = self._next_job()
                if job is None or not job.set_running_or_notify_cancel():
                    continue
                job.proc = proc
                self._busy += 1
                if job.slow:
                    self._slow += 1
                else:
                    self._running[job.client] = self._running.get(job.client, 0) + 1
            if job.slow:
                proc.set_priority(19)
            outcome, keep = self._run(proc, job)
            if outcome[0] in ("timeout", "memory") and self.strike_seconds:
                with self._cond:  # its next jobs wait behind everyone's, in the slow lane
                    if len(self._struck) > 10_000:
                        self._struck.clear()
                    self._struck[job.client] = time.monotonic()
            if job.slow and keep:
                keep = proc.set_priority(0)  # or a fresh worker, where that is not permitted
            with self._cond:
                self._busy -= 1
                if job.slow:
                    self._slow -= 1
                else:
                    self._release(job.client)
                if not keep:
                    self._ready -= 1
                    self.replaced += 1
                self._cond.notify_all()
            if not keep:
                self._drop(proc)
                proc = None
            job.set_result(outcome)

    def _release(self, client: str) -> None:
        left = self._running.get(client, 0) - 1
        if left > 0:
            self._running[client] = left
        else:
            self._running.pop(client, None)

    def _turn_slow(self, proc: WorkerProcess, job: Job) -> str | None:
        """At ``slow_after``: move the job to the slow lane, or say why it must stop."""
        with self._cond:
            if self._slow >= self.max_slow:
                return (
                    f"used more than {self.slow_after:g} s of CPU while the slow lane was full "
                    f"({self._slow} slow job(s) running); stopped, try again later"
                )
            self._slow += 1
            job.slow = True
            self._release(job.client)
            self._cond.notify_all()  # a spare may take the next job now
        proc.set_priority(19)
        return None

    def _run(self, proc: WorkerProcess, job: Job) -> tuple[Outcome, bool]:
        job.started_at = time.monotonic()
        limit = self.rss_limit_mb
        cpu0 = proc.cpu_seconds()
        lowered = False

        def watch() -> str | None:
            nonlocal lowered
            if limit and proc.rss_mb() > limit:
                return f"the worker went over its memory cap ({limit:g} MB)"
            if not job.slow:
                cpu = proc.cpu_seconds() - cpu0
                if cpu > self.slow_after:
                    return self._turn_slow(proc, job)
                if not lowered and cpu > self.slow_after / 2:
                    lowered = proc.set_priority(10)  # heavier than most: yields to quick jobs
            return None

        try:
            proc.send(job.payload)
            reply = proc.recv(job.started_at + job.timeout, watch)
        except TimeoutError:
            return ("timeout", f"took longer than {job.timeout:g} s; stopped"), False
        except Stop as e:
            kind = "memory" if "memory" in str(e) else "timeout"
            return (kind, str(e)), False
        except (EOFError, OSError, ValueError):
            if job.client_cancelled:
                return ("cancelled", "the client went away"), False
            if self._closed:
                return ("closed", "the service is shutting down"), False
            return ("crash", "the worker process died (memory cap or crash)"), False
        if isinstance(reply, list) and len(reply) == 2 and isinstance(reply[0], str):
            # a lowered worker goes back to normal priority, or is replaced when it cannot
            return (reply[0], reply[1]), not lowered or proc.set_priority(0)
        return ("crash", "the worker answered nonsense"), False

    def _fail_queue_if_dead(self) -> None:
        """When no worker can start, queued jobs get the reason instead of waiting forever."""
        with self._cond:
            if self._ready > 0:
                return
            pending = [j for q in self._queues.values() for j in q]
            self._queues.clear()
            self._turn.clear()
        for j in pending:
            if j.set_running_or_notify_cancel():
                j.set_result(("error", f"no {self.name} worker could start: {self.start_error}"))

    def _forget(self, client: str) -> None:
        """Drop an emptied queue (under the lock)."""
        if not self._queues.get(client):
            self._queues.pop(client, None)
            try:
                self._turn.remove(client)
            except ValueError:
                pass
