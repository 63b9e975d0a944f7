"""Level 2 on code: every call, field access and named constant checked against the graph.

Works on tokens, with no compiler, so it runs on any snippet (and fast). Types come
from the snippet's own declarations and the graph's Field/Typedef facts, through
``this->actor.world.pos``-style chains.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from functools import lru_cache

from validate.clex import Tok, call_args, matching
from validate.ctypes_ import SCALAR_BASES, SCALAR_CANON, CType, parse_type
from validate.index import FuncInfo, SymbolIndex
from validate.models import Issue, Severity
from validate.scope import KEYWORDS, Scope

Emit = Callable[..., None]

# Renamed in the decomp: old names LLMs still write.
RENAMED = {
    "GlobalContext": "PlayState", "globalCtx": "play", "ActorInit": "ActorProfile",
    "func_8002D8E0": "Actor_MoveXZGravity", "Actor_MoveForward": "Actor_MoveXZGravity",
    "Audio_PlayActorSound2": "Actor_PlaySfx", "func_8002F974": "Actor_PlaySfx_Flagged",
}
# constant families -> issue code when a name of the family does not exist
FAMILY_CODES = {
    "ACTOR_": ("unknown-actor", "Actor"), "OBJECT_": ("unknown-object", "Object"),
    "SCENE_": ("unknown-scene", "Scene"), "NA_BGM_": ("unknown-sequence", "Sequence"),
    "NA_SE_": ("unknown-sfx", "Sfx"), "EFFECT_SS_": ("unknown-effect", "EffectSs"),
    "ENTR_": ("unknown-entrance", "Entrance"),
}
FLAG_PREFIXES = ("EVENTCHKINF_", "INFTABLE_", "ITEMGETINF_", "EVENTINF_", "RANDOMIZER_INF_")
_ALLCAPS = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_GBI = re.compile(r"^g[sx]?(?:[SD]P|Mo|Xp|Sp|Dma)[A-Z0-9]")
UNKNOWN_ACTOR = "<an actor struct>"
ACTOR_STRUCT = re.compile(r"^(En|Bg|Obj|Boss|Door|Demo|Item|Arms|Elf|Eff|Fire|Mir|Oceff|Shot|Magic|"
                          r"Arrow|Eff|Ovl)[A-Z0-9]")
# well-known macros whose value has a type (only used for chains starting with them)
MACRO_TYPES = {"GET_PLAYER": CType("Player", 1), "GET_ACTIVE_CAM": CType("Camera", 1)}
_FLOATY = re.compile(r"[.eE]")


@lru_cache(maxsize=65536)
def is_allcaps(name: str) -> bool:
    return _ALLCAPS.match(name) is not None


@lru_cache(maxsize=4096)
def _close_fields(name: str, fields: tuple[str, ...]) -> list[str]:
    return difflib.get_close_matches(name, fields, n=3, cutoff=0.6)


def families(idx: SymbolIndex) -> dict[str, int]:
    """How many names of the graph each constant family (``EVENTCHKINF_``...) has."""
    fam = idx.memo.get("families")
    if fam is None:
        fam = {}
        for n in (*idx.constants, *idx.defines, *(k for d in idx.domain.values() for k in d)):
            f = family(n)
            fam[f] = fam.get(f, 0) + 1
        idx.memo["families"] = fam
    return fam


def _params(idx: SymbolIndex, name: str, info: FuncInfo) -> list[tuple[str, str]]:
    """A function's parameters without a lone ``void`` (cached per version)."""
    memo = idx.memo.setdefault("params", {})
    params = memo.get(name)
    if params is None:
        params = memo[name] = [p for p in info.params or () if p[1].strip() != "void"]
    return params


def family(name: str) -> str:
    for pre in FAMILY_CODES:
        if name.startswith(pre):
            return pre
    for pre in FLAG_PREFIXES:
        if name.startswith(pre):
            return pre
    return name.split("_", 1)[0] + "_"


