"""What a snippet declares itself: functions, structs and their members, macros, variables.

Built from every code block of an example first, so that a header block declares the
struct a second block uses, and names the snippet defines are never "unknown".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from validate.clex import Tok, call_span, matching, opening, pp_directive, split_top, tokenize
from validate.ctypes_ import BUILTIN_TYPES, CType, parse_type
from validate.index import ActorInfo, SymbolIndex
from validate.ppcond import Liveness, liveness

KEYWORDS = {
    "if",
    "else",
    "for",
    "while",
    "do",
    "switch",
    "case",
    "default",
    "return",
    "break",
    "continue",
    "goto",
    "sizeof",
    "typedef",
    "struct",
    "union",
    "enum",
    "static",
    "extern",
    "const",
    "volatile",
    "register",
    "inline",
    "auto",
    "__attribute__",
    "asm",
    "__asm__",
    "_Alignof",
    "__alignof__",
    "typeof",
    "__typeof__",
    "offsetof",
    "__builtin_offsetof",
}
_DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)(\()?")
_INCLUDE = re.compile(r'^\s*#\s*include\s*+["<]([^">\n]++)[">]')


@dataclass
class Scope:
    funcs: dict[str, int | None] = field(default_factory=dict)  # defined/declared here
    defined_funcs: dict[str, list[tuple[str, CType | None]]] = field(default_factory=dict)
    structs: dict[str, dict[str, CType | None]] = field(default_factory=dict)
    typedefs: dict[str, str] = field(default_factory=dict)  # local typedef -> struct/base
    macros: set[str] = field(default_factory=set)
    vars: dict[str, CType | None] = field(default_factory=dict)
    enum_consts: set[str] = field(default_factory=set)
    actor: ActorInfo | None = None
    actor_weak: bool = False  # found only from a pointer to it or a spawn: `this` stays untyped
    this_type: CType | None = None
    tokens: dict[int, list[Tok]] = field(default_factory=dict)  # block id -> tokens
    memo: dict[str, Any] = field(default_factory=dict)  # checks' per-example caches
    # a defined function's parameters and locals: block -> [(first line, last line, vars)]
    frames: dict[int, list[tuple[int, int, dict[str, CType | None]]]] = field(default_factory=dict)
    func_calls: dict[str, set[str]] = field(default_factory=dict)  # defined function -> callees
    includes: list[str] = field(default_factory=list)  # #include operands, as written
    live: dict[int, Liveness] = field(default_factory=dict)  # block -> lines #if leaves out

    def local(self, name: str, block: int | None, line: int) -> tuple[bool, CType | None]:
        """(declared in the function around ``line``, its type there)."""
        if block is not None:
            for first, last, names in self.frames.get(block, ()):
                if first <= line <= last and name in names:
                    return True, names[name]
        return False, None

    def is_type(self, name: str, idx: SymbolIndex) -> bool:
        return name in BUILTIN_TYPES or name in self.structs or name in self.typedefs or idx.is_type(name)

    def fields_of(self, struct: str, idx: SymbolIndex) -> dict[str, CType | None] | None:
        s = self.typedefs.get(struct, struct)
        if s in self.structs:
            return self.structs[s]
        return idx.field_types(struct)


def after_type(toks: list[Tok], i: int) -> bool:
    """Whether the name at ``i`` follows a type (a declaration's name, not a call): ``s32 f(``,
    ``Actor* f(``, or a macro-made return type such as ``BAD_RETURN(s32) f(``."""
    if i == 0:
        return False
    prev = toks[i - 1]
    if prev.kind == "id" or prev.text == "*":
        return prev.text not in ("return", "else", "case", "do", "goto", "sizeof")
    if prev.text == ")":
        k = opening(toks, i - 1) - 1
        return k >= 0 and toks[k].kind == "id" and toks[k].text.isupper()
    return False


def _decl_type(toks: list[Tok], start: int, name_i: int) -> CType | None:
    return parse_type(" ".join(t.text for t in toks[start:name_i]))


def parse_members(toks: list[Tok], open_i: int, close_i: int) -> dict[str, CType | None]:
    """Members between the braces of a struct body: ``Type name[..];`` per statement."""
    members: dict[str, CType | None] = {}
    stmts = split_top([t for t in toks[open_i + 1 : close_i] if t.kind != "pp"], ";", "({")
    for stmt in stmts[:-1]:  # the last part has no ";": not a member
        _member(stmt, members)
    return members


def _member(stmt: list[Tok], members: dict[str, CType | None]) -> None:
    if not stmt:
        return
    if stmt[0].text in ("struct", "union") and any(t.text == "{" for t in stmt):
        open_i = next(k for k, t in enumerate(stmt) if t.text == "{")
        close = matching(stmt, open_i)
        if close + 1 >= len(stmt):
            # an anonymous struct/union member: its members belong to the enclosing struct
            members.update(parse_members(stmt, open_i, close))
            return
        members[stmt[-1].text] = None  # a member of an inline struct type
        return
    # function pointer member: Type (*name)(...)
    for j in range(len(stmt) - 2):
        if stmt[j].text == "(" and stmt[j + 1].text == "*" and stmt[j + 2].kind == "id":
            members[stmt[j + 2].text] = CType("<fn>", 1, func=True)
            return
    # "u8 r, g, b;": the type, then one declarator per comma
    parts = split_top(stmt, ",", "([")
    first = _declarator(parts[0], members, None)
    for extra in parts[1:]:
        if first is not None:
            _declarator(extra, members, first)


def _declarator(stmt: list[Tok], members: dict[str, CType | None], base: CType | None) -> CType | None:
    """One member declarator (``name[..]``, ``*name``, ``name : 3``); returns the type the
    declarators of its statement share (without this one's ``*``)."""
    end = len(stmt)
    for j, t in enumerate(stmt):
        if t.text in ("[", ":"):
            end = j
            break
    ids = [j for j in range(end) if stmt[j].kind == "id"]
    if not ids or (base is None and len(ids) < 2):
        return None
    name_i = ids[-1]
    stars = sum(1 for t in stmt[:name_i] if t.text == "*")
    if base is None:
        ct = _decl_type(stmt, 0, name_i)
        if ct is None:
            return None
        root = CType(ct.base, max(0, ct.ptr - stars))
    else:
        ct, root = CType(base.base, base.ptr + stars), base
    if end < len(stmt) and stmt[end].text == "[":
        ct = CType(ct.base, ct.ptr + 1)
    members[stmt[name_i].text] = ct
    return root


def build_scope(codes: list[str], idx: SymbolIndex) -> Scope:
    sc = Scope()
    for bi, code in enumerate(codes):
        toks = tokenize(code)
        sc.tokens[bi] = toks
        _scan(toks, sc, idx, bi)
    for bi, code in enumerate(codes):
        if "#" in code:
            sc.live[bi] = liveness(code, idx.version, sc.macros | idx.defines.keys())
    return sc


def _var(sc: Scope, frame: dict[str, CType | None] | None, name: str, ct: CType | None) -> None:
    """A variable: in its function's frame, and in ``vars`` (whose type is unknown where
    two functions of the snippet declare the name differently)."""
    if frame is not None:
        frame[name] = ct
    if name in sc.vars and sc.vars[name] != ct:
        sc.vars[name] = None
    else:
        sc.vars[name] = ct


def _scan(toks: list[Tok], sc: Scope, idx: SymbolIndex, block: int = 0) -> None:
    _Scan(toks, sc, idx, block).run()


class _Scan:
    """One pass over a block's tokens: each declaration it meets goes into the scope."""

    def __init__(self, toks: list[Tok], sc: Scope, idx: SymbolIndex, block: int) -> None:
        self.toks = toks
        self.n = len(toks)
        self.sc = sc
        self.idx = idx
        self.block = block
        self.depth = 0
        self.pending: tuple[str, dict[str, CType | None]] | None = None  # a definition's
        self.cur: str | None = None  # the function whose body the scan is in
        self.frame: dict[str, CType | None] | None = None  # its parameters and locals
        self.frame_start = 0

    def run(self) -> None:
        toks, n = self.toks, self.n
        i = 0
        while i < n:
            t = toks[i]
            kind = t.kind
            if kind == "id":
                i = self._name(i, t)
                continue
            if kind == "pp":
                self._directive(t)
            elif kind == "op":
                self._punct(t)
            i += 1

    def _directive(self, t: Tok) -> None:
        d = pp_directive(t)
        if d == "define":
            m = _DEFINE.match(t.text)
            if m:
                self.sc.macros.add(m.group(1))
        elif d == "include":
            m = _INCLUDE.match(t.text)
            if m:
                self.sc.includes.append(m.group(1))

    def _punct(self, t: Tok) -> None:
        if t.text == "{":
            if self.depth == 0 and self.pending is not None:
                self.cur, self.frame = self.pending
                self.frame_start = t.line
                self.pending = None
            self.depth += 1
        elif t.text == "}":
            self.depth -= 1
            if self.depth == 0 and self.frame is not None:
                self.sc.frames.setdefault(self.block, []).append((self.frame_start, t.line, self.frame))
                self.cur, self.frame = None, None
        elif t.text == ";" and self.depth == 0:
            self.pending = None

    def _name(self, i: int, t: Tok) -> int:
        """The index after what the name at ``i`` starts (a definition, a declaration)."""
        toks = self.toks
        nxt_open = i + 1 < self.n and toks[i + 1].text == "("
        if self.cur is not None and nxt_open:
            self.sc.func_calls.setdefault(self.cur, set()).add(t.text)
        keyword = _KEYWORD_DECLS.get(t.text)
        if keyword is not None:
            end = keyword(self, i)
            if end is not None:
                return end
        if nxt_open and self.depth == 0 and after_type(toks, i):
            return self._function(i, t)
        end = self._variable(i, t)
        return i + 1 if end is None else end

    def _struct(self, i: int) -> int | None:
        """``[typedef] struct [Tag] { ... } [Name];``"""
        toks, n, sc = self.toks, self.n, self.sc
        if i + 1 >= n:
            return None
        j = i + 1
        tag = toks[j].text if toks[j].kind == "id" else None
        if tag:
            j += 1
        if j >= n or toks[j].text != "{":
            return None
        close = matching(toks, j)
        members = parse_members(toks, j, close)
        names = [tag] if tag else []
        k = close + 1
        if k < n and toks[k].kind == "id":
            names.append(toks[k].text)
        for nm in names:
            sc.structs[nm] = members
        if tag and len(names) == 2 and names[1] != tag:
            sc.typedefs[names[1]] = tag
        return close + 1

    def _typedef(self, i: int) -> int | None:
        """``typedef struct Tag Name;`` / ``typedef Old New;``"""
        toks, n = self.toks, self.n
        semi = i + 1
        while semi < n and toks[semi].text != ";" and toks[semi].text != "{":
            semi += 1
        if semi >= n or toks[semi].text != ";" or semi - 1 <= i:
            return None
        new = toks[semi - 1].text
        old = toks[semi - 2].text if semi - 2 > i else ""
        if toks[semi - 1].kind == "id" and old not in KEYWORDS:
            self.sc.typedefs[new] = old
        return semi + 1

    def _enum(self, i: int) -> int | None:
        toks, n = self.toks, self.n
        if i + 1 >= n:
            return None
        j = i + 1 + (1 if toks[i + 1].kind == "id" else 0)
        if j >= n or toks[j].text != "{":
            return None
        close = matching(toks, j)
        expect = True
        for k in range(j + 1, close):
            if expect and toks[k].kind == "id":
                self.sc.enum_consts.add(toks[k].text)
                expect = False
            elif toks[k].text == ",":
                expect = True
        return close + 1

    def _function(self, i: int, t: Tok) -> int:
        """A function definition or prototype: ``type name ( params ) {`` or ``;``."""
        toks, sc = self.toks, self.sc
        params, close = call_span(toks, i + 1)
        if params is None:  # not a real parameter list
            return close + 1
        plist: list[tuple[str, CType | None]] = []
        pframe: dict[str, CType | None] = {}
        for p in params:
            if len(p) == 1 and p[0].text == "void":
                continue
            ids = [k for k, pt in enumerate(p) if pt.kind == "id"]
            if len(ids) >= 2:
                name = p[ids[-1]].text
                ct = parse_type(" ".join(x.text for x in p[: ids[-1]]))
                plist.append((name, ct))
                _var(sc, pframe, name, ct)
            elif p:
                plist.append(("", parse_type(" ".join(x.text for x in p))))
        variadic = any(len(p) == 1 and p[0].text == "..." for p in params)
        sc.funcs[t.text] = None if variadic else len(plist)
        if close + 1 < self.n and toks[close + 1].text == "{":
            sc.defined_funcs[t.text] = plist
            self.pending = (t.text, pframe)
        return close + 1

    def _variable(self, i: int, t: Tok) -> int | None:
        """``Type [*...] name`` followed by ``= ; , ) [`` (not a cast: that has no name)."""
        toks, n = self.toks, self.n
        if (
            i + 1 >= n
            or not (toks[i + 1].kind == "id" or toks[i + 1].text == "*")
            or not self.sc.is_type(t.text, self.idx)
            or t.text in _NOT_VAR_TYPES
        ):
            return None
        j = i + 1
        while j < n and toks[j].text == "*":
            j += 1
        if j >= n or toks[j].kind != "id" or j + 1 >= n or toks[j + 1].text not in "=;,)[":
            return None
        start = i
        while start > 0 and toks[start - 1].text in _DECL_PREFIX:
            start -= 1
        ct = parse_type(" ".join(x.text for x in toks[start:j]))
        k = j + 1
        while ct is not None and k < n and toks[k].text == "[":
            ct = CType(ct.base, ct.ptr + 1)  # each dimension decays to a pointer
            k = matching(toks, k) + 1
        _var(self.sc, self.frame, toks[j].text, ct)
        return j + 1


_NOT_VAR_TYPES = ("struct", "union", "enum", "const")
_DECL_PREFIX = ("struct", "const", "union", "static", "volatile", "unsigned", "signed")
# declarations a keyword starts; a handler returns None when the keyword starts none
_KEYWORD_DECLS = {"struct": _Scan._struct, "union": _Scan._struct, "typedef": _Scan._typedef, "enum": _Scan._enum}
