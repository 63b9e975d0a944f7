"""The C source: every version's TUs through libclang (cached, shared, 2 workers) -> graph facts.

Interface: ``c_source(ctx: IngestContext) -> Facts`` (the pipeline's first source);
``ctx.stats`` gets ``per_version`` rows, ``failed_files`` and ``diagnostics``.

How the work is cut down (``extract_all``):
- each version's TU list comes from its spec, its asset stubs from the XML (in the workers);
- a TU's own code (its functions, calls, profiles) is keyed by the outcomes of its own
  ``#if``s and of the header ``#if`` blocks it refers to (``tu_keys.main_parts``), so
  versions that differ only in unrelated headers share one parse; TUs that define a struct
  fall back to the full key (their layout follows header types);
- every header is walked once per *header key* (its include closure's contents and #if
  outcomes for that version), by whichever parse reaches it first; headers no planned parse
  walks with a version's key get a coverage parse with that version's own flags;
- records are cached by key (``ingest.cache``) and revalidated against their files' hashes,
  so an edit re-parses exactly the TUs whose inputs changed;
- the plan itself is cheap when little changed: keys are remembered across runs
  (``ingest.c.plan.plan.Plan``, ``ingest.c.plan.memo.KeyMemo``: only TUs/headers whose include closure holds an
  edited file get new keys), the file analyses, define scan, stub scan, specs and probes are
  kept per file or by the stats of what they read, the checkout is walked once
  (``cache.TreeStats``), and the worker pool starts only when more than
  ``IN_PROCESS_PARSES`` parses are needed.

Assembly (records -> facts) lives in ``ingest.c.assemble``.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest.c import asset_stubs
from ingest.c import defines as c_defines
from ingest.c.assemble import assemble
from ingest.c.code import code_notes
from ingest.c.env import CompileEnv
from ingest.c.extract import EXTRACTOR_VERSION, Job, apply_pch, extract_tu, init_worker
from ingest.c.plan.keys import parse_defines, version_env
from ingest.c.plan.plan import Done, LazyPool, Plan, prefix_header_keys
from ingest.c.profiles import use_checkout
from ingest.c.records import TURecord, VersionData
from ingest.cache import RecordCache, TreeStats, gc_paused
from ingest.checkout.file_audit import audit_files
from ingest.checkout.spec import SpecInfo, read_spec, share_equal
from ingest.checkout.versions import VersionInfo
from ingest.context import IngestContext
from ingest.sourceutil import save_report
from kg.facts import Facts

log = logging.getLogger(__name__)

# up to this many parses run in this process: starting the workers (a forkserver, libclang
# loaded in each) costs more than the parallelism gains on a few TUs
IN_PROCESS_PARSES = 4


def _pool(ctx: IngestContext) -> Any:
    if ctx.jobs <= 1:
        init_worker(str(ctx.cache_dir))
        return None
    return LazyPool(ctx.jobs, str(ctx.cache_dir))


class Slimmer:
    """A record as the rest of the run holds it: without ``deps`` (they matter only to the
    cache, which has them on disk) and with the tuples many records repeat (the same TU's
    functions, fields, globals in other versions, a header's in each key) made one object.
    16 versions' records: 383 -> 176 MB."""

    _LISTS = ("functions", "calls", "runtime_objects", "structs", "enums", "typedefs",
              "globals", "assigns", "passes")

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


def _tu_job(tu: str, key: str, hks: dict[str, str], env: CompileEnv, root: str,
            pch_users: list[Job] | None) -> Callable[[], Job]:
    """A deferred parse job of ``tu`` (made only if the key is wanted); jobs that use the
    version's precompiled header are recorded in ``pch_users``."""
    def make() -> Job:
        job = Job(tu=tu, args=env.args(tu), root=root, stub_dir=str(env.stub_dir),
                  header_keys=hks, key=key)
        if pch_users is not None:
            pch_users.append(job)
        return job
    return make

def extract_all(ctx: IngestContext, pool: Any, cache: RecordCache) -> list[VersionData]:
    with gc_paused():  # the plan loads every cached record and file analysis it needs
        return _extract_all(ctx, pool, cache)


def _extract_all(ctx: IngestContext, pool: Any, cache: RecordCache) -> list[VersionData]:
    t0, c0 = time.perf_counter(), time.process_time()
    root = str(ctx.checkout.root)
    order = sorted(ctx.versions, key=lambda v: (not v.is_default, v.ordinal))
    envs = {v.id: CompileEnv(ctx.checkout, v.id, ctx.cache_dir) for v in ctx.versions}
    stats = TreeStats(ctx.checkout.root)  # one walk of the checkout for every scan below
    # asset stubs: the include scan reads every source file (on a cold cache, in a worker);
    # then each version whose stubs are stale has them made in a worker
    xml = asset_stubs.xml_stamp(ctx.checkout.root, stats)
    stub_tasks: dict[str, Any] = {}
    stub_error: list[BaseException] = []

    def dispatch_stubs(scanned: tuple[tuple[str, ...], tuple[str, ...]]) -> None:
        try:  # (also run by the pool's result thread: an exception there would hang it)
            for v in order:
                if asset_stubs.stubs_fresh(ctx.checkout, v, envs[v.id].stub_dir, scanned, xml):
                    continue
                sargs = (ctx.checkout, v, envs[v.id].stub_dir, scanned, xml)
                stub_tasks[v.id] = (pool.apply_async(asset_stubs.ensure_stubs, sargs)
                                    if pool is not None
                                    else Done(asset_stubs.ensure_stubs(*sargs)))
        except BaseException as e:  # noqa: BLE001 - re-raised in this thread below
            stub_error.append(e)

    scan_pkl = ctx.cache_dir / "stubs" / "scan.pkl"
    scanned = asset_stubs.scan_if_fresh(ctx.checkout.root, scan_pkl, stats)
    stub_scan: Any = None
    if scanned is None and pool is not None and not scan_pkl.with_name("scan-files.pkl").is_file():
        stub_scan = pool.apply_async(asset_stubs.scan_cached, (ctx.checkout.root, scan_pkl),
                                     callback=dispatch_stubs)
    else:
        dispatch_stubs(scanned or asset_stubs.scan_cached(ctx.checkout.root, scan_pkl, stats))
    # the defines probes (one per version) run in the workers when not cached, while the
    # index and the specs are read here; on a cold cache the define scan too (with the first
    # version's probe; the others are queued when it is done)
    dcache = ctx.cache_dir / "defines"
    inc_stamp = c_defines.include_stamp(ctx.checkout.root, stats)
    probes: dict[str, Any] = {}
    probe_error: list[BaseException] = []

    def dispatch_probes(dscan: c_defines.DefineScan) -> None:
        try:  # (also run by the pool's result thread: an exception there would hang it)
            names, conds, heads = dscan.probe_names(), dscan.conditions(), dscan.headers
            for v in order:
                if v.id in probes:
                    continue
                args = (ctx.checkout.root, envs[v.id].args(), names, heads, dcache, conds,
                        inc_stamp)
                got = c_defines.load_probe(c_defines.probe_path(*args[:6], stamp=inc_stamp))
                probes[v.id] = (Done(got) if got is not None
                                else pool.apply_async(c_defines.evaluate_cached, args)
                                if pool is not None
                                else Done(c_defines.evaluate_cached(*args)))
        except BaseException as e:  # noqa: BLE001 - re-raised in this thread below
            probe_error.append(e)

    def first_probe(got: tuple[c_defines.DefineScan, dict[str, int]]) -> None:
        probes[order[0].id] = Done(got[1])
        dispatch_probes(got[0])

    dscan_task: Any = None
    dscan = c_defines.scan_if_fresh(ctx.checkout.root, dcache, stats=stats)
    if dscan is None and pool is not None and not (dcache / "scan-files.pkl").is_file():
        dscan_task = pool.apply_async(c_defines.scan_and_probe,
                                      (ctx.checkout.root, dcache, envs[order[0].id].args(),
                                       inc_stamp), callback=first_probe)
    else:
        dispatch_probes(dscan or c_defines.scan_cached(ctx.checkout.root, dcache, stats=stats))
    t1 = time.perf_counter()
    plan = Plan(ctx, envs, stats)
    t2 = time.perf_counter()
    specs: dict[str, SpecInfo] = {}
    seen: dict[str, bool] = {}
    for v in order:
        specs[v.id] = read_spec(ctx.checkout, v, ctx.cache_dir, seen)
    share_equal(list(specs.values()))
    t3 = time.perf_counter()
    if stub_scan is not None:
        stub_scan.get()  # its callback has queued the versions' stubs when this returns
    if stub_error:
        raise stub_error[0]
    if dscan_task is not None:
        dscan_task.get()  # its callback has queued the other versions' probes
    if probe_error:
        raise probe_error[0]
    for task in list(stub_tasks.values()):
        task.get()
    measured: dict[str, dict[str, int]] = {v.id: probes[v.id].get() for v in order}
    log.info("C plan: index, stubs, specs, defines probes %.2fs (scans and dispatch %.2fs, "
             "index %.2fs, specs %.2fs, waiting for %d stub and %d probe tasks %.2fs)",
             time.perf_counter() - t0, t1 - t0, t2 - t1, t3 - t2, len(stub_tasks),
             sum(1 for p in probes.values() if not isinstance(p, Done)),
             time.perf_counter() - t3)
    prefix_heads = plan.envs[order[0].id].prefix_headers(stats) if ctx.use_pch else []
    keys: dict[str, dict[str, str]] = {}       # version -> tu -> record key (its own code)
    jobs: dict[str, Job] = {}                  # record key -> job (for missing records)
    records: dict[str, TURecord] = {}
    hkeys_of: dict[str, dict[str, str]] = {}   # version -> header rel -> key
    pch_users: dict[str, list[Job]] = defaultdict(list)  # version whose PCH a job needs
    covered: set[tuple[str, str]] = set()      # (header, key) some parse walks
    extra_keys: set[str] = set()               # parses made for headers only
    pending: list[tuple[VersionInfo, int, str, dict[str, str], str, bool]] = []
    load_time = [0.0]                          # seconds spent reading cached records
    slim = Slimmer()

    def want(k: str, make: Any, hks: dict[str, str], skip_heads: frozenset[str]) -> None:
        """Make sure record ``k`` exists; note the (header, key)s a parse for it walks."""
        if k in records or k in jobs:
            return  # made for another version: it walked that version's headers, not these
        tl = time.perf_counter()
        rec = cache.get(k)
        load_time[0] += time.perf_counter() - tl
        if rec is not None:
            records[k] = slim(rec)
            covered.update((f"{root}/{h}", hk) for h, hk in rec.hkeys.items())
            covered.update((f"{root}/{h}", hk) for h, hk in getattr(rec, "claims", {}).items())
        else:
            job = jobs[k] = make()
            job.claims = {f: hk for f, hk in hks.items() if f not in skip_heads}
            covered.update(job.claims.items())

    prefix_abs = tuple(str(ctx.checkout.root / "include" / h) for h in prefix_heads)
    prefix_closure = frozenset(f for h in prefix_abs for f in plan.index.closure(h)[0])
    abs_of: dict[str, str] = {}  # checkout-relative TU -> its path
    for vidx, v in enumerate(order):
        env_v = plan.envs[v.id]
        venv = version_env(plan.index, plan.flags[v.id], measured[v.id])
        raw = parse_defines(plan.flags[v.id])
        plan.set_version(v.id, venv, raw)
        prefix_part: tuple = ()
        units = [t.path for t in specs[v.id].tus if t.path.startswith("src/")]
        if prefix_heads:
            prefix_part = tuple(plan.key(h, vidx, v.id, venv, raw) for h in prefix_abs)
        vkeys: dict[str, str] = {}
        for tu in units:
            tu_abs = abs_of.get(tu)
            if tu_abs is None:
                tu_abs = abs_of[tu] = str(ctx.checkout.root / tu)
            with_pch = bool(prefix_heads) and env_v.uses_pch(tu)
            flags_extra = tuple(env_v.file_flags(tu))  # per-file flags
            extra = (flags_extra, prefix_part if with_pch else None)
            hks = plan.header_keys(tu_abs, vidx, v.id, venv, raw)
            full = plan.key(tu_abs, vidx, v.id, venv, raw, extra)
            main = plan.main_key(tu_abs, vidx, v.id, venv, raw, (flags_extra, with_pch),
                                 prefix_closure if with_pch else ())
            k = main or full
            vkeys[tu] = k

            want(k, _tu_job(tu, k, hks, env_v, root, pch_users[v.id] if with_pch else None),
                 hks, prefix_closure if with_pch else frozenset())
            pending.append((v, vidx, tu, hks, full, with_pch))
        if prefix_heads:
            pk = hashlib.sha1(repr(("<pch-prefix>", EXTRACTOR_VERSION, prefix_part,
                                    tuple(prefix_heads))).encode()).hexdigest()
            vkeys["<pch-prefix>"] = pk
            phk = prefix_header_keys(plan, ctx, prefix_heads, v.id, order)

            def make_prefix(pk: str = pk, env_v: CompileEnv = env_v, vid: str = v.id) -> Job:
                job = Job(tu="<pch-prefix>", args=[], root=root, stub_dir=str(env_v.stub_dir),
                          header_keys={}, key=pk)
                pch_users[vid].append(job)
                return job

            want(pk, make_prefix, phk, frozenset())
        keys[v.id] = vkeys
        # the headers of its TUs' closures, then those of the prefix (all made above)
        hkeys_of[v.id] = plan.version_hkeys(vidx)
    # every (header, key) a version needs must be walked by some parse: parse, with that
    # version's own flags, a TU of it that reaches the headers nobody walks yet
    for v, _vidx, tu, hks, full, with_pch in pending:
        if hks.items() <= covered:  # (in C: the common case)
            continue
        skip_heads = prefix_closure if with_pch else frozenset()
        if all((f, hk) in covered for f, hk in hks.items() if f not in skip_heads):
            continue
        env_v = plan.envs[v.id]

        want(full, _tu_job(tu, full, hks, env_v, root, pch_users[v.id] if with_pch else None),
             hks, skip_heads)
        extra_keys.add(full)
    # PCHs only for the versions whose jobs need one
    for vid, users in pch_users.items():
        if not users:  # asked for by a job that turned out not to be needed
            continue
        env_v = plan.envs[vid]
        pch = env_v.pch()
        for job in users:
            if job.tu == "<pch-prefix>":
                src = env_v.pch_source()
                if src is None:  # no PCH after all: the prefix is walked as a header TU
                    src = env_v.cache_dir / "pch" / vid / "prefix-nopch.h"
                    src.parent.mkdir(parents=True, exist_ok=True)
                    src.write_text("".join(f'#include "{h}"\n' for h in prefix_heads))
                job.tu = str(src)
                job.args = env_v.args() + ["-x", "c-header"]
                job.header_keys = prefix_header_keys(plan, ctx, prefix_heads, vid, order)
            elif pch is not None:
                apply_pch(job, pch, env_v.pch_deps())
    todo = sorted(jobs.values(), key=lambda j: -_size(Path(root) / j.tu))
    log.info("C plan: keys done at %.2fs (%.2fs CPU here); %d parses, %d records from the "
             "cache (read in %.2fs; key memo: %d closures kept, %d dropped)",
             time.perf_counter() - t0, time.process_time() - c0, len(todo), len(records),
             load_time[0], plan.memo.kept, plan.memo.dropped)
    # one progress bar per version: its TUs whose record is ready (parses are shared, so
    # one finished parse can move several bars)
    users: dict[str, list[str]] = defaultdict(list)
    need: dict[str, set[str]] = {}
    for v in order:
        need[v.id] = {k for k in keys[v.id].values() if k not in records}
        for k in need[v.id]:
            users[k].append(v.id)
    sizes = {v.id: len(keys[v.id]) for v in order}

    def report(vid: str) -> None:
        ctx.progress(f"C {vid}", sizes[vid] - len(need[vid]), sizes[vid])

    for v in order:
        report(v.id)
    if pool is not None and not getattr(pool, "started", True) and len(todo) <= IN_PROCESS_PARSES:
        if todo:
            init_worker(str(ctx.cache_dir))
        pool = None
    it = (pool.imap_unordered(extract_tu, todo, chunksize=2) if pool is not None
          else map(extract_tu, todo))
    ts = time.perf_counter()
    plan.memo.save(plan.vdig)  # while the workers parse
    getattr(cache, "save_hashed", lambda: None)()
    log.info("C plan: key memo saved in %.2fs", time.perf_counter() - ts)
    # The plan (file analyses, include index, keys: ~180 MB for 16 versions) is done with:
    # freed now (by reference counting: it holds no cycles to speak of), the records that
    # arrive reuse its memory instead of adding to it.
    del plan, stats, abs_of, prefix_closure
    pending.clear()
    covered.clear()
    pch_users.clear()
    for rec in it:
        if rec.tu.startswith(root) or rec.tu.startswith("/"):
            rec.tu = "<pch-prefix>"
        rec.claims = {f[len(root) + 1:]: hk for f, hk in jobs[rec.key].claims.items()}
        cache.put(rec.key, rec)
        records[rec.key] = slim(rec)
        for vid in users.get(rec.key, ()):
            need[vid].discard(rec.key)
            report(vid)
    seconds = time.perf_counter() - t0
    log.info("C extraction done at %.2fs", seconds)
    out = []
    extras = [records[k] for k in extra_keys if k in records]
    for v in order:
        recs = [records[k] for k in keys[v.id].values() if k in records]
        parsed = sum(1 for k in set(keys[v.id].values()) if k in jobs)
        vd = VersionData(v, specs[v.id], recs, measured[v.id], seconds, parsed)
        vd.hkeys = hkeys_of[v.id]
        vd.extra = extras
        vd.parses = len(todo)
        out.append(vd)
    return out


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:
        return 0


def c_source(ctx: IngestContext) -> Facts:
    use_checkout(ctx.checkout.root)
    cache = RecordCache(ctx.cache_dir / "facts")
    pool = _pool(ctx)
    try:
        data = extract_all(ctx, pool, cache)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    dscan = c_defines.scan_cached(ctx.checkout.root, ctx.cache_dir / "defines")
    ta = time.perf_counter()
    facts = assemble(data, dscan, ctx.checkout.root)
    ctx.stats["c_data"] = (data, dscan)  # what the next run's C delta path starts from
    log.info("C assembly %.2fs", time.perf_counter() - ta)
    failed = [{"file": r.tu, "version": d.v.id, "reason": r.failed or f"{r.errors} errors"}
              for d in data for r in d.records if r.failed or r.errors]
    audit = audit_files(ctx.checkout, {d.v.id: d.spec for d in data}, ctx.cache_dir)
    for f in audit.files:
        facts.node("File", path=f.path, kind="o" if f.status == "missing" else "c",
                   status=f.status, reason=f.reason)
        if f.status == "missing":
            failed.extend({"file": f.path, "version": v, "reason": f.reason} for v in f.versions)
    ctx.stats["file_audit"] = audit
    # the sources in link order, per version: the addresses source finds renamed functions
    # of the symbol lists by where they lie
    ctx.stats["link_order"] = {d.v.id: d.spec.link_order for d in data}
    audit_path = save_report(ctx.cache_dir, "files", audit)
    ctx.stats["failed_files"] = failed
    ctx.stats["diagnostics"] = sum(len(r.diagnostics) for d in data for r in d.records)
    ctx.stats["per_version"] = [_version_summary(d, facts) for d in data]
    parses = data[0].parses if data else 0
    ctx.notes["c"] = (f"{parses} TU parses for {sum(len(d.records) for d in data)} "
                      "(version, TU) pairs; the rest shared or cached; "
                      f"{audit.summary()} (`ootkg query unbuilt_files`; {audit_path})")
    ctx.notes["c"] += code_notes(data, dscan)
    odd = sorted(f"{a['enum']} (id {a.get('profile_id_enum') or a.get('profile_id')})"
                 for a in facts.nodes.get("Actor", {}).values()
                 if a.get("profile_id") is not None and a.get("profile_id_enum") != a["enum"])
    if odd:
        ctx.notes["c"] += (f"; {len(odd)} actor profiles name another actor's id in their id "
                           f"field: {', '.join(odd)}")
    return facts


def _version_summary(d: VersionData, facts: Facts) -> dict[str, Any]:
    vid = d.v.id
    counts: dict[str, int] = defaultdict(int)
    table = facts.rels.get("IN_VERSION")
    if table is not None:
        defined = table.col("defined")
        counts["Struct"] = len(table.by_to("Struct", "Version", vid))
        counts["Function"] = sum(1 for vals in table.by_to("Function", "Version", vid).values()
                                 if vals[defined])
    calls = sum(c[2] for r in d.records for c in r.main.calls)
    return {"version": vid, "files": sum(1 for r in d.records if not r.tu.startswith("<")),
            "functions": counts["Function"], "structs": counts["Struct"], "calls": calls,
            "parsed": d.extracted, "errors": sum(r.errors for r in d.records),
            "seconds": round(d.seconds, 2)}
