"""Native helpers for walking libclang ASTs, when a C compiler is at hand.

``load_helpers(cache_dir)`` compiles ``native/ootkg_walk.c`` once (into the cache) against
the libclang the bindings load and returns ``Helpers``: ``calls(function cursor)`` (the
facts of a body, ``BodyFact`` tuples in source order), ``toplevel(tu)`` (the top-level
cursors with their files), ``includes(tu)``, ``skipped(tu)`` (the lines each file's inactive
``#if`` branches span, with the parse's detailed preprocessing record) and
``describe(top, want)`` (every wanted declaration as text, decoded by
``ingest.c.decls.native_decls``). Without a compiler (or with ``OOTKG_NO_NATIVE=1``) the same
functions come from the Python bindings (30x slower) and ``describe`` is None.

A body fact is ``(kind, name, extra, line)``:

    ("C", callee, (OBJECT_X, ...), line)        a direct call (the object ids among its arguments)
    ("I", "", (), line)                         an indirect call
    ("P", function, (callee, index, param), line)  a function passed as an argument (callee ""
                                                when the call is indirect; param: its name)
    ("A", function | "@<i>", (struct, field), line)  a function, or the enclosing function's
                                                i-th parameter, stored in a field (struct "":
                                                a global variable named field)
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import clang.cindex as ci

from kg.persist import atomic_path

try:
    import fcntl
except ImportError:  # not on Windows: concurrent builds then just both compile
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

BodyFact = tuple[str, str, tuple, int]
Call = BodyFact  # (the name callers used before bodies had more than calls)
_SRC = Path(__file__).parent / "native" / "ootkg_walk.c"
_ASSIGN, _ADDROF, _DEREF = 22, 5, 6  # CXBinaryOperator_Assign, CXUnaryOperator_AddrOf/Deref


def body_fact(f: list[str]) -> BodyFact:
    """One ``ootkg_calls`` line's fields as a ``BodyFact``."""
    k = f[0]
    if k == "C":
        return ("C", f[2], tuple(x[2:] for x in f[3:] if x.startswith("O:")), int(f[1]))
    if k == "P":
        return ("P", f[5], (f[2], int(f[3]), f[4]), int(f[1]))
    if k == "A":
        return ("A", f[2], (f[3], f[4]), int(f[1]))
    return ("I", "", (), int(f[1]))


def _op_kind(lib_fn: str, c: ci.Cursor) -> int:
    fn = getattr(ci.conf.lib, lib_fn)
    if fn.restype is not ctypes.c_int or fn.argtypes != [ci.Cursor]:
        fn.argtypes, fn.restype = [ci.Cursor], ctypes.c_int
    return int(fn(c))


def _strip(e: ci.Cursor) -> ci.Cursor:
    K = ci.CursorKind
    for _ in range(8):
        k = e.kind
        if not (
            k in (K.UNEXPOSED_EXPR, K.PAREN_EXPR, K.CSTYLE_CAST_EXPR)
            or (k == K.UNARY_OPERATOR and _op_kind("clang_getCursorUnaryOperatorKind", e) in (_ADDROF, _DEREF))
        ):
            break
        kids = list(e.get_children())
        if not 1 <= len(kids) <= 2:
            break
        e = kids[-1]
    return e


def _named_function(e: ci.Cursor, fn: ci.Cursor) -> str | None:
    """The function ``e`` names, "@<i>" for the enclosing function's i-th parameter, or None."""
    K = ci.CursorKind
    e = _strip(e)
    if e.kind != K.DECL_REF_EXPR:
        return None
    r = e.referenced
    if r is None:
        return None
    if r.kind == K.FUNCTION_DECL:
        return r.spelling
    if r.kind == K.PARM_DECL:
        for i, a in enumerate(fn.get_arguments()):
            if a == r:
                return f"@{i}"
    return None


