"""Native helpers for walking libclang ASTs, when a C compiler is at hand.

``load_helpers(cache_dir)`` compiles ``native/ootkg_walk.c`` once (into the cache) against
the libclang the bindings load and returns ``Helpers``: ``calls(function cursor)`` (the
call edges of a body: ``("C", callee, [OBJECT_X...])`` per direct call, ``("I", "", [])``
per indirect one), ``toplevel(tu)`` (the top-level cursors with their files),
``includes(tu)`` and ``describe(top, want)`` (every wanted declaration as text, decoded by
``c_decls.native_decls``). Without a compiler (or with ``OOTKG_NO_NATIVE=1``) the same
functions come from the Python bindings (30x slower) and ``describe`` is None.
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

try:
    import fcntl
except ImportError:  # not on Windows: concurrent builds then just both compile
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

Call = tuple[str, str, list[str]]
_SRC = Path(__file__).parent / "native" / "ootkg_walk.c"


def _python_calls(fn: ci.Cursor) -> list[Call]:
    out: list[Call] = []
    K = ci.CursorKind
    for n in fn.walk_preorder():
        if n.kind == K.CALL_EXPR:
            r = n.referenced
            if r is not None and r.kind == K.FUNCTION_DECL:
                objs = [a.referenced.spelling for arg in n.get_arguments()
                        for a in arg.walk_preorder()
                        if a.kind == K.DECL_REF_EXPR and a.referenced is not None
                        and a.referenced.kind == K.ENUM_CONSTANT_DECL
                        and a.referenced.spelling.startswith("OBJECT_")]
                out.append(("C", r.spelling, objs))
            else:
                out.append(("I", "", []))
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
        tmp = out.with_suffix(f".{os.getpid()}.tmp")
        cmd = [cc, "-O2", "-shared", "-fPIC", str(_SRC), "-o", str(tmp), str(libpath),
               f"-Wl,-rpath,{libpath.parent}"]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=120)
        except (subprocess.SubprocessError, OSError) as e:
            log.warning("native walker not built (%s); using the slower Python walk", e)
            return None
        tmp.replace(out)
    return out


class TopLevel:
    """A parse's top-level cursors: ``cursors[i]`` is spelled in file ``names[file_of[i]]``."""

    def __init__(self, cursors: Any, file_of: list[int], names: list[str],
                 raw_file_of: Any = None) -> None:
        self.cursors, self.file_of, self.names = cursors, file_of, names
        self.raw_file_of = raw_file_of  # the native helper's int array (for describe)


def _python_toplevel(tu: ci.TranslationUnit) -> TopLevel:
    cursors = list(tu.cursor.get_children())
    names: dict[str, int] = {}
    file_of = []
    for c in cursors:
        f = c.location.file
        file_of.append(names.setdefault(f.name if f else "", len(names)))
    return TopLevel(cursors, file_of, list(names))


def _python_includes(tu: ci.TranslationUnit) -> list[str]:
    return [inc.include.name for inc in tu.get_includes()]


@dataclass
class Helpers:
    """``calls(function cursor)``, ``toplevel(tu)``, ``includes(tu)`` (the names of the files
    it includes, as ``TranslationUnit.get_includes``), and ``describe(top, want)``: the
    ``ootkg_describe`` text (see ``c_decls``), None without the native helper."""
    calls: Callable[[ci.Cursor], list[Call]]
    toplevel: Callable[[ci.TranslationUnit], TopLevel]
    includes: Callable[[ci.TranslationUnit], list[str]]
    describe: Callable[[TopLevel, bytes], str] | None = None


def native_walker(cache_dir: Path) -> Callable[[ci.Cursor], list[Call]]:
    return load_helpers(cache_dir).calls


def load_helpers(cache_dir: Path) -> Helpers:
    so = _build(cache_dir) if os.environ.get("OOTKG_NO_NATIVE") != "1" else None
    if so is None:
        return Helpers(_python_calls, _python_toplevel, _python_includes)
    lib = ctypes.CDLL(str(so))
    lib.ootkg_toplevel.argtypes = [ci.Cursor, ctypes.POINTER(ci.Cursor),
                                   ctypes.POINTER(ctypes.c_int), ctypes.c_int,
                                   ctypes.POINTER(ctypes.c_void_p), ctypes.c_int,
                                   ctypes.POINTER(ctypes.c_int)]
    lib.ootkg_toplevel.restype = ctypes.c_int
    lib.ootkg_file_name.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.ootkg_file_name.restype = ctypes.c_int
    lib.ootkg_describe.argtypes = [ctypes.POINTER(ci.Cursor), ctypes.POINTER(ctypes.c_int),
                                   ctypes.c_int, ctypes.c_char_p]
    lib.ootkg_describe.restype = ctypes.c_void_p
    lib.ootkg_includes.argtypes = [ctypes.c_void_p]
    lib.ootkg_includes.restype = ctypes.c_void_p
    lib.ootkg_free.argtypes = [ctypes.c_void_p]
    lib.ootkg_free.restype = None
    bufs: dict[str, Any] = {}

    def toplevel(tu: ci.TranslationUnit) -> TopLevel:
        # the buffers are reused from parse to parse (a TopLevel lives as long as its parse)
        size = bufs.get("size", 16384)
        while True:
            if bufs.get("cur") is None or len(bufs["cur"]) != size:
                bufs["cur"], bufs["file_of"] = (ci.Cursor * size)(), (ctypes.c_int * size)()
                bufs["files"], bufs["name"] = ((ctypes.c_void_p * 4096)(),
                                               ctypes.create_string_buffer(4096))
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

    return Helpers(_native_calls(lib), toplevel, includes, describe)


def _native_calls(lib: ctypes.CDLL) -> Callable[[ci.Cursor], list[Call]]:
    lib.ootkg_calls.argtypes = [ci.Cursor]
    lib.ootkg_calls.restype = ctypes.c_void_p

    def calls(fn: ci.Cursor) -> list[Call]:
        p = lib.ootkg_calls(fn)
        try:
            text = ctypes.string_at(p).decode("utf-8", "replace")
        finally:
            lib.ootkg_free(p)
        out: list[Call] = []
        for line in text.splitlines():
            parts = line.split("\t")
            if parts[0] == "C":
                out.append(("C", parts[1], [x[2:] for x in parts[2:] if x.startswith("O:")]))
            elif parts[0] == "I":
                out.append(("I", "", []))
        return out

    return calls
