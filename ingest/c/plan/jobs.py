"""What a run parses: the records each version needs (``Keys``: a key per TU, shared by the
versions that preprocess it alike), those the cache has (``Records``), the parse jobs for the
others, the asset stubs and defines probes started meanwhile (``Background``), and a progress
bar per version (``Progress``). ``ingest.c.source`` runs them in this order.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from ingest.c import asset_stubs
from ingest.c import defines as c_defines
from ingest.c.env import CompileEnv
from ingest.c.extract import EXTRACTOR_VERSION, Job, apply_pch
from ingest.c.plan.keys import parse_defines, version_env
from ingest.c.plan.plan import Done, Plan, prefix_header_keys
from ingest.c.records import TURecord
from ingest.cache import RecordCache, TreeStats
from ingest.checkout.spec import SpecInfo
from ingest.checkout.versions import VersionInfo
from ingest.context import IngestContext


class Slimmer:
    """A record as the rest of the run holds it: without ``deps`` (they matter only to the
    cache, which has them on disk) and with the tuples many records repeat (the same TU's
    functions, fields, globals in other versions, a header's in each key) made one object.
    16 versions' records: 383 -> 176 MB."""

    _LISTS = ("functions", "calls", "runtime_objects", "structs", "enums", "typedefs", "globals", "assigns", "passes")

    def __init__(self) -> None:
        self.seen: dict[Any, Any] = {}
        self.names: dict[str, str] = {}

    def __call__(self, rec: TURecord) -> TURecord:
        rec.deps = {}
        names = self.names
        rec.files = {names.setdefault(k, k): names.setdefault(v, v) for k, v in rec.files.items()}
        if rec.hskipped:
            rec.hskipped = {names.setdefault(k, k): self._one(v) for k, v in rec.hskipped.items()}
        for e in (rec.main, *rec.headers.values()):
            for attr in self._LISTS:
                setattr(e, attr, [self._one(t) for t in getattr(e, attr)])
            if e.skipped:
                e.skipped = self._one(e.skipped)
        return rec

    def _one(self, t: Any) -> Any:
        try:
            return self.seen.setdefault(t, t)
        except TypeError:  # holds a list (a function's type references)
            return t


def tu_job(
    tu: str, key: str, hks: dict[str, str], env: CompileEnv, root: str, pch_users: list[Job] | None
) -> Callable[[], Job]:
    """A deferred parse job of ``tu`` (made only if the key is wanted); jobs that use the
    version's precompiled header are recorded in ``pch_users``."""

    def make() -> Job:
        job = Job(tu=tu, args=env.args(tu), root=root, stub_dir=str(env.stub_dir), header_keys=hks, key=key)
        if pch_users is not None:
            pch_users.append(job)
        return job

    return make


class Background:
    """The asset stubs and the defines probes (one per version): started in the workers when
    not cached, while the index and the specs are read in this process."""

    def __init__(self, ctx: IngestContext, pool: Any, order: list[VersionInfo], envs: dict[str, CompileEnv]) -> None:
        self.ctx, self.pool, self.order, self.envs = ctx, pool, order, envs
        self.stub_tasks: dict[str, Any] = {}
        self.probes: dict[str, Any] = {}
        self.errors: list[BaseException] = []
        self.stub_scan: Any = None
        self.dscan_task: Any = None

    def start_stubs(self, stats: TreeStats) -> None:
        """The include scan reads every source file (on a cold cache, in a worker); then each
        version whose stubs are stale has them made in a worker."""
        ctx, pool, order, envs = self.ctx, self.pool, self.order, self.envs
        xml = asset_stubs.xml_stamp(ctx.checkout.root, stats)

        def dispatch_stubs(scanned: tuple[tuple[str, ...], tuple[str, ...]]) -> None:
            try:  # (also run by the pool's result thread: an exception there would hang it)
                for v in order:
                    if asset_stubs.stubs_fresh(ctx.checkout, v, envs[v.id].stub_dir, scanned, xml):
                        continue
                    sargs = (ctx.checkout, v, envs[v.id].stub_dir, scanned, xml)
                    self.stub_tasks[v.id] = (
                        pool.apply_async(asset_stubs.ensure_stubs, sargs)
                        if pool is not None
                        else Done(asset_stubs.ensure_stubs(*sargs))
                    )
            except BaseException as e:  # noqa: BLE001 - re-raised in this thread by wait()
                self.errors.append(e)

        scan_pkl = ctx.cache_dir / "stubs" / "scan.pkl"
        scanned = asset_stubs.scan_if_fresh(ctx.checkout.root, scan_pkl, stats)
        if scanned is None and pool is not None and not scan_pkl.with_name("scan-files.pkl").is_file():
            self.stub_scan = pool.apply_async(
                asset_stubs.scan_cached, (ctx.checkout.root, scan_pkl), callback=dispatch_stubs
            )
        else:
            dispatch_stubs(scanned or asset_stubs.scan_cached(ctx.checkout.root, scan_pkl, stats))

    def start_probes(self, stats: TreeStats) -> None:
        """On a cold cache the define scan runs in a worker too (with the first version's
        probe; the others are queued when it is done)."""
        ctx, pool, order, envs, probes = self.ctx, self.pool, self.order, self.envs, self.probes
        dcache = ctx.cache_dir / "defines"
        inc_stamp = c_defines.include_stamp(ctx.checkout.root, stats)

        def dispatch_probes(dscan: c_defines.DefineScan) -> None:
            try:  # (also run by the pool's result thread: an exception there would hang it)
                names, conds, heads = dscan.probe_names(), dscan.conditions(), dscan.headers
                for v in order:
                    if v.id in probes:
                        continue
                    args = (ctx.checkout.root, envs[v.id].args(), names, heads, dcache, conds, inc_stamp)
                    got = c_defines.load_probe(c_defines.probe_path(*args[:6], stamp=inc_stamp))
                    probes[v.id] = (
                        Done(got)
                        if got is not None
                        else pool.apply_async(c_defines.evaluate_cached, args)
                        if pool is not None
                        else Done(c_defines.evaluate_cached(*args))
                    )
            except BaseException as e:  # noqa: BLE001 - re-raised in this thread by wait()
                self.errors.append(e)

        def first_probe(got: tuple[c_defines.DefineScan, dict[str, int]]) -> None:
            probes[order[0].id] = Done(got[1])
            dispatch_probes(got[0])

        dscan = c_defines.scan_if_fresh(ctx.checkout.root, dcache, stats=stats)
        if dscan is None and pool is not None and not (dcache / "scan-files.pkl").is_file():
            self.dscan_task = pool.apply_async(
                c_defines.scan_and_probe,
                (ctx.checkout.root, dcache, envs[order[0].id].args(), inc_stamp),
                callback=first_probe,
            )
        else:
            dispatch_probes(dscan or c_defines.scan_cached(ctx.checkout.root, dcache, stats=stats))

    def wait(self) -> dict[str, dict[str, int]]:
        """Every version's probe results, once the stubs are made too."""
        # (the two tasks hold callbacks that hold this object: let go of them, or the cycle
        # keeps the pool and the environments alive while the cyclic GC is paused)
        scan, self.stub_scan = self.stub_scan, None
        if scan is not None:
            scan.get()  # its callback has queued the versions' stubs when this returns
        if self.errors:
            raise self.errors[0]
        task, self.dscan_task = self.dscan_task, None
        if task is not None:
            task.get()  # its callback has queued the other versions' probes
        if self.errors:
            raise self.errors[0]
        for task in list(self.stub_tasks.values()):
            task.get()
        return {v.id: self.probes[v.id].get() for v in self.order}


class Records:
    """The records a run needs: from the cache, or a parse job to make each."""

    def __init__(self, cache: RecordCache, root: str) -> None:
        self.cache, self.root = cache, root
        self.records: dict[str, TURecord] = {}
        self.jobs: dict[str, Job] = {}  # record key -> job (for missing records)
        self.covered: set[tuple[str, str]] = set()  # (header, key) some parse walks
        self.load_time = 0.0  # seconds spent reading cached records
        self.slim = Slimmer()

    def want(self, k: str, make: Callable[[], Job], hks: dict[str, str], skip_heads: frozenset[str]) -> None:
        """Make sure record ``k`` exists; note the (header, key)s a parse for it walks."""
        if k in self.records or k in self.jobs:
            return  # made for another version: it walked that version's headers, not these
        tl = time.perf_counter()
        rec = self.cache.get(k)
        self.load_time += time.perf_counter() - tl
        root = self.root
        if rec is not None:
            self.records[k] = self.slim(rec)
            self.covered.update((f"{root}/{h}", hk) for h, hk in rec.hkeys.items())
            self.covered.update((f"{root}/{h}", hk) for h, hk in getattr(rec, "claims", {}).items())
        else:
            job = self.jobs[k] = make()
            job.claims = {f: hk for f, hk in hks.items() if f not in skip_heads}
            self.covered.update(job.claims.items())


class Keys:
    """Every version's record keys (one per TU, shared where the versions preprocess it
    alike), and the parses that make the records the cache lacks."""

    def __init__(
        self, ctx: IngestContext, plan: Plan, recs: Records, order: list[VersionInfo], prefix_heads: list[str]
    ) -> None:
        self.ctx, self.plan, self.recs, self.order = ctx, plan, recs, order
        self.root = str(ctx.checkout.root)
        self.prefix_heads = prefix_heads
        self.prefix_abs = tuple(str(ctx.checkout.root / "include" / h) for h in prefix_heads)
        self.prefix_closure = frozenset(f for h in self.prefix_abs for f in plan.index.closure(h)[0])
        self.keys: dict[str, dict[str, str]] = {}  # version -> tu -> record key
        self.hkeys_of: dict[str, dict[str, str]] = {}  # version -> header rel -> key
        self.pch_users: dict[str, list[Job]] = defaultdict(list)  # version whose PCH a job needs
        self.extra_keys: set[str] = set()  # parses made for headers only
        self.pending: list[tuple[VersionInfo, int, str, dict[str, str], str, bool]] = []
        self.abs_of: dict[str, str] = {}  # checkout-relative TU -> its path

    def version(self, vidx: int, v: VersionInfo, spec: SpecInfo, measured: dict[str, int]) -> None:
        plan, ctx = self.plan, self.ctx
        env_v = plan.envs[v.id]
        venv = version_env(plan.index, plan.flags[v.id], measured)
        raw = parse_defines(plan.flags[v.id])
        plan.set_version(v.id, venv, raw)
        prefix_part: tuple = ()
        units = [t.path for t in spec.tus if t.path.startswith("src/")]
        if self.prefix_heads:
            prefix_part = tuple(plan.key(h, vidx, v.id, venv, raw) for h in self.prefix_abs)
        vkeys: dict[str, str] = {}
        for tu in units:
            tu_abs = self.abs_of.get(tu)
            if tu_abs is None:
                tu_abs = self.abs_of[tu] = str(ctx.checkout.root / tu)
            with_pch = bool(self.prefix_heads) and env_v.uses_pch(tu)
            flags_extra = tuple(env_v.file_flags(tu))  # per-file flags
            extra = (flags_extra, prefix_part if with_pch else None)
            hks = plan.header_keys(tu_abs, vidx, v.id, venv, raw)
            full = plan.key(tu_abs, vidx, v.id, venv, raw, extra)
            main = plan.main_key(
                tu_abs, vidx, v.id, venv, raw, (flags_extra, with_pch), self.prefix_closure if with_pch else ()
            )
            k = main or full
            vkeys[tu] = k
            self.recs.want(
                k,
                tu_job(tu, k, hks, env_v, self.root, self.pch_users[v.id] if with_pch else None),
                hks,
                self.prefix_closure if with_pch else frozenset(),
            )
            self.pending.append((v, vidx, tu, hks, full, with_pch))
        if self.prefix_heads:
            vkeys["<pch-prefix>"] = self._prefix(v, env_v, prefix_part)
        self.keys[v.id] = vkeys
        # the headers of its TUs' closures, then those of the prefix (all made above)
        self.hkeys_of[v.id] = plan.version_hkeys(vidx)

    def _prefix(self, v: VersionInfo, env_v: CompileEnv, prefix_part: tuple) -> str:
        """The key of the version's precompiled prefix headers, walked as a TU of their own."""
        pk = hashlib.sha1(
            repr(("<pch-prefix>", EXTRACTOR_VERSION, prefix_part, tuple(self.prefix_heads))).encode()
        ).hexdigest()
        phk = prefix_header_keys(self.plan, self.ctx, self.prefix_heads, v.id, self.order)
        pch_users, root = self.pch_users, self.root

        def make_prefix(pk: str = pk, env_v: CompileEnv = env_v, vid: str = v.id) -> Job:
            job = Job(tu="<pch-prefix>", args=[], root=root, stub_dir=str(env_v.stub_dir), header_keys={}, key=pk)
            pch_users[vid].append(job)
            return job

        self.recs.want(pk, make_prefix, phk, frozenset())
        return pk

    def cover_headers(self) -> None:
        """Every (header, key) a version needs must be walked by some parse: parse, with that
        version's own flags, a TU of it that reaches the headers nobody walks yet."""
        covered = self.recs.covered
        for v, _vidx, tu, hks, full, with_pch in self.pending:
            if hks.items() <= covered:  # (in C: the common case)
                continue
            skip_heads = self.prefix_closure if with_pch else frozenset()
            if all((f, hk) in covered for f, hk in hks.items() if f not in skip_heads):
                continue
            env_v = self.plan.envs[v.id]
            self.recs.want(
                full,
                tu_job(tu, full, hks, env_v, self.root, self.pch_users[v.id] if with_pch else None),
                hks,
                skip_heads,
            )
            self.extra_keys.add(full)

    def use_pchs(self) -> None:
        """PCHs only for the versions whose jobs need one."""
        for vid, users in self.pch_users.items():
            if not users:  # asked for by a job that turned out not to be needed
                continue
            env_v = self.plan.envs[vid]
            pch = env_v.pch()
            for job in users:
                if job.tu == "<pch-prefix>":
                    src = env_v.pch_source()
                    if src is None:  # no PCH after all: the prefix is walked as a header TU
                        src = env_v.cache_dir / "pch" / vid / "prefix-nopch.h"
                        src.parent.mkdir(parents=True, exist_ok=True)
                        src.write_text("".join(f'#include "{h}"\n' for h in self.prefix_heads))
                    job.tu = str(src)
                    job.args = env_v.args() + ["-x", "c-header"]
                    job.header_keys = prefix_header_keys(self.plan, self.ctx, self.prefix_heads, vid, self.order)
                elif pch is not None:
                    apply_pch(job, pch, env_v.pch_deps())


class Progress:
    """One progress bar per version: its TUs whose record is ready (parses are shared, so
    one finished parse can move several bars)."""

    def __init__(
        self,
        ctx: IngestContext,
        order: list[VersionInfo],
        keys: dict[str, dict[str, str]],
        records: dict[str, TURecord],
    ) -> None:
        self.ctx = ctx
        self.users: dict[str, list[str]] = defaultdict(list)
        self.need: dict[str, set[str]] = {}
        for v in order:
            self.need[v.id] = {k for k in keys[v.id].values() if k not in records}
            for k in self.need[v.id]:
                self.users[k].append(v.id)
        self.sizes = {v.id: len(keys[v.id]) for v in order}
        for v in order:
            self.report(v.id)

    def report(self, vid: str) -> None:
        self.ctx.progress(f"C {vid}", self.sizes[vid] - len(self.need[vid]), self.sizes[vid])

    def done(self, key: str) -> None:
        for vid in self.users.get(key, ()):
            self.need[vid].discard(key)
            self.report(vid)
