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

from validate import rules, visible
from validate.clex import Tok, call_args, matching
from validate.ctypes_ import CType, parse_type
from validate.index import FuncInfo, SymbolIndex
from validate.models import Issue, Severity
from validate.ppcond import BUILD_MACROS
from validate.rules import Rule
from validate.scope import KEYWORDS, Scope, after_type
from validate.xtypes import UNKNOWN_ACTOR, TypeOps

Emit = Callable[..., None]

# Renamed in the decomp: old names LLMs still write.
RENAMED = {
    "GlobalContext": "PlayState", "globalCtx": "play", "ActorInit": "ActorProfile",
    "func_8002D8E0": "Actor_MoveXZGravity", "Actor_MoveForward": "Actor_MoveXZGravity",
    "Audio_PlayActorSound2": "Actor_PlaySfx", "func_8002F974": "Actor_PlaySfx_Flagged",
}
# constant families -> issue code when a name of the family does not exist
FAMILY_CODES = {
    "ACTOR_": (rules.UNKNOWN_ACTOR, "Actor"), "OBJECT_": (rules.UNKNOWN_OBJECT, "Object"),
    "SCENE_": (rules.UNKNOWN_SCENE, "Scene"), "NA_BGM_": (rules.UNKNOWN_SEQUENCE, "Sequence"),
    "NA_SE_": (rules.UNKNOWN_SFX, "Sfx"), "EFFECT_SS_": (rules.UNKNOWN_EFFECT, "EffectSs"),
    "ENTR_": (rules.UNKNOWN_ENTRANCE, "Entrance"),
}
FLAG_PREFIXES = ("EVENTCHKINF_", "INFTABLE_", "ITEMGETINF_", "EVENTINF_", "RANDOMIZER_INF_")
_ALLCAPS = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_GBI = re.compile(r"^g[sx]?(?:[SD]P|Mo|Xp|Sp|Dma)[A-Z0-9]")
ACTOR_STRUCT = re.compile(r"^(En|Bg|Obj|Boss|Door|Demo|Item|Arms|Elf|Eff|Fire|Mir|Oceff|Shot|Magic|"
                          r"Arrow|Eff|Ovl)[A-Z0-9]")
# well-known macros whose value has a type (only used for chains starting with them)
MACRO_TYPES = {"GET_PLAYER": CType("Player", 1), "GET_ACTIVE_CAM": CType("Camera", 1)}


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


def _anonymous(fields: dict) -> bool:
    """A struct with an anonymous struct/union member, whose own members the graph lacks."""
    return any(not k or k.startswith(("(", "unnamed", "struct ", "union ")) for k in fields)


def prefix_count(idx: SymbolIndex, prefix: str) -> int:
    """How many constants/defines/table names of the version start with ``prefix``."""
    counts = idx.memo.get("prefix_counts")
    if counts is None:
        counts = {}
        for n in (*idx.constants, *idx.defines, *(k for d in idx.domain.values() for k in d)):
            parts = n.split("_")
            for k in range(1, len(parts)):
                p = "_".join(parts[:k]) + "_"
                counts[p] = counts.get(p, 0) + 1
        idx.memo["prefix_counts"] = counts
    return counts.get(prefix, 0)


def family(name: str) -> str:
    for pre in FAMILY_CODES:
        if name.startswith(pre):
            return pre
    for pre in FLAG_PREFIXES:
        if name.startswith(pre):
            return pre
    return name.split("_", 1)[0] + "_"


