"""The ``#if`` regions of a source file: every branch of every ``#if``/``#ifdef``/``#ifndef``
block with its ``#elif``/``#else`` siblings (file, lines, condition text, nesting), read by
the define scan (``ingest.c.defines``) from the same pass over ``include/`` and ``src/``.

Which versions compile a branch is not decided here: each parse records the ranges its
preprocessor skipped (``ingest.c.extract``), and ``ingest.c.assemble`` marks a branch live in a version when
that version's parse of the file did not skip it (``live_versions``).

An include guard (``#ifndef X_H`` / ``#define X_H`` ... ``#endif`` around the whole file) is
not a region. An ``#if`` without its ``#endif`` (or an ``#else`` without an ``#if``) is kept as
far as it goes and reported (``problems``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# a directive line with its continuation lines
_DIRECTIVE = re.compile(r"^[ \t]*#[ \t]*(\w+)((?:[^\n]*\\\n)*[^\n]*)", re.M)
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_OPEN = frozenset(("if", "ifdef", "ifndef"))
_DEFINE_ONLY = frozenset(("if", "ifdef", "ifndef", "elif", "else", "endif", "define"))


@dataclass(frozen=True)
class Branch:
    """One branch: its directive's line (the key with the file), the directive and its
    condition as written (comments dropped, continuation lines joined), the last line of its
    body, the line of its block's ``#if`` and ``#endif`` (0: none), the enclosing branch's
    line (0: top level), its position in the block (0 for the ``#if``) and how many lines
    its directive takes (continuation lines)."""

    line: int
    directive: str
    condition: str
    last: int
    block: int
    endif: int
    parent: int
    position: int
    span: int = 1
    # its block holds nothing but #defines (and nested blocks of them): the TU keys leave
    # such a block's outcome out when nothing uses what it defines, so versions that share a
    # parse may differ on it (``ingest.c.code.Liveness`` asks the defines probe instead)
    defines_only: bool = False

    def __reduce__(self) -> tuple:
        return (
            Branch,
            (
                self.line,
                self.directive,
                self.condition,
                self.last,
                self.block,
                self.endif,
                self.parent,
                self.position,
                self.span,
                self.defines_only,
            ),
        )

    @property
    def text(self) -> str:
        return f"#{self.directive} {self.condition}".rstrip()


# a closed branch before it becomes a Branch: Branch's fields up to ``span``
_Done = tuple[int, str, str, int, int, int, int, int, int]


def scan_blocks(text: str) -> tuple[tuple[Branch, ...], tuple[str, ...]]:
    """(every branch in line order, problems as "line N: what")."""
    if "#" not in text:
        return (), ()
    n_lines = text.count("\n") + 1
    if "/*" in text or "//" in text:
        text = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    # open blocks: [block line, branches so far as mutable lists, parent branch line]
    stack: list[tuple[int, list[list], int]] = []
    done: list[_Done] = []
    problems: list[str] = []
    directives: list[tuple[int, str, str]] = []  # (line, directive, rest) of every directive
    pos, lineno = 0, 1
    for m in _DIRECTIVE.finditer(text):
        lineno += text.count("\n", pos, m.start())
        pos = m.start()
        d = m.group(1)
        rest = " ".join(m.group(2).replace("\\\n", " ").split())
        span = m.group(2).count("\n") + 1
        directives.append((lineno, d, rest))
        if d in _OPEN:
            parent = stack[-1][1][-1][0] if stack else 0
            stack.append((lineno, [[lineno, d, rest, 0, span]], parent))
        elif d in ("elif", "else"):
            if not stack:
                problems.append(f"line {lineno}: #{d} without #if")
                continue
            branches = stack[-1][1]
            branches[-1][3] = lineno - 1
            branches.append([lineno, d, rest if d == "elif" else "", 0, span])
        elif d == "endif":
            if not stack:
                problems.append(f"line {lineno}: #endif without #if")
                continue
            _close(stack.pop(), lineno, done)
    while stack:
        block = stack.pop()
        problems.append(f"line {block[0]}: #{block[1][0][1]} without #endif")
        _close(block, 0, done, n_lines)
    only = _defines_only(text, directives, done)
    out = [Branch(*b, defines_only=b[4] in only) for b in done]
    guard = _guard(out, directives)
    if guard:
        out = [b for b in out if b.block != guard]
        out = [
            b
            if b.parent != guard
            else Branch(
                b.line, b.directive, b.condition, b.last, b.block, b.endif, 0, b.position, b.span, b.defines_only
            )
            for b in out
        ]
    out.sort(key=lambda b: b.line)
    return tuple(out), tuple(problems)


def _defines_only(text: str, directives: list[tuple[int, str, str]], done: list[_Done]) -> set[int]:
    """The lines of the blocks (their #if) with no code and no directive but #define and
    conditionals between their #if and #endif."""
    lines = text.split("\n")
    marks = [0] * (len(lines) + 2)  # 1: a code line or another directive
    in_directive = set()
    for line, d, _ in directives:
        k = line
        in_directive.add(k)
        while k - 1 < len(lines) and lines[k - 1].rstrip().endswith("\\"):
            k += 1
            in_directive.add(k)
        if d not in _DEFINE_ONLY:
            marks[line] = 1
    for i, text_line in enumerate(lines, 1):
        if i not in in_directive and text_line.strip():
            marks[i] = 1
    prefix = [0]
    for m in marks[1:]:
        prefix.append(prefix[-1] + m)
    out = set()
    for b in done:
        start, endif = b[4], b[5] or len(lines)
        if b[7] == 0 and prefix[endif - 1] - prefix[start] == 0:
            out.add(start)
    return out


def _close(block: tuple[int, list[list], int], endif: int, done: list[_Done], n_lines: int = 0) -> None:
    start, branches, parent = block
    branches[-1][3] = (endif - 1) if endif else n_lines
    for i, (line, d, cond, last, span) in enumerate(branches):
        done.append((line, d, cond, max(last, line), start, endif, parent, i, span))


def _guard(branches: list[Branch], directives: list[tuple[int, str, str]]) -> int:
    """The line of the include guard's #ifndef, or 0."""
    if len(directives) < 3:
        return 0
    first, second = directives[0], directives[1]
    if first[1] != "ifndef" or second[1] != "define":
        return 0
    name = first[2].split()[0] if first[2] else ""
    if not name or second[2].split()[:1] != [name] or directives[-1][1] != "endif":
        return 0
    for b in branches:
        if b.line == first[0]:
            return first[0] if b.endif == directives[-1][0] and b.position == 0 else 0
    return 0


def dead(line: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    """Whether the branch whose directive is on ``line`` was skipped: a preprocessor's skipped
    range runs from the directive of an inactive branch to the directive that ends it."""
    return any(a <= line < b for a, b in ranges)
