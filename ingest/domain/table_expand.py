"""The X-macro tables expanded by the C preprocessor, one version at a time.

Each table is expanded by clang (with the version's compile arguments from ``ingest.c.env``)
inside a generated translation unit that defines every ``DEFINE_*`` macro to expand into one
string literal per entry (``@@<macro> <line> @ arg0 @ arg1 ...``, arguments macro-expanded
first); the concatenated literal is read back with ``clang_Cursor_Evaluate``. Tables are
scanned line by line first: a line that is not an entry, a comment or a directive is
reported and blanked in a copy (line numbers kept), so the rest of the table is still read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ingest.c.clangutil import eval_str


@dataclass(frozen=True)
class TableSpec:
    kind: str
    files: tuple[str, ...]  # relative to include/tables
    macros: dict[str, tuple[str, ...]]  # macro -> argument names


TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "Actor",
        ("actor_table.h",),
        {
            "DEFINE_ACTOR": ("overlay", "enum", "alloc", "debug_name"),
            "DEFINE_ACTOR_INTERNAL": ("overlay", "enum", "alloc", "debug_name"),
            "DEFINE_ACTOR_UNSET": ("enum",),
        },
    ),
    TableSpec(
        "Object",
        ("object_table.h",),
        {
            "DEFINE_OBJECT": ("segment", "enum"),
            "DEFINE_OBJECT_EMPTY": ("segment", "enum"),
            "DEFINE_OBJECT_UNSET": ("enum",),
        },
    ),
    TableSpec(
        "Scene", ("scene_table.h",), {"DEFINE_SCENE": ("segment", "title_card", "enum", "draw_config", "unk5", "unk6")}
    ),
    TableSpec(
        "Entrance",
        ("entrance_table.h",),
        {"DEFINE_ENTRANCE": ("enum", "scene", "spawn", "continue_bgm", "title_card", "trans_in", "trans_out")},
    ),
    TableSpec(
        "Sequence",
        ("sequence_table.h",),
        {
            "DEFINE_SEQUENCE": ("name", "enum", "medium", "cache_policy", "flags"),
            "DEFINE_SEQUENCE_PTR": ("target", "enum", "medium", "cache_policy", "flags"),
        },
    ),
    TableSpec(
        "Sfx",
        tuple(f"sfx/{b}bank_table.h" for b in ("player", "item", "environment", "enemy", "system", "ocarina", "voice")),
        {"DEFINE_SFX": ("channel", "enum", "importance", "dist_range", "rand_freq", "flags")},
    ),
    TableSpec(
        "EffectSs", ("effect_ss_table.h",), {"DEFINE_EFFECT_SS": ("name", "enum"), "DEFINE_EFFECT_SS_UNSET": ("enum",)}
    ),
    TableSpec(
        "GameState",
        ("gamestate_table.h",),
        {"DEFINE_GAMESTATE": ("type", "enum", "overlay"), "DEFINE_GAMESTATE_INTERNAL": ("type", "enum")},
    ),
)


class TableProblem(BaseModel):
    file: str
    line: int | None = None
    message: str
    text: str = ""


@dataclass
class Entry:
    kind: str
    macro: str
    file: str  # include/tables/...
    line: int
    args: dict[str, str]
    position: int  # id within its table (per file for sfx banks)


# ---------------------------------------------------------------- line scanning


DEFINE_CALL = re.compile(r"^(DEFINE_\w+)\s*\(")


_COMMENT_OR_STRING = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:[^"\\\n]|\\.)*"', re.S)


def strip_comments(text: str) -> str:
    """Comments replaced by spaces, newlines kept (so line numbers hold)."""

    def blank(m: re.Match[str]) -> str:
        t = m.group(0)
        if t.startswith('"'):
            return t
        return re.sub(r"[^\n]", " ", t)

    return _COMMENT_OR_STRING.sub(blank, text)


def split_args(inner: str) -> list[str]:
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
    lines = strip_comments(text).split("\n")
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
        m = DEFINE_CALL.match(s)
        if not m:
            problems.append(
                TableProblem(
                    file=rel,
                    line=start + 1,
                    text=raw[start].strip(),
                    message="not a table entry, a comment or a directive",
                )
            )
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
            problems.append(TableProblem(file=rel, line=start + 1, text=raw[start].strip(), message=why))
            bad.extend(span)
            continue
        if macro not in spec.macros:
            problems.append(
                TableProblem(
                    file=rel,
                    line=start + 1,
                    text=raw[start].strip(),
                    message=f"unknown macro {macro} (this table uses {', '.join(spec.macros)})",
                )
            )
            bad.extend(span)
            continue
        inner = joined[joined.index("(") + 1 : joined.rindex(")")]
        args = split_args(inner)
        want = len(spec.macros[macro])
        if len(args) != want or any(not a for a in args):
            problems.append(
                TableProblem(
                    file=rel,
                    line=start + 1,
                    text=raw[start].strip(),
                    message=f"{macro} takes {want} arguments, this line has {len(args)}"
                    if len(args) != want
                    else f"{macro}: empty argument",
                )
            )
            bad.extend(span)
    return bad, problems


# ---------------------------------------------------------------- preprocessing


def _var(spec: TableSpec, fi: int) -> str:
    return f"ootkg_{spec.kind}_{fi}"


def build_tu(specs: list[tuple[TableSpec, list[tuple[int, str]]]], has_versions_h: bool) -> str:
    """A translation unit whose variables are the tables expanded into strings.

    ``specs``: each table with (file index, include path) of its present files."""
    out = [
        '#include "versions.h"' if has_versions_h else "",
        "#define OOTKG_S_(x) #x",
        "#define OOTKG_S(x) OOTKG_S_(x)",
    ]
    for spec, files in specs:
        for fi, inc in files:
            for mi, (macro, names) in enumerate(spec.macros.items()):
                params = ", ".join(f"a{i}" for i in range(len(names)))
                body = " ".join(f"@ a{i}" for i in range(len(names)))
                # One string per entry: "@@<macro index> <line> @ arg0 @ arg1 ...", the
                # arguments macro-expanded first (so SEQ_0_FLAGS becomes its version's value).
                out.append(f"#define {macro}({params}) OOTKG_S(@@{mi} __LINE__ {body})")
            out.append(f'const char* {_var(spec, fi)} = ""')
            out.append(f'#include "{inc}"')
            out.append(";")
            for macro in spec.macros:
                out.append(f"#undef {macro}")
    return "\n".join(out) + "\n"


def unquote(s: str) -> str:
    s = s.strip()
    if len(s) >= 2 and s[0] == '"' and s[-1] == '"':
        return bytes(s[1:-1], "utf-8").decode("unicode_escape")
    return s


Plan = list[tuple[TableSpec, list[tuple[int, str]]]]


def _version_dependent(text: str, version_macros: set[str]) -> bool:
    """Whether a table can expand differently per version: it has a preprocessor directive,
    or names a macro of versions.h (the only header the expansion sees)."""
    code = strip_comments(text)
    if re.search(r"^\s*#", code, re.M):
        return True
    return bool(version_macros & set(re.findall(r"\b[A-Za-z_]\w*\b", code)))


def plan_tables(
    checkout: Any, cache_dir: Path, specs: tuple[TableSpec, ...] = TABLES
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
    version_macros = (
        set(re.findall(r"^\s*#\s*define\s+(\w+)", versions_h.read_text(errors="replace"), re.M))
        if versions_h.is_file()
        else set()
    )
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
        out.append(
            Entry(spec.kind, macro, rel, int(line), dict(zip(names, (a.strip() for a in args), strict=False)), pos)
        )
    _EXPANSIONS[key] = tuple(out)
    return _EXPANSIONS[key]


def expand_tables(
    checkout: Any, version: str, cache_dir: Path, plan: list[tuple[TableSpec, list[tuple[int, str]]]]
) -> tuple[list[Entry], list[TableProblem]]:
    """Every entry of every planned table as the preprocessor sees it for ``version``."""
    import clang.cindex as ci

    from ingest.c.env import CompileEnv

    root = Path(checkout.root)
    problems: list[TableProblem] = []
    env = CompileEnv(checkout, version, cache_dir)
    src = build_tu(plan, (root / "include" / "versions.h").is_file())
    tu = ci.Index.create().parse("ootkg_tables.c", args=env.args(), unsaved_files=[("ootkg_tables.c", src)])
    for d in tu.diagnostics:
        if d.severity >= ci.Diagnostic.Error:
            loc = d.location
            fname = str(loc.file) if loc.file else "ootkg_tables.c"
            if "tables/" in fname:
                fname = "include/tables/" + fname.split("tables/", 1)[1].replace("sanitized/", "")
            problems.append(
                TableProblem(file=fname, line=loc.line or None, message=f"preprocessor/compiler: {d.spelling}")
            )
    values: dict[str, str] = {}
    for c in tu.cursor.get_children():
        if c.spelling.startswith("ootkg_") and c.kind == ci.CursorKind.VAR_DECL:
            s = eval_str(c)
            if s is not None:
                values[c.spelling] = s
    entries: list[Entry] = []
    for spec, files in plan:
        for fi, _inc in files:
            rel = f"include/tables/{spec.files[fi]}"
            text = values.get(_var(spec, fi))
            if text is None:
                problems.append(
                    TableProblem(
                        file=rel, message=f"{version}: the table could not be expanded (see the compiler errors above)"
                    )
                )
                continue
            entries.extend(_parse_expansion(spec, rel, text))
    return entries, problems
