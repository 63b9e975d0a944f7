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
from ingest.c.code import is_linker_symbol, per_version_text, refers_to, version_block_facts
from ingest.c.collect import Collected, collect
from ingest.c.define_facts import define_facts
from ingest.c.profiles import profile_facts, rep_version
from ingest.c.records import Ents, Field, VersionData
from kg.facts import Facts


def _target_rel(
    facts: Facts, rel: str, from_kind: str, from_key: str, target: tuple[str, str] | None, **props: Any
) -> None:
    if target and target[1]:
        facts.rel(rel, from_key, target[1], from_kind=from_kind, to_kind=target[0], **props)


def assemble(
    data: list[VersionData],
    dscan: c_defines.DefineScan,
    root: Path | None = None,
    only: set[str] | None = None,
    file_versions_of: dict[str, set[str]] | None = None,
    narrowed: dict[int, tuple[Ents, frozenset[str]]] | None = None,
) -> Facts:
    """All C facts of ``data``; with ``only``, the complete facts of just the entities named
    there (functions, types, globals, constants, defines, actor enums, file paths) and of
    every entity with an edge to one of them: what an edit of those entities can change.
    ``data`` may then hold just the records that mention those names, with
    ``file_versions_of`` (every file's versions, from all records) for the define sites.
    ``narrowed``: each entity list's part for ``only``, by ``id()``, shared by calls with the
    same ``only`` over the same live lists (the C delta's before and after share headers)."""
    facts = Facts()
    order = sorted((d.v for d in data), key=lambda v: (not v.is_default, -v.ordinal))
    order_ids = [v.id for v in order]
    c = collect(data, dscan, only, {} if narrowed is None else narrowed)
    _functions(facts, c, order_ids)
    _calls(facts, c, order_ids)
    c.wiring.facts(facts, order_ids)
    _structs(facts, c, order_ids)
    _enums(facts, c, order_ids)
    _typedefs(facts, c, order_ids)
    _globals(facts, c, order_ids)
    def_vals: dict[str, dict[str, int]] = defaultdict(dict)
    for d in data:
        for name, val in d.defines.items():
            if not name.startswith("#"):
                def_vals[name][d.v.id] = val
    file_versions = c.file_versions if file_versions_of is None else file_versions_of
    define_facts(facts, data, dscan, def_vals, c.files, file_versions, order_ids, root, only)
    _files(facts, c, only)
    if only is None:
        _segments(facts, c, order_ids)
    version_block_facts(facts, c.live, file_versions, order_ids, only)
    profile_facts(facts, c.profiles, c.obj_includes, c.runtime, def_vals, order_ids, c.structs)
    return facts


def _functions(facts: Facts, c: Collected, order_ids: list[str]) -> None:
    """A Function per name (its representative version's declaration), what varies on its
    IN_VERSION edges, where it is defined and declared, the types it returns and takes."""
    live = c.live
    for name, per in c.fns.items():
        rvid = rep_version(per, order_ids)
        rep = per[rvid]
        ind = c.indirect.get(name, {})
        facts.node(
            "Function",
            name=name,
            signature=rep.signature,
            return_type=rep.return_type,
            params=rep.params,
            file=rep.file,
            line=rep.line,
            static=rep.static,
            defined=any(x.defined for x in per.values()),
            indirect_calls=ind.get(rvid, 0) if ind else 0,
            start_line=rep.start_line,
            end_line=rep.end_line,
            source=rep.source,
        )
        for vid, fn in per.items():
            facts.rel(
                "IN_VERSION",
                name,
                vid,
                from_kind="Function",
                to_kind="Version",
                file=fn.file,
                line=fn.line,
                signature=fn.signature,
                return_type=fn.return_type,
                params=fn.params,
                static=fn.static,
                defined=fn.defined,
                text=per_version_text(live, vid, fn.file, fn.start_line, fn.source),
            )
        if rep.defined:
            facts.rel("DEFINED_IN", name, rep.file, from_kind="Function", to_kind="File", line=rep.line)
        ds = c.decl_site.get(name)
        if ds:
            site = ds[rep_version(ds, order_ids)]
            facts.rel("DECLARED_IN", name, site[0], from_kind="Function", to_kind="File", line=site[1])
        _target_rel(facts, "RETURNS", "Function", name, rep.return_target)
        for i, tgt in enumerate(rep.param_targets):
            _target_rel(facts, "HAS_PARAM_TYPE", "Function", name, tgt, position=i)


