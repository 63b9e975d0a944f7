"""Level 2 on code: every call, field access and named constant checked against the graph.

Works on tokens, with no compiler, so it runs on any snippet (and fast). Types come
from the snippet's own declarations and the graph's Field/Typedef facts, through
``this->actor.world.pos``-style chains.

The checks are split by what they look at: calls (``validate.xcalls``), field chains
(``validate.xchains``), named constants (``validate.xconsts``), and the types of expressions
(``validate.xtypes``); ``CodeChecker`` walks the tokens and hands each name to one of them.
"""

from __future__ import annotations

import re

from validate import rules
from validate.clex import Braces, Tok
from validate.index import SymbolIndex
from validate.rules import Emit, Rule
from validate.scope import KEYWORDS, Scope, after_type
from validate.xcalls import CallChecks
from validate.xchains import ChainOps
from validate.xconsts import ConstantChecks, is_allcaps
from validate.xtypes import TypeOps

# Renamed in the decomp: old names LLMs still write.
RENAMED = {
    "GlobalContext": "PlayState",
    "globalCtx": "play",
    "ActorInit": "ActorProfile",
    "func_8002D8E0": "Actor_MoveXZGravity",
    "Actor_MoveForward": "Actor_MoveXZGravity",
    "Audio_PlayActorSound2": "Actor_PlaySfx",
    "func_8002F974": "Actor_PlaySfx_Flagged",
}
ACTOR_STRUCT = re.compile(
    r"^(En|Bg|Obj|Boss|Door|Demo|Item|Arms|Elf|Eff|Fire|Mir|Oceff|Shot|Magic|"
    r"Arrow|Eff|Ovl)[A-Z0-9]"
)


class CodeChecker(CallChecks, ChainOps, ConstantChecks, TypeOps):
    def __init__(
        self, idx: SymbolIndex, scope: Scope, emit: Emit, counts: dict[str, int], block: int | None = None
    ) -> None:
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

    def missing(self, name: str, code: Rule, what: str, line: int, kind: str) -> None:
        """Emit not-in-version or an unknown-* issue for a name this version lacks."""
        if name in RENAMED:
            self.emit(code, name, f"{name} was renamed to {RENAMED[name]} in the decomp", line, [RENAMED[name]])
            return
        others = self.idx.elsewhere(name)
        live = self.sc.live.get(self.block) if self.block is not None else None
        if others and live is not None and line in live.unsure:
            return  # under a condition not evaluated: maybe for one of those versions
        if others:
            self.emit(
                rules.NOT_IN_VERSION,
                name,
                f"{what} {name} does not exist in {self.version}; it exists in {', '.join(others)}",
                line,
                [],
            )
            return
        sugg = self.idx.names_of(kind).suggest(name)
        hint = f"; did you mean {', '.join(sugg)}?" if sugg else ""
        self.emit(code, name, f"{what} {name} does not exist in {self.version}{hint}", line, sugg)

    # ------------------------------------------------------------------ the walk

    def check(self, toks: list[Tok]) -> None:
        n = len(toks)
        braces = Braces(toks)
        live = self.sc.live.get(self.block) if self.block is not None else None
        dead = live.dead if live is not None else ()
        for i, t in enumerate(toks):
            if dead and t.line in dead:
                continue  # a block of #if the version does not compile
            if t.kind == "op":
                if t.text == "{":
                    braces.open(i)
                elif t.text == "}":
                    braces.close()
                continue
            if t.kind != "id":
                continue
            prev = toks[i - 1].text if i > 0 else ""
            if prev in (".", "->"):
                continue
            nxt = toks[i + 1].text if i + 1 < n else ""
            self._name(toks, i, t, nxt, prev, braces.depth)

    def _name(self, toks: list[Tok], i: int, t: Tok, nxt: str, prev: str, depth: int) -> None:
        """Hand a name to the check of what it is: a call, a chain, a constant, a type."""
        name = t.text
        if nxt == "(" and name not in KEYWORDS:
            if depth == 0 and after_type(toks, i):
                return  # a definition or prototype
            self.call(toks, i, depth)
        elif nxt in ("->", ".", "[") and (name in self.sc.vars or name == "this" or name in self.idx.globals):
            self.chain(toks, i, check=True)
        elif is_allcaps(name):
            self.constant(t, prev, nxt)
        elif name in RENAMED and (nxt == "*" or toks[i - 1].text == "*"):
            upper = name[0].isupper()
            self.missing(
                name, rules.UNKNOWN_TYPE if upper else rules.RENAMED_SYMBOL, "type" if upper else "name", t.line, "Type"
            )
        elif name[0].isupper() and nxt == "*":
            self._type_name(toks, i, t)

    def _type_name(self, toks: list[Tok], i: int, t: Tok) -> None:
        """``Name* x =``: the snippet's own types are unknown to the graph, so only near-misses
        of known types (PlayStat -> PlayState) and names found in other versions are flagged."""
        name, n = t.text, len(toks)
        if (
            i + 2 < n
            and toks[i + 2].kind == "id"
            and i + 3 < n
            and toks[i + 3].text in "=;,)["
            and self.idx.typedefs
            and not self.sc.is_type(name, self.idx)
            and name not in self.sc.macros
            and not ACTOR_STRUCT.match(name)
            and (self.idx.elsewhere(name) or self.idx.names_of("Type").suggest(name))
        ):
            self.missing(name, rules.UNKNOWN_TYPE, "type", t.line, "Type")
