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
  so an edit re-parses exactly the TUs whose inputs changed.

Assembly attributes each record to the versions that use it and puts what varies on
``IN_VERSION`` edges (signature/file/line, size/align, offset/size/type, value), one
version never overwriting another. Actor instance sizes come from each version's layout of
the instance struct (a shared profile parse evaluated ``sizeof`` in one version only).
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing as mp
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest import c_defines
from ingest.asset_stubs import ensure_stubs
from ingest.c_extract import EXTRACTOR_VERSION, Job, TURecord, extract_tu, init_worker
from ingest.cache import RecordCache
from ingest.cenv import CompileEnv
from ingest.checkout import VersionInfo
from ingest.pipeline import IngestContext
from ingest.spec import SpecInfo, read_spec
from ingest.tu_keys import build_index, parse_defines, version_env
from kg.facts import Facts

log = logging.getLogger(__name__)

MAX_DIAGNOSTICS_PER_FILE = 50


class VersionData:
    def __init__(self, v: VersionInfo, spec: SpecInfo, records: list[TURecord],
                 defines: dict[str, int], seconds: float, extracted: int) -> None:
        self.v, self.spec, self.records, self.defines = v, spec, records, defines
        self.seconds, self.extracted = seconds, extracted
        self.hkeys: dict[str, str] = {}
        self.extra: list[TURecord] = []  # parses made only for their headers
        self.parses = 0


def _pool(ctx: IngestContext) -> Any:
    if ctx.jobs <= 1:
        init_worker(str(ctx.cache_dir))
        return None
    mpctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
    return mpctx.Pool(ctx.jobs, initializer=init_worker, initargs=(str(ctx.cache_dir),))