def _calls(facts: Facts, c: Collected, order_ids: list[str]) -> None:
    for (a, b), per in c.calls.items():
        vs = [v for v in order_ids if v in per]
        facts.rel(
            "CALLS",
            a,
            b,
            from_kind="Function",
            to_kind="Function",
            count=per[vs[0]],
            versions=sorted(vs, key=order_ids.index),
            line=c.call_lines[(a, b)].get(vs[0]),
        )


def _structs(facts: Facts, c: Collected, order_ids: list[str]) -> None:
    """Structs and unions, and their fields (each field's layout per version)."""
    for name, per in c.structs.items():
        rep = per[rep_version(per, order_ids)]
        facts.node(
            "Struct",
            name=name,
            kind=rep.kind,
            size=rep.size,
            align=rep.align,
            file=rep.file,
            line=rep.line,
            start_line=rep.start_line,
            end_line=rep.end_line,
            definition=rep.definition,
        )
        facts.rel("DEFINED_IN", name, rep.file, from_kind="Struct", to_kind="File", line=rep.line)
        field_vs: dict[str, dict[str, Field]] = defaultdict(dict)
        for vid, s in per.items():
            facts.rel(
                "IN_VERSION",
                name,
                vid,
                from_kind="Struct",
                to_kind="Version",
                size=s.size,
                align=s.align,
                file=s.file,
                line=s.line,
                text=per_version_text(c.live, vid, s.file, s.start_line, s.definition),
            )
            for fl in s.fields:
                field_vs[fl.name][vid] = fl
        for fname, fper in field_vs.items():
            _field(facts, name, fname, fper, order_ids)


def _field(facts: Facts, struct: str, fname: str, fper: dict[str, Field], order_ids: list[str]) -> None:
    fr = fper[rep_version(fper, order_ids)]
    fid = f"{struct}.{fname}"
    facts.node(
        "Field",
        id=fid,
        struct=struct,
        name=fname,
        offset=fr.offset,
        size=None if fr.bitfield else fr.size,
        type=fr.type,
        position=fr.position,
        bit_offset=fr.bit_offset if fr.bitfield else None,
        bit_width=fr.bit_width,
    )
    facts.rel("HAS_FIELD", struct, fid, position=fr.position)
    for vid, fl in fper.items():
        facts.rel(
            "IN_VERSION",
            fid,
            vid,
            from_kind="Field",
            to_kind="Version",
            offset=fl.offset,
            size=None if fl.bitfield else fl.size,
            type=fl.type,
        )
    _target_rel(facts, "OF_TYPE", "Field", fid, fr.target)


def _enums(facts: Facts, c: Collected, order_ids: list[str]) -> None:
    """Named enums and their constants, then the constants of anonymous enums (a name a
    named enum has already is its)."""
    for name, per in c.enums.items():
        rep = per[rep_version(per, order_ids)]
        facts.node("Enum", name=name, file=rep.file, line=rep.line)
        facts.rel("DEFINED_IN", name, rep.file, from_kind="Enum", to_kind="File", line=rep.line)
        consts: dict[str, dict[str, int]] = defaultdict(dict)
        pos: dict[str, int] = {}
        for vid, e in per.items():
            facts.rel("IN_VERSION", name, vid, from_kind="Enum", to_kind="Version", file=e.file, line=e.line)
            for i, (cname, val) in enumerate(e.constants):
                consts[cname][vid] = val
                pos.setdefault(cname, i)
        for cname, cper in consts.items():
            facts.node("EnumConstant", name=cname, enum=name, value=cper[rep_version(cper, order_ids)])
            facts.rel("HAS_CONSTANT", name, cname, position=pos[cname])
            for vid, val in cper.items():
                facts.rel("IN_VERSION", cname, vid, from_kind="EnumConstant", to_kind="Version", value=val)
    for cname, aper in c.anon_consts.items():
        if cname in facts.nodes.get("EnumConstant", {}):
            continue
        val = aper[rep_version(aper, order_ids)][0]
        facts.node("EnumConstant", name=cname, enum="", value=val)
        for vid, (v, _, _) in aper.items():
            facts.rel("IN_VERSION", cname, vid, from_kind="EnumConstant", to_kind="Version", value=v)


