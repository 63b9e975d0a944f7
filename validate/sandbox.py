"""Make a snippet safe to hand to clang, and wrap loose statements in a function.

Nothing a snippet says may make the compiler read a file outside the decomp:
``#include`` operands must be plain relative paths (no absolute path, no ``..``
leaving the include directories, no macro-computed operand); ``__has_include``,
``#pragma`` and ``_Pragma`` lines are blanked. Offending lines are blanked (line
numbers are kept) and reported as ``forbidden-include``; the clang command line
itself only names the decomp's include directories.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from validate.clex import Tok, tokenize

_INCLUDE = re.compile(r"^\s*(?:#|%:|\?\?=)\s*(include|include_next|import)\b\s*(.*)$")
_OPERAND = re.compile(r'^(?:"([^"\n]*)"|<([^>\n]*)>)\s*(?://.*|/\*.*)?$')
_BLANK = re.compile(r"^\s*(?:#|%:)\s*(pragma|embed|line)\b|__has_include|_Pragma\b")
STATEMENT_START = {"if", "for", "while", "return", "switch", "do", "break", "continue", "goto"}
MAX_SNIPPET = 200_000


@dataclass
class Prepared:
    text: str  # the translation unit
    line_map: list[int | None]  # TU line (0-based) -> snippet line (1-based) or None
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (line, include, why)
    wrapped: bool = False
    stand_ins: list[str] = field(default_factory=list)


def check_include(path: str) -> str | None:
    """Why an include operand is refused, or None if it may be looked up in the decomp."""
    if not path or "\x00" in path:
        return "empty include"
    if path.startswith("/") or path.startswith("\\") or re.match(r"^[A-Za-z]:", path):
        return "absolute path"
    norm = posixpath.normpath(path.replace("\\", "/"))
    if norm.startswith("..") or "/../" in f"/{norm}/":
        return "path leaves the include directories"
    if "~" in path.split("/")[0]:
        return "home-relative path"
    return None


def _splice(code: str) -> list[str]:
    """Join backslash-continued lines as the preprocessor will (padding to keep numbering)."""
    raw = code.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    pending = ""
    extra = 0
    for line in raw:
        if line.endswith("\\"):
            pending += line[:-1]
            extra += 1
            continue
        out.append(pending + line)
        out += [""] * extra
        pending, extra = "", 0
    if pending:
        out.append(pending)
        out += [""] * (extra - 1)
    return out


def sanitize(code: str) -> tuple[list[str], list[tuple[int, str, str]]]:
    lines = _splice(code)
    problems = []
    for i, line in enumerate(lines):
        m = _INCLUDE.match(line)
        if m:
            operand = m.group(2).strip()
            om = _OPERAND.match(operand)
            if not om:
                problems.append((i + 1, operand[:80], "include operand is not a plain \"path\" "
                                 "or <path> (macro-computed includes are refused)"))
                lines[i] = ""
                continue
            why = check_include(om.group(1) if om.group(1) is not None else om.group(2))
            if why:
                problems.append((i + 1, operand[:80], why))
                lines[i] = ""
            continue
        if _BLANK.search(line):
            lines[i] = ""
    return lines, problems


def needs_wrap(toks: list[Tok]) -> bool:
    """True when the snippet has statements outside any function (and no function bodies).

    A depth-0 statement is loose when it is a control statement, an expression statement
    (call, assignment, increment), or a declaration whose initializer needs run-time values
    (``s32 slot = Object_GetSlot(&play->objectCtx, ...)``).
    """
    depth = 0
    loose = False
    has_function = False
    stmt: list[Tok] = []
    for i, t in enumerate(toks):
        if t.kind == "pp":
            continue
        if t.kind == "op" and t.text == "{":
            if depth == 0:
                first = stmt[0].text if stmt else ""
                if first in STATEMENT_START or first in ("else",):
                    loose = True
                elif i > 0 and toks[i - 1].text == ")" and first not in ("=",):
                    has_function = True
                elif _loose(stmt):
                    loose = True
            depth += 1
            continue
        if t.kind == "op" and t.text == "}":
            depth -= 1
            if depth == 0:
                stmt = []
            continue
        if depth != 0:
            continue
        if t.kind == "op" and t.text == ";":
            if _loose(stmt):
                loose = True
            stmt = []
            continue
        stmt.append(t)
    return loose and not has_function


_ASSIGN = {"=", "+=", "-=", "*=", "/=", "|=", "&=", "^=", "<<=", ">>=", "++", "--", "->", ".",
           "["}


def _loose(stmt: list[Tok]) -> bool:
    if not stmt:
        return False
    first = stmt[0]
    if first.kind == "id" and first.text in STATEMENT_START:
        return True
    if first.kind == "op" and first.text in ("++", "--", "*", "("):
        return True
    if len(stmt) > 1 and first.kind == "id" and stmt[1].text in _ASSIGN:
        return True
    if len(stmt) > 1 and first.kind == "id" and stmt[1].text == "(":
        return True  # a call statement (a prototype has its type first)
    # a declaration initialised from run-time values
    names = {t.text for t in stmt if t.kind == "id"}
    return any(t.text == "->" for t in stmt) or bool(names & {"this", "play", "thisx", "player"})


def prepare(code: str, prelude: list[str], this_struct: str | None) -> Prepared:
    if len(code) > MAX_SNIPPET:
        code = code[:MAX_SNIPPET]
    lines, problems = sanitize(code)
    toks = tokenize("\n".join(lines))
    out: list[str] = list(prelude)
    lmap: list[int | None] = [None] * len(prelude)
    stand_ins = [m.group(1) for line in prelude
                 for m in [re.search(r"\}\s*(\w+);\s*/\* ootkg stand-in", line)] if m]
    if not needs_wrap(toks):
        out += lines
        lmap += list(range(1, len(lines) + 1))
        return Prepared("\n".join(out) + "\n", lmap, problems, stand_ins=stand_ins)
    # keep leading preprocessor lines at file scope, wrap the rest
    first_code = 0
    for t in toks:
        if t.kind != "pp":
            first_code = t.line - 1
            break
    out += lines[:first_code]
    lmap += list(range(1, first_code + 1))
    used = {t.text for t in toks if t.kind == "id"}
    declared = set()
    for i, t in enumerate(toks):
        if t.kind == "id" and i + 1 < len(toks) and toks[i + 1].text in ("=", ";", ",") \
                and i > 0 and (toks[i - 1].kind == "id" or toks[i - 1].text == "*"):
            declared.add(t.text)
    head = "void ootkg_snippet(Actor* thisx, PlayState* play) {"
    if "this" in used and "this" not in declared:
        if this_struct:
            head += f" {this_struct}* this = ({this_struct}*)thisx;"
        else:
            # an actor the snippet does not name: only its Actor base can be checked
            out.insert(len(prelude), "typedef struct OotkgUnknownActor { Actor actor; } "
                       "OotkgUnknownActor;")
            lmap.insert(len(prelude), None)
            head += " OotkgUnknownActor* this = (OotkgUnknownActor*)thisx;"
    if "player" in used and "player" not in declared:
        head += " Player* player = GET_PLAYER(play);"
    out.append(head)
    lmap.append(None)
    out += lines[first_code:]
    lmap += list(range(first_code + 1, len(lines) + 1))
    out.append("}")
    lmap.append(None)
    return Prepared("\n".join(out) + "\n", lmap, problems, wrapped=True, stand_ins=stand_ins)


def include_issues(blocks: list) -> list:
    """``forbidden-include`` issues of code blocks (also reported when nothing is compiled)."""
    from validate.models import Issue

    out = []
    for b in blocks:
        if "\\" not in b.code and "include" not in b.code and "import" not in b.code:
            continue  # no line can be an include (no continuation can splice one together)
        for line, operand, why in sanitize(b.code)[1]:
            out.append(Issue(code="forbidden-include", level=1, symbol=operand,
                             message=f"#include {operand} refused ({why}); only headers inside "
                             "the decomp's include directories can be included",
                             message_index=b.message_index, block=b.block_index, line=line))
    return out
