"""libclang helpers the Python bindings lack: constant evaluation (clang_Cursor_Evaluate),
as an integer (``eval_int``) or a string literal (``eval_str``)."""

from __future__ import annotations

import ctypes
from functools import lru_cache

import clang.cindex as ci

CXEval_Int = 1
CXEval_StrLiteral = 4


@lru_cache(maxsize=1)
def _lib() -> ctypes.CDLL:
    lib = ci.conf.lib
    lib.clang_Cursor_Evaluate.argtypes = [ci.Cursor]
    lib.clang_Cursor_Evaluate.restype = ctypes.c_void_p
    lib.clang_EvalResult_getKind.argtypes = [ctypes.c_void_p]
    lib.clang_EvalResult_getKind.restype = ctypes.c_int
    lib.clang_EvalResult_isUnsignedInt.argtypes = [ctypes.c_void_p]
    lib.clang_EvalResult_isUnsignedInt.restype = ctypes.c_uint
    lib.clang_EvalResult_getAsUnsigned.argtypes = [ctypes.c_void_p]
    lib.clang_EvalResult_getAsUnsigned.restype = ctypes.c_ulonglong
    lib.clang_EvalResult_getAsLongLong.argtypes = [ctypes.c_void_p]
    lib.clang_EvalResult_getAsLongLong.restype = ctypes.c_longlong
    lib.clang_EvalResult_getAsStr.argtypes = [ctypes.c_void_p]
    lib.clang_EvalResult_getAsStr.restype = ctypes.c_char_p
    lib.clang_EvalResult_dispose.argtypes = [ctypes.c_void_p]
    lib.clang_EvalResult_dispose.restype = None
    return lib


def eval_int(cursor: ci.Cursor) -> int | None:
    """The integer value of a constant expression cursor, or None when it is not one."""
    lib = _lib()
    r = lib.clang_Cursor_Evaluate(cursor)
    if not r:
        return None
    try:
        if lib.clang_EvalResult_getKind(r) != CXEval_Int:
            return None
        if lib.clang_EvalResult_isUnsignedInt(r):
            return int(lib.clang_EvalResult_getAsUnsigned(r))
        return int(lib.clang_EvalResult_getAsLongLong(r))
    finally:
        lib.clang_EvalResult_dispose(r)


def eval_str(cursor: ci.Cursor) -> str | None:
    """The text of a string-literal constant cursor, or None when it is not one."""
    lib = _lib()
    r = lib.clang_Cursor_Evaluate(cursor)
    if not r:
        return None
    try:
        if lib.clang_EvalResult_getKind(r) != CXEval_StrLiteral:
            return None
        return lib.clang_EvalResult_getAsStr(r).decode("utf-8", "replace")
    finally:
        lib.clang_EvalResult_dispose(r)
