"""The preprocessor macros of the checkout: every ``#define`` of ``include/``, ``src/**.h`` and
``src/**.c``, per version.

A token scan of the text finds each definition (name, parameters of a function-like macro,
body with its continuation lines joined, file, line) and the ``#if`` branches it sits in.
One probe TU per version includes the headers of ``include/`` (those with an include guard,
X-macro tables excluded) and, with libclang (``clang_Cursor_Evaluate``), evaluates

- every object-like macro of ``include/``: only those whose body is an integer constant
  expression in that version get a value;
- every distinct ``#if`` condition a definition sits in, so each version gets the
  definitions of its own branches (a condition the probe cannot evaluate counts as true).

The scan takes ~0.3 s for the whole decomp, the probe 0.3 s per version.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import clang.cindex as ci

from ingest.c.blocks import Branch, scan_blocks
from ingest.c.clangutil import eval_int
from ingest.cache import FileMemo, TreeStats
from kg.persist import dump_pickle

T = TypeVar("T")

# a directive line with its continuation lines
_DIRECTIVE = re.compile(r"^[ \t]*#[ \t]*(\w+)((?:[^\n]*\\\n)*[^\n]*)", re.M)
_DEF = re.compile(r"([A-Za-z_]\w*)(\([^)]*\))?(.*)$", re.S)
_GUARD = re.compile(r"#\s*(?:ifndef\s+\w+|pragma\s+once)")
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_COND_PREFIX = "#if:"
_SCAN_TAG = "defines-scan-3"  # bump when _scan_one's output changes (3: #if regions)
_KNOWN = frozenset(("if", "ifdef", "ifndef", "elif", "else", "endif", "define"))


@dataclass(frozen=True)
class DefineSite:
    name: str
    file: str
    line: int
    body: str
    params: str | None = None  # "(gdl, dl)" for a function-like macro
    conds: tuple[str, ...] = ()  # the #if branches it sits in (C expressions)

    @property
    def function_like(self) -> bool:
        return self.params is not None

    def __reduce__(self) -> tuple:
        # by constructor arguments: the scan of ~8,000 sites pickles and loads ~25% faster
        return (DefineSite, (self.name, self.file, self.line, self.body, self.params, self.conds))


@dataclass
class DefineScan:
    sites: dict[str, list[DefineSite]] = field(default_factory=dict)  # name -> in scan order
    headers: list[str] = field(default_factory=list)  # include/ headers the probe includes
    # checkout-relative file -> its #if branches (``ingest.c.blocks``), and what was wrong with them
    blocks: dict[str, tuple[Branch, ...]] = field(default_factory=dict)
    problems: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def probe_names(self) -> list[str]:
        """Object-like macros of include/ (the probe's headers define them)."""
        return [
            n
            for n, ss in self.sites.items()
            if any(s.params is None and s.body and s.file.startswith("include/") for s in ss)
        ]

    def conditions(self) -> list[str]:
        return sorted({c for ss in self.sites.values() for s in ss for c in s.conds})


def _strip(body: str) -> str:
    return " ".join(_COMMENT.sub(" ", body).split())


def scan_file(text: str, rel: str) -> list[DefineSite]:
    """The #defines of one file with the #if branch conditions around each. An include guard
    (``#ifndef X_H`` + ``#define X_H``) and the ``#ifndef X`` / ``#define X`` idiom are not
    conditions of what they enclose."""
    out: list[DefineSite] = []
    # a frame: (conditions of the earlier branches, the current branch's condition)
    stack: list[tuple[list[str], str]] = []
    if "#" not in text:
        return out
    text = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text) if "/*" in text else text
    pos, lineno = 0, 1
    for m in _DIRECTIVE.finditer(text):
        lineno += text.count("\n", pos, m.start())
        pos = m.start()
        d = m.group(1)
        if d not in _KNOWN:
            continue
        rest = _strip(m.group(2).replace("\\\n", " "))
        if d in ("if", "ifdef", "ifndef"):
            cond = f"({rest})" if d == "if" else f"defined({rest})" if d == "ifdef" else f"!defined({rest})"
            stack.append(([], cond))
        elif d == "elif" and stack:
            prev, cur = stack[-1]
            stack[-1] = ([*prev, cur], f"({rest})")
        elif d == "else" and stack:
            prev, cur = stack[-1]
            stack[-1] = ([*prev, cur], "")
        elif d == "endif" and stack:
            stack.pop()
        elif d == "define":
            dm = _DEF.match(m.group(2).replace("\\\n", " ").lstrip())
            if dm is None:
                continue
            name = dm.group(1)
            if name.startswith("__") or (name.endswith("_H") and not dm.group(3).strip()):
                continue
            conds: list[str] = []
            for prev, cur in stack:
                own = f"!defined({name})"
                if cur == own or (cur.startswith("!defined(") and cur[9:-1].endswith("_H")):
                    cur = ""
                branch = [f"!{p}" for p in prev if p] + ([cur] if cur else [])
                if branch:
                    conds.append(" && ".join(branch))
            params = dm.group(2)
            out.append(
                DefineSite(
                    name, rel, lineno, _strip(dm.group(3)), _strip(params) if params is not None else None, tuple(conds)
                )
            )
    return out