class CodeChecker(TypeOps):
    def __init__(self, idx: SymbolIndex, scope: Scope, emit: Emit, counts: dict[str, int],
                 block: int | None = None) -> None:
        self.idx = idx
        self.sc = scope
        self.block = block  # the code block the tokens are from (for function-local names)
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

    def missing(self, name: str, code: Rule, what: str, line: int, kind: str) -> None:
        """Emit not-in-version or an unknown-* issue for a name this version lacks."""
        if name in RENAMED:
            self.emit(code, name, f"{name} was renamed to {RENAMED[name]} in the decomp",
                      line, [RENAMED[name]])
            return
        others = self.idx.elsewhere(name)
        live = self.sc.live.get(self.block) if self.block is not None else None
        if others and live is not None and line in live.unsure:
            return  # under a condition not evaluated: maybe for one of those versions
        if others:
            self.emit(rules.NOT_IN_VERSION, name,
                      f"{what} {name} does not exist in {self.version}; it exists in "
                      f"{', '.join(others)}", line, [])
            return
        sugg = self.idx.names_of(kind).suggest(name)
        hint = f"; did you mean {', '.join(sugg)}?" if sugg else ""
        self.emit(code, name, f"{what} {name} does not exist in {self.version}{hint}",
                  line, sugg)

    # ------------------------------------------------------------------ types of expressions

    def base_type(self, tok: Tok) -> CType | None:
        name = tok.text
        found, ct = self.sc.local(name, self.block, tok.line)
        if found:
            return ct
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
        if check and fields and member.text not in self.sc.macros and \
                member.text not in self.idx.defines and not _anonymous(fields):
            struct = self.idx.struct_of(ct.base) or base
            sugg = list(_close_fields(member.text, tuple(fields)))
            hint = f"; did you mean {', '.join(sugg)}?" if sugg else ""
            self.emit(rules.UNKNOWN_FIELD, f"{struct}.{member.text}",
                      f"{struct} has no field {member.text} in {self.version}{hint}",
                      member.line, sugg)
        return None

    # ------------------------------------------------------------------ the walk

    def check(self, toks: list[Tok]) -> None:
        n = len(toks)
        depth = 0
        live = self.sc.live.get(self.block) if self.block is not None else None
        dead = live.dead if live is not None else ()
        for i, t in enumerate(toks):
            if dead and t.line in dead:
                continue  # a block of #if the version does not compile
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
                if depth == 0 and after_type(toks, i):
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
                self.missing(name, rules.UNKNOWN_TYPE if name[0].isupper() else rules.RENAMED_SYMBOL,
                             "type" if name[0].isupper() else "name", t.line, "Type")
                continue
            if name[0].isupper() and nxt == "*" and i + 2 < n and toks[i + 2].kind == "id" \
                    and i + 3 < n and toks[i + 3].text in "=;,)[" and self.idx.typedefs \
                    and not self.sc.is_type(name, self.idx) and name not in self.sc.macros \
                    and not ACTOR_STRUCT.match(name):
                # the snippet's own types are unknown to the graph: only flag near-misses
                # of known types (PlayStat -> PlayState) and names found in other versions
                if self.idx.elsewhere(name) or self.idx.names_of("Type").suggest(name):
                    self.missing(name, rules.UNKNOWN_TYPE, "type", t.line, "Type")

    def call(self, toks: list[Tok], i: int, depth: int) -> None:
        t = toks[i]
        name = t.text
        if name in self.sc.funcs or name in self.sc.vars or name.startswith("__builtin") \
                or self.sc.is_type(name, self.idx):
            return
        if self.is_macro(name):
            if name in self.idx.macro_params:
                visible.check_macro(self, toks, i, len(call_args(toks, i + 1)))
            elif self.trust_defines and name not in self.sc.macros and \
                    name not in self.idx.defines:
                sugg = visible.near_macro(self, name)  # gSPDisplayLst: a gbi macro misspelt
                if sugg:
                    self.emit(rules.UNKNOWN_MACRO, name, f"macro {name} does not exist in "
                              f"{self.version}; did you mean {', '.join(sugg)}?", t.line, sugg)
            return
        info = self.idx.functions.get(name)
        if info is None:
            if is_allcaps(name):
                if name in self.idx.defines or not self.trust_defines:
                    return
                self.counts["functions"] += 1
                self.missing(name, rules.UNKNOWN_MACRO, "macro", t.line, "Define")
                return
            self.counts["functions"] += 1
            self.missing(name, rules.UNKNOWN_FUNCTION, "function", t.line, "Function")
            return
        self.counts["functions"] += 1
        visible.check_call(self, name, t.line)
        args = call_args(toks, i + 1)
        if info.params is None or args is None:
            return
        params = _params(self.idx, name, info)
        want = len(params)
        got = len(args)
        if (got != want and not info.variadic) or (info.variadic and got < want):
            sig = info.signature or f"{name}({', '.join(p[1] for p in params)})"
            self.emit(rules.WRONG_ARITY, name,
                      f"{name} takes {want}{' or more' if info.variadic else ''} argument"
                      f"{'s' if want != 1 else ''} in {self.version}, given {got}: {sig}",
                      t.line, [])
            return
        for k, (arg, (pname, ptype)) in enumerate(zip(args, params, strict=False)):
            pt = parse_type(ptype)
            at = self.arg_type(arg)
            if not self.compatible(pt, at, arg):
                text = " ".join(x.text for x in arg)
                self.emit(rules.WRONG_ARG_TYPE, name,
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
        if name in idx.constants or name in idx.defines or name in BUILD_MACROS:
            self.counts["ids"] += 1
            return
        if self.families().get(fam, 0) >= 8 and (self.trust_defines or fam in FLAG_PREFIXES) \
                and self._closed_family(name, fam):
            self.counts["ids"] += 1
            code = rules.UNKNOWN_FLAG if fam in FLAG_PREFIXES else rules.UNKNOWN_CONSTANT
            self.missing(name, code, "flag" if fam in FLAG_PREFIXES else "constant", t.line,
                         "Constant")

    def _closed_family(self, name: str, fam: str) -> bool:
        """Whether the graph can know all of ``name``'s family: a flag family, a name whose
        own prefix (all but its last part) the graph has several of, or a near miss of a known
        name. Not a skeleton's limb enum: those come from headers generated from the asset
        XML, which the graph does not hold."""
        if "_LIMB_" in name or name.endswith("_LIMB_MAX"):
            return False
        if fam in FLAG_PREFIXES:
            return True
        parent = name.rsplit("_", 1)[0] + "_"
        if parent != fam and prefix_count(self.idx, parent) >= 3:
            return True
        sugg = self.idx.names_of("Constant").suggest(name, 1)
        return bool(sugg) and difflib.SequenceMatcher(None, name, sugg[0]).ratio() >= 0.9


def make_emit(issues: list[Issue], message_index: int | None, block: int | None,
              line_offset: int = 0) -> Emit:
    """``emit(rule, symbol, message, line, suggestions[, severity])``: appends an issue of a
    registered rule (its level; its severity unless one is given), once per place."""
    seen: set[tuple[str, str | None, int | None, str]] = set()

    def emit(r: Rule | str, symbol: str | None, message: str, line: int | None,
             suggestions: list[str], severity: Severity | None = None) -> None:
        ru = rules.rule(r)
        key = (ru.code, symbol, line, message)
        if key in seen:
            return
        seen.add(key)
        issues.append(rules.issue(ru, message, severity=severity, symbol=symbol,
                                  message_index=message_index, block=block,
                                  line=None if line is None else line + line_offset,
                                  suggestions=suggestions))
    return emit