class _Plan:
    """Every version's TUs, keyed so that versions preprocessing a TU identically share it."""

    def __init__(self, ctx: IngestContext) -> None:
        self.ctx = ctx
        self.root = ctx.checkout.root
        self.envs = {v.id: CompileEnv(ctx.checkout, v.id, ctx.cache_dir) for v in ctx.versions}
        self.flags = {vid: e.defines() for vid, e in self.envs.items()}
        seeds = set().union(*(set(parse_defines(f)) for f in self.flags.values()))
        self.index = build_index(self.root, seeds, ctx.cache_dir / "analysis" / "files.pkl")
        self._stub_sha: dict[tuple[str, str], str] = {}
        self.venv: dict[str, dict] = {}
        self.raw: dict[str, dict[str, str]] = {}
        self._hkey: dict[tuple[str, int], str] = {}

    def stub_part(self, vid: str, missing: tuple[str, ...]) -> tuple:
        out = []
        for inc in missing:
            got = self._stub_sha.get((vid, inc))
            if got is None:
                p = self.envs[vid].stub_dir / inc
                try:
                    got = hashlib.sha1(p.read_bytes()).hexdigest()
                except OSError:
                    got = "-"
                self._stub_sha[(vid, inc)] = got
            out.append(got)
        return tuple(out)

    def key(self, tu_abs: str, vidx: int, vid: str, env: dict, raw: dict[str, str],
            extra: tuple = ()) -> str:
        digest, missing, parts = self.index.tu_parts(tu_abs, vidx, env, raw)
        h = hashlib.sha1(repr((EXTRACTOR_VERSION, tu_abs[len(str(self.root)):], digest, missing,
                               parts, self.stub_part(vid, missing), extra)).encode())
        return h.hexdigest()

    def main_key(self, tu_abs: str, vidx: int, vid: str, env: dict, raw: dict[str, str],
                 extra: tuple, extra_headers: tuple[str, ...]) -> str | None:
        """Key of what the TU's own code yields (its functions, calls, profiles) in a version;
        None when only the full key will do."""
        m = self.index.main_parts(tu_abs, vidx, env, raw, extra_headers)
        if m is None:
            return None
        return hashlib.sha1(repr(("main", EXTRACTOR_VERSION, tu_abs[len(str(self.root)):], m,
                                  self.stub_part(vid, m[1]), extra)).encode()).hexdigest()

    def header_keys(self, tu_abs: str, vidx: int, vid: str, env: dict, raw: dict[str, str]
                    ) -> dict[str, str]:
        files, _ = self.index.closure(tu_abs)
        out = {}
        for f in files:
            if f == tu_abs or not f.endswith(".h"):
                continue
            k = self._hkey.get((f, vidx))
            if k is None:
                k = self._hkey[(f, vidx)] = self.key(f, vidx, vid, env, raw)[:20]
            out[f] = k
        return out



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
    t0 = time.perf_counter()
    plan = _Plan(ctx)
    root = str(ctx.checkout.root)
    order = sorted(ctx.versions, key=lambda v: (not v.is_default, v.ordinal))
    dcache = ctx.cache_dir / "defines"
    dscan = c_defines.scan_cached(ctx.checkout.root, dcache)
    names, conds, def_headers = dscan.probe_names(), dscan.conditions(), dscan.headers
    # the defines probes (one per version) run in the workers while stubs are generated here
    probes = {v.id: (pool.apply_async(c_defines.evaluate_cached,
                                      (ctx.checkout.root, plan.envs[v.id].args(), names,
                                       def_headers, dcache, conds))
                     if pool is not None else None) for v in order}
    # asset stubs: in the workers too (pure Python, one task per version)
    stub_tasks = {v.id: (pool.apply_async(ensure_stubs, (ctx.checkout, v, plan.envs[v.id].stub_dir))
                         if pool is not None else None) for v in order}
    specs: dict[str, SpecInfo] = {}
    for v in order:
        specs[v.id] = read_spec(ctx.checkout, v)
    for v in order:
        task = stub_tasks[v.id]
        task.get() if task is not None else plan.envs[v.id].ensure_stubs()
    measured: dict[str, dict[str, int]] = {}
    for v in order:
        p = probes[v.id]
        measured[v.id] = p.get() if p is not None else c_defines.evaluate_cached(
            ctx.checkout.root, plan.envs[v.id].args(), names, def_headers, dcache, conds)
    log.info("C plan: index, stubs, specs, defines probes %.2fs", time.perf_counter() - t0)
    prefix_heads = plan.envs[order[0].id].prefix_headers() if ctx.use_pch else []
    keys: dict[str, dict[str, str]] = {}       # version -> tu -> record key (its own code)
    jobs: dict[str, Job] = {}                  # record key -> job (for missing records)
    records: dict[str, TURecord] = {}
    hkeys_of: dict[str, dict[str, str]] = {}   # version -> header rel -> key
    pch_users: dict[str, list[Job]] = defaultdict(list)  # version whose PCH a job needs
    covered: set[tuple[str, str]] = set()      # (header, key) some parse walks
    extra_keys: set[str] = set()               # parses made for headers only
    pending: list[tuple[VersionInfo, int, str, dict[str, str], str, bool]] = []

    def want(k: str, make: Any, hks: dict[str, str], skip_heads: frozenset[str]) -> None:
        """Make sure record ``k`` exists; note the (header, key)s a parse for it walks."""
        if k in records or k in jobs:
            return  # made for another version: it walked that version's headers, not these
        rec = cache.get(k)
        if rec is not None:
            records[k] = rec
            covered.update((f"{root}/{h}", hk) for h, hk in rec.hkeys.items())
            covered.update((f"{root}/{h}", hk) for h, hk in getattr(rec, "claims", {}).items())
        else:
            job = jobs[k] = make()
            job.claims = {f: hk for f, hk in hks.items() if f not in skip_heads}
            covered.update(job.claims.items())

    prefix_abs = tuple(str(ctx.checkout.root / "include" / h) for h in prefix_heads)
    prefix_closure = frozenset(f for h in prefix_abs for f in plan.index.closure(h)[0])
    for vidx, v in enumerate(order):
        env_v = plan.envs[v.id]
        venv = version_env(plan.index, plan.flags[v.id], measured[v.id])
        raw = parse_defines(plan.flags[v.id])
        plan.venv[v.id], plan.raw[v.id] = venv, raw
        prefix_part: tuple = ()
        units = [t.path for t in specs[v.id].tus if t.path.startswith("src/")]
        if prefix_heads:
            prefix_part = tuple(plan.key(h, vidx, v.id, venv, raw) for h in prefix_abs)
        vkeys: dict[str, str] = {}
        hk_v: dict[str, str] = {}
        for tu in units:
            tu_abs = str(ctx.checkout.root / tu)
            with_pch = bool(prefix_heads) and env_v.uses_pch(tu)
            flags_extra = tuple(env_v.args(tu)[len(env_v.args()):])  # per-file flags
            extra = (flags_extra, prefix_part if with_pch else None)
            hks = plan.header_keys(tu_abs, vidx, v.id, venv, raw)
            for f, k in hks.items():
                hk_v[f[len(root) + 1:]] = k
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
            phk = _prefix_header_keys(plan, ctx, prefix_heads, v.id, order)
            for f, k in phk.items():
                hk_v.setdefault(f[len(root) + 1:], k)

            def make_prefix(pk: str = pk, env_v: CompileEnv = env_v, vid: str = v.id) -> Job:
                job = Job(tu="<pch-prefix>", args=[], root=root, stub_dir=str(env_v.stub_dir),
                          header_keys={}, key=pk)
                pch_users[vid].append(job)
                return job

            want(pk, make_prefix, phk, frozenset())
        keys[v.id] = vkeys
        hkeys_of[v.id] = hk_v
    # every (header, key) a version needs must be walked by some parse: parse, with that
    # version's own flags, a TU of it that reaches the headers nobody walks yet
    for v, _vidx, tu, hks, full, with_pch in pending:
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
                job.header_keys = _prefix_header_keys(plan, ctx, prefix_heads, vid, order)
            elif pch is not None:
                job.fallback_args = job.args
                job.args = job.args + ["-include-pch", str(pch)]
                job.extra_deps = env_v.pch_deps()
    todo = sorted(jobs.values(), key=lambda j: -_size(Path(root) / j.tu))
    log.info("C plan: keys done at %.2fs; %d parses, %d records from the cache",
             time.perf_counter() - t0, len(todo), len(records))
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
    it = (pool.imap_unordered(extract_tu, todo, chunksize=2) if pool is not None
          else map(extract_tu, todo))
    for rec in it:
        if rec.tu.startswith(root) or rec.tu.startswith("/"):
            rec.tu = "<pch-prefix>"
        rec.claims = {f[len(root) + 1:]: hk for f, hk in jobs[rec.key].claims.items()}
        records[rec.key] = rec
        cache.put(rec.key, rec)
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


