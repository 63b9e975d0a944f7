"""The X-macro tables in ``include/tables/``: actors, objects, scenes, entrances, sequences,
sound effects, soft-sprite effects and game states, evaluated per version.

Each table is expanded by the C preprocessor (libclang, with the version's compile
arguments from ``ingest.c.env``) inside a generated translation unit that defines every
``DEFINE_*`` macro to expand into a string literal; the concatenated literal is read back
with ``clang_Cursor_Evaluate``. So ``#if`` blocks are decided exactly as the build decides
them, and an entry under ``#if DEBUG_ASSETS`` exists only in the versions that have it.
An entry's id is its position in the expansion (sound effects: bank base + position).

Lines of a table that are not a known ``DEFINE_*`` entry, a comment or a preprocessor
directive are reported (file:line) and left out; the rest of the table is kept.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ingest.domain.table_expand import (  # noqa: F401 - TABLES, scan_table: part of this API
    DEFINE_CALL,
    TABLES,
    Entry,
    Plan,
    TableProblem,
    TableSpec,
    expand_tables,
    plan_tables,
    scan_table,
    split_args,
    strip_comments,
    unquote,
)
from ingest.sourceutil import gc_paused, save_report
from kg.facts import Facts

log = logging.getLogger(__name__)


class TablesReport(BaseModel):
    versions: list[str] = Field(default_factory=list)
    entries: dict[str, int] = Field(default_factory=dict, description="kind -> distinct entries")
    per_version: dict[str, dict[str, int]] = Field(default_factory=dict)
    problems: list[TableProblem] = Field(default_factory=list)
    missing_files: list[str] = Field(default_factory=list)
    unknown_scenes: dict[str, list[str]] = Field(
        default_factory=dict,
        description="scene enum an entrance names but no table defines -> "
        "those entrances (their ENTERS edge cannot exist)",
    )


# ---------------------------------------------------------------- entries -> facts


_SFX_BANKS = ("player", "item", "environment", "enemy", "system", "ocarina", "voice")


def sfx_bank(file: str) -> str:
    return file.rsplit("/", 1)[-1].removesuffix("bank_table.h")


def sfx_id(file: str, position: int) -> int:
    """NA_SE_<bank>_BASE + 1 + position: bank i starts at 0x800 + 0x1000 * i (include/sfx.h)."""
    bank = sfx_bank(file)
    i = _SFX_BANKS.index(bank) if bank in _SFX_BANKS else 0
    return 0x800 + 0x1000 * i + position


def _bool(s: str) -> bool | None:
    return {"true": True, "false": False, "1": True, "0": False}.get(s.strip().lower())


def _int(s: str) -> int | None:
    try:
        return int(s.strip(), 0)
    except ValueError:
        return None


def entry_props(e: Entry, sequences: dict[str, str]) -> dict[str, Any]:
    """Node properties of one table entry (without version-specific bookkeeping)."""
    a = e.args
    if e.kind == "Actor":
        p: dict[str, Any] = {"enum": a["enum"], "id": e.position}
        if e.macro == "DEFINE_ACTOR_UNSET":
            return p | {"unset": True, "internal": False}
        return p | {
            "overlay": None if e.macro.endswith("_INTERNAL") else f"ovl_{a['overlay']}",
            "alloc": a["alloc"],
            "debug_name": unquote(a["debug_name"]),
            "internal": e.macro.endswith("_INTERNAL"),
            "unset": False,
        }
    if e.kind == "Object":
        p = {"enum": a["enum"], "id": e.position}
        if e.macro == "DEFINE_OBJECT_UNSET":
            return p | {"unset": True, "empty": False}
        return p | {"segment": a["segment"], "empty": e.macro.endswith("_EMPTY"), "unset": False}
    if e.kind == "Scene":
        tc = a["title_card"]
        return {
            "enum": a["enum"],
            "id": e.position,
            "segment": a["segment"],
            "title_card": None if tc == "none" else tc,
            "draw_config": a["draw_config"],
            "unset": False,
        }
    if e.kind == "Entrance":
        return {
            "enum": a["enum"],
            "id": e.position,
            "scene": a["scene"],
            "spawn": _int(a["spawn"]),
            "continue_bgm": _bool(a["continue_bgm"]),
            "title_card": _bool(a["title_card"]),
            "trans_in": a["trans_in"],
            "trans_out": a["trans_out"],
        }
    if e.kind == "Sequence":
        name = a.get("name") or sequences.get(a.get("target", ""), a.get("target"))
        return {
            "enum": a["enum"],
            "id": e.position,
            "name": name,
            "medium": a["medium"],
            "cache_policy": a["cache_policy"],
            "flags": a["flags"],
        }
    if e.kind == "Sfx":
        return {
            "enum": a["enum"],
            "id": sfx_id(e.file, e.position),
            "bank": sfx_bank(e.file),
            "channel": a["channel"],
            "importance": _int(a["importance"]),
            "dist_range": a["dist_range"],
            "rand_freq": a["rand_freq"],
            "flags": a["flags"],
        }
    if e.kind == "EffectSs":
        if e.macro.endswith("_UNSET"):
            return {"enum": a["enum"], "id": e.position, "unset": True}
        return {"enum": a["enum"], "id": e.position, "name": a["name"], "unset": False}
    if e.kind == "GameState":
        return {
            "enum": a["enum"],
            "id": e.position,
            "type": a["type"],
            "overlay": f"ovl_{a['overlay']}" if "overlay" in a else None,
        }
    raise ValueError(e.kind)


# Kinds whose IN_VERSION edges the C source also writes (from the actor/effect profiles).
_PROFILED = ("Actor", "EffectSs")


def table_facts(per_version: dict[str, list[Entry]], versions: list[str], default_version: str) -> Facts:
    """Nodes (representative values from the default version, else the first that has the
    entry), IN_VERSION edges with the per-version id (``value``), file and line, and the
    fields that differ from the node's (``text``, JSON, including ``id``), plus ENTERS and
    IN_SEGMENT. Actor/EffectSs edges carry only ``text``: their value/file/line are the
    profile's (C source)."""
    facts = Facts()
    order = [v for v in versions if v in per_version]
    rep_order = ([default_version] if default_version in per_version else []) + [
        v for v in order if v != default_version
    ]
    props: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    where: dict[tuple[str, str], dict[str, Entry]] = {}
    memo: dict[tuple, dict[str, Any]] = {}  # most entries are the same in every version
    for v in order:
        seqs = {e.args["enum"]: e.args["name"] for e in per_version[v] if e.kind == "Sequence" and "name" in e.args}
        for e in per_version[v]:
            key = (e.kind, e.args["enum"])
            # Entries are shared between versions that expand a table alike (see
            # _parse_expansion), so the object identity is a sound memo key.
            mkey = (id(e), seqs.get(e.args["target"])) if "target" in e.args else (id(e),)
            p = memo.get(mkey)
            if p is None:
                p = memo[mkey] = entry_props(e, seqs)
            props.setdefault(key, {})[v] = p
            where.setdefault(key, {})[v] = e
    in_version: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (kind, enum), by_v in props.items():
        rep_v = next(v for v in rep_order if v in by_v)
        rep = by_v[rep_v]
        facts.node(kind, **rep)
        for v in order:
            if v not in by_v:
                continue
            e = where[(kind, enum)][v]
            pv = by_v[v]
            diff = {} if pv is rep else {k: val for k, val in pv.items() if rep.get(k) != val}
            text = json.dumps(diff, sort_keys=True) if diff else None
            if kind in _PROFILED:
                # The C source owns value/file/line of these edges (profile flags, file, line).
                in_version[kind].append({"from": enum, "to": v, "text": text})
            else:
                in_version[kind].append(
                    {"from": enum, "to": v, "value": pv["id"], "file": e.file, "line": e.line, "text": text}
                )
        if kind == "Entrance" and rep.get("scene"):
            facts.rel("ENTERS", enum, rep["scene"], spawn=rep.get("spawn"))
        seg = None
        if kind in ("Actor", "GameState"):
            seg = rep.get("overlay")
        elif kind in ("Object", "Scene"):
            seg = rep.get("segment")
        elif kind == "EffectSs" and rep.get("name"):
            seg = f"ovl_{rep['name']}"
        if seg:
            facts.node("Segment", name=seg, overlay=kind in ("Actor", "GameState", "EffectSs"))
            facts.rel("IN_SEGMENT", enum, seg, from_kind=kind, to_kind="Segment")
        if kind == "Scene" and rep.get("title_card"):
            facts.node("Segment", name=rep["title_card"], overlay=False)
    for kind, rows in in_version.items():
        facts.add_rels("IN_VERSION", kind, "Version", rows)
    return facts


