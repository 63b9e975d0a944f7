"""C type strings as the graph and snippets spell them, normalised for comparison.

A type is kept as (base name, pointer depth): ``struct Actor *`` -> ("Actor", 1),
``s16[3]`` -> ("s16", 1) (arrays decay when indexed or passed). Typedefs are
resolved through the index when two types are compared.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

BUILTIN_TYPES = {
    "void",
    "char",
    "short",
    "int",
    "long",
    "float",
    "double",
    "signed",
    "unsigned",
    "_Bool",
    "s8",
    "u8",
    "s16",
    "u16",
    "s32",
    "u32",
    "s64",
    "u64",
    "f32",
    "f64",
    "size_t",
    "uintptr_t",
    "intptr_t",
    "ptrdiff_t",
    "bool",
    "const",
    "volatile",
    "struct",
    "union",
    "enum",
}
SCALAR_CANON = {
    "char": "int8",
    "s8": "int8",
    "u8": "int8",
    "signed char": "int8",
    "unsigned char": "int8",
    "short": "int16",
    "s16": "int16",
    "u16": "int16",
    "unsigned short": "int16",
    "int": "int32",
    "s32": "int32",
    "u32": "int32",
    "unsigned int": "int32",
    "long": "int32",
    "unsigned": "int32",
    "unsigned long": "int32",
    "size_t": "int32",
    "s64": "int64",
    "u64": "int64",
    "long long": "int64",
    "unsigned long long": "int64",
    "f32": "float",
    "float": "float",
    "f64": "double",
    "double": "double",
    "void": "void",
}
SCALAR_BASES = frozenset(SCALAR_CANON.values())
_QUAL = re.compile(r"\b(const|volatile|struct|union|enum|signed|register|static|extern|inline)\b")


class CType(NamedTuple):
    """Immutable, hashed and compared in C (types key the checks' caches)."""

    base: str
    ptr: int = 0
    func: bool = False  # a function pointer / function type (not compared)

    def deref(self) -> CType | None:
        return CType(self.base, self.ptr - 1) if self.ptr > 0 else None

    def addr(self) -> CType:
        return CType(self.base, self.ptr + 1)

    def __str__(self) -> str:
        return self.base + "*" * self.ptr


@lru_cache(maxsize=65536)
def parse_type(text: str | None) -> CType | None:
    """``struct Actor *`` -> Actor*; ``s16[3]`` -> s16* ; ``void (*)(Actor*)`` -> func."""
    if not text:
        return None
    t = text.strip()
    if "(" in t:
        return CType("<fn>", 1, func=True)
    arrays = t.count("[")
    t = re.sub(r"\[[^\]]*\]", "", t)
    ptr = t.count("*") + arrays
    t = _QUAL.sub(" ", t.replace("*", " "))
    words = t.split()
    if not words:
        return None
    base = " ".join(words) if all(w in BUILTIN_TYPES or w in ("long",) for w in words) else words[-1]
    return CType(base, ptr)
