"""The C delta path: after edits confined to ``.c`` bodies, re-parse just the edited TUs and
change just the affected part of the graph.

When it applies (``ingest.run.delta_state.plan_delta`` says why not otherwise): the last run's state
(``ingest.run.delta_state.CState``) is there, the
only changed inputs are existing ``.c`` files, and none of their preprocessor directives
changed (``#if``/``#include``/``#define`` lines decide the record keys, the define sites
and the ``#if`` probe, so with them unchanged every key and every other record stands).

How: each edited TU is parsed once per record key it had (one per group of versions that
shared its preprocessed text; two processes when there are several), without walking its
headers (they are
unchanged; the old record's header entities are kept). The entities the old and new
records name, and every entity with an edge to one of them, are assembled from all the
versions' records twice (``assemble(only=...)``), before and after; ``kg.delta.diff`` of
the two is what the store applies. Same facts as a full rebuild, at the cost of a few
parses and a filtered assembly.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ingest.c import defines as c_defines
from ingest.c.assemble import assemble
from ingest.c.blocks import scan_blocks
from ingest.c.code import code_notes
from ingest.c.env import CompileEnv
from ingest.c.extract import Job, apply_pch, extract_tu, init_worker
from ingest.c.profiles import use_checkout, use_tables
from ingest.c.records import TURecord, VersionData
from ingest.cache import RecordCache, gc_paused
from ingest.checkout.checkout import Checkout
from ingest.patterns import mine as patterns
from ingest.run import forked
from ingest.run.delta_state import (
    CState,
    CVersion,
    directive_hash,
    load_other,
    names_in,
    remention,
)
from kg.delta import Delta, diff
from kg.facts import Facts

log = logging.getLogger(__name__)


@dataclass
class CDelta:
    delta: Delta
    overlay: dict[str, dict]  # what changes in the C state (see apply_overlay)
    records: list[TURecord]  # the fresh records, to cache once the store has them
    parsed: list[str]  # "tu (version)" per parse
    names: int  # entities re-assembled
    seconds: float
    failed: list[dict[str, str]] = field(default_factory=list)  # as IngestReport.failed_files
    pattern_state: dict | None = None  # the pattern miner's items after the edit (to save)
    notes: str = ""  # code_notes: source text and #if problems


def _job(checkout: Checkout, cache_dir: Path, cv: CVersion, tu: str, key: str, prefix_headers: list[str]) -> Job:
    """The parse the full run made for ``key`` (same flags, same precompiled header)."""
    env = CompileEnv(checkout, cv.v.id, cache_dir, prefix_headers=prefix_headers)
    job = Job(
        tu=tu,
        args=env.args(tu),
        root=str(checkout.root),
        stub_dir=str(env.stub_dir),
        header_keys={},
        key=key,
        walk_headers=False,
    )
    if prefix_headers and env.uses_pch(tu):
        pch = env.pch()
        apply_pch(job, pch, env.pch_deps() if pch is not None else {})
    return job


def compute_delta(checkout: Checkout, cache_dir: Path, state: CState, edited: list[str]) -> CDelta | None:
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

    made_by = _made_by(state, edited)
    if not load(list(made_by)):
        return None
    t_load = time.perf_counter()
    init_worker(str(cache_dir))
    fresh: dict[str, TURecord] = {}
    parsed = []
    jobs = {k: _job(checkout, cache_dir, cv, recs[k].tu, k, state.prefix_headers) for k, cv in made_by.items()}
    for k, new in _parse_all(jobs).items():
        old = recs[k]
        new.headers, new.hkeys, new.claims = old.headers, old.hkeys, old.claims
        new.hskipped = old.hskipped  # (its headers did not change)
        fresh[k] = new
        parsed.append(f"{old.tu} ({made_by[k].v.id})")
    t_parse = time.perf_counter()
    names: set[str] = set(edited)
    for k, new in fresh.items():
        seg_of = {t.path: t.segment for t in made_by[k].spec.tus}
        names |= names_in(recs[k].main, seg_of) | names_in(new.main, seg_of)
    new_scan = _rescan_defines(root, state.dscan, edited, names)
    if new_scan is None:
        return None

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
            vd = VersionData(
                cv.v, cv.spec, [pick(k) for k in cv.keys if k in recs], cv.defines, cv.seconds, cv.extracted
            )
            vd.hkeys, vd.extra, vd.parses = cv.hkeys, ex, cv.parses
            out.append(vd)
        return out

    narrowed: dict = {}  # the headers' parts, the same before and after
    before = assemble(
        data(False), state.dscan, root, only=names, file_versions_of=state.file_versions, narrowed=narrowed
    )
    after = assemble(data(True), new_scan, root, only=names, file_versions_of=state.file_versions, narrowed=narrowed)
    delta = diff(before, after)
    _edges_into_added(delta, cache_dir)
    pattern_state = _add_patterns(delta, cache_dir, after, edited)
    log.info(
        "C delta: %d records to re-parse (%.2fs), %d parsed (%.2fs), %d names, %d records "
        "(%.2fs), assembled and diffed (%.2fs)",
        len(made_by),
        t_load - t0,
        len(fresh),
        t_parse - t_load,
        len(names),
        len(recs),
        t_more - t_parse,
        time.perf_counter() - t_more,
    )
    overlay: dict[str, dict] = {
        "directives": {rel: directive_hash((root / rel).read_bytes()) for rel in edited if rel in state.directives},
        "sites": {n: s for n, s in new_scan.sites.items() if s is not state.dscan.sites.get(n)},
        "blocks": {rel: new_scan.blocks.get(rel, ()) for rel in edited},
        "problems": {rel: new_scan.problems.get(rel, ()) for rel in edited},
        "mentions": remention(state, fresh, made_by),
    }
    failed = [
        {"file": r.tu, "version": made_by[k].v.id, "reason": r.failed or f"{r.errors} errors"}
        for k, r in fresh.items()
        if r.failed or r.errors
    ]
    notes = code_notes(
        [VersionData(made_by[k].v, made_by[k].spec, [r], {}, 0, 0) for k, r in fresh.items()],
        c_defines.DefineScan(problems={r: new_scan.problems[r] for r in edited if r in new_scan.problems}),
    )
    return CDelta(
        delta, overlay, list(fresh.values()), parsed, len(names), time.perf_counter() - t0, failed, pattern_state, notes
    )


def _made_by(state: CState, edited: list[str]) -> dict[str, CVersion]:
    """The records that read an edited file (header-only parses aside: only their headers
    are used), each to be made again with the flags of the first version that used it."""
    order = sorted(state.versions, key=lambda cv: (not cv.v.is_default, cv.v.ordinal))
    extra = set(state.extra_keys)
    readers = [state.keys[i] for i in sorted({i for rel in edited for i in state.mentions.get(rel, ())})]
    made_by: dict[str, CVersion] = {}
    for cv in order:
        mine = set(cv.keys)
        for k in readers:
            if k in mine and k not in extra:
                made_by.setdefault(k, cv)
    return made_by


def _rescan_defines(
    root: Path, dscan: c_defines.DefineScan, edited: list[str], names: set[str]
) -> c_defines.DefineScan | None:
    """The define scan with the edited files' define sites and ``#if`` blocks read again
    (same directives, so only their lines can move); the macros defined there join ``names``.
    None when an edited file cannot be read."""
    new_scan = c_defines.DefineScan(
        sites={}, headers=dscan.headers, blocks=dict(dscan.blocks), problems=dict(dscan.problems)
    )
    edited_sites: dict[str, list[c_defines.DefineSite]] = {}
    for rel in edited:
        try:
            text = (root / rel).read_bytes().decode("utf-8", "replace")
        except OSError:
            return None
        edited_sites[rel] = c_defines.scan_file(text, rel)
        # (same directives: the same branches, their lines may have moved)
        blocks, problems = scan_blocks(text)
        _set_or_drop(new_scan.blocks, rel, blocks)
        _set_or_drop(new_scan.problems, rel, problems)
    for name, sites in dscan.sites.items():
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
    return new_scan


V = TypeVar("V")


def _set_or_drop(by_file: dict[str, tuple[V, ...]], rel: str, got: tuple[V, ...]) -> None:
    if got:
        by_file[rel] = got
    else:
        by_file.pop(rel, None)


def _add_patterns(delta: Delta, cache_dir: Path, after: Facts, edited: list[str]) -> dict[str, Any] | None:
    """The pattern miner's change (its edited actors mined again) added to ``delta``; the
    miner's new state, or None when it keeps none."""
    mined = patterns.delta_facts(cache_dir, after, edited)
    if mined is None:
        return None
    pdelta = diff(mined[0], mined[1])
    for part in ("upsert_nodes", "delete_nodes", "upsert_rels", "delete_rels"):
        getattr(delta, part).update(getattr(pdelta, part))
    delta.added_nodes |= pdelta.added_nodes
    return mined[2]


