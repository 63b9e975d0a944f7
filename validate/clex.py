"""A small C tokenizer: enough structure for cross-reference checks without a compiler.

Comments and string contents are dropped (strings become one STR token), preprocessor
lines become one PP token each, so that names inside them are never taken for code.
Every token keeps its 1-based line in the snippet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"""
    (?P<ws>[ \t\r\f\v]+)
  | (?P<nl>\n)
  | (?P<bc>/\*.*?(?:\*/|\Z))
  | (?P<lc>//[^\n]*)
  | (?P<str>"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?)
  | (?P<num>(?:0[xX][0-9a-fA-F]+|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)[uUlLfF]*)
  | (?P<id>[A-Za-z_]\w*)
  | (?P<op>->|\+\+|--|<<=|>>=|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^!=<>]=|\.\.\.|[{}()\[\];,.?:~!&|^+\-*/%<>=#\\])
  | (?P<other>.)
""", re.S | re.X)


_PP_START = re.compile(r"[ \t]*#")


@dataclass(slots=True)
class Tok:
    kind: str  # id, num, str, op, pp
    text: str
    line: int


def tokenize(code: str) -> list[Tok]:
    out: list[Tok] = []
    line = 1
    at_line_start = True
    pos = 0
    n = len(code)
    while pos < n:
        if at_line_start:
            m = _PP_START.match(code, pos)
            if m:
                # a preprocessor line, with its backslash continuations
                end = pos
                while True:
                    nl = code.find("\n", end)
                    if nl == -1:
                        end = n
                        break
                    if code[nl - 1] == "\\":
                        end = nl + 1
                        continue
                    end = nl
                    break
                text = code[pos:end]
                out.append(Tok("pp", text, line))
                line += text.count("\n")
                pos = end
                continue
        m = _TOKEN.match(code, pos)
        if m is None:  # pragma: no cover - the pattern matches any character
            break
        kind = m.lastgroup or "other"
        text = m.group()
        pos = m.end()
        if kind == "nl":
            line += 1
            at_line_start = True
            continue
        if kind in ("ws",):
            continue
        if kind in ("bc", "lc"):
            line += text.count("\n")
            continue
        at_line_start = False
        if kind == "str":
            out.append(Tok("str", text, line))
        else:
            out.append(Tok(kind if kind in ("id", "num", "op") else "op", text, line))
    return out


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


PP_DIRECTIVE = re.compile(r"^\s*#\s*(\w+)")


def pp_directive(tok: Tok) -> str:
    m = PP_DIRECTIVE.match(tok.text)
    return m.group(1) if m else ""
