"""The C preprocessor's own view of a snippet: which lines are directives, and what they name.

A line-based regex cannot tell where a directive is: ``#/**/include``, ``/**/#include``, a
comment spanning lines before the ``#``, ``%:include``, a backslash-newline inside the
name, a NUL or a no-break space between ``#`` and ``include`` all make clang read a file.
This module follows clang's translation phases on the snippet alone (no include is
resolved, nothing is read): line splices (``\\`` plus optional blanks before a newline),
comments as whitespace, preprocessing tokens (strings, character constants, identifiers
with universal character names, pp-numbers, ``#``/``%:``/``##``/``%:%:``), and a directive
wherever ``#`` is the first token of a line.

``normalize`` first rewrites the few characters on which lexers disagree (CR and CRLF
newlines, NUL, Unicode blanks, the byte-order mark): the validator hands clang the
normalized text, so the gate and the compiler see the same characters. Where clang's
behaviour depends on flags the snippet cannot change (trigraphs are off in gnu90), the
gate scans both ways (``scan(text, trigraphs=True)``) and refuses what either finds.
Every pattern here is linear in the input.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

# Characters clang treats as blanks (its UnicodeWhitespaceChars, plus NUL and the BOM).
_ODD_BLANKS = re.compile("[\x00\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]")
_SPLICE = re.compile(r"\\[ \t\v\f]*\n")
_TRIGRAPHS = {"=": "#", "(": "[", "/": "\\", ")": "]", "'": "^", "<": "{", "!": "|", ">": "}", "-": "~"}
_TRIGRAPH = re.compile(r"\?\?([=(/)'<!>-])")
_IDCHAR = r"(?:[\w$]|[^\x00-\x7f]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})"
# One match per token, its leading blanks and comments included; numbered for a cheap
# ``lastindex`` dispatch.
_TOKEN = re.compile(
    rf"""
    (?:[ \t\v\f]+|/\*(?P<bc>.*?)(?:\*/|\Z)|//[^\n]*)*+
    (?:
      (?P<id>(?:[A-Za-z_$]|[^\x00-\x7f]|\\u[0-9A-Fa-f]{{4}}|\\U[0-9A-Fa-f]{{8}}){_IDCHAR}*)
    | (?P<nl>\n)
    | (?P<str>(?:u8|[LuU])?"(?:[^"\\\n]|\\.)*"?|(?:u8|[LuU])?'(?:[^'\\\n]|\\.)*'?)
    | (?P<num>\.?[0-9](?:[eEpP][+-]|[\w$.]|[^\x00-\x7f])*)
    | (?P<hash>%:%:|\#\#|%:|\#)
    | (?P<other>.)
    | \Z
    )
""",
    re.S | re.X,
)
_BC, _ID, _NL, _STR, _NUM, _HASH, _OTHER = range(1, 8)
_ANGLED = re.compile(r"<(?:[^>\\\n]|\\.)*>?")
_UCN = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def normalize(text: str) -> str:
    """The text both the gate and clang see: LF newlines, odd blanks as spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _ODD_BLANKS.sub(" ", text)


@dataclass
class Directive:
    name: str  # "include", "pragma", ...; "line" for a GNU line marker (# 12 "f"); "" if none
    line: int  # 1-based line of the '#' in the scanned text
    start: int  # offset of the '#' in the scanned text
    end: int  # offset of the newline ending the directive (or the text's end)
    header: str | None = None  # the header-name of an include-like directive, quotes kept
    first_word: str = ""  # the first token after the name (a pragma's namespace)
    words: list[str] = field(default_factory=list)  # the tokens after the name (at most 8)


@dataclass
class Scan:
    directives: list[Directive] = field(default_factory=list)
    identifiers: set[str] = field(default_factory=set)
    pastes: int = 0  # line of the first ## / %:%: operator (0: none)
    watched: dict[str, int] = field(default_factory=dict)  # watched identifier -> first line


class _Splices:
    """Maps offsets of the spliced (logical) text back to the text it came from."""

    def __init__(self, text: str) -> None:
        self.logical_at: list[int] = []  # logical offset where each splice was removed
        self.removed: list[int] = []  # characters removed by that splice and the earlier ones
        if "\\" not in text:
            self.text = text
            return
        parts = []
        last = 0
        total = 0
        for m in _SPLICE.finditer(text):
            parts.append(text[last : m.start()])
            self.logical_at.append(m.start() - total)
            total += m.end() - m.start()
            self.removed.append(total)
            last = m.end()
        parts.append(text[last:])
        self.text = "".join(parts)

    def raw(self, pos: int) -> int:
        """The offset in the original text of the character at logical offset ``pos``."""
        i = bisect.bisect_right(self.logical_at, pos)
        return pos + (self.removed[i - 1] if i else 0)


def _decode_ucn(name: str) -> str:
    if "\\" not in name:
        return name
    return _UCN.sub(lambda m: chr(min(int(m.group(1) or m.group(2), 16), 0x10FFFF)), name)


_INCLUDE_LIKE = frozenset({"include", "include_next", "import", "embed"})


def scan(text: str, *, trigraphs: bool = False, watch: frozenset[str] = frozenset()) -> Scan:
    """Directives, identifiers and pastes of ``text`` (already ``normalize``d), as clang
    lexes it, and the line where each ``watch``ed identifier first appears. Offsets and
    lines refer to ``text`` (splices mapped back); with ``trigraphs``, to the text after
    trigraph replacement."""
    if trigraphs:
        text = _TRIGRAPH.sub(lambda m: _TRIGRAPHS[m.group(1)], text)
    sp = _Splices(text)
    logical = sp.text
    newlines: list[int] | None = None

    def line_of(pos: int) -> int:
        nonlocal newlines
        if newlines is None:
            newlines = [m.start() for m in re.finditer("\n", text)]
        return bisect.bisect_left(newlines, sp.raw(pos)) + 1

    out = Scan()
    ids = out.identifiers
    at_line_start = True
    d: Directive | None = None  # the directive being read
    named = False  # d's name has been read
    pos = 0
    while True:
        restart = False
        for m in _TOKEN.finditer(logical, pos):
            k = m.lastindex
            start = m.start(k) if k is not None and k != _BC else m.end()
            if d is None and start > m.start() and "\n" in logical[m.start() : start]:
                at_line_start = True  # a comment spanning lines: conservative, clang does not
            if k is None or k == _BC:
                break  # only blanks and comments were left
            tok = m.group(k)
            if k == _NL:
                if d is not None:
                    d.end = sp.raw(start)
                    out.directives.append(d)
                    d = None
                at_line_start = True
                continue
            if k == _ID:
                if "\\" in tok:
                    tok = _decode_ucn(tok)
                ids.add(tok)
                if tok in watch and tok not in out.watched:
                    out.watched[tok] = line_of(start)
            elif k == _HASH and (tok == "##" or tok == "%:%:") and not out.pastes:
                out.pastes = line_of(start)
            if d is not None:
                if not named:
                    named = True
                    d.name = tok if k == _ID else "line" if k == _NUM else ""
                    if d.name in _INCLUDE_LIKE:
                        after = _angled_header(logical, m.end(), d)
                        if after is not None:
                            pos = after
                            restart = True
                            break
                    continue
                _directive_word(d, tok, k)
                continue
            if k == _HASH and at_line_start and (tok == "#" or tok == "%:"):
                d = Directive("", line_of(start), sp.raw(start), len(text))
                named = False
            at_line_start = False
        if not restart:
            break
    if d is not None:
        d.end = len(text)
        out.directives.append(d)
    return out


def _angled_header(logical: str, j: int, d: Directive) -> int | None:
    """After an include-like directive's name at ``j``: a <header-name> is lexed apart ('"',
    "'" or "/*" inside it is text); it becomes ``d``'s header, and the offset after it is
    returned (None when no ``<`` follows)."""
    n = len(logical)
    while j < n and logical[j] in " \t\v\f":
        j += 1
    if j < n and logical[j] == "<":
        h = _ANGLED.match(logical, j)
        assert h is not None
        d.header = d.first_word = h.group()
        d.words.append(d.header)
        return h.end()
    return None


def _directive_word(d: Directive, tok: str, k: int) -> None:
    """A token after the directive's name: its first words (a quoted header is the header)."""
    if len(d.words) < 8:
        d.words.append(tok)
    if len(d.words) == 1:
        d.first_word = tok
        if k == _STR and d.name in _INCLUDE_LIKE:
            d.header = tok


def can_spell(name: str, pieces: set[str]) -> bool:
    """Whether ``name`` is a concatenation of some of ``pieces`` (what ``##`` could paste)."""
    ok = [True] + [False] * len(name)
    for end in range(1, len(name) + 1):
        for start in range(end):
            if ok[start] and name[start:end] in pieces:
                ok[end] = True
                break
    return ok[len(name)]
