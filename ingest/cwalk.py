"""Call-edge collection from function bodies, natively when a C compiler is at hand.

``native_walker(cache_dir)`` compiles ``native/ootkg_walk.c`` once (into the cache)
against the libclang the bindings load, and returns a ``calls(cursor)`` function;
without a compiler it returns the (30x slower) pure-Python walk. Both give the
same lines: ``("C", callee, [OBJECT_X...])`` per direct call, ``("I", "", [])`` per
indirect call.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import clang.cindex as ci

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


TopLevel = Callable[[ci.TranslationUnit], tuple[Any, list[int], list[str]]]


def _python_toplevel(tu: ci.TranslationUnit) -> tuple[Any, list[int], list[str]]:
    cursors = list(tu.cursor.get_children())
    names: dict[str, int] = {}
    file_of = []
    for c in cursors:
        f = c.location.file
        file_of.append(names.setdefault(f.name if f else "", len(names)))
    return cursors, file_of, list(names)


def native_walker(cache_dir: Path) -> Callable[[ci.Cursor], list[Call]]:
    return native_helpers(cache_dir)[0]


def native_helpers(cache_dir: Path) -> tuple[Callable[[ci.Cursor], list[Call]], TopLevel]:
    """(calls(function cursor), toplevel(tu) -> (cursors, file index per cursor, file names))."""
    so = _build(cache_dir) if os.environ.get("OOTKG_NO_NATIVE") != "1" else None
    if so is None:
        return _python_calls, _python_toplevel
    lib = ctypes.CDLL(str(so))
    lib.ootkg_toplevel.argtypes = [ci.Cursor, ctypes.POINTER(ci.Cursor),
                                   ctypes.POINTER(ctypes.c_int), ctypes.c_int,
                                   ctypes.POINTER(ctypes.c_void_p), ctypes.c_int,
                                   ctypes.POINTER(ctypes.c_int)]
    lib.ootkg_toplevel.restype = ctypes.c_int
    lib.ootkg_file_name.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.ootkg_file_name.restype = ctypes.c_int
    bufs: dict[str, Any] = {}

    def toplevel(tu: ci.TranslationUnit) -> tuple[Any, list[int], list[str]]:
        size = bufs.get("size", 16384)
        while True:
            cur = (ci.Cursor * size)()
            file_of = (ctypes.c_int * size)()
            files = (ctypes.c_void_p * 4096)()
            nf = ctypes.c_int(0)
            n = lib.ootkg_toplevel(tu.cursor, cur, file_of, size, files, 4096, ctypes.byref(nf))
            if n >= 0:
                break
            size *= 4
            bufs["size"] = size
        name = ctypes.create_string_buffer(4096)
        names = []
        for i in range(nf.value):
            lib.ootkg_file_name(files[i], name, 4096)
            names.append(name.value.decode("utf-8", "replace"))
        return cur, list(file_of[:n]), names

    return _native_calls(lib), toplevel


def _native_calls(lib: ctypes.CDLL) -> Callable[[ci.Cursor], list[Call]]:
    lib.ootkg_calls.argtypes = [ci.Cursor]
    lib.ootkg_calls.restype = ctypes.c_void_p
    lib.ootkg_free.argtypes = [ctypes.c_void_p]
    lib.ootkg_free.restype = None

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
