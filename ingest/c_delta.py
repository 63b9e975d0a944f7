"""The C delta path: after edits confined to ``.c`` bodies, re-parse just the edited TUs and
change just the affected part of the graph.

When it applies (``plan_delta`` says why not otherwise): the last run's state is there, the
only changed inputs are existing ``.c`` files, and none of their preprocessor directives
changed (``#if``/``#include``/``#define`` lines decide the record keys, the define sites
and the ``#if`` probe, so with them unchanged every key and every other record stands).

How: each edited TU is parsed once per record key it had (one per group of versions that
shared its preprocessed text), in this process, without walking its headers (they are
unchanged; the old record's header entities are kept). The entities the old and new
records name, and every entity with an edge to one of them, are assembled from all the
versions' records twice (``assemble(only=...)``), before and after; ``kg.delta.diff`` of
the two is what the store applies. Same facts as a full rebuild, at the cost of a few
parses and a filtered assembly.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing as mp
import pickle
import re
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest import c_defines, run_state
from ingest.c_assemble import VersionData, assemble
from ingest.c_extract import Ents, Job, TURecord, apply_pch, extract_tu, init_worker
from ingest.c_profiles import profile_key, tables_snapshot, use_checkout, use_tables
from ingest.cache import RecordCache, gc_paused
from ingest.cenv import CompileEnv
from ingest.checkout import Checkout, VersionInfo
from ingest.spec import SpecInfo
from kg.delta import Delta, diff
from kg.facts import Facts, RelTable
from kg.schema import global_id

log = logging.getLogger(__name__)

_DIRECTIVE = re.compile(rb"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", re.M)


def directive_hash(data: bytes) -> str:
    """A hash of a file's preprocessor directives (with continuation lines), nothing else."""
    h = hashlib.sha1()
    for m in _DIRECTIVE.finditer(data):
        h.update(b" ".join(m.group(0).split()) + b"\n")
    return h.hexdigest()


@dataclass
class CVersion:
    """A version's ``VersionData`` without its records (their keys instead)."""
    v: VersionInfo
    spec: SpecInfo
    keys: list[str]
    defines: dict[str, int]
    hkeys: dict[str, str]
    seconds: float
    extracted: int
    parses: int


@dataclass
class CState:
    versions: list[CVersion]
    extra_keys: list[str]
    directives: dict[str, str]             # checkout-relative .c path -> directive_hash
    dscan: c_defines.DefineScan
    keys: list[str] = field(default_factory=list)  # every record key, once
    # name -> positions in ``keys`` of the records whose entities name it (as assemble's
    # ``only`` filter reads them): a delta loads just those records
    mentions: dict[str, tuple[int, ...]] = field(default_factory=dict)
    file_versions: dict[str, set[str]] = field(default_factory=dict)
    prefix_headers: list[str] = field(default_factory=list)
    tables: Any = None                     # c_profiles.tables_snapshot()


def _mentioned(ents: Ents, seg_of: dict[str, str]) -> set[str]:
    """Every name ``assemble(only=...)`` may keep an entity of ``ents`` for."""
    out = _names(ents, seg_of)
    out.update(b for _, b, _ in ents.calls)
    for f in ents.functions:
        if f[8] is not None:
            out.add(f[8][1])
        out.update(tg[1] for tg in f[9] if tg is not None)
    for s in ents.structs:
        out.update(fl[4][1] for fl in s[6] if fl[4] is not None)
    out.update(t[4][1] for t in ents.typedefs if t[4] is not None)
    out.update(g[6][1] for g in ents.globals if g[6] is not None)
    for p in ents.profiles:
        out.update(p.get(r) for r in ("init", "destroy", "update", "draw") if p.get(r))
    return out


