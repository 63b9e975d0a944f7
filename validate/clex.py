"""A small C tokenizer: enough structure for cross-reference checks without a compiler.

Comments and string contents are dropped (strings become one STR token), preprocessor
lines become one PP token each, so that names inside them are never taken for code.
Every token keeps its 1-based line in the snippet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# One match per token, its leading blanks included (they are never tokens themselves). The
# alternatives are ordered by frequency: none can start with a character an earlier one takes,
# except ``other`` (last); they are numbered for a cheap ``lastindex`` dispatch.
_TOKEN = re.compile(r"""
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
""", re.S | re.X)
_ID, _OP, _NL, _NUM, _BC, _LC, _SLASH, _DOT, _STR, _OTHER = range(1, 11)


@dataclass(slots=True)
class Tok:
    kind: str  # id, num, str, op, pp
    text: str
    line: int


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


def tokenize(code: str) -> list[Tok]:
    out: list[Tok] = []
    append = out.append
    line = 1
    at_line_start = True  # only blanks and comments since the line began
    pos = 0
    while True:
        pp_at = -1
        for m in _TOKEN.finditer(code, pos):
            k = m.lastindex
            if k == _ID:
                append(Tok("id", m[k], line))
                at_line_start = False
            elif k == _OP or k == _SLASH or k == _DOT:
                text = m[k]
                if at_line_start and text == "#":
                    # "  #define": a preprocessor line keeps its indentation of spaces and tabs
                    blanks = code[m.start():m.start(k)]
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


def comments(code: str) -> list[tuple[str, int]]:
    """(comment text, line) pairs: offset and size claims often live in comments."""
    out = []
    for m in re.finditer(r"/\*.*?\*/|//[^\n]*", code, re.S):
        out.append((m.group(), code.count("\n", 0, m.start()) + 1))
    return out


def matching(toks: list[Tok], i: int) -> int:
    """Index of the bracket closing the one at ``i`` (or len(toks) if unbalanced)."""
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


def split_args(toks: list[Tok], open_i: int, close_i: int) -> list[list[Tok]]:
    """Top-level comma-separated arguments between brackets at open_i/close_i."""
    args: list[list[Tok]] = []
    cur: list[Tok] = []
    depth = 0
    for t in toks[open_i + 1:close_i]:
        if t.kind == "op" and t.text in "([{":
            depth += 1
        elif t.kind == "op" and t.text in ")]}":
            depth -= 1
        if depth == 0 and t.kind == "op" and t.text == ",":
            args.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur or args:
        args.append(cur)
    return args


def call_args(toks: list[Tok], open_i: int) -> list[list[Tok]]:
    """``split_args(toks, open_i, matching(toks, open_i))`` for a ``(`` in one pass."""
    return call_span(toks, open_i)[0]


def call_span(toks: list[Tok], open_i: int) -> tuple[list[list[Tok]], int]:
    """(arguments, index of the closing parenthesis or len(toks)) of the ``(`` at open_i."""
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
