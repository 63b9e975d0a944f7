"""The X-macro tables in ``include/tables/``: actors, objects, scenes, entrances, sequences,
sound effects, soft-sprite effects and game states, evaluated per version.

Each table is expanded by the C preprocessor (libclang, with the version's compile
arguments from ``ingest.cenv``) inside a generated translation unit that defines every
``DEFINE_*`` macro to expand into a string literal; the concatenated literal is read back
with ``clang_Cursor_Evaluate``. So ``#if`` blocks are decided exactly as the build decides
them, and an entry under ``#if DEBUG_ASSETS`` exists only in the versions that have it.
An entry's id is its position in the expansion (sound effects: bank base + position).

Lines of a table that are not a known ``DEFINE_*`` entry, a comment or a preprocessor
directive are reported (file:line) and left out; the rest of the table is kept.
"""

from __future__ import annotations

import ctypes
import json
import logging
import re
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ingest.sourceutil import gc_paused, save_report
from kg.facts import Facts

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class TableSpec:
    kind: str
    files: tuple[str, ...]  # relative to include/tables
    macros: dict[str, tuple[str, ...]]  # macro -> argument names


TABLES: tuple[TableSpec, ...] = (
    TableSpec("Actor", ("actor_table.h",), {
        "DEFINE_ACTOR": ("overlay", "enum", "alloc", "debug_name"),
        "DEFINE_ACTOR_INTERNAL": ("overlay", "enum", "alloc", "debug_name"),
        "DEFINE_ACTOR_UNSET": ("enum",)}),
    TableSpec("Object", ("object_table.h",), {
        "DEFINE_OBJECT": ("segment", "enum"),
        "DEFINE_OBJECT_EMPTY": ("segment", "enum"),
        "DEFINE_OBJECT_UNSET": ("enum",)}),
    TableSpec("Scene", ("scene_table.h",), {
        "DEFINE_SCENE": ("segment", "title_card", "enum", "draw_config", "unk5", "unk6")}),
    TableSpec("Entrance", ("entrance_table.h",), {
        "DEFINE_ENTRANCE": ("enum", "scene", "spawn", "continue_bgm", "title_card", "trans_in",
                            "trans_out")}),
    TableSpec("Sequence", ("sequence_table.h",), {
        "DEFINE_SEQUENCE": ("name", "enum", "medium", "cache_policy", "flags"),
        "DEFINE_SEQUENCE_PTR": ("target", "enum", "medium", "cache_policy", "flags")}),
    TableSpec("Sfx", tuple(f"sfx/{b}bank_table.h" for b in (
        "player", "item", "environment", "enemy", "system", "ocarina", "voice")), {
        "DEFINE_SFX": ("channel", "enum", "importance", "dist_range", "rand_freq", "flags")}),
    TableSpec("EffectSs", ("effect_ss_table.h",), {
        "DEFINE_EFFECT_SS": ("name", "enum"),
        "DEFINE_EFFECT_SS_UNSET": ("enum",)}),
    TableSpec("GameState", ("gamestate_table.h",), {
        "DEFINE_GAMESTATE": ("type", "enum", "overlay"),
        "DEFINE_GAMESTATE_INTERNAL": ("type", "enum")}),
)


class TableProblem(BaseModel):
    file: str
    line: int | None = None
    message: str
    text: str = ""


class TablesReport(BaseModel):
    versions: list[str] = Field(default_factory=list)
    entries: dict[str, int] = Field(default_factory=dict, description="kind -> distinct entries")
    per_version: dict[str, dict[str, int]] = Field(default_factory=dict)
    problems: list[TableProblem] = Field(default_factory=list)
    missing_files: list[str] = Field(default_factory=list)


@dataclass
class Entry:
    kind: str
    macro: str
    file: str  # include/tables/...
    line: int
    args: dict[str, str]
    position: int  # id within its table (per file for sfx banks)


# ---------------------------------------------------------------- line scanning


_DEFINE_CALL = re.compile(r"^(DEFINE_\w+)\s*\(")