def _prefix_header_keys(plan: _Plan, ctx: IngestContext, heads: list[str], vid: str,
                        order: list[VersionInfo]) -> dict[str, str]:
    vidx = [v.id for v in order].index(vid)
    env, raw = plan.venv[vid], plan.raw[vid]
    out: dict[str, str] = {}
    for h in heads:
        f = str(ctx.checkout.root / "include" / h)
        out.update(plan.header_keys(f, vidx, vid, env, raw))
        k = plan._hkey.get((f, vidx))
        if k is None:
            k = plan._hkey[(f, vidx)] = plan.key(f, vidx, vid, env, raw)[:20]
        out[f] = k
    return out


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:
        return 0


def c_source(ctx: IngestContext) -> Facts:
    global _CHECKOUT_ROOT, _ACTOR_TABLE, _OBJ_TABLE
    if _CHECKOUT_ROOT != ctx.checkout.root:
        _ACTOR_TABLE = _OBJ_TABLE = None
    _CHECKOUT_ROOT = ctx.checkout.root
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
    log.info("C assembly %.2fs", time.perf_counter() - ta)
    failed = [{"file": r.tu, "version": d.v.id, "reason": r.failed or f"{r.errors} errors"}
              for d in data for r in d.records if r.failed or r.errors]
    ctx.stats["failed_files"] = failed
    ctx.stats["diagnostics"] = sum(len(r.diagnostics) for d in data for r in d.records)
    ctx.stats["per_version"] = [_version_summary(d, facts) for d in data]
    parses = data[0].parses if data else 0
    ctx.notes["c"] = (f"{parses} TU parses for {sum(len(d.records) for d in data)} "
                      "(version, TU) pairs; the rest shared or cached")
    odd = sorted(f"{a['enum']} (id {a.get('profile_id_enum') or a.get('profile_id')})"
                 for a in facts.nodes.get("Actor", {}).values()
                 if a.get("profile_id") is not None and a.get("profile_id_enum") != a["enum"])
    if odd:
        ctx.notes["c"] += (f"; {len(odd)} actor profiles name another actor's id in their id "
                           f"field: {', '.join(odd)}")
    return facts


def _header_ents(d: VersionData, by_hkey: dict[tuple[str, str], Any]) -> dict[str, Any]:
    """The header declarations one version sees: every header its TUs reach, looked up by the
    header's key for this version (walked once, in whichever parse had that key)."""
    out: dict[str, Any] = {}
    for h, k in d.hkeys.items():
        ents = by_hkey.get((h, k))
        if ents is not None:
            out[h] = ents
    # headers the static include graph does not know (outside src/ and include/)
    for r in d.records:
        for h, ents in r.headers.items():
            if h not in d.hkeys:
                out.setdefault(h, ents)
    return out


