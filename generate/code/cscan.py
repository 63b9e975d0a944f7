"""A small C text scanner: extents of definitions, ``#if`` blocks, calls and uses in a body.

Works on the file's text with comments, strings and character literals blanked out
(same length, newlines kept), so that braces, parentheses and semicolons inside them
never count. Lines are 1-based, as the graph records them. This is the checkout
fallback's reader (see ``generate.code.checkout``); issue 16's graph facts (function
source, version blocks) replace it where the graph has them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_KEYWORDS = {
    "if",
    "for",
    "while",
    "switch",
    "return",
    "sizeof",
    "do",
    "else",
    "case",
    "goto",
    "defined",
    "__has_include",
    "ARRAY_COUNT",
    "ARRAY_COUNTU",
}
_IDENT = re.compile(r"[A-Za-z_]\w*")


_LEXEMES = re.compile(r"//[^\n]*|/\*.*?(?:\*/|\Z)|\"(?:\\.|[^\"\\\n])*\"?|'(?:\\.|[^'\\\n])*'?", re.S)


def _blanked(m: re.Match[str]) -> str:
    s = m.group(0)
    if s[0] in "\"'":
        return s[0] + " " * (len(s) - 1)
    return "\n".join(" " * len(part) for part in s.split("\n"))


def blank(text: str) -> str:
    """``text`` with comments, string and char literals replaced by spaces (newlines kept)."""
    return _LEXEMES.sub(_blanked, text)


_HEAD_CHARS = re.compile(r"[();{#]")
_BRACKETS: dict[str, re.Pattern[str]] = {}
_INIT_CHARS = re.compile(r"[{}();]")


@dataclass
class Source:
    """One file's text, blanked twin and line starts."""

    path: str
    text: str
    masked: str = ""
    starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.masked = blank(self.text)
        self.starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        self._pairs: dict[str, dict[int, int]] = {}
        self._asked: dict[str, int] = {}
        self._extents: dict[int, tuple[int, int] | None] = {}
        self._ifs: list[IfBlock] | None = None

    @property
    def lines(self) -> int:
        return len(self.starts)

    def pos(self, line: int) -> int:
        return self.starts[max(0, min(line, len(self.starts)) - 1)]

    def line_of(self, pos: int) -> int:
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= pos:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    def span(self, first: int, last: int) -> str:
        end = self.starts[last] if last < len(self.starts) else len(self.text)
        return self.text[self.pos(first) : end].rstrip("\n")

    # -- extents ---------------------------------------------------------------------------
    def _match(self, open_pos: int, o: str = "{", c: str = "}") -> int | None:
        """Where the bracket opened at ``open_pos`` closes (same bracket kind, by depth).
        A few lookups scan forward; a file asked more often gets a table of every pair."""
        pairs = self._pairs.get(o)
        if pairs is not None:
            return pairs.get(open_pos)
        asked = self._asked[o] = self._asked.get(o, 0) + 1
        rx = _BRACKETS.get(o) or _BRACKETS.setdefault(o, re.compile(re.escape(o) + "|" + re.escape(c)))
        if asked <= 4 or o == "(":  # parentheses close nearby: a scan is cheaper than a table
            depth = 0
            for m in rx.finditer(self.masked, open_pos):
                depth += 1 if m.group(0) == o else -1
                if depth == 0:
                    return m.start()
            return None
        pairs = self._pairs[o] = {}
        stack: list[int] = []
        for m in rx.finditer(self.masked):
            if m.group(0) == o:
                stack.append(m.start())
            elif stack:
                pairs[stack.pop()] = m.start()
        return pairs.get(open_pos)

    def function_extent(self, line: int) -> tuple[int, int] | None:
        """(first, last) line of the definition whose name is on ``line``; None for a
        prototype or when no body follows."""
        if line in self._extents:
            return self._extents[line]
        out = None
        depth = 0
        for m in _HEAD_CHARS.finditer(self.masked, self.pos(line)):
            ch = m.group(0)
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            elif depth == 0 and ch == "{":
                end = self._match(m.start())
                out = None if end is None else (line, self.line_of(end))
                break
            elif depth == 0:  # ";" (a prototype) or "#" (a directive before any body)
                break
        self._extents[line] = out
        return out

    def struct_extent(self, line: int) -> tuple[int, int] | None:
        """``typedef struct X { ... } X;`` (or ``struct X {...};``) declared on ``line``."""
        start = self.pos(line)
        brace = self.masked.find("{", start)
        semi = self.masked.find(";", start)
        if brace < 0 or (0 <= semi < brace):
            return None
        end = self._match(brace)
        if end is None:
            return None
        semi = self.masked.find(";", end)
        return (line, self.line_of(semi if semi >= 0 else end))

    def initializer_extent(self, line: int) -> tuple[int, int] | None:
        """A definition with an initializer starting on ``line``, to its ``;`` at depth 0."""
        depth = 0
        for m in _INIT_CHARS.finditer(self.masked, self.pos(line)):
            ch = m.group(0)
            if ch in "{(":
                depth += 1
            elif ch in "})":
                depth -= 1
            elif depth == 0:
                return (line, self.line_of(m.start()))
        return None

    def comment_above(self, line: int) -> int:
        """The first line of a comment block ending right above ``line`` (else ``line``)."""
        first = line
        while first > 1:
            prev = self.span(first - 1, first - 1).strip()
            if prev.startswith(("/*", "*", "//")) or prev.endswith("*/"):
                first -= 1
            else:
                break
        return first

    def enclosing(self, line: int, starts: list[int]) -> int | None:
        """Of the definition lines ``starts``, the one whose body holds ``line``."""
        best = None
        for s in sorted(starts):
            if s > line:
                break
            ext = self.function_extent(s)
            if ext and ext[0] <= line <= ext[1]:
                best = s
        return best


