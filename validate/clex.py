"""A small C tokenizer: enough structure for cross-reference checks without a compiler.

Comments and string contents are dropped (strings become one STR token), preprocessor
lines become one PP token each, so that names inside them are never taken for code.
Every token keeps its 1-based line in the snippet.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# One match per token, its leading blanks included (they are never tokens themselves). The
# alternatives are ordered by frequency: none can start with a character an earlier one takes,
# except ``other`` (last); they are numbered for a cheap ``lastindex`` dispatch.
_TOKEN = re.compile(
    r"""
    [ \t\r\f\v]*+
    (?:
      (?P<id>[A-Za-z_]\w*)
    | (?P<op>->|\+\+|--|<<=|>>=|<<|>>|<=|>=|==|!=|&&|\|\||[-+*%&|^!=<>]=|\.\.\.
             |[{}()\[\];,?:~!&|^+\-*%<>=#\\])
    | (?P<nl>\n)
    | (?P<num>(?:0[xX][0-9a-fA-F]+|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)[uUlLfF]*)
    | (?P<bc>/\*.*?(?:\*/|\Z))
    | (?P<lc>//[^\n]*)
    | (?P<slash>/=?)
    | (?P<dot>\.)
    | (?P<str>"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?)
    | (?P<other>[^ \t\r\f\v])
    )
""",
    re.S | re.X,
)
_ID, _OP, _NL, _NUM, _BC, _LC, _SLASH, _DOT, _STR, _OTHER = range(1, 11)


@dataclass(slots=True)
class Tok:
    kind: str  # id, num, str, op, pp
    text: str
    line: int


_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {")": "(", "]": "[", "}": "{"}
# A call whose parentheses hold more tokens than this is not split into arguments (no real
# call is that long; nested ones would make every check quadratic).
MAX_CALL_TOKENS = 256


class Toks(list):
    """A token list that knows, once, which bracket matches which (``matching`` in O(1))."""

    __slots__ = ("_match",)

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self._match: list[int] | None = None

    def match(self) -> list[int]:
        """For each bracket, the index of its partner of the same kind (len(self) when it
        has none); -1 for other tokens."""
        if self._match is None or len(self._match) != len(self):
            n = len(self)
            table = [-1] * n
            stacks: dict[str, list[int]] = {"(": [], "[": [], "{": []}
            for j, t in enumerate(self):
                if t.kind != "op":
                    continue
                if t.text in _OPEN:
                    stacks[t.text].append(j)
                    table[j] = n
                elif t.text in _CLOSE:
                    st = stacks[_CLOSE[t.text]]
                    if st:
                        o = st.pop()
                        table[o] = j
                        table[j] = o
                    else:
                        table[j] = -1
            self._match = table
        return self._match


def _pp_end(code: str, pos: int) -> int:
    """End of the preprocessor line starting at ``pos`` (backslash continuations included)."""
    end = pos
    while True:
        nl = code.find("\n", end)
        if nl == -1:
            return len(code)
        if code[nl - 1] == "\\":
            end = nl + 1
            continue
        return nl


def tokenize(code: str) -> Toks:
    out = Toks()
    append = out.append
    line = 1
    at_line_start = True  # only blanks and comments since the line began
    pos = 0
    while True:
        pp_at = -1
        for m in _TOKEN.finditer(code, pos):
            k = m.lastindex or 0  # never None: every alternative is a group
            if k == _ID:
                append(Tok("id", m[k], line))
                at_line_start = False
            elif k == _OP or k == _SLASH or k == _DOT:
                text = m[k]
                if at_line_start and text == "#":
                    # "  #define": a preprocessor line keeps its indentation of spaces and tabs
                    blanks = code[m.start() : m.start(k)]
                    pp_at = m.start() if not blanks.strip(" \t") else m.start(k)
                    break
                append(Tok("op", text, line))
                at_line_start = False
            elif k == _NL:
                line += 1
                at_line_start = True
            elif k == _NUM:
                append(Tok("num", m[k], line))
                at_line_start = False
            elif k == _BC:
                line += m[k].count("\n")
            elif k == _LC:
                pass
            else:  # str, other
                append(Tok("str" if k == _STR else "op", m[k], line))
                at_line_start = False
        if pp_at < 0:
            return out
        end = _pp_end(code, pp_at)
        text = code[pp_at:end]
        append(Tok("pp", text, line))
        line += text.count("\n")
        pos = end


class Lines:
    """1-based line of an offset in ``text``, in O(log n) (counting newlines up to each
    match would make a scan over many matches quadratic)."""

    __slots__ = ("_nl",)

    def __init__(self, text: str) -> None:
        self._nl = [m.start() for m in _NEWLINE.finditer(text)]

    def at(self, pos: int) -> int:
        return bisect.bisect_left(self._nl, pos) + 1


_NEWLINE = re.compile("\n")


def matching(toks: list[Tok], i: int) -> int:
    """Index of the bracket closing the one at ``i`` (or len(toks) if unbalanced)."""
    if isinstance(toks, Toks):
        return toks.match()[i]
    pairs = {"(": ")", "[": "]", "{": "}"}
    open_, close = toks[i].text, pairs[toks[i].text]
    depth = 0
    for j in range(i, len(toks)):
        t = toks[j].text
        if toks[j].kind != "op":
            continue
        if t == open_:
            depth += 1
        elif t == close:
            depth -= 1
            if depth == 0:
                return j
    return len(toks)


def opening(toks: list[Tok], j: int) -> int:
    """Index of the bracket opening the one closed at ``j`` (-1 if unbalanced)."""
    if isinstance(toks, Toks):
        return toks.match()[j]
    close = toks[j].text
    open_ = _CLOSE[close]
    depth = 0
    for k in range(j, -1, -1):
        t = toks[k]
        if t.kind != "op":
            continue
        if t.text == close:
            depth += 1
        elif t.text == open_:
            depth -= 1
            if depth == 0:
                return k
    return -1


class Braces:
    """Brace depth along a walk over tokens, and the function whose body the walk is in
    (the name before the parameter list ``)`` that precedes a depth-0 ``{``). A walk calls
    ``open(i)`` at each ``{`` and ``close()`` at each ``}``."""

    __slots__ = ("_func_depth", "depth", "func", "toks")

    def __init__(self, toks: list[Tok]) -> None:
        self.toks = toks
        self.depth = 0
        self.func: str | None = None
        self._func_depth = 0

    def open(self, i: int) -> None:
        self.depth += 1
        if self.depth == 1 and i > 0 and self.toks[i - 1].text == ")":
            k = opening(self.toks, i - 1)
            self.func = self.toks[k - 1].text if k > 0 else None
            self._func_depth = 1

    def close(self) -> None:
        self.depth -= 1
        if self.depth < self._func_depth:
            self.func = None


def top_level(toks: list[Tok]) -> Iterator[tuple[list[Tok], int]]:
    """The depth-0 statements of ``toks`` (preprocessor lines left out): (the tokens since
    the last depth-0 ``;`` or ``}``, the index of the ``;`` or ``{`` that ends them)."""
    depth = 0
    stmt: list[Tok] = []
    for i, t in enumerate(toks):
        kind = t.kind
        if kind == "pp":
            continue
        if kind == "op":
            text = t.text
            if text == "{":
                if depth == 0:
                    yield stmt, i
                depth += 1
                continue
            if text == "}":
                depth -= 1
                if depth == 0:
                    stmt = []
                continue
            if depth == 0 and text == ";":
                yield stmt, i
                stmt = []
                continue
        if depth == 0:
            stmt.append(t)


def split_top(toks: Iterable[Tok], sep: str, opens: str = "([{") -> list[list[Tok]]:
    """``toks`` cut at each ``sep`` outside brackets of the kinds in ``opens``: every part,
    the one after the last separator included (so never an empty list)."""
    open_set = set(opens)
    closes = {_OPEN[o] for o in opens}
    parts: list[list[Tok]] = [[]]
    depth = 0
    for t in toks:
        text = t.text
        if text in open_set:
            depth += 1
        elif text in closes:
            depth -= 1
        elif text == sep and depth == 0 and t.kind == "op":
            parts.append([])
            continue
        parts[-1].append(t)
    return parts


def split_args(toks: list[Tok], open_i: int, close_i: int) -> list[list[Tok]]:
    """Top-level comma-separated arguments between brackets at open_i/close_i."""
    args = split_top(toks[open_i + 1 : close_i], ",")
    return [] if args == [[]] else args


def call_args(toks: list[Tok], open_i: int) -> list[list[Tok]] | None:
    """``split_args(toks, open_i, matching(toks, open_i))`` for a ``(`` in one pass (None
    when the parentheses hold more than MAX_CALL_TOKENS tokens)."""
    return call_span(toks, open_i)[0]


def call_span(toks: list[Tok], open_i: int) -> tuple[list[list[Tok]] | None, int]:
    """(arguments, index of the closing parenthesis or len(toks)) of the ``(`` at open_i;
    no arguments (None) when they would be more than MAX_CALL_TOKENS tokens."""
    if isinstance(toks, Toks):
        close_at = toks.match()[open_i]
        if close_at - open_i > MAX_CALL_TOKENS:
            return None, close_at
    args: list[list[Tok]] = []
    cur: list[Tok] = []
    depth = 0  # any bracket, for the commas
    parens = 0  # parentheses only, for the end
    close = len(toks)
    for j in range(open_i + 1, len(toks)):
        t = toks[j]
        if t.kind == "op":
            text = t.text
            if text == "(":
                parens += 1
                depth += 1
            elif text == ")":
                if parens == 0:
                    close = j
                    break
                parens -= 1
                depth -= 1
            elif text == "[" or text == "{":
                depth += 1
            elif text == "]" or text == "}":
                depth -= 1
            elif text == "," and depth == 0:
                args.append(cur)
                cur = []
                continue
        cur.append(t)
    if cur or args:
        args.append(cur)
    return args, close


PP_DIRECTIVE = re.compile(r"^\s*#\s*(\w+)")


def pp_directive(tok: Tok) -> str:
    m = PP_DIRECTIVE.match(tok.text)
    return m.group(1) if m else ""
