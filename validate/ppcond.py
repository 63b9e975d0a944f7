"""Which lines of a snippet a version compiles: ``#if``/``#ifdef``/``#elif``/``#else`` blocks
evaluated with the build's own macros (the Makefile's ``-D`` flags and ``versions.h``).

Real decomp code holds code for other versions (``#if PLATFORM_N64``, ``#if DEBUG_FEATURES``):
names in a block the version does not compile are not checked against it. A condition
that cannot be evaluated (a macro the snippet or graph defines with no known value) leaves
its block ``unsure``: checked, but a name found only in other versions is no error there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from validate.claims.versions import DEBUG, GC, N64, ORDER, PAL

# the macros the Makefile and include/versions.h give a version (ingest.checkout.flags.version_defines)
VERSION_NAMES = {v.upper().replace("-", "_").replace(".", "_"): o for v, o in ORDER.items()}
BUILD_MACROS = {
    "PLATFORM_N64",
    "PLATFORM_GC",
    "PLATFORM_IQUE",
    "DEBUG_FEATURES",
    "OOT_VERSION",
    "OOT_REVISION",
    "OOT_REGION",
    "OOT_NTSC",
    "OOT_PAL",
    "OOT_MQ",
    "OOT_PAL_N64",
    "NDEBUG",
    "F3DEX_GBI_2",
    "F3DEX_GBI_PL",
    "GBI_DOWHILE",
    "GBI_DEBUG",
    "BBPLAYER",
    "NON_MATCHING",
    "AVOID_UB",
    "LIBULTRA_VERSION",
    "LIBULTRA_PATCH",
    "COMPILER_GCC",
    "COMPILER_IDO",
    "__GNUC__",
    "_LANGUAGE_C",
    "__sgi",
    "NON_EQUIVALENT",
    "PLATFORM_N64_OR_GC",
} | set(VERSION_NAMES)


def version_macros(version: str) -> dict[str, int]:
    v = version
    d = {name: o for name, o in VERSION_NAMES.items()}
    d.update(
        PLATFORM_N64=int(v in N64),
        PLATFORM_GC=int(v in GC),
        PLATFORM_IQUE=int(v == "ique-cn"),
        DEBUG_FEATURES=int(v in DEBUG),
        OOT_VERSION=ORDER.get(v, 0),
        OOT_PAL=int(v in PAL),
        OOT_NTSC=int(v not in PAL),
        OOT_MQ=int("-mq" in v),
        OOT_PAL_N64=int(v in ("pal-1.0", "pal-1.1")),
        F3DEX_GBI_2=1,
    )
    if v not in DEBUG:
        d["NDEBUG"] = 1
    return d


_DIRECTIVE = re.compile(r"^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b\s*(.*)$", re.S)
_TOKEN = re.compile(
    r"\s*+(?:(defined)\b|(0[xX][0-9A-Fa-f]++|\d++)[uUlL]*|([A-Za-z_]\w*+)|"
    r"(&&|\|\||==|!=|<=|>=|<<|>>|[()!<>+\-*/%&|^~]))"
)


class _Unknown(Exception):
    pass


def _strip_comments(s: str) -> str:
    out = []
    pos = 0
    while True:
        a = s.find("/*", pos)
        b = s.find("//", pos)
        if b >= 0 and (a < 0 or b < a):
            out.append(s[pos:b])
            break
        if a < 0:
            out.append(s[pos:])
            break
        out.append(s[pos:a] + " ")
        end = s.find("*/", a + 2)
        if end < 0:
            break
        pos = end + 2
    return "".join(out)


def evaluate(expr: str, macros: dict[str, int], defined: set[str]) -> bool | None:
    """A ``#if`` condition: True, False, or None when it names something without a value."""
    expr = _strip_comments(expr)
    toks: list[str | int] = []
    pos = 0
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if m is None:
            if expr[pos:].strip():
                return None
            break
        pos = m.end()
        if m.group(1):
            toks.append("defined")
        elif m.group(2):
            toks.append(int(m.group(2), 0))
        elif m.group(3):
            toks.append("$" + m.group(3))
        else:
            toks.append(m.group(4))
    try:
        val, k = _expr(toks, 0, macros, defined, 0)
    except (_Unknown, IndexError, ZeroDivisionError):
        return None
    return bool(val) if k == len(toks) else None


