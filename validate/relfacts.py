"""The graph's relation facts for one version, loaded on first use (most examples make no
relational claim): who calls whom, where a function is declared and defined, which
segment a source file is linked into, profile slots, and run-time wiring when the graph
has it.

Wiring (which function a field such as ``actionFunc`` or ``actor.draw`` is set to at run
time, and callbacks handed to other functions) comes from ``ASSIGNS``/``PASSES`` edges
(Function -> Function, the field or parameter on the edge) when the graph's schema has
them; without them ``wiring`` is None and claims that need it stay unchecked.
"""

from __future__ import annotations

import logging
import posixpath
from dataclasses import dataclass, field
from typing import Any

from kg.schema import REL_KINDS
from validate.index import SymbolIndex

log = logging.getLogger(__name__)


@dataclass
class RelFacts:
    version: str
    calls: dict[str, set[str]] = field(default_factory=dict)  # caller -> callees
    callers: dict[str, set[str]] = field(default_factory=dict)
    indirect: set[str] = field(default_factory=set)  # functions with calls through pointers
    declared: dict[str, list[str]] = field(default_factory=dict)  # function/global -> headers
    file_of: dict[str, str] = field(default_factory=dict)  # function -> defining file
    static: set[str] = field(default_factory=set)
    in_file: dict[str, list[str]] = field(default_factory=dict)  # file -> functions defined
    segment_of: dict[str, str] = field(default_factory=dict)  # source file -> segment
    segments: set[str] = field(default_factory=set)
    files: dict[str, list[str]] = field(default_factory=dict)  # basename -> paths
    profile_fns: set[str] = field(default_factory=set)  # any actor's init/destroy/update/draw
    wiring: dict[str, set[str]] | None = None  # function -> functions it assigns or passes

    def overlay_of(self, func: str) -> str | None:
        f = self.file_of.get(func)
        return self.segment_of.get(f) if f else None

    def match_file(self, claimed: str, actual: str) -> bool:
        """``actor.h`` names ``include/actor.h``; a path must match from a component on."""
        c = claimed.strip().lstrip("./").lower()
        a = actual.lower()
        return a == c or a.endswith("/" + c)


def _rows(store: Any, query: str, params: dict[str, Any] | None = None) -> list[dict]:
    try:
        return store.run(query, params or {})
    except Exception as e:  # noqa: BLE001 - a graph without that table: no such facts
        log.debug("relation facts: %s (%s)", query[:60], e)
        return []


def load(store: Any, idx: SymbolIndex) -> RelFacts:
    v = idx.version
    rf = RelFacts(v)
    p = {"version": v}
    for r in _rows(
        store, "MATCH (a:Function)-[c:CALLS]->(b:Function) RETURN a.name AS a, b.name AS b, c.versions AS vs"
    ):
        vs = r["vs"]
        if vs and v not in vs:
            continue
        rf.calls.setdefault(r["a"], set()).add(r["b"])
        rf.callers.setdefault(r["b"], set()).add(r["a"])
    for r in _rows(
        store,
        "MATCH (f:Function)-[r:IN_VERSION]->(v:Version {id: $version}) "
        "RETURN f.name AS name, r.file AS file, r.static AS st, "
        "r.defined AS d, f.indirect_calls AS ind",
        p,
    ):
        if r["d"] and r["file"]:
            rf.file_of[r["name"]] = r["file"]
            rf.in_file.setdefault(r["file"], []).append(r["name"])
        if r["st"]:
            rf.static.add(r["name"])
        if r["ind"]:
            rf.indirect.add(r["name"])
    for r in _rows(store, "MATCH (f:Function)-[:DECLARED_IN]->(x:File) RETURN f.name AS name, x.path AS path"):
        rf.declared.setdefault(r["name"], []).append(r["path"])
    for r in _rows(store, "MATCH (x:File) RETURN x.path AS path, x.segment AS seg"):
        rf.files.setdefault(posixpath.basename(r["path"]), []).append(r["path"])
        if r["seg"]:
            rf.segment_of[r["path"]] = r["seg"]
    for r in _rows(store, "MATCH (s:Segment)-[:IN_VERSION]->(v:Version {id: $version}) RETURN s.name AS name", p):
        rf.segments.add(r["name"])
    for a in idx.actors.values():
        rf.profile_fns.update(a.profile.values())
    if "ASSIGNS" in REL_KINDS or "PASSES" in REL_KINDS:
        wiring: dict[str, set[str]] = {}
        for rel in ("ASSIGNS", "PASSES"):
            if rel not in REL_KINDS:
                continue
            for r in _rows(store, f"MATCH (a:Function)-[:{rel}]->(b:Function) RETURN a.name AS a, b.name AS b"):
                wiring.setdefault(r["a"], set()).add(r["b"])
        # a graph ingested without wiring facts (an older one) knows nothing of run-time
        # wiring: claims about it stay unchecked rather than all wrong
        rf.wiring = wiring or None
    return rf


def facts_for(idx: SymbolIndex) -> RelFacts:
    """The version's relation facts, loaded once per index; with a derived cache, read back
    from an earlier run on the same graph (the call edges alone take ~0.7 s to query on
    the real graph, ~0.07 s to unpickle)."""
    rf = idx.memo.get("relfacts")
    if rf is None:
        with idx._lock:
            rf = idx.memo.get("relfacts")
            if rf is None:
                rf = idx.memo["relfacts"] = _loaded(idx)
    return rf


def _loaded(idx: SymbolIndex) -> RelFacts:
    store = idx._store
    if store is None:
        return RelFacts(idx.version)
    derived = idx._derived
    if derived is None:
        return load(store, idx)
    return derived.get(f"relfacts-{idx.version}", lambda: load(store, idx), salt=_code_salt())


def _code_salt() -> str:
    """This module's code: a change to how the facts are gathered invalidates kept ones."""
    from kg.derived import source_salt

    return source_salt(__file__)
