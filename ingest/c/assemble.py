"""Assembly: per-version extraction records -> one Facts bundle.

Attributes each ``TURecord`` to the versions that use it and puts what varies on
``IN_VERSION`` edges (signature/file/line, size/align, offset/size/type, value), one
version never overwriting another. Actor instance sizes come from each version's layout of
the instance struct (a shared profile parse evaluated ``sizeof`` in one version only).

``assemble(..., only=names)`` builds the facts of just the named entities (and the files
named in ``only_files``): what the C delta path compares before and after an edit. Globals
are named by their key (``kg.schema.global_id``: ``file:name`` for a static one).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from ingest.c import defines as c_defines
from ingest.c.code import Liveness, Wiring, is_linker_symbol, per_version_text, refers_to, version_block_facts
from ingest.c.define_facts import define_facts
from ingest.c.profiles import profile_facts, profile_key, rep_version
from ingest.c.records import Ents, VersionData
from kg.facts import Facts
from kg.schema import global_id

MAX_DIAGNOSTICS_PER_FILE = 50


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




def global_key(g: tuple) -> str:
    """The graph key of a global's record tuple (name, type, file, line, static, ...)."""
    return global_id(g[0], g[2], g[4])


def _target_rel(facts: Facts, rel: str, from_kind: str, from_key: str,
                target: tuple[str, str] | None, **props: Any) -> None:
    if target and target[1]:
        facts.rel(rel, from_key, target[1], from_kind=from_kind, to_kind=target[0], **props)


class _All:
    """``only=None``: every name."""

    def __contains__(self, _: object) -> bool:
        return True


def _narrow(ents: Ents, want: set[str]) -> Ents:
    """The part of ``ents`` that ``assemble(only=want)`` keeps: an entity named there or
    with an edge to a name there (profiles and runtime objects pass whole, and an anonymous
    enum's constants one by one: the loops test those, a profile's key needing the
    version's spec)."""
    def tgt(x: Any) -> bool:
        return x is not None and x[1] in want

    return Ents(
        functions=[f for f in ents.functions
                   if f[0] in want or tgt(f[8]) or any(map(tgt, f[9]))],
        calls=[c for c in ents.calls if c[0] in want or c[1] in want],
        indirect={a: n for a, n in ents.indirect.items() if a in want},
        runtime_objects=ents.runtime_objects,
        structs=[s for s in ents.structs if s[0] in want or any(tgt(fl[4]) for fl in s[6])],
        enums=[e for e in ents.enums if e[0] in want or any(c in want for c, _ in e[3])],
        typedefs=[x for x in ents.typedefs if x[0] in want or tgt(x[4])],
        globals=[g for g in ents.globals
                 if global_key(g) in want or tgt(g[6]) or any(r in want for r in g[10])],
        profiles=ents.profiles,
        assigns=[a for a in ents.assigns if a[0] in want or a[1] in want],
        passes=[x for x in ents.passes if x[0] in want or x[1] in want],
        skipped=ents.skipped)


