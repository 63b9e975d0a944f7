"""Level 4: the decomp's own conventions, so an answer reads like decomp code.

- ``naming``: an actor's functions are ``EnHorse_Init``-style (struct name, underscore,
  CamelCase verb); ``func_8XXXXXXX`` names are accepted.
- ``param-naming``: ``PlayState* play``, ``Actor* thisx`` and ``EnHorse* this``.
- ``profile-shape``: ``ActorProfile En_Horse_Profile = { ACTOR_, ACTORCAT_, FLAGS,
  OBJECT_, sizeof(EnHorse), Init, Destroy, Update, Draw }``.
- ``format``: the decomp's ``.clang-format`` (only when a clang-format binary exists).
"""

from __future__ import annotations

import re

from validate import rules
from validate.clex import Tok
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
        line = lines[fn]
        actor_param = params[0] if params and params[0][1] is not None else None
        if actor_param is None:
            continue
        pname, ptype = actor_param
        struct = ptype.base if ptype and ptype.ptr == 1 else None
        is_actor_fn = struct == "Actor" or (struct is not None and (
            idx.actor_by_struct(struct) is not None or struct in scope.structs and
            ("actor" in scope.structs[struct] or "dyna" in scope.structs[struct])))
        if not is_actor_fn:
            continue
        if not _FN_NAME.match(fn):
            emit(rules.NAMING, fn, f"{fn}: actor functions are named like EnHorse_Update "
                 "(the struct's name, an underscore, then CamelCase)", line, [])
        elif struct and struct != "Actor" and not fn.startswith(struct + "_") \
                and not fn.startswith("func_"):
            emit(rules.NAMING, fn, f"{fn} takes {struct}*: name it {struct}_{fn.split('_', 1)[-1]}",
                 line, [f"{struct}_{fn.split('_', 1)[-1]}"])
        if struct == "Actor" and pname not in ("thisx", "actor", "this"):
            emit(rules.PARAM_NAMING, pname, f"{fn}: the decomp names the Actor* parameter `thisx` "
                 "(and the cast to the actor's own struct `this`)", line, ["thisx"])
        elif struct and struct != "Actor" and pname != "this":
            emit(rules.PARAM_NAMING, pname, f"{fn}: the actor's own pointer is `this` in the "
                 "decomp", line, ["this"])
        for name, ct in params[1:]:
            if ct is not None and ct.base == "PlayState" and ct.ptr == 1 and name != "play":
                emit(rules.PARAM_NAMING, name, f"{fn}: the PlayState* parameter is `play` in the "
                     "decomp", line, ["play"])
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
