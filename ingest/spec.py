"""The ROM spec (``spec/spec`` + ``spec/*.inc``) run through the C preprocessor per version.

Interface:

    spec = read_spec(checkout, version)   # SpecInfo
    spec.segments                         # list[SpecSegment]: name, number, romalign, compress,
                                          #   overlay, includes (the .o paths)
    spec.tus                              # list[SpecTU]: path of each compiled .c, its segment

The spec's ``#if`` lines are evaluated by clang's own preprocessor with the
version's defines (``cenv.version_defines``): every spec line is turned into a
marker declaration, and the markers that survive preprocessing are the lines
that version keeps. ``#include "x.inc"`` is inlined first; other includes
(``include/versions.h``) stay real includes.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    from ingest.checkout import Checkout, VersionInfo

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


class SpecInfo(BaseModel):
    version: str
    segments: list[SpecSegment]
    tus: list[SpecTU]


@dataclass
class _Flattened:
    code: list[str] = field(default_factory=list)
    runs: list[list[str]] = field(default_factory=list)  # marker index -> its spec lines
    files: list[str] = field(default_factory=list)  # the spec files read (inlined includes)


def _flatten(path: Path, root: Path, out: _Flattened, depth: int = 0) -> None:
    if depth > 20:
        return
    out.files.append(str(path))
    for raw in path.read_text(errors="replace").splitlines():
        m = _INC.match(raw)
        if m:
            inc = m.group(1)
            for cand in (path.parent / inc, root / inc, root / "spec" / inc):
                if cand.is_file() and cand.suffix != ".h":
                    _flatten(cand, root, out, depth + 1)
                    break
            else:
                out.code.append(raw)
            continue
        if _DIRECTIVE.match(raw):
            out.code.append(raw)
            continue
        text = raw.split("//", 1)[0].strip()
        if text:
            # one marker per run of plain lines (a run survives or not as a whole)
            if not out.code or not out.code[-1].startswith("int __ootkg_spec_"):
                out.code.append(f"int __ootkg_spec_{len(out.runs)};")
                out.runs.append([])
            out.runs[-1].append(text)


def _spec_stamp(spec: Path) -> tuple:
    d = spec.parent
    return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in d.iterdir()
                        if p.is_file()))


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


def parse_spec_lines(lines: list[str], root: Path, is_file: Callable[[str], bool] = _is_file
                     ) -> tuple[list[SpecSegment], list[SpecTU]]:
    segs: list[SpecSegment] = []
    tus: list[SpecTU] = []
    seen: set[str] = set()
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
            if inc.startswith("*"):
                continue
            rel = re.sub(r"^\$\([A-Z_]+\)/", "", inc)
            if rel.endswith(".o"):
                c = rel[:-2] + ".c"
                if c not in seen and is_file(f"{root}/{c}"):
                    seen.add(c)
                    tus.append(SpecTU(path=c, segment=cur.name))
    return segs, tus


SPEC_CACHE_TAG = "spec-1"  # bump when what read_spec derives changes


def share_equal(specs: list[SpecInfo]) -> None:
    """Make the segments and TUs that several versions' specs hold alike one object (each
    spec comes from its own cache file: 16 versions held ~24k segments, ~30 MB, mostly
    equal)."""
    seen: dict[tuple, SpecSegment | SpecTU] = {}
    for spec in specs:
        spec.segments = [seen.setdefault(  # type: ignore[misc]
            ("s", s.name, s.number, s.romalign, s.compress, s.overlay, tuple(s.includes)), s)
            for s in spec.segments]
        spec.tus = [seen.setdefault(("t", t.path, t.segment), t)  # type: ignore[misc]
                    for t in spec.tus]


def read_spec(checkout: Checkout, version: VersionInfo, cache_dir: Path | None = None,
              seen: dict[str, bool] | None = None) -> SpecInfo:
    """The version's spec. With ``cache_dir``, remembered until a file the preprocessor read
    (spec files, the headers they include) changes, or a compiled .c appears or goes
    (``seen``: existence checks already made in this run, shared by the versions)."""
    if cache_dir is None:
        return _read_spec(checkout, version)[0]
    from ingest.cenv import BASE_ARGS, version_defines

    key = hashlib.sha1(repr((SPEC_CACHE_TAG, str(checkout.root), str(checkout.spec_path),
                             BASE_ARGS, version_defines(checkout, version))).encode())
    path = cache_dir / "spec" / f"{version.id}-{key.hexdigest()[:16]}.pkl"
    try:
        with open(path, "rb") as fh:
            info, deps, checked = pickle.load(fh)
        if seen is None:
            seen = {}
        if (all(_stat(p) == st for p, st in deps.items())
                and all(_isfile(p, seen) == e for p, e in checked.items())):
            return info
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
        pass
    info, deps, checked = _read_spec(checkout, version)
    if deps is None:
        return info
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        pickle.dump((info, deps, checked), fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
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


def _read_spec(checkout: Checkout, version: VersionInfo
               ) -> tuple[SpecInfo, dict[str, tuple[int, int] | None] | None, dict[str, bool]]:
    """(the spec, (size, mtime) of every file read or None when the preprocessor reported an
    error such as a missing include, the .c existence checks made)."""
    import clang.cindex as ci

    from ingest.cenv import BASE_ARGS, version_defines

    flat = _flattened(checkout.spec_path, checkout.root, _spec_stamp(checkout.spec_path))
    src = "\n".join(flat.code) + "\n"
    args = BASE_ARGS + version_defines(checkout, version) + [
        f"-I{checkout.root}", f"-I{checkout.root / 'include'}"]
    name = str(checkout.root / "ootkg_spec_probe.c")
    tu = ci.Index.create().parse(name, args=args, unsaved_files=[(name, src)],
                                 options=ci.TranslationUnit.PARSE_SKIP_FUNCTION_BODIES)
    kept: list[int] = []
    for c in tu.cursor.get_children():
        s = c.spelling
        if s.startswith("__ootkg_spec_"):
            kept.append(int(s[len("__ootkg_spec_"):]))
    kept.sort()
    checked: dict[str, bool] = {}

    def is_file(p: str) -> bool:
        got = checked[p] = os.path.isfile(p)
        return got

    segs, tus = parse_spec_lines([line for i in kept for line in flat.runs[i]], checkout.root,
                                 is_file)
    deps = {p: _stat(p) for p in [*flat.files, *(str(p) for p in
                                                  checkout.spec_path.parent.iterdir()),
                                  *(inc.include.name for inc in tu.get_includes())]}
    if any(d.severity >= ci.Diagnostic.Error for d in tu.diagnostics):
        deps = None  # e.g. an include not found: what it would hold is not known
    return SpecInfo(version=version.id, segments=segs, tus=tus), deps, checked