def assemble(data: list[VersionData], dscan: c_defines.DefineScan,
             root: Path | None = None, only: set[str] | None = None,
             file_versions_of: dict[str, set[str]] | None = None,
             narrowed: dict[int, tuple[Ents, frozenset[str]]] | None = None) -> Facts:
    """All C facts of ``data``; with ``only``, the complete facts of just the entities named
    there (functions, types, globals, constants, defines, actor enums, file paths) and of
    every entity with an edge to one of them: what an edit of those entities can change.
    ``data`` may then hold just the records that mention those names, with
    ``file_versions_of`` (every file's versions, from all records) for the define sites.
    ``narrowed``: each entity list's part for ``only``, by ``id()``, shared by calls with the
    same ``only`` over the same live lists (the C delta's before and after share headers)."""
    facts = Facts()
    want: Any = _All() if only is None else only
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

    live = Liveness(dscan, {d.v.id: d.defines for d in data})
    wiring = Wiring()
    call_lines: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    fn_names: set[str] = set()  # every function, kept or not (a global of that name is not one)
    if narrowed is None:
        narrowed = {}
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
            if not r.tu.startswith("<") and r.tu in want:
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
            # (with ``only``, just the files named there: the others' nodes are not emitted
            # and ``file_versions_of`` answers for the define sites)
            for path in (r.files if only is None else only.intersection(r.files)):
                if path not in files:
                    files[path] = {"path": path, "sha": r.files[path],
                                   "kind": "h" if path.endswith(".h") else "c",
                                   "segment": None, "errors": 0, "warnings": 0, "diag": []}
                file_versions[path].add(vid)
        sources = [(r.main, r) for r in d.records] + [
            (e, None) for e in _header_ents(d, by_hkey).values()]
        for r in [*d.records, *d.extra]:  # the #if ranges of headers read but not walked
            for h, (hk, rs) in getattr(r, "hskipped", {}).items():
                if rs and d.hkeys.get(h, hk) == hk:
                    live.add(vid, [(h, a, b) for a, b in rs])
        for ents, r in sources:
            if only is not None:  # a record's relevant part, found once for all its versions
                got = narrowed.get(id(ents))
                if got is None:
                    got = narrowed[id(ents)] = (_narrow(ents, only),
                                                frozenset(f[0] for f in ents.functions))
                ents = got[0]
                fn_names |= got[1]
            # (with ``only``, ``ents`` holds just what it keeps: no tests below but for the
            # anonymous enum constants and the profiles)
            if ents.skipped:
                live.add(vid, ents.skipped)
            if ents.assigns or ents.passes:
                wiring.add(vid, ents.assigns, ents.passes)
            for fn in ents.functions:
                name, defined = fn[0], fn[7]
                fn_names.add(name)
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
                        if cname in want:
                            anon_consts[cname].setdefault(vid, (val, e[1], e[2]))
            for t in ents.typedefs:
                typedefs[t[0]].setdefault(vid, t)
            for g in ents.globals:
                per_g = globals_[global_key(g)]
                cur = per_g.get(vid)
                if cur is None or (g[5] and not cur[5]):
                    per_g[vid] = g
            for a, b, n, line in ents.calls:
                calls[(a, b)][vid] = calls[(a, b)].get(vid, 0) + n
                cl = call_lines[(a, b)]
                if line < cl.get(vid, line + 1):
                    cl[vid] = line
            for a, n in ents.indirect.items():
                indirect[a][vid] = indirect[a].get(vid, 0) + n
            for p in ents.profiles:
                key = profile_key(p, seg_of)
                if key and any(x in want for x in (key, p.get("instance_struct"), p.get("init"),
                                                   p.get("destroy"), p.get("update"),
                                                   p.get("draw"))):
                    profiles[(p["type"], key)][vid] = p
                    if p["type"] == "ActorProfile":
                        for o in (r.object_includes if r is not None else ()):
                            obj_includes[("Actor", key)].add((o, vid))
                        for _, _, o in ents.runtime_objects:
                            runtime[("Actor", key)].add((o, vid))

    # --- functions ---
    for name, per in fns.items():
        rep = per[rep_version(per, order_ids)]
        ind = indirect.get(name, {})
        facts.node("Function", name=name, signature=rep[1], return_type=rep[2], params=rep[3],
                   file=rep[4], line=rep[5], static=rep[6],
                   defined=any(x[7] for x in per.values()),
                   indirect_calls=ind.get(rep_version(per, order_ids), 0) if ind else 0,
                   start_line=rep[10], end_line=rep[11], source=rep[12])
        for vid, fn in per.items():
            facts.rel("IN_VERSION", name, vid, from_kind="Function", to_kind="Version",
                      file=fn[4], line=fn[5], signature=fn[1], return_type=fn[2], params=fn[3],
                      static=fn[6], defined=fn[7],
                      text=per_version_text(live, vid, fn[4], fn[10], fn[12]))
        if rep[7]:
            facts.rel("DEFINED_IN", name, rep[4], from_kind="Function", to_kind="File",
                      line=rep[5])
        ds = decl_site.get(name)
        if ds:
            site = ds[rep_version(ds, order_ids)]
            facts.rel("DECLARED_IN", name, site[0], from_kind="Function", to_kind="File",
                      line=site[1])
        _target_rel(facts, "RETURNS", "Function", name, rep[8])
        for i, tgt in enumerate(rep[9]):
            _target_rel(facts, "HAS_PARAM_TYPE", "Function", name, tgt, position=i)
    for (a, b), per in calls.items():
        vs = [v for v in order_ids if v in per]
        facts.rel("CALLS", a, b, from_kind="Function", to_kind="Function",
                  count=per[vs[0]], versions=sorted(vs, key=order_ids.index),
                  line=call_lines[(a, b)].get(vs[0]))
    wiring.facts(facts, order_ids)

    # --- structs and fields ---
    for name, per in structs.items():
        rep = per[rep_version(per, order_ids)]
        facts.node("Struct", name=name, kind=rep[1], size=rep[2], align=rep[3], file=rep[4],
                   line=rep[5], start_line=rep[7], end_line=rep[8], definition=rep[9])
        facts.rel("DEFINED_IN", name, rep[4], from_kind="Struct", to_kind="File", line=rep[5])
        field_vs: dict[str, dict[str, tuple]] = defaultdict(dict)
        for vid, s in per.items():
            facts.rel("IN_VERSION", name, vid, from_kind="Struct", to_kind="Version",
                      size=s[2], align=s[3], file=s[4], line=s[5],
                      text=per_version_text(live, vid, s[4], s[7], s[9]))
            for fl in s[6]:
                field_vs[fl[0]][vid] = fl
        for fname, fper in field_vs.items():
            fr = fper[rep_version(fper, order_ids)]
            fid = f"{name}.{fname}"
            facts.node("Field", id=fid, struct=name, name=fname, offset=fr[1],
                       size=None if fr[6] else fr[2], type=fr[3], position=fr[5],
                       bit_offset=fr[7] if fr[6] else None, bit_width=fr[8])
            facts.rel("HAS_FIELD", name, fid, position=fr[5])
            for vid, fl in fper.items():
                facts.rel("IN_VERSION", fid, vid, from_kind="Field", to_kind="Version",
                          offset=fl[1], size=None if fl[6] else fl[2], type=fl[3])
            _target_rel(facts, "OF_TYPE", "Field", fid, fr[4])

    # --- enums, typedefs, globals ---
    for name, per in enums.items():
        rep = per[rep_version(per, order_ids)]
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
            facts.node("EnumConstant", name=cname, enum=name, value=cper[rep_version(cper, order_ids)])
            facts.rel("HAS_CONSTANT", name, cname, position=pos[cname])
            for vid, val in cper.items():
                facts.rel("IN_VERSION", cname, vid, from_kind="EnumConstant",
                          to_kind="Version", value=val)
    for cname, cper in anon_consts.items():
        if cname in facts.nodes.get("EnumConstant", {}):
            continue
        val = cper[rep_version(cper, order_ids)][0]
        facts.node("EnumConstant", name=cname, enum="", value=val)
        for vid, (v, _, _) in cper.items():
            facts.rel("IN_VERSION", cname, vid, from_kind="EnumConstant", to_kind="Version",
                      value=v)
    for name, per in typedefs.items():
        rep = per[rep_version(per, order_ids)]
        facts.node("Typedef", name=name, underlying=rep[1], file=rep[2], line=rep[3])
        facts.rel("DEFINED_IN", name, rep[2], from_kind="Typedef", to_kind="File", line=rep[3])
        for vid, t in per.items():
            facts.rel("IN_VERSION", name, vid, from_kind="Typedef", to_kind="Version",
                      type=t[1], file=t[2], line=t[3])
        _target_rel(facts, "OF_TYPE", "Typedef", name, rep[4])
    for gid, per in globals_.items():
        rep = per[rep_version(per, order_ids)]
        if rep[0] in fn_names:
            continue
        defined = any(g[5] for g in per.values())
        if is_linker_symbol(rep[0], rep[1], defined, not rep[4]):
            facts.node("LinkerSymbol", name=gid, type=rep[1], file=rep[2], line=rep[3])
            facts.rel("DECLARED_IN", gid, rep[2], from_kind="LinkerSymbol", to_kind="File",
                      line=rep[3])
            for vid, g in per.items():
                facts.rel("IN_VERSION", gid, vid, from_kind="LinkerSymbol", to_kind="Version",
                          type=g[1], file=g[2], line=g[3])
            continue
        facts.node("Global", id=gid, name=rep[0], type=rep[1], file=rep[2], line=rep[3],
                   static=rep[4], defined=defined,
                   start_line=rep[7] if rep[11] is not None else None,
                   end_line=rep[8] if rep[11] is not None else None, initializer=rep[11])
        facts.rel("DEFINED_IN" if rep[5] else "DECLARED_IN", gid, rep[2], from_kind="Global",
                  to_kind="File", line=rep[3])
        for vid, g in per.items():
            facts.rel("IN_VERSION", gid, vid, from_kind="Global", to_kind="Version",
                      type=g[1], file=g[2], line=g[3], static=g[4], defined=g[5],
                      text=per_version_text(live, vid, g[2], g[7], g[11]))
        _target_rel(facts, "OF_TYPE", "Global", gid, rep[6])
        if rep[10]:
            refers_to(facts, gid, rep[10])

    # --- defines ---
    def_vals: dict[str, dict[str, int]] = defaultdict(dict)
    for d in data:
        for name, val in d.defines.items():
            if not name.startswith("#"):
                def_vals[name][d.v.id] = val
    define_facts(facts, data, dscan, def_vals, files,
             file_versions if file_versions_of is None else file_versions_of, order_ids, root,
             only)

    # --- files and segments ---
    for path, f in files.items():
        if only is not None and path not in only:
            continue
        facts.node("File", path=path, sha=f["sha"], kind=f["kind"], segment=f["segment"],
                   errors=f["errors"], warnings=f["warnings"],
                   diagnostics=json.dumps(f["diag"]) if f["diag"] else None)
        for vid in file_versions.get(path, ()):
            facts.rel("IN_VERSION", path, vid, from_kind="File", to_kind="Version")
        if f["segment"]:
            facts.rel("IN_SEGMENT", path, f["segment"], from_kind="File", to_kind="Segment")
    for name, per in segments.items():
        if only is not None:
            break
        rep = per[rep_version(per, order_ids)]
        facts.node("Segment", name=name, number=rep.number, romalign=rep.romalign,
                   compress=rep.compress, overlay=rep.overlay)
        for vid in per:
            facts.rel("IN_VERSION", name, vid, from_kind="Segment", to_kind="Version")

    version_block_facts(facts, live, file_versions if file_versions_of is None
                        else file_versions_of, order_ids, only)
    profile_facts(facts, profiles, obj_includes, runtime, def_vals, order_ids, structs)
    return facts
