"""Offsets and sizes a snippet's struct definitions state in comments, against the graph:
``/* 0x024 */ PosRot world;`` and ``} Actor; // size = 0x14C``.

Only a definition with the graph's members is compared (a snippet's own variant of a
struct has its own layout), and a mismatch is a warning: the code is what the compiler
lays out, the comment is stale (the decomp itself has a few such comments).

A member after a nested struct or union body is skipped (the comment offsets of an inner
body are relative to it); a bitfield's comment may name the byte of its first bit or the
start of its storage unit (see ``layout``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from validate import rules
from validate.claims.layout import accepted_offsets
from validate.clex import Lines
from validate.index import SymbolIndex
from validate.models import Severity

_STRUCT_DEF = re.compile(
    r"(?:typedef\s++)?struct\b\s*+(\w++)?\s*+\{(?P<body>[^{}]*+)\}\s*+(\w++)?"
    r"\s*+;(?P<tail>[^\n]*+)"
)
_MEMBER_OFF = re.compile(r"/\*\s*+(0x[0-9A-Fa-f]++)\s*+\*/\s*+([^;/]*+);")
_SIZE_COMMENT = re.compile(r"size\s*+=\s*+(0x[0-9A-Fa-f]++)")


def check_struct_comments(code: str, idx: SymbolIndex, emit: Callable[..., None], counts: dict[str, int]) -> None:
    if "struct" not in code or "/*" not in code and "//" not in code:
        return
    lines: Lines | None = None  # built on the first definition the graph knows
    for m in _STRUCT_DEF.finditer(code):
        name = m.group(3) or m.group(1)
        real = idx.struct_of(name) if name else None
        if not real or real not in idx.fields:
            continue
        body = m.group("body")
        mine = {member_name(d) for d in body.split(";")} - {None}
        if mine != set(idx.fields[real]):
            continue  # the snippet's own variant of the struct: its layout is not the graph's
        lines = lines or Lines(code)
        for mm in _MEMBER_OFF.finditer(code, m.start("body"), m.end("body")):
            decl = mm.group(2).strip()
            if "(" in decl:
                continue  # a function pointer: its name is inside the parentheses
            nm = member_name(decl)
            info = idx.fields[real].get(nm) if nm else None
            if info is None or info.offset is None:
                continue
            counts["fields"] += 1
            claimed = int(mm.group(1), 16)
            if claimed not in accepted_offsets(info):
                emit(
                    rules.WRONG_OFFSET,
                    f"{real}.{info.name}",
                    f"{real}.{info.name} is at offset {info.offset:#x} in {idx.version}, "
                    f"not {claimed:#x} (the comment; the compiler lays the struct out)",
                    lines.at(mm.start()),
                    [],
                    Severity.warning,
                )
        sm = _SIZE_COMMENT.search(m.group("tail"))
        size = idx.structs.get(real, (None, None))[0]
        if sm and size is not None:
            counts["ids"] += 1
            if int(sm.group(1), 16) != size:
                emit(
                    rules.WRONG_SIZE,
                    real,
                    f"{real} is {size:#x} bytes in {idx.version}, not {sm.group(1)} (the comment)",
                    lines.at(m.start("tail")),
                    [],
                    Severity.warning,
                )


def member_name(decl: str) -> str | None:
    """The name a member declaration declares (``Vec3s jointTable[13]``, ``u32 pad : 24``)."""
    d = decl.strip()
    if ":" in d:
        d = d[: d.index(":")].rstrip()
    while d.endswith("]"):
        k = d.rfind("[")
        if k < 0:
            return None
        d = d[:k].rstrip()
    j = len(d)
    while j > 0 and (d[j - 1].isalnum() or d[j - 1] == "_"):
        j -= 1
    name = d[j:]
    return name if name and not name[0].isdigit() else None


_LEXEME = re.compile(r'"(?:[^"\\\n]|\\.)*+"|\'(?:[^\'\\\n]|\\.)*+\'|/\*|//')
_OFFSET_ONLY = re.compile(r"\s*+(?:0x[0-9A-Fa-f]++|size\s*+=\s*+0x[0-9A-Fa-f]++)\s*+")


def comment_texts(code: str) -> list[tuple[str, int]]:
    """Comments of a code block (without the bare ``/* 0x024 */`` offset markers), with the
    line each starts on. One pass: string literals are skipped, a comment's end found with
    ``find``."""
    out: list[tuple[str, int]] = []
    if "/" not in code:
        return out
    pos = 0
    line, counted = 1, 0  # line numbers counted incrementally (one pass over the code)
    while True:
        m = _LEXEME.search(code, pos)
        if m is None:
            break
        tok = m.group()
        if tok == "/*":
            end = code.find("*/", m.end())
            end = len(code) if end < 0 else end
            text, pos = code[m.end() : end], end + 2
        elif tok == "//":
            end = code.find("\n", m.end())
            end = len(code) if end < 0 else end
            text, pos = code[m.end() : end], end
        else:
            pos = m.end()
            continue
        if text and not _OFFSET_ONLY.fullmatch(text):
            line += code.count("\n", counted, m.start())
            counted = m.start()
            out.append((text, line))
    return out
