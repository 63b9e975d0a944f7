"""Level 4: the decomp's own conventions, so an answer reads like decomp code.

- ``naming``: an actor's functions are ``EnHorse_Init``-style (struct name, underscore,
  CamelCase verb); ``func_8XXXXXXX`` names are accepted.
- ``param-naming``: ``PlayState* play``, ``Actor* thisx`` and ``EnHorse* this``.
- ``profile-shape``: ``ActorProfile En_Horse_Profile = { ACTOR_, ACTORCAT_, FLAGS,
  OBJECT_, sizeof(EnHorse), Init, Destroy, Update, Draw }``.
"""

from __future__ import annotations

import re

from validate import rules
from validate.clex import Tok
from validate.ctypes_ import CType
from validate.index import SymbolIndex
from validate.objects import profile_fields
from validate.rules import Emit
from validate.scope import Scope

_FN_NAME = re.compile(r"^(?:[A-Z][A-Za-z0-9]*_[A-Z0-9][A-Za-z0-9_]*|func_[0-9A-F]{8}\w*)$")


def check(toks: list[Tok], code: str, scope: Scope, idx: SymbolIndex, emit: Emit) -> None:
    lines = {t.text: t.line for t in toks if t.kind == "id"} if scope.defined_funcs else {}
    for fn, params in scope.defined_funcs.items():
        if fn not in lines:
            continue  # defined in another block
        struct = _actor_struct(params, scope, idx)
        if struct is None:
            continue
        _naming(fn, struct, lines[fn], emit)
        _param_naming(fn, struct, params, lines[fn], emit)
    _profile_shape(code, emit)


def _actor_struct(params: list[tuple[str, CType | None]], scope: Scope, idx: SymbolIndex) -> str | None:
    """The struct of an actor function's first parameter (``Actor`` or the actor's own);
    None for a function that is not an actor's."""
    ptype = params[0][1] if params else None
    if ptype is None:
        return None
    struct = ptype.base if ptype.ptr == 1 else None
    if struct == "Actor" or (
        struct is not None
        and (
            idx.actor_by_struct(struct) is not None
            or struct in scope.structs
            and ("actor" in scope.structs[struct] or "dyna" in scope.structs[struct])
        )
    ):
        return struct
    return None


def _naming(fn: str, struct: str, line: int, emit: Emit) -> None:
    if not _FN_NAME.match(fn):
        emit(
            rules.NAMING,
            fn,
            f"{fn}: actor functions are named like EnHorse_Update (the struct's name, an underscore, then CamelCase)",
            line,
            [],
        )
    elif struct != "Actor" and not fn.startswith(struct + "_") and not fn.startswith("func_"):
        emit(
            rules.NAMING,
            fn,
            f"{fn} takes {struct}*: name it {struct}_{fn.split('_', 1)[-1]}",
            line,
            [f"{struct}_{fn.split('_', 1)[-1]}"],
        )


def _param_naming(fn: str, struct: str, params: list[tuple[str, CType | None]], line: int, emit: Emit) -> None:
    pname = params[0][0]
    if struct == "Actor" and pname not in ("thisx", "actor", "this"):
        emit(
            rules.PARAM_NAMING,
            pname,
            f"{fn}: the decomp names the Actor* parameter `thisx` (and the cast to the actor's own struct `this`)",
            line,
            ["thisx"],
        )
    elif struct != "Actor" and pname != "this":
        emit(rules.PARAM_NAMING, pname, f"{fn}: the actor's own pointer is `this` in the decomp", line, ["this"])
    for name, ct in params[1:]:
        if ct is not None and ct.base == "PlayState" and ct.ptr == 1 and name != "play":
            emit(rules.PARAM_NAMING, name, f"{fn}: the PlayState* parameter is `play` in the decomp", line, ["play"])


def _profile_shape(code: str, emit: Emit) -> None:
    for name, entries, line in profile_fields(code):
        problems = []
        if len(entries) != 9:
            problems.append(f"{len(entries)} entries, not 9")
        else:
            for k, pre in ((0, "ACTOR_"), (1, "ACTORCAT_"), (3, "OBJECT_")):
                if not entries[k].startswith(pre):
                    problems.append(f"entry {k + 1} should be an {pre}* name, not {entries[k]}")
            if not entries[4].replace(" ", "").startswith("sizeof("):
                problems.append("entry 5 should be sizeof(<instance struct>)")
        if not name.endswith("_Profile"):
            problems.append(f"{name} should end in _Profile")
        if problems:
            emit(rules.PROFILE_SHAPE, name, f"{name}: " + "; ".join(problems), line, [])