def _version_summary(d: VersionData, facts: Facts) -> dict[str, Any]:
    vid = d.v.id
    counts: dict[str, int] = defaultdict(int)
    for r in facts.rels.get("IN_VERSION", {}).values():
        if r["to"] == vid and r["from_kind"] in ("Function", "Struct"):
            if r["from_kind"] == "Struct" or r.get("defined"):
                counts[r["from_kind"]] += 1
    calls = sum(n for r in d.records for _, _, n in r.main.calls)
    return {"version": vid, "files": sum(1 for r in d.records if not r.tu.startswith("<")),
            "functions": counts["Function"], "structs": counts["Struct"], "calls": calls,
            "parsed": d.extracted, "errors": sum(r.errors for r in d.records),
            "seconds": round(d.seconds, 2)}


def _rep(versions: dict[str, Any], order: list[str]) -> str:
    """The representative version of an entity: the default one when it exists there."""
    for v in order:
        if v in versions:
            return v
    return next(iter(versions))


def _target_rel(facts: Facts, rel: str, from_kind: str, from_key: str,
                target: tuple[str, str] | None, **props: Any) -> None:
    if target and target[1]:
        facts.rel(rel, from_key, target[1], from_kind=from_kind, to_kind=target[0], **props)


def _sha(path: Path) -> str | None:
    import hashlib

    try:
        return hashlib.sha1(path.read_bytes()).hexdigest()
    except OSError:
        return None


