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

import os
import re
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


def _flatten(path: Path, root: Path, out: _Flattened, depth: int = 0) -> None:
    if depth > 20:
        return
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


def parse_spec_lines(lines: list[str], root: Path) -> tuple[list[SpecSegment], list[SpecTU]]:
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
                if c not in seen and _is_file(f"{root}/{c}"):
                    seen.add(c)
                    tus.append(SpecTU(path=c, segment=cur.name))
    return segs, tus


def read_spec(checkout: Checkout, version: VersionInfo) -> SpecInfo:
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
    segs, tus = parse_spec_lines([line for i in kept for line in flat.runs[i]], checkout.root)
    return SpecInfo(version=version.id, segments=segs, tus=tus)
