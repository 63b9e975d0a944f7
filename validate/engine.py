"""The service's work, off its event loop: check workers, compile workers, admission.

    engine = Engine(settings, decomp=..., compile=True)   # starts both pools, waits ready
    reports = await engine.validate([("example", ex_dict)], version=None)
    engine.health()   # status ok | degraded, load, versions

Every example is a *unit*: one check job (levels 2-4 and the planned compiles, in a
check worker) then its compile jobs (in the confined compile workers), each job with
its own time limit. Admission is by expected wait: a request whose units would start
later than ``max_wait`` seconds from now (estimated from the units in flight and the
recent time per unit) is refused with 429 and a ``Retry-After``; at most ``max_queue``
units wait at any time. A request cancelled (its client went away) cancels its jobs:
queued ones are dropped, running ones have their worker killed and replaced.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validate import rules
from validate.api import Pending
from validate.compile import CompilePool, Compiler, cache_dir_of
from validate.models import ValidationReport
from validate.workers import STRIKE_SECONDS, Job, WorkerPool

log = logging.getLogger(__name__)


class Busy(Exception):
    """Refused by admission control; ``retry_after`` seconds is a fair wait."""

    def __init__(self, retry_after: int, why: str) -> None:
        super().__init__(why)
        self.retry_after = retry_after


class UnknownVersionError(ValueError):
    pass


class NotFound(LookupError):
    pass


class ShuttingDown(RuntimeError):
    """The service is stopping; the request was not finished."""


@dataclass
class Limits:
    check_workers: int = 2
    compile_workers: int = 3
    check_timeout: float = 10.0
    compile_timeout: float = 10.0
    check_memory_mb: int = 2048
    compile_memory_mb: int = 1536
    max_wait: float = 0.5  # seconds a unit may be expected to wait before starting
    max_queue: int = 256  # units in flight at most
    sandbox: str = "require"  # require | prefer | off (see validate.compile)


def _settings_json(settings: Any) -> dict[str, Any]:
    data = settings.model_dump(mode="json")
    return {k: v for k, v in data.items() if v is not None}


class Engine:
    def __init__(
        self, settings: Any, *, decomp: str | None = None, compile: bool = True, limits: Limits | None = None
    ) -> None:
        self.limits = limits or Limits()
        self.settings = settings
        self.versions: list[str] = []
        self.default_version = getattr(settings, "default_version", "gc-eu-mq-dbg")
        self.compile_note = "level 1 (compile) not requested"
        self.compiler: Compiler | None = None
        self.compile_pool: CompilePool | None = None
        self.in_flight = 0
        self._by_client: dict[str, int] = {}
        self._run_time = {"check": 0.05, "compile": 0.05}  # EWMA of a job's seconds running
        self._decomp = decomp
        self._compile = compile
        # the event loop shares the GIL with the pools' threads: hand it over sooner
        sys.setswitchinterval(0.001)
        self.check_pool = WorkerPool(
            "check",
            self._spawn_check,
            self.limits.check_workers,
            job_timeout=self.limits.check_timeout,
            ready_timeout=300,
            rss_limit_mb=self.limits.check_memory_mb,
            max_slow=1,
            reserve=1,
            strike_seconds=STRIKE_SECONDS,
            on_ready=self._check_ready,
        )
        try:
            self.check_pool.wait_ready(300)
            self.check_pool.wait_all(300)  # a service that answers is warm: no job waits
            if self._compile and self._decomp is not None:
                self.compile_pool = CompilePool(
                    Path(self._decomp),
                    cache_dir_of(settings),
                    self.versions,  # type: ignore[arg-type]
                    workers=self.limits.compile_workers,
                    timeout=self.limits.compile_timeout,
                    memory_mb=self.limits.compile_memory_mb,
                    sandbox=self.limits.sandbox,
                    reserve=1,
                    strike_seconds=STRIKE_SECONDS,
                )
                self.compile_pool.pool.wait_all(300)
                self.compiler = Compiler(self._decomp, self.compile_pool)  # type: ignore[arg-type]
                self.compile_note = ""
        except BaseException:
            self.close()
            raise

    # ---------------------------------------------------------------- workers

    def _spawn_check(self) -> tuple[list[str], dict[str, Any], str, dict[str, str] | None]:
        cfg = {"settings": _settings_json(self.settings), "decomp": self._decomp, "compile": self._compile}
        return [sys.executable, "-m", "validate.check_worker"], cfg, "/", dict(os.environ)

    def _check_ready(self, hello: dict[str, Any]) -> None:
        self.versions = list(hello.get("versions") or [])
        self.default_version = hello.get("default_version") or self.default_version
        if self._compile:
            # the worker found the checkout (--decomp, settings, or the graph's IngestRun)
            self._decomp = hello.get("decomp")
            self.compile_note = hello.get("compile_note") or ""

    # ---------------------------------------------------------------- admission

    def expected_wait(self, units: int = 1, client: str = "") -> float:
        """Seconds until ``units`` new units of ``client`` would be done waiting: the
        workers serve clients round-robin, so another client's backlog delays these only
        by as many units as this client has in flight (plus these)."""
        own = self._by_client.get(client, 0)
        ahead = own + sum(min(n, own + units) for c, n in self._by_client.items() if c != client)
        cw = max(1, min(self.check_pool.stats()["ready"], self.limits.check_workers))
        rate = cw / self._run_time["check"]  # units per second through each stage
        parallel = cw
        if self.compile_pool is not None:
            pw = max(1, min(self.compile_pool.pool.stats()["ready"], self.limits.compile_workers))
            rate = min(rate, pw / self._run_time["compile"])
            parallel = min(cw, pw)
        return max(0, ahead + units - parallel) / rate

    def refuse_early(self, client: str) -> Busy | None:
        """A refusal for a request from ``client`` decided before its body is read (one
        unit would already wait too long): an overloaded service spends nothing on it."""
        if self.in_flight == 0:
            return None
        if self.in_flight + 1 > self.limits.max_queue:
            return Busy(self._retry_after(1, client), f"{self.in_flight} examples are in progress")
        if self.expected_wait(1, client) > self.limits.max_wait:
            return Busy(self._retry_after(1, client), "the validators are saturated")
        return None

    def _admit(self, units: int, client: str) -> None:
        if self.in_flight == 0:
            pass  # an idle service takes any request, however big
        elif self.in_flight + units > self.limits.max_queue:
            raise Busy(self._retry_after(units, client), f"{self.in_flight} examples are in progress")
        elif self.expected_wait(units, client) > self.limits.max_wait:
            raise Busy(self._retry_after(units, client), "the validators are saturated")
        self.in_flight += units
        self._by_client[client] = self._by_client.get(client, 0) + units

    def _retry_after(self, units: int, client: str) -> int:
        return max(1, math.ceil(self.expected_wait(units, client)))

    def _done(self, units: int, client: str) -> None:
        self.in_flight -= units
        left = self._by_client.get(client, 0) - units
        if left > 0:
            self._by_client[client] = left
        else:
            self._by_client.pop(client, None)

    def _ran(self, pool: WorkerPool, job: Job) -> None:
        if not job.started_at:
            return
        # a job in the slow lane says little about the next one: clamped
        sample = min(max(0.001, time.monotonic() - job.started_at), 2 * pool.slow_after)
        key = "check" if pool is self.check_pool else "compile"
        self._run_time[key] = 0.9 * self._run_time[key] + 0.1 * sample

    def health(self) -> dict[str, Any]:
        check = self.check_pool.stats()
        comp = self.compile_pool.pool.stats() if self.compile_pool else None
        wait = self.expected_wait(1, "\0a new client")
        degraded = []
        if wait > self.limits.max_wait:
            degraded.append("saturated: new requests are refused (429)")
        for name, s in (("check", check), ("compile", comp)):
            if s is None:
                continue
            if s["ready"] < s["size"]:
                degraded.append(f"{name} workers restarting ({s['ready']} of {s['size']} ready)")
            if s["queued"] and s["busy"] - s["slow"] >= s["size"]:
                degraded.append(f"every {name} worker is busy, {s['queued']} job(s) queued")
        return {
            "status": "degraded" if degraded else "ok",
            "degraded": degraded,
            "load": {"in_flight": self.in_flight, "expected_wait_s": round(wait, 3), "check": check, "compile": comp},
        }

    # ---------------------------------------------------------------- work

    async def _job(self, pool: WorkerPool, payload: dict[str, Any], client: str) -> tuple[str, Any]:
        job: Job = pool.submit(payload, client=client)
        try:
            out = await asyncio.wrap_future(job)
        except asyncio.CancelledError:
            pool.cancel(job)
            raise
        if out[0] == "closed":
            raise ShuttingDown(out[1])
        self._ran(pool, job)
        return out

    async def _unit(self, payload: dict[str, Any], client: str) -> ValidationReport:
        status, body = await self._job(self.check_pool, payload, client)
        if status == "unknown-version":
            raise UnknownVersionError(body)
        if status != "ok":
            return _failed_check(payload, status, body, self.limits.check_timeout)
        pending = Pending.from_json(body)
        outcomes: list[tuple[str, Any]] = []
        if pending.jobs and self.compile_pool is not None:
            outcomes = list(
                await asyncio.gather(*(self._job(self.compile_pool.pool, j.payload(), client) for j in pending.jobs))
            )
        elif pending.jobs:
            pending.jobs = []
        from validate.api import _finish

        return _finish(pending, outcomes, self.compiler)

    def _version_of(self, item: dict[str, Any]) -> str:
        meta = (item.get("example") or {}).get("metadata") or {}
        v = item.get("version") or meta.get("version")
        return v if isinstance(v, str) and v else self.default_version

    async def validate(self, items: list[dict[str, Any]], client: str = "") -> list[ValidationReport]:
        """Reports for check payloads (``{"op": "check"|"check_code", ...}``), in order."""
        for item in items:
            v = self._version_of(item)
            if v not in self.versions:
                raise UnknownVersionError(f"unknown version {v!r}; the graph has: {', '.join(self.versions) or 'none'}")
        self._admit(len(items), client)
        try:
            return list(await asyncio.gather(*(self._unit(p, client) for p in items)))
        finally:
            self._done(len(items), client)

    async def symbol(self, name: str, version: str | None, client: str = "") -> dict[str, Any]:
        if version and version not in self.versions:
            raise UnknownVersionError(
                f"unknown version {version!r}; the graph has: {', '.join(self.versions) or 'none'}"
            )
        self._admit(1, client)
        try:
            status, body = await self._job(self.check_pool, {"op": "symbol", "name": name, "version": version}, client)
        finally:
            self._done(1, client)
        if status == "ok":
            return body
        if status == "not-found":
            raise NotFound(body)
        if status == "unknown-version":
            raise UnknownVersionError(body)
        raise RuntimeError(f"the lookup failed: {body}")

    def close_later(self, seconds: float) -> None:
        """Close in ``seconds`` (a SIGTERM: work in flight gets that long, then 503)."""
        import threading

        t = threading.Timer(seconds, self.close)
        t.daemon = True
        t.start()

    def close(self) -> None:
        self.check_pool.close()
        if self.compile_pool is not None:
            self.compile_pool.close()


def _failed_check(payload: dict[str, Any], status: str, why: Any, limit: float) -> ValidationReport:
    """The report of an example whose check job timed out, ran out of memory or crashed."""
    ex = payload.get("example") or {}
    version = payload.get("version") or (ex.get("metadata") or {}).get("version") or "?"
    ex_id = str(ex.get("id") or (ex.get("metadata") or {}).get("id") or "")
    rule = rules.CHECK_TIMEOUT if status == "timeout" else rules.CHECK_FAILED
    msg = (
        f"checking this example took longer than {limit:g} s and was stopped; split it into smaller examples"
        if status == "timeout"
        else f"checking failed: {why}"
    )
    return ValidationReport(
        id=ex_id, version=str(version), ok=False, issues=[rules.issue(rule, msg)], levels={2: "failed"}, level_reached=0
    )
