"""Level 2 on code, calls: a called function must exist in the version, be callable from the
snippet (``validate.visible``) and get as many arguments as its signature takes, of fitting
types; a function-like macro its parameters' count."""

from __future__ import annotations

import re
from typing import Any

from validate import rules, visible
from validate.clex import Tok, call_args
from validate.ctypes_ import parse_type
from validate.index import FuncInfo, SymbolIndex
from validate.rules import Emit
from validate.xconsts import ALLCAPS, is_allcaps

_GBI = re.compile(r"^g[sx]?(?:[SD]P|Mo|Xp|Sp|Dma)[A-Z0-9]")


def _params(idx: SymbolIndex, name: str, info: FuncInfo) -> list[tuple[str, str]]:
    """A function's parameters without a lone ``void`` (cached per version)."""
    memo = idx.memo.setdefault("params", {})
    params = memo.get(name)
    if params is None:
        params = memo[name] = [p for p in info.params or () if p[1].strip() != "void"]
    return params


class CallChecks:
    """Mixed into CodeChecker (which has the index, scope, counts, ``missing`` and the
    argument types of ``validate.xtypes``)."""

    idx: SymbolIndex
    sc: Any
    emit: Emit
    counts: dict[str, int]
    version: str
    trust_defines: bool
    missing: Any
    arg_type: Any
    compatible: Any

    def is_macro(self, name: str) -> bool:
        if name in self.sc.macros or name in self.idx.defines:
            return True
        if not self.trust_defines:
            # a graph without macro facts: treat macro-shaped names as macros
            return bool(ALLCAPS.match(name) or _GBI.match(name) or name.isupper())
        return bool(_GBI.match(name))

    def call(self, toks: list[Tok], i: int, depth: int) -> None:
        t = toks[i]
        name = t.text
        if (
            name in self.sc.funcs
            or name in self.sc.vars
            or name.startswith("__builtin")
            or self.sc.is_type(name, self.idx)
        ):
            return
        if self.is_macro(name):
            if name in self.idx.macro_params:
                margs = call_args(toks, i + 1)
                if margs is not None:  # None: too long to count
                    visible.check_macro(self, toks, i, len(margs))
            elif self.trust_defines and name not in self.sc.macros and name not in self.idx.defines:
                sugg = visible.near_macro(self, name)  # gSPDisplayLst: a gbi macro misspelt
                if sugg:
                    self.emit(
                        rules.UNKNOWN_MACRO,
                        name,
                        f"macro {name} does not exist in {self.version}; did you mean {', '.join(sugg)}?",
                        t.line,
                        sugg,
                    )
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
            self.emit(
                rules.WRONG_ARITY,
                name,
                f"{name} takes {want}{' or more' if info.variadic else ''} argument"
                f"{'s' if want != 1 else ''} in {self.version}, given {got}: {sig}",
                t.line,
                [],
            )
            return
        for k, (arg, (pname, ptype)) in enumerate(zip(args, params, strict=False)):
            pt = parse_type(ptype)
            at = self.arg_type(arg)
            if not self.compatible(pt, at, arg):
                text = " ".join(x.text for x in arg)
                self.emit(
                    rules.WRONG_ARG_TYPE,
                    name,
                    f"argument {k + 1} of {name} ({pname or 'param'}) is {ptype}, but `{text}` is {at}",
                    arg[0].line if arg else t.line,
                    [],
                )
