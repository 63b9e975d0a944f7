"""The first half of assembly: every version's records sorted into one table per kind of
entity, each entity's entry per version (``Collected``); ``ingest.c.assemble`` turns the
tables into facts.

With ``only`` (the C delta), a record's entities are first cut down to those named there or
with an edge to a name there (``narrow``), once per record for all the versions sharing it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ingest.c import defines as c_defines
from ingest.c.code import Liveness, Wiring
from ingest.c.profiles import profile_key
from ingest.c.records import Ents, Enum, Function, Global, Record, TURecord, Typedef, VersionData

MAX_DIAGNOSTICS_PER_FILE = 50


class All:
    """``only=None``: every name."""

    def __contains__(self, _: object) -> bool:
        return True


def header_ents(d: VersionData, by_hkey: dict[tuple[str, str], Ents]) -> dict[str, Ents]:
    """The header declarations one version sees: every header its TUs reach, looked up by the
    header's key for this version (walked once, in whichever parse had that key)."""
    out: dict[str, Ents] = {}
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


def narrow(ents: Ents, want: set[str]) -> Ents:
    """The part of ``ents`` that ``assemble(only=want)`` keeps: an entity named there or
    with an edge to a name there (profiles and runtime objects pass whole, and an anonymous
    enum's constants one by one: the loops test those, a profile's key needing the
    version's spec)."""

    def tgt(x: Any) -> bool:
        return x is not None and x[1] in want

    return Ents(
        functions=[
            f for f in ents.functions if f.name in want or tgt(f.return_target) or any(map(tgt, f.param_targets))
        ],
        calls=[c for c in ents.calls if c[0] in want or c[1] in want],
        indirect={a: n for a, n in ents.indirect.items() if a in want},
        runtime_objects=ents.runtime_objects,
        structs=[s for s in ents.structs if s.name in want or any(tgt(fl.target) for fl in s.fields)],
        enums=[e for e in ents.enums if e.name in want or any(c in want for c, _ in e.constants)],
        typedefs=[x for x in ents.typedefs if x.name in want or tgt(x.target)],
        globals=[g for g in ents.globals if g.key in want or tgt(g.target) or any(r in want for r in g.refers)],
        profiles=ents.profiles,
        assigns=[a for a in ents.assigns if a[0] in want or a[1] in want],
        passes=[x for x in ents.passes if x[0] in want or x[1] in want],
        skipped=ents.skipped,
    )


def _per_version() -> defaultdict[Any, dict[str, Any]]:
    return defaultdict(dict)