def _parse_all(jobs: dict[str, Job]) -> dict[str, TURecord]:
    """Every job's record, in ``jobs``' order; with two or more, half are parsed in a forked
    child meanwhile (``ingest.run.forked``; an edited file is parsed once per group of
    versions: 7 times for 16, ~0.12 s each here). The fork inherits the loaded libclang, so it
    starts in ~10 ms."""
    keys = list(jobs)
    theirs = keys[1::2]

    def parse_theirs(_progress: forked.ProgressFn) -> list[TURecord]:
        return [extract_tu(jobs[k]) for k in theirs]

    child = forked.start(parse_theirs) if len(keys) >= 2 else None
    out = {k: extract_tu(jobs[k]) for k in (keys[0::2] if child is not None else keys)}
    if child is not None:
        out.update(zip(theirs, child.result(), strict=True))
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
        extra = [
            row
            for fk, tk, _ in list(table.pairs())
            if fk in keys or tk in keys
            for row in table.rows_touching(fk, tk, keys.get(fk, empty), keys.get(tk, empty))
        ]
        if extra:
            delta.upsert_rels.setdefault(rel_type, []).extend(extra)


def put_records(cache_dir: Path, records: list[TURecord]) -> None:
    cache = RecordCache(cache_dir / "facts")
    for r in records:
        cache.put(r.key, r)