def assemble(data: list[VersionData], dscan: c_defines.DefineScan,
             root: Path | None = None) -> Facts:
    facts = Facts()
    order = sorted((d.v for d in data), key=lambda v: (not v.is_default, -v.ordinal))
    order_ids = [v.id for v in order]
    fns: dict[str, dict[str, tuple]] = defaultdict(dict)
    decl_site: dict[str, dict[str, tuple[str, int]]] = defaultdict(dict)
    structs: dict[str, dict[str, tuple]] = defaultdict(dict)
    enums: dict[str, dict[str, tuple]] = defaultdict(dict)
    anon_consts: dict[str, dict[str, int]] = defaultdict(dict)
    typedefs: dict[str, dict[str, tuple]] = defaultdict(dict)
    globals_: dict[str, dict[str, tuple]] = defaultdict(dict)
    calls: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    indirect: dict[str, dict[str, int]] = defaultdict(dict)
    files: dict[str, dict[str, Any]] = {}
    file_versions: dict[str, set[str]] = defaultdict(set)
    profiles: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
    obj_includes: dict[tuple[str, str], set[str]] = defaultdict(set)
    runtime: dict[tuple[str, str], set[str]] = defaultdict(set)
    segments: dict[str, dict[str, Any]] = defaultdict(dict)

    by_hkey: dict[tuple[str, str], Any] = {}
    for d in data:
        for r in [*d.records, *d.extra]:
            for h, ents in r.headers.items():
                by_hkey.setdefault((h, r.hkeys.get(h, "")), ents)
    for d in data:
        vid = d.v.id
        seg_of = {t.path: t.segment for t in d.spec.tus}
        for s in d.spec.segments:
            segments[s.name][vid] = s
        for r in d.records:
            if not r.tu.startswith("<"):
                f = files.setdefault(r.tu, {"path": r.tu, "sha": r.sha, "kind": "c",
                                            "segment": seg_of.get(r.tu), "errors": 0,
                                            "warnings": 0, "diag": []})
                f["errors"] += r.errors
                f["warnings"] += r.warnings
                for sev, df, line, msg in r.diagnostics:
                    if len(f["diag"]) < MAX_DIAGNOSTICS_PER_FILE:
                        f["diag"].append(f"{vid}: {df}:{line}: "
                                         f"{'error' if sev >= 3 else 'warning'}: {msg}")
                file_versions[r.tu].add(vid)
            for path, sha in r.files.items():
                if path not in files:
                    files[path] = {"path": path, "sha": sha,
                                   "kind": "h" if path.endswith(".h") else "c",
                                   "segment": None, "errors": 0, "warnings": 0, "diag": []}
                file_versions[path].add(vid)
        sources = [(r.main, r) for r in d.records] + [
            (e, None) for e in _header_ents(d, by_hkey).values()]
        for ents, r in sources:
            for fn in ents.functions:
                name, defined = fn[0], fn[7]
                cur = fns[name].get(vid)
                if cur is None or (defined and not cur[7]):
                    fns[name][vid] = fn
                if not defined and vid not in decl_site[name]:
                    decl_site[name][vid] = (fn[4], fn[5])
            for s in ents.structs:
                structs[s[0]].setdefault(vid, s)
            for e in ents.enums:
                if e[0]:
                    enums[e[0]].setdefault(vid, e)
                else:
                    for cname, val in e[3]:
                        anon_consts[cname].setdefault(vid, (val, e[1], e[2]))
            for t in ents.typedefs:
                typedefs[t[0]].setdefault(vid, t)
            for g in ents.globals:
                cur = globals_[g[0]].get(vid)
                if cur is None or (g[5] and not cur[5]):
                    globals_[g[0]][vid] = g
            for a, b, n in ents.calls:
                calls[(a, b)][vid] = calls[(a, b)].get(vid, 0) + n
            for a, n in ents.indirect.items():
                indirect[a][vid] = indirect[a].get(vid, 0) + n
            for p in ents.profiles:
                key = _profile_key(p, seg_of)
                if key:
                    profiles[(p["type"], key)][vid] = p
                    if p["type"] == "ActorProfile":
                        for o in (r.object_includes if r is not None else ()):
                            obj_includes[("Actor", key)].add((o, vid))
                        for _, _, o in ents.runtime_objects:
                            runtime[("Actor", key)].add((o, vid))

    # --- functions ---
    for name, per in fns.items():
        rep = per[_rep(per, order_ids)]
        ind = indirect.get(name, {})
        facts.node("Function", name=name, signature=rep[1], return_type=rep[2], params=rep[3],
                   file=rep[4], line=rep[5], static=rep[6],
                   defined=any(x[7] for x in per.values()),
                   indirect_calls=ind.get(_rep(per, order_ids), 0) if ind else 0)
        for vid, fn in per.items():
            facts.rel("IN_VERSION", name, vid, from_kind="Function", to_kind="Version",
                      file=fn[4], line=fn[5], signature=fn[1], return_type=fn[2], params=fn[3],
                      static=fn[6], defined=fn[7])
        if rep[7]:
            facts.rel("DEFINED_IN", name, rep[4], from_kind="Function", to_kind="File",
                      line=rep[5])
        ds = decl_site.get(name)
        if ds:
            site = ds[_rep(ds, order_ids)]
            facts.rel("DECLARED_IN", name, site[0], from_kind="Function", to_kind="File",
                      line=site[1])
        _target_rel(facts, "RETURNS", "Function", name, rep[8])
        for i, tgt in enumerate(rep[9]):
            _target_rel(facts, "HAS_PARAM_TYPE", "Function", name, tgt, position=i)
    for (a, b), per in calls.items():
        vs = [v for v in order_ids if v in per]
        facts.rel("CALLS", a, b, from_kind="Function", to_kind="Function",
                  count=per[vs[0]], versions=sorted(vs, key=order_ids.index))

    # --- structs and fields ---
    for name, per in structs.items():
        rep = per[_rep(per, order_ids)]
        facts.node("Struct", name=name, kind=rep[1], size=rep[2], align=rep[3], file=rep[4],
                   line=rep[5])
        facts.rel("DEFINED_IN", name, rep[4], from_kind="Struct", to_kind="File", line=rep[5])
        field_vs: dict[str, dict[str, tuple]] = defaultdict(dict)
        for vid, s in per.items():
            facts.rel("IN_VERSION", name, vid, from_kind="Struct", to_kind="Version",
                      size=s[2], align=s[3], file=s[4], line=s[5])
            for fl in s[6]:
                field_vs[fl[0]][vid] = fl
        for fname, fper in field_vs.items():
            fr = fper[_rep(fper, order_ids)]
            fid = f"{name}.{fname}"
            facts.node("Field", id=fid, struct=name, name=fname, offset=fr[1], size=fr[2],
                       type=fr[3], position=fr[5])
            facts.rel("HAS_FIELD", name, fid, position=fr[5])
            for vid, fl in fper.items():
                facts.rel("IN_VERSION", fid, vid, from_kind="Field", to_kind="Version",
                          offset=fl[1], size=fl[2], type=fl[3])
            _target_rel(facts, "OF_TYPE", "Field", fid, fr[4])

    # --- enums, typedefs, globals ---
    for name, per in enums.items():
        rep = per[_rep(per, order_ids)]
        facts.node("Enum", name=name, file=rep[1], line=rep[2])
        facts.rel("DEFINED_IN", name, rep[1], from_kind="Enum", to_kind="File", line=rep[2])
        consts: dict[str, dict[str, int]] = defaultdict(dict)
        pos: dict[str, int] = {}
        for vid, e in per.items():
            facts.rel("IN_VERSION", name, vid, from_kind="Enum", to_kind="Version",
                      file=e[1], line=e[2])
            for i, (cname, val) in enumerate(e[3]):
                consts[cname][vid] = val
                pos.setdefault(cname, i)
        for cname, cper in consts.items():
            facts.node("EnumConstant", name=cname, enum=name, value=cper[_rep(cper, order_ids)])
            facts.rel("HAS_CONSTANT", name, cname, position=pos[cname])
            for vid, val in cper.items():
                facts.rel("IN_VERSION", cname, vid, from_kind="EnumConstant",
                          to_kind="Version", value=val)
    for cname, cper in anon_consts.items():
        if cname in facts.nodes.get("EnumConstant", {}):
            continue
        val = cper[_rep(cper, order_ids)][0]
        facts.node("EnumConstant", name=cname, enum="", value=val)
        for vid, (v, _, _) in cper.items():
            facts.rel("IN_VERSION", cname, vid, from_kind="EnumConstant", to_kind="Version",
                      value=v)
    for name, per in typedefs.items():
        rep = per[_rep(per, order_ids)]
        facts.node("Typedef", name=name, underlying=rep[1], file=rep[2], line=rep[3])
        facts.rel("DEFINED_IN", name, rep[2], from_kind="Typedef", to_kind="File", line=rep[3])
        for vid, t in per.items():
            facts.rel("IN_VERSION", name, vid, from_kind="Typedef", to_kind="Version",
                      type=t[1], file=t[2], line=t[3])
        _target_rel(facts, "OF_TYPE", "Typedef", name, rep[4])
    for name, per in globals_.items():
        if name in fns:
            continue
        rep = per[_rep(per, order_ids)]
        facts.node("Global", name=name, type=rep[1], file=rep[2], line=rep[3], static=rep[4],
                   defined=any(g[5] for g in per.values()))
        facts.rel("DEFINED_IN" if rep[5] else "DECLARED_IN", name, rep[2], from_kind="Global",
                  to_kind="File", line=rep[3])
        for vid, g in per.items():
            facts.rel("IN_VERSION", name, vid, from_kind="Global", to_kind="Version",
                      type=g[1], file=g[2], line=g[3], static=g[4], defined=g[5])
        _target_rel(facts, "OF_TYPE", "Global", name, rep[6])

    # --- defines ---
    def_vals: dict[str, dict[str, int]] = defaultdict(dict)
    for d in data:
        for name, val in d.defines.items():
            if not name.startswith("#"):
                def_vals[name][d.v.id] = val
    _defines(facts, data, dscan, def_vals, files, file_versions, order_ids, root)

    # --- files and segments ---
    for path, f in files.items():
        facts.node("File", path=path, sha=f["sha"], kind=f["kind"], segment=f["segment"],
                   errors=f["errors"], warnings=f["warnings"],
                   diagnostics=json.dumps(f["diag"]) if f["diag"] else None)
        for vid in file_versions.get(path, ()):
            facts.rel("IN_VERSION", path, vid, from_kind="File", to_kind="Version")
        if f["segment"]:
            facts.rel("IN_SEGMENT", path, f["segment"], from_kind="File", to_kind="Segment")
    for name, per in segments.items():
        rep = per[_rep(per, order_ids)]
        facts.node("Segment", name=name, number=rep.number, romalign=rep.romalign,
                   compress=rep.compress, overlay=rep.overlay)
        for vid in per:
            facts.rel("IN_VERSION", name, vid, from_kind="Segment", to_kind="Version")

    _profiles(facts, profiles, obj_includes, runtime, def_vals, order_ids, structs)
    return facts