@dataclass
class Collected:
    """Per entity, its entry in each version (version id -> entry), and what goes with them."""

    live: Liveness
    want: Any
    only: set[str] | None
    narrowed: dict[int, tuple[Ents, frozenset[str]]]
    wiring: Wiring = field(default_factory=Wiring)
    fns: defaultdict[str, dict[str, Function]] = field(default_factory=_per_version)
    decl_site: defaultdict[str, dict[str, tuple[str, int]]] = field(default_factory=_per_version)
    structs: defaultdict[str, dict[str, Record]] = field(default_factory=_per_version)
    enums: defaultdict[str, dict[str, Enum]] = field(default_factory=_per_version)
    # the constants of anonymous enums: name -> version -> (value, file, line)
    anon_consts: defaultdict[str, dict[str, tuple[int, str, int]]] = field(default_factory=_per_version)
    typedefs: defaultdict[str, dict[str, Typedef]] = field(default_factory=_per_version)
    globals_: defaultdict[str, dict[str, Global]] = field(default_factory=_per_version)
    calls: defaultdict[tuple[str, str], dict[str, int]] = field(default_factory=_per_version)
    call_lines: defaultdict[tuple[str, str], dict[str, int]] = field(default_factory=_per_version)
    indirect: defaultdict[str, dict[str, int]] = field(default_factory=_per_version)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    file_versions: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    profiles: defaultdict[tuple[str, str], dict[str, dict]] = field(default_factory=_per_version)
    obj_includes: defaultdict[tuple[str, str], set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))
    runtime: defaultdict[tuple[str, str], set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))
    segments: defaultdict[str, dict[str, Any]] = field(default_factory=_per_version)
    fn_names: set[str] = field(default_factory=set)  # every function, kept or not

    def version(self, d: VersionData, by_hkey: dict[tuple[str, str], Ents]) -> None:
        """One version's records: its files, its #if ranges, then every entity."""
        vid = d.v.id
        seg_of = {t.path: t.segment for t in d.spec.tus}
        for s in d.spec.segments:
            self.segments[s.name][vid] = s
        for r in d.records:
            self._files(r, vid, seg_of)
        for r in [*d.records, *d.extra]:  # the #if ranges of headers read but not walked
            for h, (hk, rs) in getattr(r, "hskipped", {}).items():
                if rs and d.hkeys.get(h, hk) == hk:
                    self.live.add(vid, [(h, a, b) for a, b in rs])
        sources: list[tuple[Ents, TURecord | None]] = [(r.main, r) for r in d.records]
        sources += [(e, None) for e in header_ents(d, by_hkey).values()]
        for ents, rec in sources:
            self._ents(self._narrowed(ents), vid, rec, seg_of)

    def _files(self, r: TURecord, vid: str, seg_of: dict[str, str]) -> None:
        """The record's TU (with its diagnostics) and every file it read."""
        files, only = self.files, self.only
        if not r.tu.startswith("<") and r.tu in self.want:
            f = files.setdefault(
                r.tu,
                {
                    "path": r.tu,
                    "sha": r.sha,
                    "kind": "c",
                    "segment": seg_of.get(r.tu),
                    "errors": 0,
                    "warnings": 0,
                    "diag": [],
                },
            )
            f["errors"] += r.errors
            f["warnings"] += r.warnings
            for sev, df, line, msg in r.diagnostics:
                if len(f["diag"]) < MAX_DIAGNOSTICS_PER_FILE:
                    f["diag"].append(f"{vid}: {df}:{line}: {'error' if sev >= 3 else 'warning'}: {msg}")
            self.file_versions[r.tu].add(vid)
        # (with ``only``, just the files named there: the others' nodes are not emitted
        # and ``file_versions_of`` answers for the define sites)
        for path in r.files if only is None else only.intersection(r.files):
            if path not in files:
                files[path] = {
                    "path": path,
                    "sha": r.files[path],
                    "kind": "h" if path.endswith(".h") else "c",
                    "segment": None,
                    "errors": 0,
                    "warnings": 0,
                    "diag": [],
                }
            self.file_versions[path].add(vid)

    def _narrowed(self, ents: Ents) -> Ents:
        """With ``only``, a record's relevant part, found once for all its versions (and every
        function name it has, kept or not)."""
        if self.only is None:
            return ents
        got = self.narrowed.get(id(ents))
        if got is None:
            got = self.narrowed[id(ents)] = (narrow(ents, self.only), frozenset(f.name for f in ents.functions))
        self.fn_names |= got[1]
        return got[0]

    def _ents(self, ents: Ents, vid: str, r: TURecord | None, seg_of: dict[str, str]) -> None:
        # (with ``only``, ``ents`` holds just what it keeps: no tests below but for the
        # anonymous enum constants and the profiles)
        if ents.skipped:
            self.live.add(vid, ents.skipped)
        if ents.assigns or ents.passes:
            self.wiring.add(vid, ents.assigns, ents.passes)
        self._functions(ents.functions, vid)
        for s in ents.structs:
            self.structs[s.name].setdefault(vid, s)
        self._enums(ents.enums, vid)
        for t in ents.typedefs:
            self.typedefs[t.name].setdefault(vid, t)
        for g in ents.globals:
            per_g = self.globals_[g.key]
            cur = per_g.get(vid)
            if cur is None or (g.defined and not cur.defined):
                per_g[vid] = g
        for a, b, n, line in ents.calls:
            per = self.calls[(a, b)]
            per[vid] = per.get(vid, 0) + n
            cl = self.call_lines[(a, b)]
            if line < cl.get(vid, line + 1):
                cl[vid] = line
        for a, n in ents.indirect.items():
            self.indirect[a][vid] = self.indirect[a].get(vid, 0) + n
        self._profiles(ents, vid, r, seg_of)

    def _functions(self, functions: list[Function], vid: str) -> None:
        """A definition wins over a declaration; the first declaration is the declaring site."""
        for fn in functions:
            name, defined = fn.name, fn.defined
            self.fn_names.add(name)
            cur = self.fns[name].get(vid)
            if cur is None or (defined and not cur.defined):
                self.fns[name][vid] = fn
            if not defined and vid not in self.decl_site[name]:
                self.decl_site[name][vid] = (fn.file, fn.line)

    def _enums(self, enums: list[Enum], vid: str) -> None:
        for e in enums:
            if e.name:
                self.enums[e.name].setdefault(vid, e)
            else:
                for cname, val in e.constants:
                    if cname in self.want:
                        self.anon_consts[cname].setdefault(vid, (val, e.file, e.line))

    def _profiles(self, ents: Ents, vid: str, r: TURecord | None, seg_of: dict[str, str]) -> None:
        """Actor and effect profiles, with the objects the actor's file includes and loads."""
        for p in ents.profiles:
            key = profile_key(p, seg_of)
            if key and any(
                x in self.want
                for x in (
                    key,
                    p.get("instance_struct"),
                    p.get("init"),
                    p.get("destroy"),
                    p.get("update"),
                    p.get("draw"),
                )
            ):
                self.profiles[(p["type"], key)][vid] = p
                if p["type"] == "ActorProfile":
                    for o in r.object_includes if r is not None else ():
                        self.obj_includes[("Actor", key)].add((o, vid))
                    for _, _, o in ents.runtime_objects:
                        self.runtime[("Actor", key)].add((o, vid))


def collect(
    data: list[VersionData],
    dscan: c_defines.DefineScan,
    only: set[str] | None,
    narrowed: dict[int, tuple[Ents, frozenset[str]]],
) -> Collected:
    """Every version's records in ``data`` sorted into per-entity tables."""
    c = Collected(
        live=Liveness(dscan, {d.v.id: d.defines for d in data}),
        want=All() if only is None else only,
        only=only,
        narrowed=narrowed,
    )
    by_hkey: dict[tuple[str, str], Ents] = {}
    for d in data:
        for r in [*d.records, *d.extra]:
            for h, ents in r.headers.items():
                by_hkey.setdefault((h, r.hkeys.get(h, "")), ents)
    for d in data:
        c.version(d, by_hkey)
    return c