def remember(data: list[VersionData], dscan: c_defines.DefineScan, root: Path,
             directives: dict[str, str] | None = None, prefix_headers: list[str] | None = None
             ) -> CState:
    """What a later delta needs from this run. ``directives``: hashes already known (only
    files missing there are read)."""
    known = dict(directives or {})
    versions = []
    extra: dict[str, None] = {}
    pos: dict[str, int] = {}
    mentions: dict[str, set[int]] = {}
    file_versions: dict[str, set[str]] = {}
    for d in data:
        versions.append(CVersion(d.v, d.spec, [r.key for r in d.records], d.defines, d.hkeys,
                                 d.seconds, d.extracted, d.parses))
        seg_of = {t.path: t.segment for t in d.spec.tus}
        for r in d.extra:
            extra[r.key] = None
        for r in [*d.records, *d.extra]:
            if r.key in pos:
                continue
            i = pos[r.key] = len(pos)
            for ents in [r.main, *r.headers.values()]:
                for name in _mentioned(ents, seg_of):
                    mentions.setdefault(name, set()).add(i)
            for path in r.files:  # and the .c files it read: who reads an edited file
                if path.endswith(".c"):
                    mentions.setdefault(path, set()).add(i)
        for r in d.records:
            if not r.tu.startswith("<"):
                file_versions.setdefault(r.tu, set()).add(d.v.id)
            for path in r.files:
                file_versions.setdefault(path, set()).add(d.v.id)
    out: dict[str, str] = {}
    for rel in (n for n in mentions if n.endswith(".c")):  # the .c files some record read
        got = known.get(rel)
        if got is None:
            try:
                got = directive_hash((root / rel).read_bytes())
            except OSError:
                continue
        out[rel] = got
    return CState(versions, list(extra), out, dscan, list(pos),
                  {n: tuple(sorted(ix)) for n, ix in mentions.items()}, file_versions,
                  list(prefix_headers or []), tables_snapshot())


@dataclass
class CDelta:
    delta: Delta
    overlay: dict[str, dict]         # what changes in the C state (see apply_overlay)
    records: list[TURecord]          # the fresh records, to cache once the store has them
    parsed: list[str]                # "tu (version)" per parse
    names: int                       # entities re-assembled
    seconds: float
    failed: list[dict[str, str]] = field(default_factory=list)  # as IngestReport.failed_files


def plan_delta(state: CState | None, root: Path, modified: set[str], added: set[str],
               removed: set[str]) -> tuple[list[str] | None, str]:
    """(checkout-relative edited files, "") when the delta path applies, else (None, why)."""
    if state is None:
        return None, "no C state from the last run"
    if added or removed:
        return None, f"{len(added)} file(s) added, {len(removed)} removed"
    prefix = str(root).rstrip("/") + "/"
    rels = []
    for p in sorted(modified):
        rel = p[len(prefix):] if p.startswith(prefix) else p
        if not (rel.startswith("src/") and rel.endswith(".c")):
            return None, f"{rel} is not a .c file under src/"
        if rel not in state.directives:  # no TU of these versions reads it
            return None, f"{rel} is not compiled in the versions of the last run"
        try:
            now = directive_hash((root / rel).read_bytes())
        except OSError:
            return None, f"{rel} unreadable"
        if now != state.directives[rel]:
            return None, f"the preprocessor directives of {rel} changed"
        rels.append(rel)
    return rels, ""


def _job(checkout: Checkout, cache_dir: Path, cv: CVersion, tu: str, key: str,
         prefix_headers: list[str]) -> Job:
    """The parse the full run made for ``key`` (same flags, same precompiled header)."""
    env = CompileEnv(checkout, cv.v.id, cache_dir, prefix_headers=prefix_headers)
    job = Job(tu=tu, args=env.args(tu), root=str(checkout.root), stub_dir=str(env.stub_dir),
              header_keys={}, key=key, walk_headers=False)
    if prefix_headers and env.uses_pch(tu):
        pch = env.pch()
        apply_pch(job, pch, env.pch_deps() if pch is not None else {})
    return job


def _names(ents: Ents, seg_of: dict[str, str]) -> set[str]:
    out: set[str] = set()
    out.update(f[0] for f in ents.functions)
    out.update(a for a, _, _ in ents.calls)
    out.update(ents.indirect)
    out.update(s[0] for s in ents.structs)
    for e in ents.enums:
        if e[0]:
            out.add(e[0])
        out.update(c for c, _ in e[3])
    out.update(t[0] for t in ents.typedefs)
    out.update(global_id(g[0], g[2], g[4]) for g in ents.globals)
    for p in ents.profiles:
        key = profile_key(p, seg_of)
        out.update(x for x in (key, p.get("instance_struct")) if x)
    return out