def _defines(facts: Facts, data: list[VersionData], dscan: c_defines.DefineScan,
             def_vals: dict[str, dict[str, int]], files: dict[str, dict[str, Any]],
             file_versions: dict[str, set[str]], order_ids: list[str], root: Path | None) -> None:
    """A Define per macro name; IN_VERSION to each version where a definition of it is active
    (its #if branches hold there, and its file is compiled there), with the version's integer
    value and, when it differs from the node's, the version's body (``text``).

    A name defined differently by several .c files (``FLAGS`` of each actor) gets no
    body/file on its node: which one applies depends on the file."""
    vids = [d.v.id for d in data]
    truth = {d.v.id: d.defines for d in data}
    for name, sites in dscan.sites.items():
        per: dict[str, c_defines.DefineSite] = {}
        for vid in vids:
            cands = [s for s in sites
                     if s.file not in file_versions or vid in file_versions[s.file]]
            s = c_defines.active(cands, truth[vid])
            if s is not None:
                per[vid] = s
        if not per:
            continue
        vals = def_vals.get(name, {})
        rep_vid = _rep(per, order_ids)
        rep = per[rep_vid]
        ambiguous = (all(s.file.endswith(".c") for s in sites)
                     and len({s.file for s in sites}) > 1
                     and len({(s.params, s.body) for s in sites}) > 1)
        if ambiguous:
            facts.node("Define", name=name, value=vals.get(rep_vid), function_like=rep.function_like)
        else:
            facts.node("Define", name=name, value=vals.get(rep_vid), body=rep.body,
                       params=rep.params, function_like=rep.function_like, file=rep.file,
                       line=rep.line)
            facts.rel("DEFINED_IN", name, rep.file, from_kind="Define", to_kind="File",
                      line=rep.line)
            if rep.file not in files:
                files[rep.file] = {"path": rep.file,
                                   "sha": _sha(root / rep.file) if root else None,
                                   "kind": "h" if rep.file.endswith(".h") else "c",
                                   "segment": None, "errors": 0, "warnings": 0, "diag": []}
        # per-version body/site only for a macro with several definitions (independent of
        # which versions are ingested together)
        several = len(sites) > 1 and not ambiguous
        for vid, s in per.items():
            facts.rel("IN_VERSION", name, vid, from_kind="Define", to_kind="Version",
                      value=vals.get(vid), text=s.body if several else None,
                      file=s.file if several else None, line=s.line if several else None)


