"""Prose into clauses: markdown lines, list items, table rows (with their header), sentences.

A table row becomes one clause in which each cell is preceded by its column's header
(``| world | 0x24 |`` under ``| field | offset |`` reads "field world | offset 0x24"), so a
header gives a bare number its meaning. Markup (backticks, emphasis, list markers,
headings, quotes) is dropped; positions only matter within a clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TABLE_SEP = re.compile(
    r"^[ \t]*+\|?[ \t]*+:?-{2,}+:?[ \t]*+(?:\|[ \t]*+:?-{2,}+:?[ \t]*+)*+\|?"
    r"[ \t]*+$"
)
_LIST = re.compile(r"^[ \t]*+(?:[-*+>][ \t]++|\d{1,3}+[.)][ \t]++|#{1,6}+[ \t]++)++")
# ** and * emphasis, ~~ strike-through; not "__" (C names start with it: __osPiTable)
_EMPH = re.compile(r"\*\*|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)|~~")
# sentence ends: . ! ? ; followed by blanks, unless the dot ends a common abbreviation
_SENT_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)(?<!\betc)(?<!\bapprox)(?<=[.!?;])\s+")
# a clause that could hold a claim: a number, a C-style name (Actor_Kill, ACTOR_X, ovl_X),
# a source file, or a word of a relation
_DIGIT_OR_CUE = re.compile(
    r"\d|_|\.[ch]\b|call|invok|declar|defin|header|slot|added|only|"
    r"version|exist|remov|introduc|object|prototype|implement",
    re.I,
)


@dataclass(slots=True)
class Clause:
    text: str
    line: int  # line within the prose (1-based)
    table: bool = False
    question: bool = False
    hot: bool = True  # holds a number or a relation's cue word (else only context)


# an inline declaration, `void _Putfld(_Pft* px, char code)`: its parameters are no prose
# (a parameter named `code` is not the code segment)
_DECL_SPAN = re.compile(r"`([A-Za-z_][\w \t*]*?[\s*][A-Za-z_]\w*\s*)\([^`()]*\)([^`]*)`")


def clean(s: str) -> str:
    if "`" in s and "(" in s:
        s = _DECL_SPAN.sub(r" \1(...)\2 ", s)
    s = s.replace("`", " ")
    if "*" in s or "~" in s:
        s = _EMPH.sub("", s)
    return s


def _cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return [c.strip() for c in s.split("|")]


def clauses(text: str) -> list[Clause]:
    """Every clause of ``text``; ``hot`` ones could hold a claim (a number, a relation's cue)."""
    out: list[Clause] = []
    lines = text.split("\n")
    header: list[str] | None = None
    n = len(lines)
    for i, raw in enumerate(lines):
        if "|" in raw and raw.lstrip().startswith("|"):
            if _TABLE_SEP.match(raw):
                continue
            if i + 1 < n and _TABLE_SEP.match(lines[i + 1]):
                header = [clean(c) for c in _cells(raw)]
                out.append(Clause(" | ".join(header), i + 1, table=True, hot=False))
                continue
            cells = [clean(c) for c in _cells(raw)]
            if header and len(header) == len(cells):
                body = " | ".join(f"{h} {c}" for h, c in zip(header, cells, strict=True))
            else:
                body = " | ".join(cells)
            out.append(Clause(body, i + 1, table=True, hot=bool(_DIGIT_OR_CUE.search(body))))
            continue
        header = None
        if not raw.strip():
            continue
        line = _LIST.sub("", raw, count=1)
        for sent in _SENT_END.split(line):
            s = sent.strip()
            if s:
                out.append(Clause(clean(s), i + 1, question=s.endswith("?"), hot=bool(_DIGIT_OR_CUE.search(s))))
    return out