def ingest_tables(
    checkout: Any, versions: list[str], cache_dir: Path, default_version: str
) -> tuple[Facts, TablesReport]:
    report = TablesReport(versions=list(versions))
    per_version: dict[str, list[Entry]] = {}
    seen_problem: set[tuple[str, int | None, str]] = set()
    plan, problems0, missing, invariant = plan_tables(checkout, cache_dir)
    report.problems.extend(problems0)
    report.missing_files = missing
    # Tables without #if (and without versions.h macros) are expanded once; the rest per
    # version (the preprocessor decides their #if lines as each version's build would).
    fixed: Plan = [(spec, [f for f in files if (spec.kind, f[0]) in invariant]) for spec, files in plan]
    varying: Plan = [(spec, [f for f in files if (spec.kind, f[0]) not in invariant]) for spec, files in plan]
    fixed = [(s, f) for s, f in fixed if f]
    varying = [(s, f) for s, f in varying if f]
    common: list[Entry] = []
    if fixed and versions:
        first = default_version if default_version in versions else versions[0]
        common, problems = expand_tables(checkout, first, cache_dir, fixed)
        report.problems.extend(problems)
    # libclang releases the GIL while it parses: two threads use both cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        expanded = list(
            pool.map(lambda v: expand_tables(checkout, v, cache_dir, varying) if varying else ([], []), versions)
        )
    for v, (entries, problems) in zip(versions, expanded, strict=True):
        entries = common + entries
        per_version[v] = entries
        for p in problems:
            k = (p.file, p.line, p.message)
            if k not in seen_problem:
                seen_problem.add(k)
                report.problems.append(p)
        counts: dict[str, int] = {}
        for e in entries:
            counts[e.kind] = counts.get(e.kind, 0) + 1
        report.per_version[v] = counts
    facts = table_facts(per_version, versions, default_version)
    report.entries = {k: len(rows) for k, rows in facts.nodes.items() if k != "Segment"}
    scenes = facts.nodes.get("Scene", {})
    for row in facts.node_rows("Entrance"):
        if row.get("scene") and row["scene"] not in scenes:
            report.unknown_scenes.setdefault(row["scene"], []).append(row["enum"])
    for p in report.problems:
        log.warning("%s:%s: %s %s", p.file, p.line, p.message, p.text)
    return facts, report