def _flag_names(flags: int | None, defs: dict[str, int]) -> list[str]:
    if not flags:
        return []
    names = [(v, n) for n, v in defs.items() if n.startswith("ACTOR_FLAG_") and v
             and v & (v - 1) == 0]
    out = [n for v, n in sorted(names) if flags & v]
    return out


def _profiles(facts: Facts, profiles: dict, obj_includes: dict, runtime: dict,
              def_vals: dict[str, dict[str, int]], order_ids: list[str],
              structs: dict[str, dict[str, tuple]]) -> None:
    flag_defs: dict[str, dict[str, int]] = {}
    for (ptype, key), per in profiles.items():
        rvid = _rep(per, order_ids)
        p = per[rvid]
        if ptype == "ActorProfile":
            defs = flag_defs.get(rvid)
            if defs is None:
                defs = flag_defs[rvid] = {n: vals[rvid] for n, vals in def_vals.items()
                                          if rvid in vals and n.startswith("ACTOR_FLAG_")}
            inst_rep = structs.get(p.get("instance_struct") or "", {}).get(rvid)
            own = p.get("id_name") == key
            facts.node("Actor", enum=key, id=p.get("id") if own else None,
                       profile_id=p.get("id"), profile_id_enum=p.get("id_name"),
                       category=p.get("category_name"),
                       flags=p.get("flags"), flag_names=_flag_names(p.get("flags"), defs),
                       object=p.get("objectId_name"),
                       instance_size=inst_rep[2] if inst_rep else p.get("instanceSize"),
                       instance_struct=p.get("instance_struct"), file=p.get("file"))
            inst = structs.get(p.get("instance_struct") or "", {})
            for vid, pv in per.items():
                # sizeof(instance struct) in *this* version: from the struct's own layout there
                # (a profile parse can be shared by versions whose headers differ)
                size = inst[vid][2] if vid in inst else pv.get("instanceSize")
                facts.rel("IN_VERSION", key, vid, from_kind="Actor", to_kind="Version",
                          size=size, file=pv.get("file"), line=pv.get("line"),
                          value=pv.get("flags"))
            for role in ("init", "destroy", "update", "draw"):
                if p.get(role):
                    facts.rel("PROFILE_FN", key, p[role], from_kind="Actor",
                              to_kind="Function", role=role)
            if p.get("instance_struct"):
                facts.rel("INSTANCE_OF", key, p["instance_struct"])
            if p.get("file"):
                facts.rel("DEFINED_IN", key, p["file"], from_kind="Actor", to_kind="File",
                          line=p.get("line"))
            vs = sorted(per, key=order_ids.index)
            if p.get("objectId_name"):
                facts.rel("USES_OBJECT", key, p["objectId_name"], from_kind="Actor",
                          to_kind="Object", via="profile", versions=vs)
            _uses(facts, key, obj_includes.get(("Actor", key), ()), "include", order_ids,
                  _object_enum)
            _uses(facts, key, runtime.get(("Actor", key), ()), "runtime", order_ids,
                  lambda o: o)
        else:
            facts.node("EffectSs", enum=key, id=p.get("id"))
            for vid in per:
                facts.rel("IN_VERSION", key, vid, from_kind="EffectSs", to_kind="Version",
                          file=per[vid].get("file"), line=per[vid].get("line"))
            if p.get("init"):
                facts.rel("PROFILE_FN", key, p["init"], from_kind="EffectSs",
                          to_kind="Function", role="init")


