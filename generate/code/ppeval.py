"""Which game versions compile each branch of an ``#if`` block (the checkout fallback).

The decomp selects version-specific code with conditions on ``OOT_VERSION``, the
version macros of ``include/versions.h`` (``NTSC_1_0`` ... ``IQUE_CN``), ``PLATFORM_*``,
``DEBUG_FEATURES`` and what ``versions.h`` derives from them (``OOT_NTSC``, ``OOT_PAL``,
``OOT_PAL_N64``, ``OOT_MQ``, ``DEBUG_ASSETS``). The values come from the checkout itself
(versions.h and the Makefile's per-version variables, as ``ingest.checkout`` reads them);
a condition naming anything else is not evaluated (``None``), never guessed.
Issue 16's ``VersionBlock.versions`` replaces this where the graph has it.
"""

from __future__ import annotations

import re
from pathlib import Path

_TOKEN = re.compile(r"\s*(?:(0[xX][0-9A-Fa-f]+|\d+)[uUlL]*|([A-Za-z_]\w*)|(&&|\|\||==|!=|<=|>=|[-+*/%<>!()~]))")
_PREC = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}


class Unknown(ValueError):
    """The condition names a macro whose value is not known."""


def _tokens(text: str) -> list[tuple[str, int | str]]:
    out: list[tuple[str, int | str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise Unknown(f"cannot read {text[pos:]!r}")
        if m.group(1):
            out.append(("num", int(m.group(1), 0)))
        elif m.group(2):
            out.append(("id", m.group(2)))
        else:
            out.append(("op", m.group(3)))
        pos = m.end()
    return out


def evaluate(condition: str, macros: dict[str, int]) -> int:
    toks = _tokens(condition)
    pos = [0]

    def peek() -> tuple[str, int | str] | None:
        return toks[pos[0]] if pos[0] < len(toks) else None

    def take() -> tuple[str, int | str]:
        t = peek()
        if t is None:
            raise Unknown("unexpected end")
        pos[0] += 1
        return t

    def unary() -> int:
        kind, val = take()
        if kind == "num":
            return int(val)
        if kind == "id":
            if val == "defined":
                paren = peek() == ("op", "(")
                if paren:
                    take()
                _, name = take()
                if paren:
                    take()
                return int(name in macros)
            if val not in macros:
                raise Unknown(f"{val} is not a version macro")
            return macros[val]  # type: ignore[index]
        if val == "(":
            v = expr(0)
            take()
            return v
        if val == "!":
            return int(not unary())
        if val == "-":
            return -unary()
        if val == "~":
            return ~unary()
        raise Unknown(f"unexpected {val}")

    def expr(min_prec: int) -> int:
        left = unary()
        while True:
            t = peek()
            if t is None or t[0] != "op" or t[1] not in _PREC or _PREC[t[1]] < min_prec:  # type: ignore[index]
                return left
            op = str(take()[1])
            right = expr(_PREC[op] + 1)
            left = {
                "||": lambda a, b: int(bool(a) or bool(b)),
                "&&": lambda a, b: int(bool(a) and bool(b)),
                "==": lambda a, b: int(a == b),
                "!=": lambda a, b: int(a != b),
                "<": lambda a, b: int(a < b),
                "<=": lambda a, b: int(a <= b),
                ">": lambda a, b: int(a > b),
                ">=": lambda a, b: int(a >= b),
                "+": lambda a, b: a + b,
                "-": lambda a, b: a - b,
                "*": lambda a, b: a * b,
                "/": lambda a, b: a // b if b else 0,
                "%": lambda a, b: a % b if b else 0,
            }[op](left, right)

    value = expr(0)
    if pos[0] != len(toks):
        raise Unknown("trailing tokens")
    return value


_DEFINE = re.compile(r"^\s*#\s*define\s+([A-Z][A-Z0-9_]*)\s+(.+?)\s*(?://.*)?$")
_DIRECTIVE = re.compile(r"^\s*#\s*(if|elif|else|endif)\b(.*)$")


def _versions_h(text: str, macros: dict[str, int]) -> dict[str, int]:
    """Run versions.h's object-like ``#define``s under its own ``#if``s."""
    out = dict(macros)
    stack: list[list[bool]] = []  # per level: [taking now, taken already]
    for line in text.splitlines():
        d = _DIRECTIVE.match(line)
        if d:
            kind, cond = d.group(1), d.group(2).strip()
            live = all(s[0] for s in stack)
            if kind == "if":
                take = live and _safe(cond, out)
                stack.append([take, take])
            elif kind == "elif" and stack:
                outer = all(s[0] for s in stack[:-1])
                take = outer and not stack[-1][1] and _safe(cond, out)
                stack[-1] = [take, stack[-1][1] or take]
            elif kind == "else" and stack:
                outer = all(s[0] for s in stack[:-1])
                stack[-1] = [outer and not stack[-1][1], True]
            elif kind == "endif" and stack:
                stack.pop()
            continue
        m = _DEFINE.match(line)
        if m and all(s[0] for s in stack) and "(" not in m.group(1):
            try:
                out[m.group(1)] = evaluate(m.group(2), out)
            except Unknown:
                pass
    return out


def _safe(cond: str, macros: dict[str, int]) -> bool:
    try:
        return bool(evaluate(cond, macros))
    except Unknown:
        return False


class VersionMacros:
    """Per-version macro values of a checkout, for every version it builds."""

    def __init__(self, root: Path) -> None:
        from ingest.checkout.checkout import Checkout

        co = Checkout.open(root)
        self.order = [v.id for v in co._versions]  # build order (versions.h ordinals)
        text = (Path(root) / "include" / "versions.h").read_text(errors="replace")
        base = {v.name: v.ordinal for v in co._versions}
        self.macros: dict[str, dict[str, int]] = {}
        self._live: dict[tuple[str, str], list[str] | None] = {}
        for v in co._versions:
            plat = v.platform.upper()
            m = dict(base)
            m.update(
                OOT_VERSION=v.ordinal,
                PLATFORM_N64=int(plat == "N64"),
                PLATFORM_GC=int(plat == "GC"),
                PLATFORM_IQUE=int(plat == "IQUE"),
                DEBUG_FEATURES=int(v.debug),
            )
            self.macros[v.id] = _versions_h(text, m)

    def live(self, condition: str, directive: str = "if") -> list[str] | None:
        """The versions for which ``condition`` holds (None when it cannot be evaluated)."""
        key = (condition, directive)
        if key not in self._live:
            self._live[key] = self._eval(condition, directive)
        got = self._live[key]
        return list(got) if got is not None else None

    def _eval(self, condition: str, directive: str) -> list[str] | None:
        out = []
        for vid in self.order:
            try:
                if directive in ("ifdef", "ifndef"):
                    name = condition.split()[0] if condition.split() else ""
                    if name not in self.macros[vid]:
                        return None
                    on = directive == "ifdef"
                else:
                    on = bool(evaluate(condition, self.macros[vid]))
            except Unknown:
                return None
            if on:
                out.append(vid)
        return out

    def branch_versions(self, conditions: list[tuple[str, str]]) -> list[list[str]] | None:
        """For an ``#if/#elif/#else`` chain ((directive, condition) each), the versions that
        compile each branch; None when any condition cannot be evaluated."""
        taken: set[str] = set()
        out: list[list[str]] = []
        for directive, cond in conditions:
            if directive == "else":
                live = [v for v in self.order if v not in taken]
            else:
                versions = self.live(cond, directive)
                if versions is None:
                    return None
                live = [v for v in versions if v not in taken]
            taken.update(live)
            out.append(live)
        return out
