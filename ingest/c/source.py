"""The C source: every version's TUs through libclang (cached, shared, 2 workers) -> graph facts.

Interface: ``c_source(ctx: IngestContext) -> Facts`` (the pipeline's first source);
``ctx.stats`` gets ``per_version`` rows, ``failed_files`` and ``diagnostics``.

How the work is cut down (``extract_all``):
- each version's TU list comes from its spec, its asset stubs from the XML (in the workers);
- a TU's own code (its functions, calls, profiles) is keyed by the outcomes of its own
  ``#if``s and of the header ``#if`` blocks it refers to (``ingest.c.plan.keys.main_parts``), so
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

import logging
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from ingest.c import defines as c_defines
from ingest.c.assemble import assemble
from ingest.c.code import code_notes
from ingest.c.env import CompileEnv
from ingest.c.extract import extract_tu, init_worker
from ingest.c.plan.jobs import Background, Keys, Progress, Records
from ingest.c.plan.plan import Done, LazyPool, Plan
from ingest.c.profiles import use_checkout
from ingest.c.records import VersionData
from ingest.cache import RecordCache, TreeStats, gc_paused
from ingest.checkout.file_audit import audit_files
from ingest.checkout.spec import SpecInfo, read_spec, share_equal
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


def extract_all(ctx: IngestContext, pool: Any, cache: RecordCache) -> list[VersionData]:
    with gc_paused():  # the plan loads every cached record and file analysis it needs
        return _extract_all(ctx, pool, cache)


def _extract_all(ctx: IngestContext, pool: Any, cache: RecordCache) -> list[VersionData]:
    t0, c0 = time.perf_counter(), time.process_time()
    root = str(ctx.checkout.root)
    order = sorted(ctx.versions, key=lambda v: (not v.is_default, v.ordinal))
    envs = {v.id: CompileEnv(ctx.checkout, v.id, ctx.cache_dir) for v in ctx.versions}
    stats = TreeStats(ctx.checkout.root)  # one walk of the checkout for every scan below
    bg = Background(ctx, pool, order, envs)
    bg.start_stubs(stats)
    bg.start_probes(stats)
    t1 = time.perf_counter()
    plan = Plan(ctx, envs, stats)
    t2 = time.perf_counter()
    specs: dict[str, SpecInfo] = {}
    seen: dict[str, bool] = {}
    for v in order:
        specs[v.id] = read_spec(ctx.checkout, v, ctx.cache_dir, seen)
    share_equal(list(specs.values()))
    t3 = time.perf_counter()
    measured = bg.wait()
    log.info(
        "C plan: index, stubs, specs, defines probes %.2fs (scans and dispatch %.2fs, "
        "index %.2fs, specs %.2fs, waiting for %d stub and %d probe tasks %.2fs)",
        time.perf_counter() - t0,
        t1 - t0,
        t2 - t1,
        t3 - t2,
        len(bg.stub_tasks),
        sum(1 for p in bg.probes.values() if not isinstance(p, Done)),
        time.perf_counter() - t3,
    )
    del bg
    prefix_heads = plan.envs[order[0].id].prefix_headers(stats) if ctx.use_pch else []
    recs = Records(cache, root)
    keys = Keys(ctx, plan, recs, order, prefix_heads)
    for vidx, v in enumerate(order):
        keys.version(vidx, v, specs[v.id], measured[v.id])
    keys.cover_headers()
    keys.use_pchs()
    jobs, records = recs.jobs, recs.records
    todo = sorted(jobs.values(), key=lambda j: -_size(Path(root) / j.tu))
    log.info(
        "C plan: keys done at %.2fs (%.2fs CPU here); %d parses, %d records from the "
        "cache (read in %.2fs; key memo: %d closures kept, %d dropped)",
        time.perf_counter() - t0,
        time.process_time() - c0,
        len(todo),
        len(records),
        recs.load_time,
        plan.memo.kept,
        plan.memo.dropped,
    )
    progress = Progress(ctx, order, keys.keys, records)
    if pool is not None and not getattr(pool, "started", True) and len(todo) <= IN_PROCESS_PARSES:
        if todo:
            init_worker(str(ctx.cache_dir))
        pool = None
    it = pool.imap_unordered(extract_tu, todo, chunksize=2) if pool is not None else map(extract_tu, todo)
    ts = time.perf_counter()
    plan.memo.save(plan.vdig)  # while the workers parse
    getattr(cache, "save_hashed", lambda: None)()
    log.info("C plan: key memo saved in %.2fs", time.perf_counter() - ts)
    vkeys, hkeys_of, extra_keys = keys.keys, keys.hkeys_of, keys.extra_keys
    # The plan (file analyses, include index, keys: ~180 MB for 16 versions) is done with:
    # freed now (by reference counting: it holds no cycles to speak of), the records that
    # arrive reuse its memory instead of adding to it.
    del plan, stats, keys
    recs.covered.clear()
    for rec in it:
        if rec.tu.startswith(root) or rec.tu.startswith("/"):
            rec.tu = "<pch-prefix>"
        rec.claims = {f[len(root) + 1 :]: hk for f, hk in jobs[rec.key].claims.items()}
        cache.put(rec.key, rec)
        records[rec.key] = recs.slim(rec)
        progress.done(rec.key)
    seconds = time.perf_counter() - t0
    log.info("C extraction done at %.2fs", seconds)
    out = []
    extras = [records[k] for k in extra_keys if k in records]
    for v in order:
        recs_v = [records[k] for k in vkeys[v.id].values() if k in records]
        parsed = sum(1 for k in set(vkeys[v.id].values()) if k in jobs)
        vd = VersionData(v, specs[v.id], recs_v, measured[v.id], seconds, parsed)
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
    failed = [
        {"file": r.tu, "version": d.v.id, "reason": r.failed or f"{r.errors} errors"}
        for d in data
        for r in d.records
        if r.failed or r.errors
    ]
    audit = audit_files(ctx.checkout, {d.v.id: d.spec for d in data}, ctx.cache_dir)
    for f in audit.files:
        facts.node("File", path=f.path, kind="o" if f.status == "missing" else "c", status=f.status, reason=f.reason)
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
    ctx.notes["c"] = (
        f"{parses} TU parses for {sum(len(d.records) for d in data)} "
        "(version, TU) pairs; the rest shared or cached; "
        f"{audit.summary()} (`ootkg query unbuilt_files`; {audit_path})"
    )
    ctx.notes["c"] += code_notes(data, dscan)
    odd = sorted(
        f"{a['enum']} (id {a.get('profile_id_enum') or a.get('profile_id')})"
        for a in facts.nodes.get("Actor", {}).values()
        if a.get("profile_id") is not None and a.get("profile_id_enum") != a["enum"]
    )
    if odd:
        ctx.notes["c"] += f"; {len(odd)} actor profiles name another actor's id in their id field: {', '.join(odd)}"
    return facts


def _version_summary(d: VersionData, facts: Facts) -> dict[str, Any]:
    vid = d.v.id
    counts: dict[str, int] = defaultdict(int)
    table = facts.rels.get("IN_VERSION")
    if table is not None:
        defined = table.col("defined")
        counts["Struct"] = len(table.by_to("Struct", "Version", vid))
        counts["Function"] = sum(1 for vals in table.by_to("Function", "Version", vid).values() if vals[defined])
    calls = sum(c[2] for r in d.records for c in r.main.calls)
    return {
        "version": vid,
        "files": sum(1 for r in d.records if not r.tu.startswith("<")),
        "functions": counts["Function"],
        "structs": counts["Struct"],
        "calls": calls,
        "parsed": d.extracted,
        "errors": sum(r.errors for r in d.records),
        "seconds": round(d.seconds, 2),
    }
