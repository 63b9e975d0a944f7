"""Make a snippet safe to hand to clang, and wrap loose statements in a function.

Nothing a snippet says may make the compiler read or probe a file outside the decomp. The
gate decides from the preprocessor's own view of each directive (``validate.pplex``:
after comments, line splices, digraphs and odd blanks), never from line regexes:

- ``#include``/``#include_next``/``#import``/``#embed``: the operand must be a plain
  ``"path"`` or ``<path>`` relative to the include directories (no absolute path, no
  ``..`` leaving them, no macro-computed operand); otherwise the directive is blanked and
  reported (``forbidden-include``).
- ``#pragma GCC dependency``, ``#pragma clang __debug``/``module``: blanked and reported;
  other pragmas but a few harmless ones, ``#line`` and line markers: blanked.
- ``__has_include``, ``__has_embed``, ``_Pragma`` (also when ``##`` could paste one
  together from the snippet's identifiers): the block is refused, not compiled.

Blanked directives keep their newlines (line numbers hold). The compile worker is also
confined by the operating system (``validate.confine``): the gate is the first of two
walls, and ``Compiler`` runs it once more over the whole text clang will see.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from validate.clex import Tok, tokenize, top_level
from validate.pplex import Directive, Scan, can_spell, normalize, scan

STATEMENT_START = {"if", "for", "while", "return", "switch", "do", "break", "continue", "goto"}
# Identifiers that make the preprocessor look for a file or run a pragma from inside an
# expression or macro expansion.
PROBES = ("__has_include", "__has_include_next", "__has_embed", "_Pragma", "__pragma")
INCLUDE_LIKE = frozenset({"include", "include_next", "import", "embed"})
SAFE_PRAGMAS = frozenset({"once", "pack", "push_macro", "pop_macro", "weak", "increment_block_number"})
FILE_PRAGMA_WORDS = frozenset({"dependency", "__debug", "module", "include_alias", "system_header"})
BLANKED = frozenset({"pragma", "line", "ident", "sccs"})


@dataclass
class Gated:
    """A code block after the gate: the text clang may see, or None when refused."""

    text: str | None
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (line, operand, why)


@dataclass
class Prepared:
    text: str  # the translation unit
    line_map: list[int | None]  # TU line (0-based) -> snippet line (1-based) or None
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (line, include, why)
    wrapped: bool = False
    stand_ins: list[str] = field(default_factory=list)
    user_start: int = 0  # first TU line that comes from a snippet (the gate's final check)


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


def _excerpt(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3] + "..."


_ONLY_DECOMP = "; only headers inside the decomp's include directories can be included"


def _judge(d: Directive) -> tuple[str, str]:
    """("ok" | "blank" | "forbid", why) for one directive."""
    if d.name in INCLUDE_LIKE:
        if d.name == "embed":
            return "forbid", "#embed reads a file's bytes"
        h = d.header
        if h is None or len(h) < 2 or (h[0], h[-1]) not in (('"', '"'), ("<", ">")):
            return "forbid", (
                'the operand is not a plain "path" or <path> (macro-computed includes are refused)' + _ONLY_DECOMP
            )
        why = check_include(h[1:-1])
        return ("forbid", why + _ONLY_DECOMP) if why else ("ok", "")
    if d.name == "pragma":
        if d.first_word in SAFE_PRAGMAS:
            return "ok", ""
        if FILE_PRAGMA_WORDS & set(d.words[:3]):
            return "forbid", "this #pragma reads or probes files, or drives the compiler"
        return "blank", ""
    if d.name in BLANKED:
        return "blank", ""
    return "ok", ""


_WATCH = frozenset(PROBES)


def _probe_problem(sc: Scan) -> tuple[int, str, str] | None:
    """(line, name, why) when the code can name a probe (directly or pasted with ##)."""
    for p in PROBES:
        if p in sc.identifiers:
            return sc.watched.get(p, 1), p, f"{p} probes files or runs a pragma"
    if sc.pastes:
        pieces = {i for i in sc.identifiers if len(i) <= 20}
        for p in PROBES:
            if can_spell(p, pieces):
                return sc.pastes, "##", f"## could paste {p} together from this code's names"
    return None


def _blank(text: str, directives: list[Directive]) -> str:
    """``text`` with each directive's characters (not its newlines) replaced by blanks."""
    if not directives:
        return text
    parts = []
    last = 0
    for d in directives:
        parts.append(text[last : d.start])
        parts.append(re.sub(r"[^\n]", " ", text[d.start : d.end]))
        last = d.end
    parts.append(text[last:])
    return "".join(parts)


def gate(code: str) -> Gated:
    """The text of one code block as clang may see it, and what was refused in it."""
    text = normalize(code)
    sc = scan(text, watch=_WATCH)
    probe = _probe_problem(sc)
    if probe:
        line, name, why = probe
        return Gated(None, [(line, name, why + "; the block was not compiled")])
    problems: list[tuple[int, str, str]] = []
    drop = []
    for d in sc.directives:
        verdict, why = _judge(d)
        if verdict == "forbid":
            problems.append((d.line, _excerpt(text[d.start : d.end]), why))
        if verdict != "ok":
            drop.append(d)
    out = _blank(text, drop)
    # the blanked text once more, and as a compiler with trigraphs on would see it
    for trigraphs in (False, True) if "??" in out else (False,):
        if not drop and not trigraphs:
            continue  # the text is unchanged: its scan is the one above
        c = scan(out, trigraphs=trigraphs, watch=_WATCH)
        bad = [d for d in c.directives if _judge(d)[0] != "ok"]
        probe = _probe_problem(c)
        if bad or probe:
            line = bad[0].line if bad else probe[0]  # type: ignore[index]
            why = probe[2] if probe else "a directive spelled with trigraphs"
            return Gated(None, problems + [(line, "??=" if trigraphs else "#", why + "; the block was not compiled")])
    return Gated(out, problems)


def final_check(text: str) -> str | None:
    """Why ``text`` (the part of a translation unit snippets wrote) may not be compiled."""
    g = gate(text)
    if g.text is None or g.problems:
        return g.problems[0][2] if g.problems else "refused"
    if g.text != normalize(text):
        return "a directive the gate blanks"
    return None


def needs_wrap(toks: list[Tok]) -> bool:
    """True when the snippet has statements outside any function (and no function bodies).

    A depth-0 statement is loose when it is a control statement, an expression statement
    (call, assignment, increment), or a declaration whose initializer needs run-time values
    (``s32 slot = Object_GetSlot(&play->objectCtx, ...)``).
    """
    loose = False
    has_function = False
    for stmt, end in top_level(toks):
        if toks[end].text == ";":
            loose = loose or _loose(stmt)
            continue
        first = stmt[0].text if stmt else ""  # a statement head before a depth-0 "{"
        if first in STATEMENT_START or first in ("else",):
            loose = True
        elif end > 0 and toks[end - 1].text == ")" and first not in ("=",):
            has_function = True
        elif _loose(stmt):
            loose = True
    return loose and not has_function


_ASSIGN = {"=", "+=", "-=", "*=", "/=", "|=", "&=", "^=", "<<=", ">>=", "++", "--", "->", ".", "["}


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


def prepare(text: str, prelude: list[str], this_struct: str | None, headers: list[str] | None = None) -> Prepared:
    """The translation unit for a gated block ``text``: our ``prelude`` (trusted), the
    earlier header-only blocks of the example (``headers``, each already gated), then the
    block, wrapped in a function when it has loose statements."""
    lines = text.split("\n")
    toks = tokenize(text)
    out: list[str] = list(prelude)
    lmap: list[int | None] = [None] * len(prelude)
    stand_ins = [m.group(1) for line in prelude for m in [re.search(r"\}\s*(\w+);\s*/\* ootkg stand-in", line)] if m]
    wrap = needs_wrap(toks)
    this_used = wrap and any(t.kind == "id" and t.text == "this" for t in toks)
    if this_used and not this_struct:
        # an actor the snippet does not name: only its Actor base can be checked
        out.append("typedef struct OotkgUnknownActor { Actor actor; } OotkgUnknownActor;")
        lmap.append(None)
    user_start = len(out)
    for h in headers or ():
        hl = h.split("\n")
        out += hl
        lmap += [None] * len(hl)
    if not wrap:
        out += lines
        lmap += list(range(1, len(lines) + 1))
        return Prepared("\n".join(out) + "\n", lmap, stand_ins=stand_ins, user_start=user_start)
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
        if (
            t.kind == "id"
            and i + 1 < len(toks)
            and toks[i + 1].text in ("=", ";", ",")
            and i > 0
            and (toks[i - 1].kind == "id" or toks[i - 1].text == "*")
        ):
            declared.add(t.text)
    head = "void ootkg_snippet(Actor* thisx, PlayState* play) {"
    if "this" in used and "this" not in declared:
        if this_struct:
            head += f" {this_struct}* this = ({this_struct}*)thisx;"
        else:
            head += " OotkgUnknownActor* this = (OotkgUnknownActor*)thisx;"
    if "player" in used and "player" not in declared:
        head += " Player* player = GET_PLAYER(play);"
    out.append(head)
    lmap.append(None)
    out += lines[first_code:]
    lmap += list(range(first_code + 1, len(lines) + 1))
    out.append("}")
    lmap.append(None)
    return Prepared("\n".join(out) + "\n", lmap, wrapped=True, stand_ins=stand_ins, user_start=user_start)


def include_issues(blocks: list) -> list:
    """``forbidden-include`` issues of code blocks (also reported when nothing is compiled)."""
    from validate import rules

    out = []
    for b in blocks:
        for line, operand, why in gate(b.code).problems:
            out.append(
                rules.issue(
                    rules.FORBIDDEN_INCLUDE,
                    f"{operand} refused: {why}",
                    symbol=operand,
                    message_index=b.message_index,
                    block=b.block_index,
                    line=line,
                )
            )
    return out