def _scan_one(
    path: str, rel: str, header: bool, sites: bool = True
) -> tuple[bool, list[DefineSite], tuple[Branch, ...], tuple[str, ...]]:
    """(whether the probe includes it: a guarded top-level header, its sites, its #if
    branches, their problems); ``sites`` False: the branches only (an X-macro table)."""
    text = Path(path).read_bytes().decode("utf-8", "replace")
    blocks, problems = scan_blocks(text)
    return (header and _GUARD.search(text) is not None, scan_file(text, rel) if sites else [], blocks, problems)


def _walk(root: Path, with_c: bool, stats: TreeStats | None = None) -> list[tuple[str, os.stat_result]]:
    """Every .h (and .c) file under include/ and src/ with its stat."""
    suffixes = (".h", ".c") if with_c else (".h",)
    if stats is not None:
        return [(p, st) for top in ("include", "src") for p, st in stats.files(top) if p.endswith(suffixes)]
    out = []
    for top in ("include", "src"):
        for dirpath, _, names in os.walk(root / top):
            for n in names:
                if n.endswith(".h") or (with_c and n.endswith(".c")):
                    p = os.path.join(dirpath, n)
                    out.append((p, os.stat(p)))
    return out


def _listing(root: Path, with_c: bool, walked: list[tuple[str, os.stat_result]]) -> list[tuple[str, os.stat_result]]:
    """The files ``scan`` reads, in its order: include/**.h but tables/, then src/**.h, then
    src/**.c, each sorted by path components, then include/tables/ (their #if regions only)."""
    inc, src = f"{root / 'include'}/", f"{root / 'src'}/"
    groups: list[list[tuple[str, os.stat_result]]] = [[], [], [], []]
    for p, st in walked:
        if p.startswith(inc) and p.endswith(".h"):
            groups[3 if p[len(inc) :].startswith("tables/") else 0].append((p, st))
        elif p.startswith(src):
            if p.endswith(".h"):
                groups[1].append((p, st))
            elif with_c and p.endswith(".c"):
                groups[2].append((p, st))
    out = []
    for g in groups:
        out += sorted(g, key=lambda ps: ps[0].split("/"))
    return out


def scan(
    root: Path,
    with_c: bool = True,
    memo: FileMemo | None = None,
    walked: list[tuple[str, os.stat_result]] | None = None,
) -> DefineScan:
    """Every #define of include/ (X-macro tables excluded), src/**.h and (``with_c``) src/**.c,
    and the #if regions of those files and the tables. ``memo``: per-file results of an
    earlier scan (only new or changed files are read); ``walked``: the ``_walk`` of this
    tree, when the caller has it."""
    res = DefineScan()
    inc = f"{root / 'include'}/"
    tables = f"{inc}tables/"
    cut = len(str(root)) + 1
    for sp, st in _listing(root, with_c, walked if walked is not None else _walk(root, with_c)):
        rel = sp[cut:]
        header = sp.startswith(inc) and "/" not in sp[len(inc) :]
        want_sites = not sp.startswith(tables)
        if memo is None:
            guarded, sites, blocks, problems = _scan_one(sp, rel, header, want_sites)
        else:
            guarded, sites, blocks, problems = memo.get(
                sp, st, lambda f, rel=rel, h=header, w=want_sites: _scan_one(f, rel, h, w)
            )
        if guarded:
            res.headers.append(sp[len(inc) :])
        for s in sites:
            res.sites.setdefault(s.name, []).append(s)
        if blocks:
            res.blocks[rel] = blocks
        if problems:
            res.problems[rel] = problems
    return res


def _pickled(path: Path, compute: Callable[[], T]) -> T:
    """``compute()``, remembered in ``path`` (written atomically; a damaged file is redone)."""
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError):
        pass
    got = compute()
    _write(path, got)
    return got


