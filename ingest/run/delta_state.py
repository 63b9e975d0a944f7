"""What the C delta path keeps between runs, and when it applies.

A full run leaves a ``CState`` (``remember``): per version its record keys, header keys and
spec, the define scan, every file's directive hash, and ``mentions`` (which records name
each entity: a delta reads just those). ``plan_delta`` says whether the changed files allow
a delta; a delta's changes to the state go into a small overlay (``apply_overlay``). The
other sources' edges are kept too (``save_other``/``load_other``): a delta that adds a C
node adds the ones that end there. The delta itself is ``ingest.run.delta``.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.c import defines as c_defines
from ingest.c.profiles import profile_key, tables_snapshot
from ingest.c.records import Ents, TURecord, VersionData
from ingest.cache import gc_paused
from ingest.checkout.spec import SpecInfo
from ingest.checkout.versions import VersionInfo
from ingest.run.state import RunState
from kg.facts import Facts, RelTable
from kg.persist import dump_pickle, load_pickle

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
    directives: dict[str, str]  # checkout-relative .c path -> directive_hash
    dscan: c_defines.DefineScan
    keys: list[str] = field(default_factory=list)  # every record key, once
    # name -> positions in ``keys`` of the records whose entities name it (as assemble's
    # ``only`` filter reads them): a delta loads just those records
    mentions: dict[str, tuple[int, ...]] = field(default_factory=dict)
    file_versions: dict[str, set[str]] = field(default_factory=dict)
    prefix_headers: list[str] = field(default_factory=list)
    tables: Any = None  # ingest.c.profiles.tables_snapshot()


def _mentioned(ents: Ents, seg_of: dict[str, str]) -> set[str]:
    """Every name ``assemble(only=...)`` may keep an entity of ``ents`` for."""
    out = names_in(ents, seg_of)
    out.update(c[1] for c in ents.calls)
    out.update(a[1] for a in ents.assigns)
    out.update(x[1] for x in ents.passes)
    for g in ents.globals:
        out.update(g.refers)
    for f in ents.functions:
        if f.return_target is not None:
            out.add(f.return_target[1])
        out.update(tg[1] for tg in f.param_targets if tg is not None)
    for s in ents.structs:
        out.update(fl.target[1] for fl in s.fields if fl.target is not None)
    out.update(t.target[1] for t in ents.typedefs if t.target is not None)
    out.update(g.target[1] for g in ents.globals if g.target is not None)
    for p in ents.profiles:
        out.update(fn for fn in (p.get(r) for r in ("init", "destroy", "update", "draw")) if fn)
    return out


def remember(
    data: list[VersionData],
    dscan: c_defines.DefineScan,
    root: Path,
    directives: dict[str, str] | None = None,
    prefix_headers: list[str] | None = None,
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
        versions.append(
            CVersion(d.v, d.spec, [r.key for r in d.records], d.defines, d.hkeys, d.seconds, d.extracted, d.parses)
        )
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
    return CState(
        versions,
        list(extra),
        out,
        dscan,
        list(pos),
        {n: tuple(sorted(ix)) for n, ix in mentions.items()},
        file_versions,
        list(prefix_headers or []),
        tables_snapshot(),
    )


def plan_delta(
    state: CState | None, root: Path, modified: set[str], added: set[str], removed: set[str]
) -> tuple[list[str] | None, str]:
    """(checkout-relative edited files, "") when the delta path applies, else (None, why)."""
    if state is None:
        return None, "no C state from the last run"
    if added or removed:
        return None, f"{len(added)} file(s) added, {len(removed)} removed"
    prefix = str(root).rstrip("/") + "/"
    rels = []
    for p in sorted(modified):
        rel = p[len(prefix) :] if p.startswith(prefix) else p
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


def names_in(ents: Ents, seg_of: dict[str, str]) -> set[str]:
    out: set[str] = set()
    out.update(f.name for f in ents.functions)
    out.update(c[0] for c in ents.calls)
    out.update(a[0] for a in ents.assigns)
    out.update(x[0] for x in ents.passes)
    out.update(ents.indirect)
    out.update(s.name for s in ents.structs)
    for e in ents.enums:
        if e.name:
            out.add(e.name)
        out.update(c for c, _ in e.constants)
    out.update(t.name for t in ents.typedefs)
    out.update(g.key for g in ents.globals)
    for p in ents.profiles:
        key = profile_key(p, seg_of)
        out.update(x for x in (key, p.get("instance_struct")) if x)
    return out


def remention(state: CState, fresh: dict[str, TURecord], made_by: dict[str, CVersion]) -> dict[str, tuple[int, ...]]:
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
    for part in ("blocks", "problems"):
        mine = getattr(state.dscan, part)
        for rel, got in overlay.get(part, {}).items():
            if got:
                mine[rel] = got
            else:
                mine.pop(rel, None)
    state.mentions.update(overlay.get("mentions", {}))
    return state


def _c_path(cache_dir: Path) -> Path:
    return cache_dir / "c_state.pkl"


def load_c(cache_dir: Path, state: RunState) -> CState | None:
    """The C delta state saved with ``state`` (MBs of record keys and names, so the
    "nothing changed" check does not read it), or None."""
    if state.c is None and state.c_token is not None:
        with gc_paused():
            got = load_pickle(_c_path(cache_dir))
        if not (isinstance(got, tuple) and len(got) == 2):
            return None
        token, c = got
        if token == state.c_token:
            state.c = apply_overlay(c, state.c_overlay) if state.c_overlay else c
    return state.c


def save_c(cache_dir: Path, c: CState) -> str:
    """Write a C state on its own; returns the token a ``RunState`` names it by (until a
    state names it, it belongs to no run: a run killed after writing it leaves the previous
    state without its C state, so the next run is a full one)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex
    dump_pickle(_c_path(cache_dir), (token, c))
    return token


def _other_path(cache_dir: Path) -> Path:
    return cache_dir / "other_edges.pkl"


def save_other(cache_dir: Path, bundles: list[Facts]) -> None:
    """The relationships the other sources made (before pruning): a delta that adds a C node
    adds the ones that end there."""
    out = Facts()
    for b in bundles:
        for rel_type, table in b.rels.items():
            out.rels[rel_type].merge_from(table)
    dump_pickle(_other_path(cache_dir), dict(out.rels))


def load_other(cache_dir: Path) -> Facts:
    out = Facts()
    rels = load_pickle(_other_path(cache_dir))
    if not isinstance(rels, dict):
        return out
    for rel_type, table in rels.items():
        if isinstance(table, RelTable):
            out.rels[rel_type] = table
        else:  # rows as dicts (an older cache)
            for rid, row in table.items():
                out.rels[rel_type][rid] = row
    return out