def _typedefs(facts: Facts, c: Collected, order_ids: list[str]) -> None:
    for name, per in c.typedefs.items():
        rep = per[rep_version(per, order_ids)]
        facts.node("Typedef", name=name, underlying=rep.underlying, file=rep.file, line=rep.line)
        facts.rel("DEFINED_IN", name, rep.file, from_kind="Typedef", to_kind="File", line=rep.line)
        for vid, t in per.items():
            facts.rel(
                "IN_VERSION",
                name,
                vid,
                from_kind="Typedef",
                to_kind="Version",
                type=t.underlying,
                file=t.file,
                line=t.line,
            )
        _target_rel(facts, "OF_TYPE", "Typedef", name, rep.target)


def _globals(facts: Facts, c: Collected, order_ids: list[str]) -> None:
    """Globals (a name that is also a function's is the function), and the linker's symbols
    the C declares (``_xSegmentRomStart``...) as LinkerSymbol nodes."""
    for gid, per in c.globals_.items():
        rep = per[rep_version(per, order_ids)]
        if rep.name in c.fn_names:
            continue
        defined = any(g.defined for g in per.values())
        if is_linker_symbol(rep.name, rep.type, defined, not rep.static):
            facts.node("LinkerSymbol", name=gid, type=rep.type, file=rep.file, line=rep.line)
            facts.rel("DECLARED_IN", gid, rep.file, from_kind="LinkerSymbol", to_kind="File", line=rep.line)
            for vid, g in per.items():
                facts.rel(
                    "IN_VERSION",
                    gid,
                    vid,
                    from_kind="LinkerSymbol",
                    to_kind="Version",
                    type=g.type,
                    file=g.file,
                    line=g.line,
                )
            continue
        has_text = rep.initializer is not None
        facts.node(
            "Global",
            id=gid,
            name=rep.name,
            type=rep.type,
            file=rep.file,
            line=rep.line,
            static=rep.static,
            defined=defined,
            start_line=rep.start_line if has_text else None,
            end_line=rep.end_line if has_text else None,
            initializer=rep.initializer,
        )
        facts.rel(
            "DEFINED_IN" if rep.defined else "DECLARED_IN",
            gid,
            rep.file,
            from_kind="Global",
            to_kind="File",
            line=rep.line,
        )
        for vid, g in per.items():
            facts.rel(
                "IN_VERSION",
                gid,
                vid,
                from_kind="Global",
                to_kind="Version",
                type=g.type,
                file=g.file,
                line=g.line,
                static=g.static,
                defined=g.defined,
                text=per_version_text(c.live, vid, g.file, g.start_line, g.initializer),
            )
        _target_rel(facts, "OF_TYPE", "Global", gid, rep.target)
        if rep.refers:
            refers_to(facts, gid, rep.refers)


def _files(facts: Facts, c: Collected, only: set[str] | None) -> None:
    for path, f in c.files.items():
        if only is not None and path not in only:
            continue
        facts.node(
            "File",
            path=path,
            sha=f["sha"],
            kind=f["kind"],
            segment=f["segment"],
            errors=f["errors"],
            warnings=f["warnings"],
            diagnostics=json.dumps(f["diag"]) if f["diag"] else None,
        )
        for vid in c.file_versions.get(path, ()):
            facts.rel("IN_VERSION", path, vid, from_kind="File", to_kind="Version")
        if f["segment"]:
            facts.rel("IN_SEGMENT", path, f["segment"], from_kind="File", to_kind="Segment")


def _segments(facts: Facts, c: Collected, order_ids: list[str]) -> None:
    for name, per in c.segments.items():
        rep = per[rep_version(per, order_ids)]
        facts.node(
            "Segment", name=name, number=rep.number, romalign=rep.romalign, compress=rep.compress, overlay=rep.overlay
        )
        for vid in per:
            facts.rel("IN_VERSION", name, vid, from_kind="Segment", to_kind="Version")