def object_segment_to_enum(checkout_root: Path | str) -> dict[str, str]:
    """Object spec segment -> OBJECT_ enum, from every DEFINE_OBJECT/_EMPTY line of the object
    table (the mapping does not depend on the version; no preprocessing needed)."""
    spec = next(t for t in TABLES if t.kind == "Object")
    path = Path(checkout_root) / "include" / "tables" / spec.files[0]
    if not path.is_file():
        return {}
    out: dict[str, str] = {}
    for line in strip_comments(path.read_text(errors="replace")).split("\n"):
        m = DEFINE_CALL.match(line.strip())
        if m and m.group(1) in ("DEFINE_OBJECT", "DEFINE_OBJECT_EMPTY"):
            inner = line[line.index("(") + 1 : line.rindex(")")] if ")" in line else ""
            args = split_args(inner)
            if len(args) == 2:
                out.setdefault(args[0], args[1])
    return out


def _default_version(ctx: Any) -> str:
    return next((v.id for v in ctx.versions if v.is_default), ctx.versions[0].id)


def _tables_source(ctx: Any) -> Facts:
    """Pipeline source: every table for the selected versions. Leaves the segment -> enum
    maps in ``ctx.stats["domain"]`` for the asset source."""
    versions = [v.id for v in ctx.versions]
    facts, report = ingest_tables(ctx.checkout, versions, Path(ctx.cache_dir) / "tables", _default_version(ctx))
    domain = ctx.stats.setdefault("domain", {})
    domain["tables"] = report
    domain["objects_by_segment"] = {r["segment"]: r["enum"] for r in facts.node_rows("Object") if r.get("segment")}
    domain["scenes_by_segment"] = {r["segment"]: r["enum"] for r in facts.node_rows("Scene")}
    counts = ", ".join(f"{n} {k}" for k, n in report.entries.items())
    core = [
        m for m in report.missing_files if m.rsplit("/", 1)[-1] in ("actor_table.h", "object_table.h", "scene_table.h")
    ]
    if core:
        ctx.failures["tables"] = (
            f"{', '.join(core)} missing: is the checkout complete? (without "
            "them the graph has no actors, objects or scenes)"
        )
    path = save_report(ctx.cache_dir, "tables", report)
    ctx.notes["tables"] = counts + (
        f"; {len(report.problems)} table lines not understood (see {path})" if report.problems else ""
    )
    return facts


def tables_source(ctx: Any) -> Facts:
    """Pipeline source (see ``_tables_source``). The cyclic GC is paused meanwhile: the source
    allocates ~10^5 acyclic rows, and generation scans of a large live heap cost seconds."""
    with gc_paused():
        return _tables_source(ctx)