_COMMENT_OR_STRING = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:[^"\\\n]|\\.)*"', re.S)


def _strip_comments(text: str) -> str:
    """Comments replaced by spaces, newlines kept (so line numbers hold)."""
    def blank(m: re.Match[str]) -> str:
        t = m.group(0)
        if t.startswith('"'):
            return t
        return re.sub(r"[^\n]", " ", t)
    return _COMMENT_OR_STRING.sub(blank, text)


def _split_args(inner: str) -> list[str]:
    if '"' not in inner and "(" not in inner:
        return [a.strip() for a in inner.split(",")]
    args, depth, cur, in_str = [], 0, [], False
    for i, c in enumerate(inner):
        if in_str:
            cur.append(c)
            if c == '"' and inner[i - 1] != "\\":
                in_str = False
            continue
        if c == '"':
            in_str = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
            continue
        cur.append(c)
    args.append("".join(cur).strip())
    return args


def scan_table(text: str, spec: TableSpec, rel: str) -> tuple[list[int], list[TableProblem]]:
    """Lines (1-based) that the preprocessor must not see, and why."""
    lines = _strip_comments(text).split("\n")
    raw = text.split("\n")
    bad: list[int] = []
    problems: list[TableProblem] = []
    i = 0
    while i < len(lines):
        s = lines[i].strip()
        start = i
        if not s:
            i += 1
            continue
        if s.startswith("#"):
            while lines[i].rstrip().endswith("\\") and i + 1 < len(lines):
                i += 1
            i += 1
            continue
        m = _DEFINE_CALL.match(s)
        if not m:
            problems.append(TableProblem(file=rel, line=start + 1, text=raw[start].strip(),
                                         message="not a table entry, a comment or a directive"))
            bad.append(start + 1)
            i += 1
            continue
        # Join continuation lines until the parentheses balance.
        joined, depth = s, s.count("(") - s.count(")")
        while depth > 0 and i + 1 < len(lines) and not lines[i + 1].strip().startswith("#"):
            i += 1
            joined += " " + lines[i].strip()
            depth = joined.count("(") - joined.count(")")
        span = list(range(start + 1, i + 2))
        i += 1
        macro = m.group(1)
        if depth != 0 or not joined.rstrip().endswith(")"):
            why = "unbalanced parentheses" if depth else "text after the entry's closing parenthesis"
            problems.append(TableProblem(file=rel, line=start + 1, text=raw[start].strip(),
                                         message=why))
            bad.extend(span)
            continue
        if macro not in spec.macros:
            problems.append(TableProblem(
                file=rel, line=start + 1, text=raw[start].strip(),
                message=f"unknown macro {macro} (this table uses {', '.join(spec.macros)})"))
            bad.extend(span)
            continue
        inner = joined[joined.index("(") + 1: joined.rindex(")")]
        args = _split_args(inner)
        want = len(spec.macros[macro])
        if len(args) != want or any(not a for a in args):
            problems.append(TableProblem(
                file=rel, line=start + 1, text=raw[start].strip(),
                message=f"{macro} takes {want} arguments, this line has {len(args)}"
                if len(args) != want else f"{macro}: empty argument"))
            bad.extend(span)
    return bad, problems


# ---------------------------------------------------------------- preprocessing


@lru_cache(maxsize=1)
def _clang_lib() -> Any:
    import clang.cindex as ci

    lib = ci.conf.lib
    lib.clang_Cursor_Evaluate.argtypes = [ci.Cursor]
    lib.clang_Cursor_Evaluate.restype = ctypes.c_void_p
    lib.clang_EvalResult_getKind.argtypes = [ctypes.c_void_p]
    lib.clang_EvalResult_getKind.restype = ctypes.c_int
    lib.clang_EvalResult_getAsStr.argtypes = [ctypes.c_void_p]
    lib.clang_EvalResult_getAsStr.restype = ctypes.c_char_p
    lib.clang_EvalResult_dispose.argtypes = [ctypes.c_void_p]
    lib.clang_EvalResult_dispose.restype = None
    return lib


_CXEVAL_STR = 4


def _eval_str(cursor: Any) -> str | None:
    lib = _clang_lib()
    r = lib.clang_Cursor_Evaluate(cursor)
    if not r:
        return None
    try:
        if lib.clang_EvalResult_getKind(r) != _CXEVAL_STR:
            return None
        return lib.clang_EvalResult_getAsStr(r).decode("utf-8", "replace")
    finally:
        lib.clang_EvalResult_dispose(r)


def _var(spec: TableSpec, fi: int) -> str:
    return f"ootkg_{spec.kind}_{fi}"


def build_tu(specs: list[tuple[TableSpec, list[tuple[int, str]]]], has_versions_h: bool) -> str:
    """A translation unit whose variables are the tables expanded into strings.

    ``specs``: each table with (file index, include path) of its present files."""
    out = ['#include "versions.h"' if has_versions_h else "",
           "#define OOTKG_S_(x) #x", "#define OOTKG_S(x) OOTKG_S_(x)"]
    for spec, files in specs:
        for fi, inc in files:
            for mi, (macro, names) in enumerate(spec.macros.items()):
                params = ", ".join(f"a{i}" for i in range(len(names)))
                body = " ".join(f"@ a{i}" for i in range(len(names)))
                # One string per entry: "@@<macro index> <line> @ arg0 @ arg1 ...", the
                # arguments macro-expanded first (so SEQ_0_FLAGS becomes its version's value).
                out.append(f"#define {macro}({params}) OOTKG_S(@@{mi} __LINE__ {body})")
            out.append(f"const char* {_var(spec, fi)} = \"\"")
            out.append(f'#include "{inc}"')
            out.append(";")
            for macro in spec.macros:
                out.append(f"#undef {macro}")
    return "\n".join(out) + "\n"


def _unquote(s: str) -> str:
    s = s.strip()
    if len(s) >= 2 and s[0] == '"' and s[-1] == '"':
        return bytes(s[1:-1], "utf-8").decode("unicode_escape")
    return s


Plan = list[tuple[TableSpec, list[tuple[int, str]]]]


def _version_dependent(text: str, version_macros: set[str]) -> bool:
    """Whether a table can expand differently per version: it has a preprocessor directive,
    or names a macro of versions.h (the only header the expansion sees)."""
    code = _strip_comments(text)
    if re.search(r"^\s*#", code, re.M):
        return True
    return bool(version_macros & set(re.findall(r"\b[A-Za-z_]\w*\b", code)))


def plan_tables(checkout: Any, cache_dir: Path, specs: tuple[TableSpec, ...] = TABLES
                ) -> tuple[Plan, list[TableProblem], list[str], set[tuple[str, int]]]:
    """Scan every table once (version-independent): which files to include, and the lines
    left out. Returns (plan, problems, missing table files, the (kind, file index) of the
    tables that expand the same in every version)."""
    root = Path(checkout.root)
    tables_dir = root / "include" / "tables"
    problems: list[TableProblem] = []
    missing: list[str] = []
    plan: list[tuple[TableSpec, list[tuple[int, str]]]] = []
    versions_h = root / "include" / "versions.h"
    version_macros = set(re.findall(r"^\s*#\s*define\s+(\w+)", versions_h.read_text(
        errors="replace"), re.M)) if versions_h.is_file() else set()
    invariant: set[tuple[str, int]] = set()
    for spec in specs:
        files = []
        for fi, name in enumerate(spec.files):
            path = tables_dir / name
            rel = f"include/tables/{name}"
            if not path.is_file():
                missing.append(rel)
                continue
            text = path.read_text(errors="replace")
            if not _version_dependent(text, version_macros):
                invariant.add((spec.kind, fi))
            bad, probs = scan_table(text, spec, rel)
            problems.extend(probs)
            inc = f"tables/{name}"
            if bad:
                # Include a copy with the bad lines blanked (line numbers unchanged).
                lines = text.split("\n")
                for n in bad:
                    lines[n - 1] = ""
                copy = Path(cache_dir) / "tables" / "sanitized" / name
                copy.parent.mkdir(parents=True, exist_ok=True)
                copy.write_text("\n".join(lines))
                inc = str(copy)
            files.append((fi, inc))
        if files:
            plan.append((spec, files))
    return plan, problems, missing, invariant


_EXPANSIONS: dict[tuple[str, str, str], tuple[Entry, ...]] = {}


def _parse_expansion(spec: TableSpec, rel: str, text: str) -> tuple[Entry, ...]:
    """Entries of one expanded table (cached: most versions expand a table identically)."""
    key = (spec.kind, rel, text)
    if key in _EXPANSIONS:
        return _EXPANSIONS[key]
    if len(_EXPANSIONS) > 256:
        _EXPANSIONS.clear()
    macros = list(spec.macros)
    out = []
    for pos, rec in enumerate(r for r in text.split("@@") if r):
        head, *args = rec.split("@")
        mi, line = head.split()
        macro = macros[int(mi)]
        names = spec.macros[macro]
        out.append(Entry(spec.kind, macro, rel, int(line),
                         dict(zip(names, (a.strip() for a in args), strict=False)), pos))
    _EXPANSIONS[key] = tuple(out)
    return _EXPANSIONS[key]


def expand_tables(checkout: Any, version: str, cache_dir: Path,
                  plan: list[tuple[TableSpec, list[tuple[int, str]]]]
                  ) -> tuple[list[Entry], list[TableProblem]]:
    """Every entry of every planned table as the preprocessor sees it for ``version``."""
    import clang.cindex as ci

    from ingest.cenv import CompileEnv

    root = Path(checkout.root)
    problems: list[TableProblem] = []
    env = CompileEnv(checkout, version, cache_dir)
    src = build_tu(plan, (root / "include" / "versions.h").is_file())
    tu = ci.Index.create().parse("ootkg_tables.c", args=env.args(),
                                 unsaved_files=[("ootkg_tables.c", src)])
    for d in tu.diagnostics:
        if d.severity >= ci.Diagnostic.Error:
            loc = d.location
            fname = str(loc.file) if loc.file else "ootkg_tables.c"
            if "tables/" in fname:
                fname = "include/tables/" + fname.split("tables/", 1)[1].replace("sanitized/", "")
            problems.append(TableProblem(file=fname, line=loc.line or None,
                                         message=f"preprocessor/compiler: {d.spelling}"))
    values: dict[str, str] = {}
    for c in tu.cursor.get_children():
        if c.spelling.startswith("ootkg_") and c.kind == ci.CursorKind.VAR_DECL:
            s = _eval_str(c)
            if s is not None:
                values[c.spelling] = s
    entries: list[Entry] = []
    for spec, files in plan:
        for fi, _inc in files:
            rel = f"include/tables/{spec.files[fi]}"
            text = values.get(_var(spec, fi))
            if text is None:
                problems.append(TableProblem(file=rel, message=f"{version}: the table could not "
                                             "be expanded (see the compiler errors above)"))
                continue
            entries.extend(_parse_expansion(spec, rel, text))
    return entries, problems


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
        return p | {"overlay": None if e.macro.endswith("_INTERNAL") else f"ovl_{a['overlay']}",
                    "alloc": a["alloc"], "debug_name": _unquote(a["debug_name"]),
                    "internal": e.macro.endswith("_INTERNAL"), "unset": False}
    if e.kind == "Object":
        p = {"enum": a["enum"], "id": e.position}
        if e.macro == "DEFINE_OBJECT_UNSET":
            return p | {"unset": True, "empty": False}
        return p | {"segment": a["segment"], "empty": e.macro.endswith("_EMPTY"), "unset": False}
    if e.kind == "Scene":
        tc = a["title_card"]
        return {"enum": a["enum"], "id": e.position, "segment": a["segment"],
                "title_card": None if tc == "none" else tc, "draw_config": a["draw_config"],
                "unset": False}
    if e.kind == "Entrance":
        return {"enum": a["enum"], "id": e.position, "scene": a["scene"],
                "spawn": _int(a["spawn"]), "continue_bgm": _bool(a["continue_bgm"]),
                "title_card": _bool(a["title_card"]), "trans_in": a["trans_in"],
                "trans_out": a["trans_out"]}
    if e.kind == "Sequence":
        name = a.get("name") or sequences.get(a.get("target", ""), a.get("target"))
        return {"enum": a["enum"], "id": e.position, "name": name, "medium": a["medium"],
                "cache_policy": a["cache_policy"], "flags": a["flags"]}
    if e.kind == "Sfx":
        return {"enum": a["enum"], "id": sfx_id(e.file, e.position), "bank": sfx_bank(e.file),
                "channel": a["channel"], "importance": _int(a["importance"]),
                "dist_range": a["dist_range"], "rand_freq": a["rand_freq"], "flags": a["flags"]}
    if e.kind == "EffectSs":
        if e.macro.endswith("_UNSET"):
            return {"enum": a["enum"], "id": e.position, "unset": True}
        return {"enum": a["enum"], "id": e.position, "name": a["name"], "unset": False}
    if e.kind == "GameState":
        return {"enum": a["enum"], "id": e.position, "type": a["type"],
                "overlay": f"ovl_{a['overlay']}" if "overlay" in a else None}
    raise ValueError(e.kind)


# Kinds whose IN_VERSION edges the C source also writes (from the actor/effect profiles).
_PROFILED = ("Actor", "EffectSs")


def table_facts(per_version: dict[str, list[Entry]], versions: list[str],
                default_version: str) -> Facts:
    """Nodes (representative values from the default version, else the first that has the
    entry), IN_VERSION edges with the per-version id (``value``), file and line, and the
    fields that differ from the node's (``text``, JSON, including ``id``), plus ENTERS and
    IN_SEGMENT. Actor/EffectSs edges carry only ``text``: their value/file/line are the
    profile's (C source)."""
    facts = Facts()
    order = [v for v in versions if v in per_version]
    rep_order = ([default_version] if default_version in per_version else []) + \
        [v for v in order if v != default_version]
    props: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    where: dict[tuple[str, str], dict[str, Entry]] = {}
    memo: dict[tuple, dict[str, Any]] = {}  # most entries are the same in every version
    for v in order:
        seqs = {e.args["enum"]: e.args["name"] for e in per_version[v]
                if e.kind == "Sequence" and "name" in e.args}
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
                in_version[kind].append({"from": enum, "to": v, "value": pv["id"],
                                         "file": e.file, "line": e.line, "text": text})
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


def ingest_tables(checkout: Any, versions: list[str], cache_dir: Path,
                  default_version: str) -> tuple[Facts, TablesReport]:
    report = TablesReport(versions=list(versions))
    per_version: dict[str, list[Entry]] = {}
    seen_problem: set[tuple[str, int | None, str]] = set()
    plan, problems0, missing, invariant = plan_tables(checkout, cache_dir)
    report.problems.extend(problems0)
    report.missing_files = missing
    # Tables without #if (and without versions.h macros) are expanded once; the rest per
    # version (the preprocessor decides their #if lines as each version's build would).
    fixed: Plan = [(spec, [f for f in files if (spec.kind, f[0]) in invariant])
                   for spec, files in plan]
    varying: Plan = [(spec, [f for f in files if (spec.kind, f[0]) not in invariant])
                     for spec, files in plan]
    fixed = [(s, f) for s, f in fixed if f]
    varying = [(s, f) for s, f in varying if f]
    common: list[Entry] = []
    if fixed and versions:
        first = default_version if default_version in versions else versions[0]
        common, problems = expand_tables(checkout, first, cache_dir, fixed)
        report.problems.extend(problems)
    # libclang releases the GIL while it parses: two threads use both cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        expanded = list(pool.map(
            lambda v: expand_tables(checkout, v, cache_dir, varying) if varying else ([], []),
            versions))
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
    for line in _strip_comments(path.read_text(errors="replace")).split("\n"):
        m = _DEFINE_CALL.match(line.strip())
        if m and m.group(1) in ("DEFINE_OBJECT", "DEFINE_OBJECT_EMPTY"):
            inner = line[line.index("(") + 1: line.rindex(")")] if ")" in line else ""
            args = _split_args(inner)
            if len(args) == 2:
                out.setdefault(args[0], args[1])
    return out


