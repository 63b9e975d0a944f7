"""What a snippet may call: functions a header it sees declares, or its own file's; and
function-like macros with the right number of arguments.

A call to a function that no visible header declares compiles only by implicit declaration
(``implicit-declaration``, level 1, naming the header to include or the file that defines
it); a function of another overlay, or ``static`` in another file, cannot be called at all
(``not-callable``). Headers under ``include/`` are visible (the snippet is compiled with the
decomp's common headers); others only when the snippet includes them. The snippet's home is
its actor's file (or the file whose header it includes by a bare relative path); without
one, calls into one overlay are taken as an excerpt of it and not judged.
"""

from __future__ import annotations

import difflib
import posixpath
from typing import TYPE_CHECKING, Any, Protocol

from validate import rules
from validate.relfacts import facts_for

if TYPE_CHECKING:
    from validate.clex import Tok


class CodeChecker(Protocol):
    """What these checks use of ``validate.xref.CodeChecker`` (named here, not imported:
    xref's call checks import this module)."""

    sc: Any
    idx: Any
    emit: Any


def home_files(chk: CodeChecker) -> set[str]:
    """The source files the snippet is (part of): its actor's, the one whose header it
    includes by a bare relative path, and those the graph defines its own functions in."""
    memo = chk.sc.memo
    homes = memo.get("homes")
    if homes is None:
        rf = facts_for(chk.idx)
        homes = set()
        if chk.sc.actor is not None and chk.sc.actor.file and not chk.sc.actor_weak:
            homes.add(chk.sc.actor.file)
            # and where its profile functions are (Player's are in z_player.c, its profile in
            # z_player_call.c)
            homes.update(rf.file_of[f] for f in chk.sc.actor.profile.values() if f in rf.file_of)
        for inc in chk.sc.includes:
            if "/" not in inc:
                homes.update(p[:-2] + ".c" for p in rf.files.get(inc, ()) if p.startswith("src/"))
        homes.update(rf.file_of[f] for f in chk.sc.defined_funcs if f in rf.file_of)
        memo["homes"] = homes
    return homes


def _included(header: str, includes: list[str]) -> bool:
    return any(header == inc or header.endswith("/" + inc.lstrip("./")) for inc in includes)


def check_call(chk: CodeChecker, name: str, line: int) -> None:
    """A graph function the snippet calls without declaring it itself."""
    rf = facts_for(chk.idx)
    if not rf.file_of and not rf.declared:
        return  # a graph without these facts
    heads = rf.declared.get(name, [])
    if any(h.startswith("include/") for h in heads) or any(_included(h, chk.sc.includes) for h in heads):
        return
    defined = rf.file_of.get(name)
    if defined is None or defined.startswith("include/"):
        return  # a header's inline function, or one only declared (linker-provided)
    homes = home_files(chk)
    if not homes:
        return  # an excerpt of unknown origin: any file's calls could be its own
    if defined in homes:
        return
    seg = rf.segment_of.get(defined)
    mine = sorted({rf.segment_of.get(h) or posixpath.basename(h) for h in homes})
    if seg and seg.startswith("ovl_") and seg not in mine:
        chk.emit(
            rules.NOT_CALLABLE,
            name,
            f"{name} is defined in {defined} ({seg}); code of "
            f"{', '.join(mine)} cannot call it: each overlay is linked on its own",
            line,
            [],
        )
        return
    if name in rf.static:
        chk.emit(rules.NOT_CALLABLE, name, f"{name} is static in {defined}; only that file can call it", line, [])
        return
    if heads:
        chk.emit(
            rules.IMPLICIT_DECLARATION,
            name,
            f"{name} is declared in {heads[0]}, which the "
            f'snippet does not include: add #include "{_include_path(heads[0])}"',
            line,
            [heads[0]],
        )
    else:
        chk.emit(
            rules.IMPLICIT_DECLARATION,
            name,
            f"no header declares {name} (defined in "
            f"{defined}{', ' + seg if seg else ''}): it compiles only by implicit "
            "declaration; declare its prototype first",
            line,
            [],
        )


def _include_path(header: str) -> str:
    for pre in ("include/", "src/"):
        if header.startswith(pre):
            return header[len(pre) :]
    return header


def check_macro(chk: CodeChecker, toks: list[Tok], i: int, args: int) -> None:
    """A function-like macro of the graph called with the wrong number of arguments."""
    name = toks[i].text
    spec = chk.idx.macro_params.get(name)
    if spec is None or name in chk.sc.macros:
        return
    params = [p.strip() for p in spec.strip()[1:-1].split(",") if p.strip()]
    variadic = bool(params) and params[-1].endswith("...")
    want = len(params) - (1 if variadic else 0)
    if args == want or (variadic and args >= want) or (want == 1 and args == 0):
        return
    chk.emit(
        rules.WRONG_ARITY,
        name,
        f"macro {name}{spec} takes {want}"
        f"{' or more' if variadic else ''} argument{'s' if want != 1 else ''}, given "
        f"{args}",
        toks[i].line,
        [],
    )


def near_macro(chk: CodeChecker, name: str) -> list[str]:
    """Defines a misspelt macro name is close to (gSPDisplayLst -> gSPDisplayList)."""
    sugg = chk.idx.names_of("Define").suggest(name)
    return [s for s in sugg if difflib.SequenceMatcher(None, name, s).ratio() >= 0.85]