def compute_delta(checkout: Checkout, cache_dir: Path, state: CState, edited: list[str]
                  ) -> CDelta | None:
    """The graph change that the edits of ``edited`` (checkout-relative .c paths) make, or
    None when the cache lacks what it needs (then a full run)."""
    t0 = time.perf_counter()
    root = checkout.root
    use_tables(root, state.tables) if state.tables is not None else use_checkout(root)
    cache = RecordCache(cache_dir / "facts")
    recs: dict[str, TURecord] = {}

    def load(keys: list[str]) -> bool:
        with gc_paused():
            for k in keys:
                if k not in recs:
                    rec = cache.load(k)
                    if rec is None:
                        log.info("C delta: record %s missing from the cache", k[:12])
                        return False
                    recs[k] = rec
        return True

    order = sorted(state.versions, key=lambda cv: (not cv.v.is_default, cv.v.ordinal))
    extra = set(state.extra_keys)
    # the records that read an edited file (header-only parses aside: only their headers
    # are used), each made again with the flags of the first version that used it
    readers = [state.keys[i] for i in sorted({i for rel in edited
                                              for i in state.mentions.get(rel, ())})]
    made_by: dict[str, CVersion] = {}
    for cv in order:
        mine = set(cv.keys)
        for k in readers:
            if k in mine and k not in extra:
                made_by.setdefault(k, cv)
    if not load(list(made_by)):
        return None
    t_load = time.perf_counter()
    init_worker(str(cache_dir))
    fresh: dict[str, TURecord] = {}
    parsed = []
    jobs = {k: _job(checkout, cache_dir, cv, recs[k].tu, k, state.prefix_headers)
            for k, cv in made_by.items()}
    for k, new in _parse_all(jobs).items():
        old = recs[k]
        new.headers, new.hkeys, new.claims = old.headers, old.hkeys, old.claims
        fresh[k] = new
        parsed.append(f"{old.tu} ({made_by[k].v.id})")
    t_parse = time.perf_counter()
    names: set[str] = set(edited)
    for k, new in fresh.items():
        seg_of = {t.path: t.segment for t in made_by[k].spec.tus}
        names |= _names(recs[k].main, seg_of) | _names(new.main, seg_of)
    # the edited files' define sites (same directives, so only their lines can move)
    new_scan = c_defines.DefineScan(sites={}, headers=state.dscan.headers)
    edited_sites: dict[str, list[c_defines.DefineSite]] = {}
    for rel in edited:
        try:
            text = (root / rel).read_bytes().decode("utf-8", "replace")
        except OSError:
            return None
        edited_sites[rel] = c_defines.scan_file(text, rel)
    for name, sites in state.dscan.sites.items():
        if not any(s.file in edited_sites for s in sites):
            new_scan.sites[name] = sites
            continue
        names.add(name)
        # the n-th site of ``name`` in an edited file becomes that file's n-th one now
        now = {rel: [x for x in got if x.name == name] for rel, got in edited_sites.items()}
        seen: dict[str, int] = {}
        out: list[c_defines.DefineSite] = []
        for s in sites:
            if s.file in now:
                i = seen.get(s.file, 0)
                seen[s.file] = i + 1
                if i < len(now[s.file]):
                    out.append(now[s.file][i])
            else:
                out.append(s)
        new_scan.sites[name] = out

    # every record that mentions one of those names (as an entity or an edge's end)
    needed = {i for n in names for i in state.mentions.get(n, ())}
    if not load([state.keys[i] for i in sorted(needed)]):
        return None
    t_more = time.perf_counter()

    def data(use_fresh: bool) -> list[VersionData]:
        def pick(k: str) -> TURecord:
            return fresh.get(k, recs[k]) if use_fresh else recs[k]

        ex = [pick(k) for k in state.extra_keys if k in recs]
        out = []
        for cv in state.versions:
            vd = VersionData(cv.v, cv.spec, [pick(k) for k in cv.keys if k in recs], cv.defines,
                             cv.seconds, cv.extracted)
            vd.hkeys, vd.extra, vd.parses = cv.hkeys, ex, cv.parses
            out.append(vd)
        return out

    before = assemble(data(False), state.dscan, root, only=names,
                      file_versions_of=state.file_versions)
    after = assemble(data(True), new_scan, root, only=names,
                     file_versions_of=state.file_versions)
    delta = diff(before, after)
    _edges_into_added(delta, cache_dir)
    log.info("C delta: %d records to re-parse (%.2fs), %d parsed (%.2fs), %d names, %d records "
             "(%.2fs), assembled and diffed (%.2fs)", len(made_by), t_load - t0, len(fresh),
             t_parse - t_load, len(names), len(recs), t_more - t_parse,
             time.perf_counter() - t_more)
    overlay: dict[str, dict] = {
        "directives": {rel: directive_hash((root / rel).read_bytes()) for rel in edited
                       if rel in state.directives},
        "sites": {n: s for n, s in new_scan.sites.items() if s is not state.dscan.sites.get(n)},
        "mentions": _remention(state, fresh, made_by)}
    failed = [{"file": r.tu, "version": made_by[k].v.id,
                "reason": r.failed or f"{r.errors} errors"}
              for k, r in fresh.items() if r.failed or r.errors]
    return CDelta(delta, overlay, list(fresh.values()), parsed, len(names),
                  time.perf_counter() - t0, failed)