def _python_calls(fn: ci.Cursor) -> list[BodyFact]:
    out: list[BodyFact] = []
    K = ci.CursorKind
    for n in fn.walk_preorder():
        if n.kind == K.CALL_EXPR:
            line = n.location.line
            r = n.referenced
            direct = r is not None and r.kind == K.FUNCTION_DECL
            args = list(n.get_arguments())
            if direct:
                objs = tuple(
                    a.referenced.spelling
                    for arg in args
                    for a in arg.walk_preorder()
                    if a.kind == K.DECL_REF_EXPR
                    and a.referenced is not None
                    and a.referenced.kind == K.ENUM_CONSTANT_DECL
                    and a.referenced.spelling.startswith("OBJECT_")
                )
                out.append(("C", r.spelling, objs, line))
            else:
                out.append(("I", "", (), line))
            params = list(r.get_arguments()) if direct else []
            for i, arg in enumerate(args):
                got = _named_function(arg, fn)
                if got is None or got.startswith("@"):
                    continue
                out.append(
                    ("P", got, (r.spelling if direct else "", i, params[i].spelling if i < len(params) else ""), line)
                )
        elif n.kind == K.BINARY_OPERATOR and _op_kind("clang_getCursorBinaryOperatorKind", n) == _ASSIGN:
            kids = list(n.get_children())
            if len(kids) != 2:
                continue
            got = _named_function(kids[1], fn)
            if got is None:
                continue
            lhs = _strip(kids[0])
            ref = lhs.referenced
            if ref is None:
                continue
            if lhs.kind == K.MEMBER_REF_EXPR and ref.kind == K.FIELD_DECL:
                parent = ref.semantic_parent
                owner = parent.spelling if parent is not None else ""
                if "(unnamed" in owner or "(anonymous" in owner:
                    owner = ""
            elif (
                lhs.kind == K.DECL_REF_EXPR
                and ref.kind == K.VAR_DECL
                and ref.semantic_parent is not None
                and ref.semantic_parent.kind == K.TRANSLATION_UNIT
            ):
                owner = ""
            else:
                continue
            out.append(("A", got, (owner, ref.spelling), n.location.line))
    return out