def _write(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    dump_pickle(path, obj)


def scan_cached(root: Path, cache_dir: Path, with_c: bool = True, stats: TreeStats | None = None) -> DefineScan:
    """``scan``, remembered while no scanned file changes (size, mtime, the set of files);
    after an edit only the edited files are scanned again. ``stats``: this run's walk."""
    fp, walked, whole = _fingerprint(root, cache_dir, with_c, stats)
    got = _remembered(fp, whole)
    if got is not None:
        return got
    memo = FileMemo(cache_dir / "scan-files.pkl", _SCAN_TAG)
    got = scan(root, with_c, memo, walked)
    memo.save()
    _write(whole, (fp, got))
    _LAST_SCAN[whole] = (fp, got)
    return got


def scan_if_fresh(
    root: Path, cache_dir: Path, with_c: bool = True, stats: TreeStats | None = None
) -> DefineScan | None:
    """The remembered ``scan_cached`` result while no scanned file changed, else None."""
    fp, _, whole = _fingerprint(root, cache_dir, with_c, stats)
    return _remembered(fp, whole)


def scan_and_probe(
    root: Path, cache_dir: Path, args: list[str], stamp: str | None = None
) -> tuple[DefineScan, dict[str, int]]:
    """``scan_cached``, then ``evaluate_cached`` of one version's flags (``args``): one task
    for a worker on a cold cache."""
    dscan = scan_cached(root, cache_dir)
    return dscan, evaluate_cached(root, args, dscan.probe_names(), dscan.headers, cache_dir, dscan.conditions(), stamp)


def _fingerprint(
    root: Path, cache_dir: Path, with_c: bool, stats: TreeStats | None
) -> tuple[str, list[tuple[str, os.stat_result]], Path]:
    h = hashlib.sha1(f"v4:{with_c}:{root}".encode())
    walked = _walk(root, with_c, stats)
    h.update("".join(sorted(f"{p}:{st.st_size}:{st.st_mtime_ns}\n" for p, st in walked)).encode())
    return h.hexdigest(), walked, cache_dir / f"scan-{'c' if with_c else 'h'}.pkl"


def _remembered(fp: str, whole: Path) -> DefineScan | None:
    got = _LAST_SCAN.get(whole)
    if got is not None and got[0] == fp:
        return got[1]  # the same process asked before (c_source does, after the extraction)
    try:
        with open(whole, "rb") as fh:
            got_fp, scan_ = pickle.load(fh)
        if got_fp == fp:
            _LAST_SCAN[whole] = (fp, scan_)
            return scan_
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
        pass
    return None


# the last scan per cache file in this process, with its fingerprint (callers do not change
# a DefineScan)
_LAST_SCAN: dict[Path, tuple[str, DefineScan]] = {}


def active(sites: list[DefineSite], truth: dict[str, int]) -> DefineSite | None:
    """The first definition whose #if branches hold in a version (``truth``: the probe's
    results; a condition missing there, one the probe could not evaluate, counts as true)."""
    for s in sites:
        if all(truth.get(_COND_PREFIX + c, 1) for c in s.conds):
            return s
    return None


def include_stamp(root: Path, stats: TreeStats | None = None) -> str:
    """Size and mtime of every file of include/ (what the probe reads)."""
    files = (stats or TreeStats(root)).files("include")
    return hashlib.sha1("".join(sorted(f"{p}:{st.st_size}:{st.st_mtime_ns}\n" for p, st in files)).encode()).hexdigest()


def probe_path(
    root: Path,
    args: list[str],
    names: list[str],
    headers: list[str],
    cache_dir: Path,
    conds: list[str] | None = None,
    stamp: str | None = None,
) -> Path:
    """Where ``evaluate_cached`` keeps the result for these inputs (``stamp``: the
    ``include_stamp``, computed here when not given)."""
    h = hashlib.sha1(repr((args, names, headers, conds)).encode())
    h.update((stamp or include_stamp(root)).encode())
    return cache_dir / f"{h.hexdigest()}.pkl"


def load_probe(path: Path) -> dict[str, int] | None:
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError):
        return None


def evaluate_cached(
    root: Path,
    args: list[str],
    names: list[str],
    headers: list[str],
    cache_dir: Path,
    conds: list[str] | None = None,
    stamp: str | None = None,
) -> dict[str, int]:
    """``evaluate``, remembered while the flags and every file of include/ are unchanged."""
    return _pickled(
        probe_path(root, args, names, headers, cache_dir, conds, stamp),
        lambda: evaluate(root, args, names, headers, conds),
    )


def evaluate(
    root: Path, args: list[str], names: list[str], headers: list[str], conds: list[str] | None = None
) -> dict[str, int]:
    """Macro values (by name) and #if condition truths (key ``"#if:" + condition``, 0/1)."""
    conds = conds or []
    src = "".join(f'#include "{h}"\n' for h in headers)
    src += "".join(f"#ifdef {n}\nstatic const long long __ootkg_d{i} = ({n});\n#endif\n" for i, n in enumerate(names))
    first = src.count("\n") + 1  # the line of the first condition's #if
    src += "".join(
        f"#if {c}\nstatic const int __ootkg_c{i} = 1;\n#else\nstatic const int __ootkg_c{i} = 0;\n#endif\n"
        for i, c in enumerate(conds)
    )
    probe = str(root / "ootkg_defines_probe.c")
    tu = ci.Index.create().parse(
        probe, args=args, unsaved_files=[(probe, src)], options=ci.TranslationUnit.PARSE_SKIP_FUNCTION_BODIES
    )
    out: dict[str, int] = {}
    bad_conds = {
        d.location.line
        for d in tu.diagnostics
        if d.severity >= 3 and d.location.file is not None and d.location.file.name == probe
    }
    for c in tu.cursor.get_children():
        if c.kind != ci.CursorKind.VAR_DECL or not c.spelling.startswith("__ootkg_"):
            continue
        if c.spelling.startswith("__ootkg_d"):
            v = eval_int(c)
            if v is not None:
                out[names[int(c.spelling[9:])]] = v
        elif first + 5 * int(c.spelling[9:]) not in bad_conds:  # 5 lines per condition
            v = eval_int(c)
            if v is not None:
                out[_COND_PREFIX + conds[int(c.spelling[9:])]] = v
    return out