def _parse_all(jobs: dict[str, Job]) -> dict[str, TURecord]:
    """Every job's record, in ``jobs``' order; with two or more, half are parsed in a forked
    process meanwhile (an edited file is parsed once per group of versions: 7 times for 16,
    ~0.12 s each here). The fork inherits the loaded libclang, so it starts in ~10 ms."""
    keys = list(jobs)
    if len(keys) < 2 or "fork" not in mp.get_all_start_methods():
        return {k: extract_tu(jobs[k]) for k in keys}
    theirs = keys[1::2]
    with ProcessPoolExecutor(1, mp_context=mp.get_context("fork")) as ex:
        pending = ex.map(extract_tu, [jobs[k] for k in theirs])
        out = {k: extract_tu(jobs[k]) for k in keys[0::2]}
        out.update(zip(theirs, pending, strict=True))
    return {k: out[k] for k in keys}


def _edges_into_added(delta: Delta, cache_dir: Path) -> None:
    """Edges of the other sources (addresses, concepts, tables) that a full build would keep
    now that their C end exists (it pruned them while it did not). Read only when the delta
    adds nodes."""
    added = delta.added_nodes
    if not added:
        return
    keys: dict[str, set] = defaultdict(set)
    for kind, key in added:
        keys[kind].add(key)
    empty: set = set()
    for rel_type, table in load_other(cache_dir).rels.items():
        extra = [row for fk, tk, _ in list(table.pairs()) if fk in keys or tk in keys
                 for row in table.rows_touching(fk, tk, keys.get(fk, empty), keys.get(tk, empty))]
        if extra:
            delta.upsert_rels.setdefault(rel_type, []).extend(extra)


def put_records(cache_dir: Path, records: list[TURecord]) -> None:
    cache = RecordCache(cache_dir / "facts")
    for r in records:
        cache.put(r.key, r)


def _remention(state: CState, fresh: dict[str, TURecord], made_by: dict[str, CVersion]
               ) -> dict[str, tuple[int, ...]]:
    """The ``state.mentions`` entries that the re-parsed records' names add to (a name an
    edit drops stays listed: a record too many is only read, never wrong)."""
    pos = {k: i for i, k in enumerate(state.keys)}
    out: dict[str, tuple[int, ...]] = {}
    for k, rec in fresh.items():
        seg_of = {t.path: t.segment for t in made_by[k].spec.tus}
        i = pos[k]
        for name in _mentioned(rec.main, seg_of):
            have = out.get(name, state.mentions.get(name, ()))
            if i not in have:
                out[name] = tuple(sorted((*have, i)))
    return out


def apply_overlay(state: CState, overlay: dict[str, dict]) -> CState:
    """``state`` with the changes of the deltas since the full run that saved it (kept
    beside it: rewriting the whole state costs ~1 s for 16 versions)."""
    state.directives.update(overlay.get("directives", {}))
    state.dscan.sites.update(overlay.get("sites", {}))
    state.mentions.update(overlay.get("mentions", {}))
    return state


def _other_path(cache_dir: Path) -> Path:
    return cache_dir / "other_edges.pkl"


def save_other(cache_dir: Path, bundles: list[Facts]) -> None:
    """The relationships the other sources made (before pruning): a delta that adds a C node
    adds the ones that end there."""
    out = Facts()
    for b in bundles:
        for rel_type, table in b.rels.items():
            out.rels[rel_type].merge_from(table)
    run_state.dump_atomic(_other_path(cache_dir), dict(out.rels))


def load_other(cache_dir: Path) -> Facts:
    out = Facts()
    try:
        with open(_other_path(cache_dir), "rb") as fh:
            rels = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError):
        return out
    for rel_type, table in rels.items():
        if isinstance(table, RelTable):
            out.rels[rel_type] = table
        else:  # rows as dicts (an older cache)
            for rid, row in table.items():
                out.rels[rel_type][rid] = row
    return out