def _build(cache_dir: Path) -> Path | None:
    cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        return None
    libpath = Path(ci.conf.lib._name)  # the libclang the bindings loaded
    tag = hashlib.sha1(_SRC.read_bytes() + str(libpath).encode()).hexdigest()[:12]
    out = cache_dir / "native" / f"ootkg_walk-{tag}.so"
    if out.is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    # the workers of a cold run start together: one compiles (~0.35 s CPU), the others wait
    with open(out.with_suffix(".lock"), "w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        if out.is_file():
            return out
        try:
            with atomic_path(out) as tmp:
                cmd = [
                    cc,
                    "-O2",
                    "-shared",
                    "-fPIC",
                    str(_SRC),
                    "-o",
                    str(tmp),
                    str(libpath),
                    f"-Wl,-rpath,{libpath.parent}",
                ]
                subprocess.run(cmd, check=True, capture_output=True, timeout=120)
        except (subprocess.SubprocessError, OSError) as e:
            log.warning("native walker not built (%s); using the slower Python walk", e)
            return None
    return out


class TopLevel:
    """A parse's top-level cursors: ``cursors[i]`` is spelled in file ``names[file_of[i]]``."""

    def __init__(self, cursors: Any, file_of: list[int], names: list[str], raw_file_of: Any = None) -> None:
        self.cursors, self.file_of, self.names = cursors, file_of, names
        self.raw_file_of = raw_file_of  # the native helper's int array (for describe)


def _python_toplevel(tu: ci.TranslationUnit) -> TopLevel:
    cursors = [c for c in tu.cursor.get_children() if not c.kind.is_preprocessing()]
    names: dict[str, int] = {}
    file_of = []
    for c in cursors:
        f = c.location.file
        file_of.append(names.setdefault(f.name if f else "", len(names)))
    return TopLevel(cursors, file_of, list(names))


def _python_includes(tu: ci.TranslationUnit) -> list[str]:
    return [inc.include.name for inc in tu.get_includes()]


class _RangeList(ctypes.Structure):
    _fields_ = [("count", ctypes.c_uint), ("ranges", ctypes.POINTER(ci.SourceRange))]


def _python_skipped(tu: ci.TranslationUnit) -> list[tuple[str, int, int]]:
    lib = ci.conf.lib
    get, free = lib.clang_getAllSkippedRanges, lib.clang_disposeSourceRangeList
    if get.restype is not ctypes.POINTER(_RangeList):
        get.argtypes, get.restype = [ci.TranslationUnit], ctypes.POINTER(_RangeList)
        free.argtypes, free.restype = [ctypes.POINTER(_RangeList)], None
    got = get(tu)
    if not got:
        return []
    out = []
    try:
        for i in range(got.contents.count):
            r = got.contents.ranges[i]
            f = r.start.file
            if f is not None:
                out.append((f.name, r.start.line, r.end.line))
    finally:
        free(got)
    return out


@dataclass
class Helpers:
    """``calls(function cursor)``, ``toplevel(tu)``, ``includes(tu)`` (the names of the files
    it includes, as ``TranslationUnit.get_includes``), ``skipped(tu)`` ((file, first line,
    last line) of every inactive ``#if`` branch the parse skipped) and ``describe(top,
    want)``: the ``ootkg_describe`` text (see ``ingest.c.decls``), None without the native helper."""

    calls: Callable[[ci.Cursor], list[Call]]
    toplevel: Callable[[ci.TranslationUnit], TopLevel]
    includes: Callable[[ci.TranslationUnit], list[str]]
    skipped: Callable[[ci.TranslationUnit], list[tuple[str, int, int]]] = _python_skipped
    describe: Callable[[TopLevel, bytes], str] | None = None


def native_walker(cache_dir: Path) -> Callable[[ci.Cursor], list[Call]]:
    return load_helpers(cache_dir).calls


def load_helpers(cache_dir: Path) -> Helpers:
    so = _build(cache_dir) if os.environ.get("OOTKG_NO_NATIVE") != "1" else None
    if so is None:
        return Helpers(_python_calls, _python_toplevel, _python_includes, _python_skipped)
    lib = ctypes.CDLL(str(so))
    lib.ootkg_toplevel.argtypes = [
        ci.Cursor,
        ctypes.POINTER(ci.Cursor),
        ctypes.POINTER(ctypes.c_int),
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_void_p),
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_int),
    ]
    lib.ootkg_toplevel.restype = ctypes.c_int
    lib.ootkg_file_name.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.ootkg_file_name.restype = ctypes.c_int
    lib.ootkg_describe.argtypes = [
        ctypes.POINTER(ci.Cursor),
        ctypes.POINTER(ctypes.c_int),
        ctypes.c_int,
        ctypes.c_char_p,
    ]
    lib.ootkg_describe.restype = ctypes.c_void_p
    lib.ootkg_includes.argtypes = [ctypes.c_void_p]
    lib.ootkg_includes.restype = ctypes.c_void_p
    lib.ootkg_skipped.argtypes = [ctypes.c_void_p]
    lib.ootkg_skipped.restype = ctypes.c_void_p
    lib.ootkg_free.argtypes = [ctypes.c_void_p]
    lib.ootkg_free.restype = None
    bufs: dict[str, Any] = {}

    def toplevel(tu: ci.TranslationUnit) -> TopLevel:
        # the buffers are reused from parse to parse (a TopLevel lives as long as its parse)
        size = bufs.get("size", 16384)
        while True:
            if bufs.get("cur") is None or len(bufs["cur"]) != size:
                bufs["cur"], bufs["file_of"] = (ci.Cursor * size)(), (ctypes.c_int * size)()
                bufs["files"], bufs["name"] = ((ctypes.c_void_p * 4096)(), ctypes.create_string_buffer(4096))
            cur, file_of, files, name = bufs["cur"], bufs["file_of"], bufs["files"], bufs["name"]
            nf = ctypes.c_int(0)
            n = lib.ootkg_toplevel(tu.cursor, cur, file_of, size, files, 4096, ctypes.byref(nf))
            if n >= 0:
                break
            size *= 4
            bufs["size"] = size
        names = []
        for i in range(nf.value):
            lib.ootkg_file_name(files[i], name, 4096)
            names.append(name.value.decode("utf-8", "replace"))
        return TopLevel(cur, file_of[:n], names, file_of)

    def text(p: int | None) -> str:
        try:
            return ctypes.string_at(p).decode("utf-8", "replace") if p else ""
        finally:
            lib.ootkg_free(p)

    def describe(top: TopLevel, want: bytes) -> str:
        return text(lib.ootkg_describe(top.cursors, top.raw_file_of, len(top.file_of), want))

    def includes(tu: ci.TranslationUnit) -> list[str]:
        got = text(lib.ootkg_includes(tu))
        return got.split("\x1e")[:-1] if got else []

    def skipped(tu: ci.TranslationUnit) -> list[tuple[str, int, int]]:
        got = text(lib.ootkg_skipped(tu))
        out = []
        for item in got.split("\x1e")[:-1] if got else ():
            f, a, b = item.split("\x1f")
            out.append((f, int(a), int(b)))
        return out

    return Helpers(_native_calls(lib), toplevel, includes, skipped, describe)


def _native_calls(lib: ctypes.CDLL) -> Callable[[ci.Cursor], list[Call]]:
    lib.ootkg_calls.argtypes = [ci.Cursor]
    lib.ootkg_calls.restype = ctypes.c_void_p

    def calls(fn: ci.Cursor) -> list[Call]:
        p = lib.ootkg_calls(fn)
        try:
            text = ctypes.string_at(p).decode("utf-8", "replace")
        finally:
            lib.ootkg_free(p)
        return [body_fact(line.split("\t")) for line in text.splitlines() if line]

    return calls
