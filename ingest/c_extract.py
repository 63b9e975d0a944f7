"""Extract C facts from one translation unit with libclang (runs in worker processes).

``extract_tu(job) -> TURecord``: parse the TU with bodies, walk its top-level
declarations once, and return plain tuples (picklable, cacheable, version-free):
functions (definitions and prototypes), call edges (natively, see ``cwalk``),
structs/unions with MIPS sizes/alignments and field offsets, enums, typedefs,
globals, actor/effect profiles (evaluated through libclang, not regex),
``#include "assets/objects/..."`` lines and the parse's diagnostics. What each
declaration yields comes from ``c_decls`` (natively, in one call per TU, when the
helper is built); this module files it under the main file or its header.

Header declarations are reported once per worker and header: ``covered`` keeps
the headers already walked for a given version key, so the 100+ headers each
actor includes are not re-walked 790 times.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import clang.cindex as ci

from ingest.c_decls import PROFILE_TYPES, native_decls, profile, python_decls

log = logging.getLogger(__name__)

EXTRACTOR_VERSION = "c-extract-9"  # 9: inner lists are tuples (records share them)
# #include "assets/objects/<object>/....h" lines: the quoted path, then what precedes it on its line
_OBJ_PATH = re.compile(r'"assets/objects/([^/"]+)/[^"]+\.h"')
_INCLUDE_PREFIX = re.compile(r'[ \t]*#[ \t]*include[ \t]+')


@dataclass
class Job:
    tu: str                 # checkout-relative path
    args: list[str]
    root: str
    stub_dir: str
    header_keys: dict[str, str]  # abs header path -> key: walked once per worker per key
    key: str                # cache key of the whole record
    fallback_args: list[str] | None = None  # without the PCH, if parsing with it fails
    extra_deps: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # the PCH's
    claims: dict[str, str] = field(default_factory=dict)  # (header, key)s this parse accounts for
    walk_headers: bool = True  # False: the .c's own declarations only (the headers are known)


def apply_pch(job: Job, pch: Path | None, pch_deps: dict[str, tuple[int, int, str]]) -> Job:
    """``job`` parsed with a precompiled header (and again without it if that parse has
    errors); the PCH's inputs become the record's dependencies."""
    if pch is not None:
        job.fallback_args = job.args
        job.args = [*job.args, "-include-pch", str(pch)]
        job.extra_deps = pch_deps
    return job


@dataclass
class Ents:
    """What one file contributes to one parse."""
    functions: list[tuple] = field(default_factory=list)   # see _function()
    calls: list[tuple] = field(default_factory=list)       # (caller, callee, count)
    indirect: dict[str, int] = field(default_factory=dict)
    runtime_objects: list[tuple] = field(default_factory=list)  # (caller, callee, OBJECT_X)
    structs: list[tuple] = field(default_factory=list)
    enums: list[tuple] = field(default_factory=list)
    typedefs: list[tuple] = field(default_factory=list)
    globals: list[tuple] = field(default_factory=list)
    profiles: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class TURecord:
    tu: str
    key: str
    sha: str = ""
    main: Ents = field(default_factory=Ents)  # the .c (and the .inc.c files it includes)
    headers: dict[str, Ents] = field(default_factory=dict)  # headers first walked here
    hkeys: dict[str, str] = field(default_factory=dict)     # their keys
    claims: dict[str, str] = field(default_factory=dict)    # headers it answers for (planning)
    object_includes: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)    # path -> sha of files it read
    deps: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # abs -> (size, mtime, sha)
    diagnostics: list[tuple] = field(default_factory=list)  # (severity, file, line, message)
    errors: int = 0
    warnings: int = 0
    failed: str | None = None


class _Worker:
    def __init__(self, cache_dir: str) -> None:
        from ingest.cwalk import load_helpers

        self.index = ci.Index.create(excludeDecls=True)
        self.h = load_helpers(Path(cache_dir))
        self.covered: set[tuple[str, str]] = set()  # (header, its key) already walked
        self.stat: dict[str, tuple[int, int, str]] = {}

    def dep(self, path: str) -> tuple[int, int, str]:
        got = self.stat.get(path)
        if got is None:
            try:
                st = os.stat(path)
                with open(path, "rb") as fh:
                    got = (st.st_size, st.st_mtime_ns, hashlib.sha1(fh.read()).hexdigest())
            except OSError:
                got = (-1, 0, "")
            self.stat[path] = got
        return got


_W: _Worker | None = None


def init_worker(cache_dir: str) -> None:
    global _W
    _W = _Worker(cache_dir)


def _rel(path: str, root: str, stub_dir: str) -> str:
    if path.startswith(stub_dir):
        return path[len(stub_dir):].lstrip("/")
    if path.startswith(root):
        return path[len(root):].lstrip("/")
    return path


def _object_includes(text: str) -> list[str]:
    """The objects of the ``#include "assets/objects/<object>/...h"`` lines (a search for the
    literal path first: 10x cheaper than a multiline regex anchored at every line start)."""
    out = set()
    for m in _OBJ_PATH.finditer(text):
        s = m.start()
        if _INCLUDE_PREFIX.fullmatch(text, text.rfind("\n", 0, s) + 1, s):
            out.add(m.group(1))
    return sorted(out)


def extract_tu(job: Job) -> TURecord:
    assert _W is not None, "init_worker first"
    rec = TURecord(tu=job.tu, key=job.key)
    path = os.path.join(job.root, job.tu)
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        rec.failed = f"unreadable: {e}"
        return rec
    rec.sha = hashlib.sha1(data).hexdigest()
    text = data.decode("utf-8", "replace")
    rec.object_includes = _object_includes(text)
    try:
        tu = _W.index.parse(path, args=job.args, options=0)
        if job.fallback_args is not None and any(
                d.severity >= ci.Diagnostic.Error for d in tu.diagnostics):
            log.info("%s: errors with the PCH; parsing without it", job.tu)
            tu = _W.index.parse(path, args=job.fallback_args, options=0)
        else:
            rec.deps.update(job.extra_deps)
    except ci.TranslationUnitLoadError as e:
        rec.failed = f"libclang could not parse it: {e}"
        return rec
    root, stub = job.root.rstrip("/") + "/", job.stub_dir.rstrip("/") + "/"
    h = _W.h
    rec.deps[path] = _W.dep(path)
    for name in h.includes(tu):
        if name not in rec.deps:
            rec.deps[name] = _W.dep(name)
    for d in tu.diagnostics:
        if d.severity >= ci.Diagnostic.Warning:
            loc = d.location
            f = _rel(loc.file.name, root, stub) if loc.file else job.tu
            rec.diagnostics.append((d.severity, f, loc.line, d.spelling))
            if d.severity >= ci.Diagnostic.Error:
                rec.errors += 1
            else:
                rec.warnings += 1
    covered = _W.covered
    walked_now: set[tuple[str, str]] = set()
    top = h.toplevel(tu)
    rels: list[str] = []
    want = bytearray(len(top.names))  # per file: see c_decls
    for fi, fname in enumerate(top.names):
        if not fname:
            rels.append("")
            continue
        rel = _rel(fname, root, stub)
        rels.append(rel)
        is_stub = fname.startswith(stub)
        is_main = not fname.endswith(".h")
        outside = not is_stub and not fname.startswith(root)
        hk = job.header_keys.get(fname) or ("tu:" + job.key)
        skip = is_stub or outside or (not is_main and (not job.walk_headers
                                                       or (rel, hk) in covered))
        if not is_main and not skip:
            walked_now.add((rel, hk))
            rec.hkeys[rel] = hk
        if not is_stub and not outside:
            rec.files[rel] = _W.dep(fname)[2]
        want[fi] = (3 if skip else 2) if is_main else (0 if skip else 1)
    if h.describe is not None:
        decls = native_decls(h.describe(top, bytes(want)), top.file_of, rels)
    else:
        decls = python_decls(top.cursors, top.file_of, want, rels, h.calls)
    _file(rec, decls, top, want, rels, tu)
    covered |= walked_now
    for e in [rec.main, *rec.headers.values()]:
        agg: dict[tuple[str, str], int] = {}
        for a, b, n in e.calls:
            agg[(a, b)] = agg.get((a, b), 0) + n
        e.calls = [(a, b, n) for (a, b), n in agg.items()]
    return rec


def _file(rec: TURecord, decls: list[tuple], top: Any, want: bytearray, rels: list[str],
          tu: ci.TranslationUnit) -> None:
    """Sort ``c_decls`` entries into the record: the main file's and each walked header's."""
    for fi in dict.fromkeys(top.file_of):  # headers in the order the parse reaches them
        if want[fi] == 1:
            rec.headers.setdefault(rels[fi], Ents())
    main_defs = {d[3] for d in decls if d[0] == "D"}
    main_defs.update(d[4][0] for d in decls if d[0] == "F" and d[3] and want[d[1]] == 2)
    seen_records: set[str] = set()
    for d in decls:
        kind, fi = d[0], d[1]
        if kind == "D":
            continue
        is_main = want[fi] == 2
        e = rec.main if is_main else rec.headers[rels[fi]]
        if kind == "F":
            fn = d[4]
            if d[3]:
                e.functions.append(fn)
                name = fn[0]
                n_ind = 0
                for typ, callee, objs in d[5]:
                    if typ == "C":
                        e.calls.append((name, callee, 1))
                        for o in objs:
                            e.runtime_objects.append((name, callee, o))
                    else:
                        n_ind += 1
                if n_ind:
                    e.indirect[name] = e.indirect.get(name, 0) + n_ind
            elif not (is_main and fn[0] in main_defs):  # a forward declaration
                e.functions.append(fn)
        elif kind == "S":
            if d[3] not in seen_records:
                seen_records.add(d[3])
                e.structs.append(d[4])
        elif kind == "E":
            e.enums.append(d[3])
        elif kind == "T":
            td, anon = d[3], d[4]
            if anon is not None:
                if anon[0] == "R":
                    if td[0] not in seen_records:
                        seen_records.add(td[0])
                        e.structs.append(anon[1])
                else:
                    line = anon[1][2]
                    e.enums = [x for x in e.enums if not (x[0] == "" and x[2] == line)]
                    e.enums.append(anon[1])
            e.typedefs.append(td)
        elif kind == "V":
            g = d[3]
            e.globals.append(g)
            tname = g[1].replace("const ", "")
            if tname in PROFILE_TYPES and d[4]:
                c = top.cursors[d[2]]
                c._tu = tu
                p = profile(c, tname, rels[fi])
                if p:
                    e.profiles.append(p)
