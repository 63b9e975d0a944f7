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
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from ingest import c_defines
from ingest.c_assemble import VersionData, assemble
from ingest.c_extract import Ents, Job, TURecord, extract_tu, init_worker
from ingest.c_profiles import profile_key, use_checkout
from ingest.cache import RecordCache
from ingest.cenv import CompileEnv
from ingest.checkout import Checkout, VersionInfo
from ingest.spec import SpecInfo
from kg.delta import Delta, diff
from kg.facts import Facts

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
    use_pch: bool
    other: Facts = field(default_factory=Facts)  # the other sources' facts (edges into C nodes)


def remember(data: list[VersionData], dscan: c_defines.DefineScan, root: Path, use_pch: bool,
             other: Facts, directives: dict[str, str] | None = None) -> CState:
    """What a later delta needs from this run. ``directives``: hashes already known (only
    files missing there are read)."""
    known = dict(directives or {})
    versions = []
    extra: dict[str, None] = {}
    c_files: set[str] = set()
    for d in data:
        versions.append(CVersion(d.v, d.spec, [r.key for r in d.records], d.defines, d.hkeys,
                                 d.seconds, d.extracted, d.parses))
        for r in d.extra:
            extra[r.key] = None
        for r in d.records:
            c_files.update(p for p in r.files if p.endswith(".c"))
    out: dict[str, str] = {}
    for rel in c_files:
        got = known.get(rel)
        if got is None:
            try:
                got = directive_hash((root / rel).read_bytes())
            except OSError:
                continue
        out[rel] = got
    return CState(versions, list(extra), out, dscan, use_pch, other)


@dataclass
class CDelta:
    delta: Delta
    state: CState
    records: list[TURecord]          # the fresh records, to cache once the store has them
    parsed: list[str]                # "tu (version)" per parse
    names: int                       # entities re-assembled
    seconds: float


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
        if rel in state.directives:
            try:
                now = directive_hash((root / rel).read_bytes())
            except OSError:
                return None, f"{rel} unreadable"
            if now != state.directives[rel]:
                return None, f"the preprocessor directives of {rel} changed"
        rels.append(rel)
    return rels, ""


def _load_all(cache: RecordCache, state: CState) -> dict[str, TURecord] | None:
    recs: dict[str, TURecord] = {}
    for key in {k for cv in state.versions for k in cv.keys} | set(state.extra_keys):
        rec = cache.load(key)
        if rec is None:
            log.info("C delta: record %s missing from the cache; full run", key[:12])
            return None
        recs[key] = rec
    return recs


def _job(checkout: Checkout, cache_dir: Path, cv: CVersion, tu: str, key: str, use_pch: bool,
         first_version: str) -> Job:
    """The parse the full run made for ``key`` (same flags, same precompiled header)."""
    env = CompileEnv(checkout, cv.v.id, cache_dir)
    job = Job(tu=tu, args=env.args(tu), root=str(checkout.root), stub_dir=str(env.stub_dir),
              header_keys={}, key=key, walk_headers=False)
    heads = CompileEnv(checkout, first_version, cache_dir).prefix_headers() if use_pch else []
    if heads and env.uses_pch(tu):
        pch = env.pch()
        if pch is not None:
            job.fallback_args = job.args
            job.args = job.args + ["-include-pch", str(pch)]
            job.extra_deps = env.pch_deps()
    return job


def _names(ents: Ents, seg_of: dict[str, str]) -> set[str]:
    out: set[str] = set()
    out.update(f[0] for f in ents.functions)
    for a, b, _ in ents.calls:
        out.add(a)
        out.add(b)
    out.update(ents.indirect)
    out.update(s[0] for s in ents.structs)
    for e in ents.enums:
        if e[0]:
            out.add(e[0])
        out.update(c for c, _ in e[3])
    out.update(t[0] for t in ents.typedefs)
    out.update(g[0] for g in ents.globals)
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
    use_checkout(root)
    cache = RecordCache(cache_dir / "facts")
    recs = _load_all(cache, state)
    if recs is None:
        return None
    abs_edited = {str(root / rel) for rel in edited}
    order = [cv.v.id for cv in sorted(state.versions,
                                       key=lambda cv: (not cv.v.is_default, cv.v.ordinal))]
    # which records read an edited file, and the version whose flags made each
    made_by: dict[str, CVersion] = {}
    for cv in sorted(state.versions, key=lambda cv: order.index(cv.v.id)):
        for k in cv.keys:
            r = recs[k]
            if k not in made_by and not r.tu.startswith("<") and abs_edited & r.deps.keys():
                made_by[k] = cv
    init_worker(str(cache_dir))
    fresh: dict[str, TURecord] = {}
    parsed = []
    for k, cv in made_by.items():
        old = recs[k]
        job = _job(checkout, cache_dir, cv, old.tu, k, state.use_pch, order[0])
        new = extract_tu(job)
        new.headers, new.hkeys, new.claims = old.headers, old.hkeys, old.claims
        fresh[k] = new
        parsed.append(f"{old.tu} ({cv.v.id})")
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

    def data(use_fresh: bool) -> list[VersionData]:
        out = []
        extra = [fresh.get(k, recs[k]) if use_fresh else recs[k] for k in state.extra_keys]
        for cv in state.versions:
            rs = [fresh.get(k, recs[k]) if use_fresh else recs[k] for k in cv.keys]
            vd = VersionData(cv.v, cv.spec, rs, cv.defines, cv.seconds, cv.extracted)
            vd.hkeys, vd.extra, vd.parses = cv.hkeys, extra, cv.parses
            out.append(vd)
        return out

    before = assemble(data(False), state.dscan, root, only=names)
    after = assemble(data(True), new_scan, root, only=names)
    delta = diff(before, after)
    _edges_into_added(delta, state.other)
    directives = dict(state.directives)
    for rel in edited:
        if rel in directives:
            directives[rel] = directive_hash((root / rel).read_bytes())
    new_state = CState(state.versions, state.extra_keys, directives, new_scan, state.use_pch,
                       state.other)
    return CDelta(delta, new_state, list(fresh.values()), parsed, len(names),
                  time.perf_counter() - t0)


def _edges_into_added(delta: Delta, other: Facts) -> None:
    """Edges of the other sources (addresses, concepts, tables) that a full build would keep
    now that their C end exists (it pruned them while it did not)."""
    added = delta.added_nodes
    if not added:
        return
    for rel_type, rels in other.rels.items():
        extra = [row for (fk, f, tk, t, _), row in rels.items()
                 if (fk, f) in added or (tk, t) in added]
        if extra:
            delta.upsert_rels.setdefault(rel_type, []).extend(extra)


def put_records(cache_dir: Path, records: list[TURecord]) -> None:
    cache = RecordCache(cache_dir / "facts")
    for r in records:
        cache.put(r.key, r)


def other_edges(bundles: list[Facts]) -> Facts:
    """The relationships the other sources made (before pruning): a delta that adds a C node
    adds the ones that end there."""
    out = Facts()
    for b in bundles:
        for rel_type, rels in b.rels.items():
            out.rels[rel_type].update(rels)
    return out
