"""The ROM spec (``spec/spec`` + ``spec/*.inc``) run through the C preprocessor per version.

Interface:

    spec = read_spec(checkout, version)   # SpecInfo
    spec.segments                         # list[SpecSegment]: name, number, romalign, compress,
                                          #   overlay, includes (the .o paths)
    spec.tus                              # list[SpecTU]: path of each compiled .c, its segment
                                          #   (and the combined object it is linked through)
    spec.unresolved                       # objects under src/ no source or Makefile rule makes
    spec_mentions(checkout)               # every .c any spec line names, with its #if context

An object the spec names is the ``.c`` of the same name, or, when a Makefile rule makes it
from other objects (``ingest.checkout.make_rules``), the ``.c`` files of those.

The spec's ``#if`` lines are evaluated by clang's own preprocessor with the
version's defines (``ingest.checkout.flags.version_defines``): every spec line is turned into a
marker declaration, and the markers that survive preprocessing are the lines
that version keeps. ``#include "x.inc"`` is inlined first; other includes
(``include/versions.h``) stay real includes.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from ingest.checkout.flags import BASE_ARGS, version_defines
from ingest.checkout.make_rules import PatternRules, expand, generated_objects, object_rules
from kg.persist import dump_pickle

if TYPE_CHECKING:
    from ingest.checkout.checkout import Checkout
    from ingest.checkout.versions import VersionInfo

_DIRECTIVE = re.compile(r"^\s*#")
_INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


class SpecSegment(BaseModel):
    name: str
    number: int | None = None
    romalign: int | None = None
    compress: bool = False
    overlay: bool = False
    includes: list[str] = []


class SpecTU(BaseModel):
    path: str  # relative to the checkout, e.g. src/code/z_actor.c
    segment: str
    via: str | None = None  # the object the spec names when a Makefile rule combines several


class SpecInfo(BaseModel):
    version: str
    segments: list[SpecSegment]
    tus: list[SpecTU]
    unresolved: list[SpecTU] = []  # path: an object under src/ nothing makes (no .c/.s/rule)
    # the sources of src/ objects in link order, .c and .s (what lies where in the ROM)
    link_order: list[str] = []


@dataclass
class _Flattened:
    code: list[str] = field(default_factory=list)
    runs: list[list[str]] = field(default_factory=list)  # marker index -> its spec lines
    where: list[list[str]] = field(default_factory=list)  # marker index -> file:line of each
    conds: list[tuple[str, ...]] = field(default_factory=list)  # marker index -> enclosing #ifs
    files: list[str] = field(default_factory=list)  # the spec files read (inlined includes)


_COND_OPEN = re.compile(r"^\s*#\s*(if|ifdef|ifndef)\b")
_COND_NEXT = re.compile(r"^\s*#\s*(elif|else)\b")
_COND_END = re.compile(r"^\s*#\s*endif\b")


def _flatten(path: Path, root: Path, out: _Flattened, depth: int = 0, stack: list[str] | None = None) -> None:
    if depth > 20:
        return
    stack = [] if stack is None else stack
    out.files.append(str(path))
    rel = path.relative_to(root) if path.is_relative_to(root) else path
    for n, raw in enumerate(path.read_text(errors="replace").splitlines(), 1):
        m = _INC.match(raw)
        if m:
            inc = m.group(1)
            for cand in (path.parent / inc, root / inc, root / "spec" / inc):
                if cand.is_file() and cand.suffix != ".h":
                    _flatten(cand, root, out, depth + 1, stack)
                    break
            else:
                out.code.append(raw)
            continue
        if _DIRECTIVE.match(raw):
            out.code.append(raw)
            text = " ".join(raw.split("//", 1)[0].split())
            if _COND_OPEN.match(raw):
                stack.append(f"{rel}:{n}: {text}")
            elif _COND_NEXT.match(raw) and stack:
                stack[-1] = f"{stack[-1]} ... {rel}:{n}: {text}"
            elif _COND_END.match(raw) and stack:
                stack.pop()
            continue
        text = raw.split("//", 1)[0].strip()
        if text:
            # one marker per run of plain lines (a run survives or not as a whole)
            if not out.code or not out.code[-1].startswith("int __ootkg_spec_"):
                out.code.append(f"int __ootkg_spec_{len(out.runs)};")
                out.runs.append([])
                out.where.append([])
                out.conds.append(tuple(stack))
            out.runs[-1].append(text)
            out.where[-1].append(f"{rel}:{n}")


def _spec_stamp(spec: Path) -> tuple:
    d = spec.parent
    return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in d.iterdir() if p.is_file()))


@lru_cache(maxsize=4)
def _flattened(spec: Path, root: Path, stamp: tuple) -> _Flattened:
    flat = _Flattened()
    _flatten(spec, root, flat)
    return flat


def _int(tok: str) -> int | None:
    try:
        return int(tok, 0)
    except ValueError:
        return None


@lru_cache(maxsize=65536)
def _is_file(p: str) -> bool:
    return os.path.isfile(p)


def object_path(include: str) -> str | None:
    """``$(BUILD_DIR)/src/x.o`` -> ``src/x.o``; None for linker-only entries (``*...``)."""
    if include.startswith("*"):
        return None
    return re.sub(r"^\$\([A-Z_]+\)/", "", include)


@dataclass
class MakeRules:
    objects: dict[str, tuple[str, ...]] = field(default_factory=dict)  # explicit combining rules
    patterns: PatternRules = field(default_factory=PatternRules)  # objects made from build files


def resolve_object(
    obj: str, root: Path, is_file: Callable[[str], bool], rules: MakeRules, asm: list[str] | None = None
) -> tuple[list[str], list[str]]:
    """(the .c files an object is built from, the parts nothing makes). An assembly source
    (``.s``, added to ``asm`` when given) or a pattern rule making it from build files (an
    overlay's ``_reloc.o``) makes it, but not from C; objects outside ``src/`` (assets,
    extracted data) are not checked."""
    cs: list[str] = []
    missing: list[str] = []
    for part in expand(obj, rules.objects):
        if part.endswith(".c"):
            (cs if is_file(f"{root}/{part}") else missing).append(part)
            continue
        c = part[:-2] + ".c"
        if is_file(f"{root}/{c}"):
            cs.append(c)
        elif part.startswith("src/") and is_file(f"{root}/{part[:-2]}.s"):
            if asm is not None:
                asm.append(f"{part[:-2]}.s")
        elif part.startswith("src/") and not rules.patterns.makes(part, lambda p: is_file(f"{root}/{p}")):
            missing.append(part)
    return cs, missing


def makefile_rules(root: Path) -> MakeRules:
    mk = root / "Makefile"
    try:
        text = mk.read_text(errors="replace")
    except OSError:
        return MakeRules()
    return MakeRules(object_rules(text), generated_objects(text))


def parse_spec_lines(
    lines: list[str],
    root: Path,
    is_file: Callable[[str], bool] = _is_file,
    rules: MakeRules | None = None,
    order: list[str] | None = None,
) -> tuple[list[SpecSegment], list[SpecTU], list[SpecTU]]:
    """(segments, the .c TUs in link order, objects under src/ that nothing makes);
    ``order`` gets every .c and .s source in link order."""
    segs: list[SpecSegment] = []
    tus: list[SpecTU] = []
    unresolved: list[SpecTU] = []
    seen: set[str] = set()
    rules = rules or MakeRules()
    cur: SpecSegment | None = None
    for line in lines:
        parts = line.split(None, 1)
        key, rest = parts[0], (parts[1].strip() if len(parts) > 1 else "")
        if key == "beginseg":
            cur = SpecSegment(name="")
        elif key == "endseg":
            if cur is not None and cur.name:
                segs.append(cur)
            cur = None
        elif cur is None:
            continue
        elif key == "name":
            cur.name = rest.strip('"')
        elif key == "number":
            cur.number = _int(rest)
        elif key == "romalign":
            cur.romalign = _int(rest)
        elif key == "compress":
            cur.compress = True
        elif key == "flags":
            cur.overlay = "OVERLAY" in rest.split()
        elif key == "include":
            inc = rest.strip('"')
            cur.includes.append(inc)
            rel = object_path(inc)
            if rel is None or not rel.endswith(".o"):
                continue
            asm: list[str] = []
            cs, missing = resolve_object(rel, root, is_file, rules, asm)
            if order is not None:
                order.extend(asm if asm else cs)
            via = rel if rel in rules.objects else None
            for c in cs:
                if c not in seen:
                    seen.add(c)
                    tus.append(SpecTU(path=c, segment=cur.name, via=via))
            unresolved.extend(SpecTU(path=m, segment=cur.name, via=via) for m in missing)
    return segs, tus, unresolved


SPEC_CACHE_TAG = "spec-3"  # bump when what read_spec derives changes


def share_equal(specs: list[SpecInfo]) -> None:
    """Make the segments and TUs that several versions' specs hold alike one object (each
    spec comes from its own cache file: 16 versions held ~24k segments, ~30 MB, mostly
    equal)."""
    seen: dict[tuple, SpecSegment | SpecTU] = {}
    for spec in specs:
        spec.segments = [
            seen.setdefault(  # type: ignore[misc]
                ("s", s.name, s.number, s.romalign, s.compress, s.overlay, tuple(s.includes)), s
            )
            for s in spec.segments
        ]
        spec.tus = [
            seen.setdefault(("t", t.path, t.segment, t.via), t)  # type: ignore[misc]
            for t in spec.tus
        ]
        spec.link_order = [sys.intern(p) for p in spec.link_order]


def read_spec(
    checkout: Checkout, version: VersionInfo, cache_dir: Path | None = None, seen: dict[str, bool] | None = None
) -> SpecInfo:
    """The version's spec. With ``cache_dir``, remembered until a file the preprocessor read
    (spec files, the headers they include) changes, or a compiled .c appears or goes
    (``seen``: existence checks already made in this run, shared by the versions)."""
    if cache_dir is None:
        return _read_spec(checkout, version)[0]
    key = hashlib.sha1(
        repr(
            (
                SPEC_CACHE_TAG,
                str(checkout.root),
                str(checkout.spec_path),
                BASE_ARGS,
                version_defines(checkout.root, version),
            )
        ).encode()
    )
    path = cache_dir / "spec" / f"{version.id}-{key.hexdigest()[:16]}.pkl"
    try:
        with open(path, "rb") as fh:
            info, deps, checked = pickle.load(fh)
        if seen is None:
            seen = {}
        if all(_stat(p) == st for p, st in deps.items()) and all(_isfile(p, seen) == e for p, e in checked.items()):
            return info
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
        pass
    info, deps, checked = _read_spec(checkout, version)
    if deps is None:
        return info
    path.parent.mkdir(parents=True, exist_ok=True)
    dump_pickle(path, (info, deps, checked))
    return info


def _isfile(path: str, seen: dict[str, bool]) -> bool:
    got = seen.get(path)
    if got is None:
        got = seen[path] = os.path.isfile(path)
    return got


def _stat(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def _read_spec(
    checkout: Checkout, version: VersionInfo
) -> tuple[SpecInfo, dict[str, tuple[int, int] | None] | None, dict[str, bool]]:
    """(the spec, (size, mtime) of every file read or None when the preprocessor reported an
    error such as a missing include, the .c existence checks made)."""
    import clang.cindex as ci

    flat = _flattened(checkout.spec_path, checkout.root, _spec_stamp(checkout.spec_path))
    src = "\n".join(flat.code) + "\n"
    args = (
        BASE_ARGS + version_defines(checkout.root, version) + [f"-I{checkout.root}", f"-I{checkout.root / 'include'}"]
    )
    name = str(checkout.root / "ootkg_spec_probe.c")
    tu = ci.Index.create().parse(
        name, args=args, unsaved_files=[(name, src)], options=ci.TranslationUnit.PARSE_SKIP_FUNCTION_BODIES
    )
    kept: list[int] = []
    for c in tu.cursor.get_children():
        s = c.spelling
        if s.startswith("__ootkg_spec_"):
            kept.append(int(s[len("__ootkg_spec_") :]))
    kept.sort()
    checked: dict[str, bool] = {}

    def is_file(p: str) -> bool:
        got = checked[p] = os.path.isfile(p)
        return got

    order: list[str] = []
    segs, tus, unresolved = parse_spec_lines(
        [line for i in kept for line in flat.runs[i]], checkout.root, is_file, makefile_rules(checkout.root), order
    )
    inputs = [
        *flat.files,
        *(str(p) for p in checkout.spec_path.parent.iterdir()),
        *(inc.include.name for inc in tu.get_includes()),
        str(checkout.root / "Makefile"),
    ]
    deps: dict[str, tuple[int, int] | None] | None = {p: _stat(p) for p in inputs}
    if any(d.severity >= ci.Diagnostic.Error for d in tu.diagnostics):
        deps = None  # e.g. an include not found: what it would hold is not known
    return SpecInfo(version=version.id, segments=segs, tus=tus, unresolved=unresolved, link_order=order), deps, checked


@dataclass(frozen=True)
class Mention:
    """A spec line that names an object, with the ``#if`` blocks around it."""

    where: str  # spec file:line
    object: str  # build-relative, e.g. src/code/z_a_b.o
    conds: tuple[str, ...]  # "spec/spec:108: #ifdef COMPILER_GCC", outermost first


def spec_mentions(checkout: Checkout) -> dict[str, list[Mention]]:
    """Every .c file any line of the spec names (through Makefile rules too), whatever the
    version: the lines and the ``#if`` context each sits in."""
    flat = _flattened(checkout.spec_path, checkout.root, _spec_stamp(checkout.spec_path))
    rules = makefile_rules(checkout.root)
    out: dict[str, list[Mention]] = {}
    for run, where, conds in zip(flat.runs, flat.where, flat.conds, strict=True):
        for line, at in zip(run, where, strict=True):
            parts = line.split(None, 1)
            if parts[0] != "include" or len(parts) < 2:
                continue
            rel = object_path(parts[1].strip().strip('"'))
            if rel is None or not rel.endswith(".o"):
                continue
            for c in resolve_object(rel, checkout.root, _is_file, rules)[0]:
                out.setdefault(c, []).append(Mention(where=at, object=rel, conds=conds))
    return out