# -- inside a body -----------------------------------------------------------------------------
@dataclass
class Call:
    name: str
    line: int
    args: list[str]  # argument texts as written (comments blanked)


_DEF_HEAD = re.compile(r"\s*(?!(?:if|while|for|switch|else|do|return)\b)[A-Za-z_][^;{}=]*\)\s*\{")


def calls(src: Source, first: int, last: int) -> list[Call]:
    """Calls (``name(args)``) in lines first..last, in order; macros that look like calls too."""
    a, b = src.pos(first), src.pos(last + 1) if last < src.lines else len(src.masked)
    # A range that starts with a function's definition: its header is not a call.
    if (head := _DEF_HEAD.match(src.masked, a, b)) is not None:
        a = head.end()
    body = src.masked[a:b]
    out = []
    for m in re.finditer(r"\b([A-Za-z_]\w*)\s*\(", body):
        name = m.group(1)
        if name in _KEYWORDS:
            continue
        open_pos = a + m.end() - 1
        close = src._match(open_pos, "(", ")")
        if close is None:
            continue
        out.append(Call(name, src.line_of(open_pos), _split_args(src.masked[open_pos + 1 : close])))
    return out


_ARG_CHARS = re.compile(r"[()\[\]{},]")


def _split_args(text: str) -> list[str]:
    args, depth, start = [], 0, 0
    for m in _ARG_CHARS.finditer(text):
        ch = m.group(0)
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0:
            args.append(text[start : m.start()].strip())
            start = m.end()
    tail = text[start:].strip()
    if tail or args:
        args.append(tail)
    return [" ".join(x.split()) for x in args]


_ASSIGN = re.compile(r"(\w+(?:(?:->|\.)\w+)*)\s*=\s*([A-Z]\w*)\s*;")


def assignments(src: Source, first: int, last: int) -> list[tuple[str, str, int]]:
    """(lhs, function-like rhs, line) of ``x->member = Name;`` stores in lines first..last."""
    a, b = src.pos(first), src.pos(last + 1) if last < src.lines else len(src.masked)
    return [
        (m.group(1), m.group(2), src.line_of(m.start()))  # finditer(s, a, b): absolute
        for m in _ASSIGN.finditer(src.masked, a, b)
    ]


# -- preprocessor conditionals -------------------------------------------------------------
@dataclass
class Branch:
    line: int  # the directive's line
    directive: str  # if / ifdef / ifndef / elif / else
    condition: str
    last: int  # last line of its body


@dataclass
class IfBlock:
    branches: list[Branch]
    endif: int

    @property
    def line(self) -> int:
        return self.branches[0].line


_PP = re.compile(r"^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b(.*)$", re.M)


def if_blocks(src: Source) -> list[IfBlock]:
    """Every ``#if`` block of the file (outermost first by line), include guards excluded."""
    if src._ifs is None:
        src._ifs = _if_blocks(src)
    return src._ifs


def _if_blocks(src: Source) -> list[IfBlock]:
    stack: list[list[Branch]] = []
    done: list[IfBlock] = []
    for m in _PP.finditer(src.masked):
        kind, cond = m.group(1), src.text[m.start(2) : m.end(2)].strip()
        cond = re.sub(r"\s*//.*$|/\*.*?\*/", "", cond).strip()
        line = src.line_of(m.start())
        if kind in ("if", "ifdef", "ifndef"):
            stack.append([Branch(line, kind, cond, line)])
        elif not stack:
            continue
        elif kind in ("elif", "else"):
            stack[-1][-1].last = line - 1
            stack[-1].append(Branch(line, kind, cond, line))
        else:
            branches = stack.pop()
            branches[-1].last = line - 1
            done.append(IfBlock(branches, line))
    guard = [
        b for b in done if b.branches[0].directive == "ifndef" and b.branches[0].line <= 3 and b.endif >= src.lines - 3
    ]
    return sorted((b for b in done if b not in guard), key=lambda b: b.line)


def identifiers(text: str) -> set[str]:
    return set(_IDENT.findall(text))
