"""Extract C facts from one translation unit with libclang (runs in worker processes).

``extract_tu(job) -> TURecord``: parse the TU with bodies, walk its top-level
declarations once, and return plain tuples (picklable, cacheable, version-free):
functions (definitions and prototypes), call edges (natively, see ``ingest.c.walk``),
structs/unions with MIPS sizes/alignments and field offsets, enums, typedefs,
globals, actor/effect profiles (evaluated through libclang, not regex),
``#include "assets/objects/..."`` lines and the parse's diagnostics. What each
declaration yields comes from ``ingest.c.decls`` (natively, in one call per TU, when the
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

from ingest.c.decls import PROFILE_TYPES, native_decls, profile, python_decls
from ingest.c.records import Ents, Enum, Field, Function, Global, Record, TURecord, Typedef
from ingest.c.texts import Texts, file_skipped, rel_path, split_lines

log = logging.getLogger(__name__)

# 11: the entries are named tuples (ingest.c.records). 10: source text and extents, wiring
# (assignments, passed functions, call lines), skipped
# #if ranges, bitfields and flattened anonymous members, initializers
EXTRACTOR_VERSION = "c-extract-11"
# the parse keeps a detailed preprocessing record: which #if branches it skipped
PARSE_OPTIONS = ci.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD
# #include "assets/objects/<object>/....h" lines: the quoted path, then what precedes it on its line
_OBJ_PATH = re.compile(r'"assets/objects/([^/"]+)/[^"]+\.h"')
_INCLUDE_PREFIX = re.compile(r"[ \t]*#[ \t]*include[ \t]+")


@dataclass
class Job:
    tu: str  # checkout-relative path
    args: list[str]
    root: str
    stub_dir: str
    header_keys: dict[str, str]  # abs header path -> key: walked once per worker per key
    key: str  # cache key of the whole record
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


class _Worker:
    def __init__(self, cache_dir: str) -> None:
        from ingest.c.walk import load_helpers

        self.index = ci.Index.create(excludeDecls=True)
        self.h = load_helpers(Path(cache_dir))
        self.covered: set[tuple[str, str]] = set()  # (header, its key) already walked
        self.stat: dict[str, tuple[int, int, str]] = {}
        self.lines: dict[str, tuple[str, list[str], bool]] = {}  # path -> (sha, lines, utf-8)

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

    def file_lines(self, path: str) -> tuple[str, list[str], bool] | None:
        """(sha, lines, whether it is UTF-8) of a file other than the one parsed (a header,
        an included .c), read once per worker."""
        got = self.lines.get(path)
        if got is None:
            try:
                data = Path(path).read_bytes()
            except OSError:
                return None
            got = self.lines[path] = (hashlib.sha1(data).hexdigest(), *split_lines(data))
        return got


_W: _Worker | None = None


def init_worker(cache_dir: str) -> None:
    global _W
    _W = _Worker(cache_dir)


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
        before = os.stat(path)
        data = Path(path).read_bytes()
    except OSError as e:
        rec.failed = f"unreadable: {e}"
        return rec
    rec.sha = hashlib.sha1(data).hexdigest()
    main_lines, utf8 = split_lines(data)
    text = "\n".join(main_lines)
    rec.object_includes = _object_includes(text)
    # libclang parses the bytes read here (the text the facts quote is the text it parsed)
    unsaved = [(path, data)]
    try:
        tu = _W.index.parse(path, args=job.args, unsaved_files=unsaved, options=PARSE_OPTIONS)
        if job.fallback_args is not None and any(d.severity >= ci.Diagnostic.Error for d in tu.diagnostics):
            log.info("%s: errors with the PCH; parsing without it", job.tu)
            tu = _W.index.parse(path, args=job.fallback_args, unsaved_files=unsaved, options=PARSE_OPTIONS)
        else:
            rec.deps.update(job.extra_deps)
    except ci.TranslationUnitLoadError as e:
        rec.failed = f"libclang could not parse it: {e}"
        return rec
    root, stub = job.root.rstrip("/") + "/", job.stub_dir.rstrip("/") + "/"
    h = _W.h
    # the file as it was read (a later edit invalidates the record as any edit does)
    rec.deps[path] = (before.st_size, before.st_mtime_ns, rec.sha)
    _W.stat[path] = rec.deps[path]
    included = h.includes(tu)
    try:
        after = os.stat(path)
        if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            rec.text_notes.append(
                (
                    job.tu,
                    "changed while it was being parsed (its facts are "
                    "from the text read first; the next ingest reads "
                    "it again)",
                )
            )
    except OSError:
        rec.text_notes.append((job.tu, "deleted while it was being parsed"))
    if not utf8:
        rec.text_notes.append((job.tu, "not UTF-8 (its text is stored with U+FFFD for the bytes that are not)"))
    for name in included:
        if name not in rec.deps:
            rec.deps[name] = _W.dep(name)
    for d in tu.diagnostics:
        if d.severity >= ci.Diagnostic.Warning:
            loc = d.location
            f = rel_path(loc.file.name, root, stub) if loc.file else job.tu
            rec.diagnostics.append((d.severity, f, loc.line, d.spelling))
            if d.severity >= ci.Diagnostic.Error:
                rec.errors += 1
            else:
                rec.warnings += 1
    covered = _W.covered
    walked_now: set[tuple[str, str]] = set()
    top = h.toplevel(tu)
    rels: list[str] = []
    want = bytearray(len(top.names))  # per file: see ingest.c.decls
    for fi, fname in enumerate(top.names):
        if not fname:
            rels.append("")
            continue
        rel = rel_path(fname, root, stub)
        rels.append(rel)
        is_stub = fname.startswith(stub)
        is_main = not fname.endswith(".h")
        outside = not is_stub and not fname.startswith(root)
        hk = job.header_keys.get(fname) or ("tu:" + job.key)
        skip = is_stub or outside or (not is_main and (not job.walk_headers or (rel, hk) in covered))
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
    texts = Texts(root, stub, job.tu, main_lines, rec, _W)
    _file(rec, decls, top, want, rels, tu, texts)
    file_skipped(rec, h.skipped(tu), top, want, rels, root, stub, job, included, _W)
    covered |= walked_now
    for ents in [rec.main, *rec.headers.values()]:
        agg: dict[tuple[str, str], list[int]] = {}
        for a, b, n, line in ents.calls:
            got = agg.get((a, b))
            if got is None:
                agg[(a, b)] = [n, line]
            else:
                got[0] += n
                got[1] = min(got[1], line)
        ents.calls = [(a, b, n, line) for (a, b), (n, line) in agg.items()]
    return rec


def _record(r: tuple, texts: Texts) -> Record:
    """A ``ingest.c.decls`` record tuple with its fields, named, and its text (``_make``: the
    decls tuples are untyped, so their length is unknown to mypy)."""
    return Record._make((*r[:6], tuple(Field(*f) for f in r[6]), r[7], r[8], texts.span(r[4], r[7], r[8])))


def _body(e: Ents, name: str, body: list[tuple], param_sets: dict[int, dict[str, list]]) -> None:
    """What a function's body does (``ingest.c.walk.BodyFact``s): calls, indirect calls, functions it
    passes and stores; a store of one of its parameters is noted in ``param_sets``."""
    n_ind = 0
    for typ, target, extra, line in body:
        if typ == "C":
            e.calls.append((name, target, 1, line))
            for o in extra:
                e.runtime_objects.append((name, target, o))
        elif typ == "I":
            n_ind += 1
        elif typ == "P":
            e.passes.append((name, target, *extra, line))
        elif target.startswith("@"):
            param_sets.setdefault(id(e), {}).setdefault(name, []).append((int(target[1:]), *extra))
        else:
            e.assigns.append((name, target, *extra, line, ""))
    if n_ind:
        e.indirect[name] = e.indirect.get(name, 0) + n_ind


def _typedef(e: Ents, td: tuple, anon: tuple | None, seen_records: set[str], texts: Texts) -> None:
    """A typedef, with the anonymous struct or enum it defines (that enum replaces the
    anonymous one already filed at its line)."""
    if anon is not None:
        if anon[0] == "R":
            if td[0] not in seen_records:
                seen_records.add(td[0])
                e.structs.append(_record(anon[1], texts))
        else:
            line = anon[1][2]
            e.enums = [x for x in e.enums if not (x.name == "" and x.line == line)]
            e.enums.append(Enum(*anon[1]))
    e.typedefs.append(Typedef(*td))


def _file(
    rec: TURecord, decls: list[tuple], top: Any, want: bytearray, rels: list[str], tu: ci.TranslationUnit, texts: Texts
) -> None:
    """Sort ``ingest.c.decls`` entries into the record: the main file's and each walked header's."""
    for fi in dict.fromkeys(top.file_of):  # headers in the order the parse reaches them
        if want[fi] == 1:
            rec.headers.setdefault(rels[fi], Ents())
    main_defs = {d[3] for d in decls if d[0] == "D"}
    main_defs.update(d[4][0] for d in decls if d[0] == "F" and d[3] and want[d[1]] == 2)
    seen_records: set[str] = set()
    # setter -> [(parameter index, struct, field)]: helpers that store a parameter
    param_sets: dict[int, dict[str, list[tuple[int, str, str]]]] = {}
    for d in decls:
        kind, fi = d[0], d[1]
        if kind == "D":
            continue
        is_main = want[fi] == 2
        e = rec.main if is_main else rec.headers[rels[fi]]
        if kind == "F":
            fn = d[4]
            if d[3]:
                e.functions.append(Function._make((*fn, texts.span(fn[4], fn[10], fn[11]))))
                _body(e, fn[0], d[5], param_sets)
            elif not (is_main and fn[0] in main_defs):  # a forward declaration
                e.functions.append(Function._make((*fn, None)))
        elif kind == "S":
            if d[3] not in seen_records:
                seen_records.add(d[3])
                e.structs.append(_record(d[4], texts))
        elif kind == "E":
            e.enums.append(Enum(*d[3]))
        elif kind == "T":
            _typedef(e, d[3], d[4], seen_records, texts)
        elif kind == "V":
            g = d[3]
            e.globals.append(Global._make((*g, texts.span(g[2], g[7], g[8]) if g[9] and d[4] else None)))
            tname = g[1].replace("const ", "")
            if tname in PROFILE_TYPES and d[4]:
                c = top.cursors[d[2]]
                c._tu = tu
                p = profile(c, tname, rels[fi])
                if p:
                    e.profiles.append(p)
    # a function passed to a helper that stores that parameter in a field: the caller sets
    # the field (``this->actionFunc = actionFunc`` in a SetupAction helper)
    for e in [rec.main, *rec.headers.values()]:
        sets = param_sets.get(id(e))
        if not sets:
            continue
        for caller, target, callee, index, _param, line in e.passes:
            for i, struct, fld in sets.get(callee, ()):
                if i == index:
                    e.assigns.append((caller, target, struct, fld, line, callee))