_BINARY = [
    ("||",),
    ("&&",),
    ("|",),
    ("^",),
    ("&",),
    ("==", "!="),
    ("<", ">", "<=", ">="),
    ("<<", ">>"),
    ("+", "-"),
    ("*", "/", "%"),
]


def _expr(t: list, k: int, m: dict[str, int], d: set[str], level: int) -> tuple[int, int]:
    if level == len(_BINARY):
        return _unary(t, k, m, d)
    left, k = _expr(t, k, m, d, level + 1)
    while k < len(t) and t[k] in _BINARY[level]:
        op = t[k]
        right, k = _expr(t, k + 1, m, d, level + 1)
        left = {
            "||": lambda a, b: int(bool(a) or bool(b)),
            "&&": lambda a, b: int(bool(a) and bool(b)),
            "|": lambda a, b: a | b,
            "^": lambda a, b: a ^ b,
            "&": lambda a, b: a & b,
            "==": lambda a, b: int(a == b),
            "!=": lambda a, b: int(a != b),
            "<": lambda a, b: int(a < b),
            ">": lambda a, b: int(a > b),
            "<=": lambda a, b: int(a <= b),
            ">=": lambda a, b: int(a >= b),
            "<<": lambda a, b: a << b,
            ">>": lambda a, b: a >> b,
            "+": lambda a, b: a + b,
            "-": lambda a, b: a - b,
            "*": lambda a, b: a * b,
            "/": lambda a, b: a // b,
            "%": lambda a, b: a % b,
        }[op](left, right)
    return left, k


def _unary(t: list, k: int, m: dict[str, int], d: set[str]) -> tuple[int, int]:
    x = t[k]
    if x == "!":
        v, k = _unary(t, k + 1, m, d)
        return int(not v), k
    if x == "-":
        v, k = _unary(t, k + 1, m, d)
        return -v, k
    if x == "(":
        v, k = _expr(t, k + 1, m, d, 0)
        if t[k] != ")":
            raise _Unknown
        return v, k + 1
    if x == "defined":
        paren = t[k + 1] == "("
        name = t[k + 2] if paren else t[k + 1]
        if not isinstance(name, str) or not name.startswith("$"):
            raise _Unknown
        n = name[1:]
        if n not in m and n not in d:
            raise _Unknown
        return int(n in m or n in d), k + (4 if paren else 2)
    if isinstance(x, int):
        return x, k + 1
    if isinstance(x, str) and x.startswith("$"):
        if x[1:] in m:
            return m[x[1:]], k + 1
        raise _Unknown
    raise _Unknown


@dataclass
class Liveness:
    dead: set[int] = field(default_factory=set)  # lines the version does not compile
    unsure: set[int] = field(default_factory=set)  # lines under a condition not evaluated


def liveness(code: str, version: str, defined: set[str] | None = None) -> Liveness:
    out = Liveness()
    if "#" not in code:
        return out
    macros = version_macros(version)
    defined = defined or set()
    # per open #if: (parent live, any branch taken so far (None: unsure), this branch state)
    stack: list[tuple[bool | None, bool | None, bool | None]] = []
    state: bool | None = True
    lines = code.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        start = i
        while line.endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line[:-1] + lines[i]
        m = _DIRECTIVE.match(line)
        if m:
            kind, rest = m.group(1), m.group(2)
            if kind in ("if", "ifdef", "ifndef"):
                if kind == "if":
                    cond = evaluate(rest, macros, defined)
                else:
                    name = rest.strip().split()[0] if rest.strip() else ""
                    known = name in macros or name in defined
                    cond = (known if kind == "ifdef" else not known) if (known or name in BUILD_MACROS) else None
                stack.append((state, cond, cond))
                state = _and(state, cond)
            elif kind == "elif" and stack:
                parent, taken, _ = stack[-1]
                cond = evaluate(rest, macros, defined)
                mine = False if taken is True else (None if taken is None or cond is None else cond)
                stack[-1] = (parent, _or(taken, cond), mine)
                state = _and(parent, mine)
            elif kind == "else" and stack:
                parent, taken, _ = stack[-1]
                mine = None if taken is None else not taken
                stack[-1] = (parent, True, mine)
                state = _and(parent, mine)
            elif kind == "endif" and stack:
                state = stack.pop()[0]
        elif state is False:
            out.dead.update(range(start + 1, i + 2))
        elif state is None:
            out.unsure.update(range(start + 1, i + 2))
        i += 1
    return out


def _and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def _or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False