def _profile_key(p: dict[str, Any], seg_of: dict[str, str]) -> str | None:
    """The actor an ActorProfile belongs to: the actor table's entry for the overlay the
    profile is compiled into (``DEFINE_ACTOR(X, ...)`` <-> segment ``ovl_X``), or for an
    internal actor linked into code, the entry whose ``X_Profile`` variable it is (how the
    game's own actor table references it). Not the profile's ``id`` field: a few real profiles
    name another actor's id (a decomp quirk, kept as ``profile_id_enum``)."""
    if p["type"] != "ActorProfile":
        return p.get("id_name")
    by_name, by_overlay = _actor_table()
    seg = seg_of.get(p.get("file") or "")
    if seg is None:
        seg = next((part for part in Path(p.get("file") or "").parts
                    if part.startswith("ovl_")), None)
    if seg is not None and seg in by_overlay:
        return by_overlay[seg]
    var = p.get("var") or ""
    if var.endswith("_Profile") and var[: -len("_Profile")] in by_name:
        return by_name[var[: -len("_Profile")]]
    return p.get("id_name")


_ACTOR_TABLE: tuple[dict[str, str], dict[str, str]] | None = None


def _actor_table() -> tuple[dict[str, str], dict[str, str]]:
    """(table name -> ACTOR_ enum, overlay segment -> ACTOR_ enum) from every DEFINE_ACTOR /
    DEFINE_ACTOR_INTERNAL line of the actor table (version-independent; no preprocessing)."""
    global _ACTOR_TABLE
    if _ACTOR_TABLE is None:
        by_name: dict[str, str] = {}
        by_overlay: dict[str, str] = {}
        path = (_CHECKOUT_ROOT / "include" / "tables" / "actor_table.h"
                if _CHECKOUT_ROOT is not None else None)
        if path is not None and path.is_file():
            from ingest.table_expand import DEFINE_CALL, split_args, strip_comments

            for line in strip_comments(path.read_text(errors="replace")).split("\n"):
                m = DEFINE_CALL.match(line.strip())
                if not m or m.group(1) not in ("DEFINE_ACTOR", "DEFINE_ACTOR_INTERNAL"):
                    continue
                inner = line[line.index("(") + 1: line.rindex(")")] if ")" in line else ""
                args = split_args(inner)
                if len(args) >= 2:
                    by_name.setdefault(args[0], args[1])
                    if m.group(1) == "DEFINE_ACTOR":
                        by_overlay.setdefault(f"ovl_{args[0]}", args[1])
        _ACTOR_TABLE = (by_name, by_overlay)
    return _ACTOR_TABLE


def _object_enum(segment: str) -> str:
    """An object folder (its spec segment name) -> its OBJECT_ enum, via the object table."""
    table = _object_table()
    return table.get(segment, segment)


_OBJ_TABLE: dict[str, str] | None = None


def _object_table() -> dict[str, str]:
    global _OBJ_TABLE
    if _OBJ_TABLE is None:
        _OBJ_TABLE = {}
        try:
            from ingest import tables  # helper B's parser, when present

            fn = getattr(tables, "object_segment_to_enum", None)
            if fn is not None and _CHECKOUT_ROOT is not None:
                _OBJ_TABLE = dict(fn(_CHECKOUT_ROOT))
        except ImportError:
            pass
    return _OBJ_TABLE


_CHECKOUT_ROOT: Path | None = None


def _uses(facts: Facts, key: str, pairs: Any, via: str, order_ids: list[str], conv: Any) -> None:
    per: dict[str, set[str]] = defaultdict(set)
    for o, vid in pairs:
        per[conv(o)].add(vid)
    for obj, vs in per.items():
        facts.rel("USES_OBJECT", key, obj, from_kind="Actor", to_kind="Object", via=via,
                  versions=sorted(vs, key=order_ids.index))