class CodeChecker:
    def __init__(self, idx: SymbolIndex, scope: Scope, emit: Emit, counts: dict[str, int]) -> None:
        self.idx = idx
        self.sc = scope
        self.emit = emit
        self.counts = counts
        self.version = idx.version
        self.trust_defines = len(idx.defines) > 50
        # typedef resolution depends on the example's own typedefs: cached per scope
        self._canon = scope.memo.setdefault("canon", {})
        self._fields = scope.memo.setdefault("fields", {})
        self._compat = scope.memo.setdefault("compatible", {})

    # ------------------------------------------------------------------ helpers

    def families(self) -> dict[str, int]:
        return families(self.idx)

    def is_macro(self, name: str) -> bool:
        if name in self.sc.macros or name in self.idx.defines:
            return True
        if not self.trust_defines:
            # a graph without macro facts: treat macro-shaped names as macros
            return bool(_ALLCAPS.match(name) or _GBI.match(name) or name.isupper())
        return bool(_GBI.match(name))

    def missing(self, name: str, code: str, what: str, line: int, kind: str,
                level: int = 2) -> None:
        """Emit not-in-version or an unknown-* issue for a name this version lacks."""
        if name in RENAMED:
            self.emit(code, level, name, f"{name} was renamed to {RENAMED[name]} in the decomp",
                      line, [RENAMED[name]])
            return
        others = self.idx.elsewhere(name)
        if others:
            self.emit("not-in-version", level, name,
                      f"{what} {name} does not exist in {self.version}; it exists in "
                      f"{', '.join(others)}", line, [])
            return
        sugg = self.idx.names_of(kind).suggest(name)
        hint = f"; did you mean {', '.join(sugg)}?" if sugg else ""
        self.emit(code, level, name, f"{what} {name} does not exist in {self.version}{hint}",
                  line, sugg)

    def canon(self, ct: CType | None) -> CType | None:
        """Resolve typedefs: ``ActorFunc`` -> function pointer, ``Vec3f`` -> Vec3f."""
        if ct is None:
            return None
        try:
            return self._canon[ct]
        except KeyError:
            out = self._canon[ct] = self._resolve(ct)
            return out

    def _resolve(self, ct: CType | None) -> CType | None:
        seen = 0
        while ct is not None and not ct.func and seen < 10:
            seen += 1
            base = ct.base
            if base in SCALAR_CANON:
                return CType(SCALAR_CANON[base], ct.ptr)
            if base in self.sc.typedefs:
                nxt = self.sc.typedefs[base]
                if nxt == base or not nxt:
                    return ct
                ct = CType(nxt, ct.ptr)
                continue
            under = self.idx.typedefs.get(base)
            if under is None:
                return ct
            u = parse_type(under)
            if u is None or u.base == base:
                return ct
            ct = CType(u.base, ct.ptr + u.ptr, u.func)
        return ct

    def known_base(self, ct: CType) -> bool:
        b = ct.base
        return (b == UNKNOWN_ACTOR or b in SCALAR_BASES or b in self.sc.structs
                or b in self.idx.structs or b == "void")

    # ------------------------------------------------------------------ types of expressions

    def base_type(self, tok: Tok) -> CType | None:
        name = tok.text
        if name == "this" and name not in self.sc.vars:
            # an actor the snippet does not name: its first member is the Actor base
            return self.sc.this_type or CType(UNKNOWN_ACTOR, 1)
        if name in self.sc.vars:
            return self.sc.vars[name]
        if name in self.idx.globals:
            return parse_type(self.idx.globals[name])
        return None

    def chain(self, toks: list[Tok], i: int, check: bool = True) -> tuple[CType | None, int]:
        """Type of the access chain starting at toks[i]; returns (type, index after it)."""
        n = len(toks)
        t = toks[i]
        if t.text in MACRO_TYPES and i + 1 < n and toks[i + 1].text == "(":
            ct: CType | None = MACRO_TYPES[t.text]
            j = matching(toks, i + 1) + 1
        else:
            ct = self.base_type(t)
            j = i + 1
        while j < n:
            op = toks[j].text
            if op == "[":
                j = matching(toks, j) + 1
                ct = ct.deref() if ct else None
                continue
            if op in ("->", ".") and j + 1 < n and toks[j + 1].kind == "id":
                member = toks[j + 1]
                ct = self.member(ct, member, op, check)
                j += 2
                continue
            break
        return ct, j

    def fields_of(self, struct: str) -> dict[str, CType | None] | None:
        try:
            return self._fields[struct]
        except KeyError:
            out = self._fields[struct] = self.sc.fields_of(struct, self.idx)
            return out

    def member(self, ct: CType | None, member: Tok, op: str, check: bool) -> CType | None:
        if ct is None or ct.func:
            return None
        c = self._canon.get(ct) or self.canon(ct)
        if c.base == UNKNOWN_ACTOR:
            return CType("Actor", 0) if member.text == "actor" and op == "->" else None
        base = c.base
        fields = self.fields_of(base)
        if fields is None:
            fields = self.fields_of(ct.base)
        if fields is None:
            return None
        if check:
            self.counts["fields"] += 1
        if member.text in fields:
            return fields[member.text]
        if check and fields and not any(k == "" or k.startswith("(") or k.startswith("unnamed")
                                        for k in fields):
            struct = self.idx.struct_of(ct.base) or base
            sugg = list(_close_fields(member.text, tuple(fields)))
            hint = f"; did you mean {', '.join(sugg)}?" if sugg else ""
            self.emit("unknown-field", 2, f"{struct}.{member.text}",
                      f"{struct} has no field {member.text} in {self.version}{hint}",
                      member.line, sugg)
        return None

    def arg_type(self, arg: list[Tok]) -> CType | None:
        if not arg:
            return None
        if len(arg) == 1:
            t = arg[0]
            if t.kind == "num":
                return CType("float" if _FLOATY.search(t.text) and not
                             t.text.lower().startswith("0x") else "int32")
            if t.kind == "str":
                return CType("int8", 1) if t.text.startswith('"') else CType("int32")
            if t.text == "NULL":
                return None
        if arg[0].text == "&" and len(arg) > 1 and arg[1].kind == "id":
            ct, end = self.chain(arg, 1, check=False)
            return ct.addr() if ct is not None and end == len(arg) else None
        if arg[0].kind == "id" and arg[0].text not in self.sc.funcs \
                and arg[0].text not in self.idx.functions:
            ct, end = self.chain(arg, 0, check=False)
            return ct if end == len(arg) else None
        if arg[0].text == "(" and len(arg) > 3:
            close = matching(arg, 0)
            inner = arg[1:close]
            if inner and all(x.kind == "id" or x.text == "*" for x in inner) and \
                    any(x.text == "*" for x in inner) and close + 1 < len(arg):
                return parse_type(" ".join(x.text for x in inner))
        return None

    def compatible(self, param: CType | None, arg: CType | None, arg_toks: list[Tok]) -> bool:
        key = (param, arg)
        try:
            ok = self._compat[key]
        except KeyError:
            ok = self._compat[key] = self._compatible(param, arg)
        if ok is None:  # a pointer parameter given a scalar: only a null constant will do
            return len(arg_toks) == 1 and arg_toks[0].text in ("0", "NULL")
        return ok

    def _compatible(self, param: CType | None, arg: CType | None) -> bool | None:
        p, a = self.canon(param), self.canon(arg)
        if p is None or a is None or p.func or a.func:
            return True
        if not self.known_base(p) or not self.known_base(a):
            return True
        if p.ptr == 0 and a.ptr == 0:
            # scalars convert; a struct by value must be the same struct
            if p.base in SCALAR_BASES or a.base in SCALAR_BASES:
                return (p.base in SCALAR_BASES) == (a.base in SCALAR_BASES)
            return p.base == a.base
        if p.ptr > 0 and a.ptr == 0:
            return None
        if p.ptr == 0 and a.ptr > 0:
            return False
        if p.base == "void" or a.base == "void":
            return p.ptr >= 1 and a.ptr >= 1
        if p.ptr != a.ptr:
            return False
        return p.base == a.base

    # ------------------------------------------------------------------ the walk

    def check(self, toks: list[Tok]) -> None:
        n = len(toks)
        depth = 0
        for i, t in enumerate(toks):
            if t.kind == "op":
                if t.text == "{":
                    depth += 1
                elif t.text == "}":
                    depth -= 1
                continue
            if t.kind != "id":
                continue
            prev = toks[i - 1].text if i > 0 else ""
            if prev in (".", "->"):
                continue
            nxt = toks[i + 1].text if i + 1 < n else ""
            name = t.text
            if nxt == "(" and name not in KEYWORDS:
                if depth == 0 and (prev and (toks[i - 1].kind == "id" or prev == "*")):
                    continue  # a definition or prototype
                self.call(toks, i, depth)
                continue
            if nxt in ("->", ".", "[") and (name in self.sc.vars or name == "this"
                                            or name in self.idx.globals):
                self.chain(toks, i, check=True)
                continue
            if is_allcaps(name):
                self.constant(t, prev, nxt)
                continue
            if name in RENAMED and (nxt == "*" or toks[i - 1].text == "*"):
                self.missing(name, "unknown-type" if name[0].isupper() else "renamed-symbol",
                             "type" if name[0].isupper() else "name", t.line, "Type")
                continue
            if name[0].isupper() and nxt == "*" and i + 2 < n and toks[i + 2].kind == "id" \
                    and i + 3 < n and toks[i + 3].text in "=;,)[" and self.idx.typedefs \
                    and not self.sc.is_type(name, self.idx) and name not in self.sc.macros \
                    and not ACTOR_STRUCT.match(name):
                # the snippet's own types are unknown to the graph: only flag near-misses
                # of known types (PlayStat -> PlayState) and names found in other versions
                if self.idx.elsewhere(name) or self.idx.names_of("Type").suggest(name):
                    self.missing(name, "unknown-type", "type", t.line, "Type")

    def call(self, toks: list[Tok], i: int, depth: int) -> None:
        t = toks[i]
        name = t.text
        if name in self.sc.funcs or name in self.sc.vars or self.is_macro(name) \
                or name.startswith("__builtin") or self.sc.is_type(name, self.idx):
            return
        info = self.idx.functions.get(name)
        if info is None:
            if is_allcaps(name) and (name in self.idx.defines or not self.trust_defines):
                return
            self.counts["functions"] += 1
            self.missing(name, "unknown-function", "function", t.line, "Function")
            return
        self.counts["functions"] += 1
        args = call_args(toks, i + 1)
        if info.params is None or args is None:
            return
        params = _params(self.idx, name, info)
        want = len(params)
        got = len(args)
        if (got != want and not info.variadic) or (info.variadic and got < want):
            sig = info.signature or f"{name}({', '.join(p[1] for p in params)})"
            self.emit("wrong-arity", 2, name,
                      f"{name} takes {want}{' or more' if info.variadic else ''} argument"
                      f"{'s' if want != 1 else ''} in {self.version}, given {got}: {sig}",
                      t.line, [])
            return
        for k, (arg, (pname, ptype)) in enumerate(zip(args, params, strict=False)):
            pt = parse_type(ptype)
            at = self.arg_type(arg)
            if not self.compatible(pt, at, arg):
                text = " ".join(x.text for x in arg)
                self.emit("wrong-arg-type", 2, name,
                          f"argument {k + 1} of {name} ({pname or 'param'}) is {ptype}, "
                          f"but `{text}` is {at}", arg[0].line if arg else t.line, [])

    def constant(self, t: Tok, prev: str, nxt: str) -> None:
        name = t.text
        sc, idx = self.sc, self.idx
        if name in sc.macros or name in sc.enum_consts or name in sc.vars or name in sc.funcs:
            return
        fam = family(name)
        code_kind = FAMILY_CODES.get(fam)
        if code_kind:
            code, kind = code_kind
            self.counts["ids"] += 1
            if name in idx.domain.get(kind, {}) or name in idx.constants or name in idx.defines:
                return
            if not idx.domain.get(kind):
                return  # the graph has no table of that kind: nothing to check against
            self.missing(name, code, kind.lower() if kind != "Sfx" else "sound effect",
                         t.line, kind)
            return
        if name in idx.constants or name in idx.defines:
            self.counts["ids"] += 1
            return
        if self.families().get(fam, 0) >= 8 and (self.trust_defines or fam in FLAG_PREFIXES):
            self.counts["ids"] += 1
            code = "unknown-flag" if fam in FLAG_PREFIXES else "unknown-constant"
            self.missing(name, code, "flag" if fam in FLAG_PREFIXES else "constant", t.line,
                         "Constant")


def make_emit(issues: list[Issue], message_index: int | None, block: int | None,
              line_offset: int = 0) -> Emit:
    seen: set[tuple[str, str | None, int | None]] = set()

    def emit(code: str, level: int, symbol: str | None, message: str, line: int | None,
             suggestions: list[str], severity: Severity = Severity.error) -> None:
        key = (code, symbol, line)
        if key in seen:
            return
        seen.add(key)
        issues.append(Issue(code=code, level=level, severity=severity, symbol=symbol,
                            message=message, message_index=message_index,
                            line=None if line is None else line + line_offset, block=block,
                            suggestions=suggestions))
    return emit