def _default_version(ctx: Any) -> str:
    return next((v.id for v in ctx.versions if v.is_default), ctx.versions[0].id)


def _tables_source(ctx: Any) -> Facts:
    """Pipeline source: every table for the selected versions. Leaves the segment -> enum
    maps in ``ctx.stats["domain"]`` for the asset source."""
    versions = [v.id for v in ctx.versions]
    facts, report = ingest_tables(ctx.checkout, versions, Path(ctx.cache_dir) / "tables",
                                  _default_version(ctx))
    domain = ctx.stats.setdefault("domain", {})
    domain["tables"] = report
    domain["objects_by_segment"] = {r["segment"]: r["enum"] for r in facts.node_rows("Object")
                                    if r.get("segment")}
    domain["scenes_by_segment"] = {r["segment"]: r["enum"] for r in facts.node_rows("Scene")}
    counts = ", ".join(f"{n} {k}" for k, n in report.entries.items())
    path = save_report(ctx.cache_dir, "tables", report)
    ctx.notes["tables"] = counts + (f"; {len(report.problems)} table lines not understood "
                                    f"(see {path})" if report.problems else "")
    return facts


def tables_source(ctx: Any) -> Facts:
    """Pipeline source (see ``_tables_source``). The cyclic GC is paused meanwhile: the source
    allocates ~10^5 acyclic rows, and generation scans of a large live heap cost seconds."""
    with gc_paused():
        return _tables_source(ctx)
