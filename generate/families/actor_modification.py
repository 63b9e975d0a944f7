"""Changing an existing actor: where its behaviour lives and how to hook a change in."""

from __future__ import annotations

import random
from typing import Any

from generate.families.base import Draft, Family, cite, code, facts_text, pick, wrapper_call
from generate.models import Context


class ActorModification(Family):
    name = "actor-modification"
    title = "actor modification"
    target_kinds = ("Actor",)
    needs = "actor tables and actor profiles"
    task = ("A user wants to change how an existing actor behaves (movement, sound, scale, "
            "flags, damage...). The assistant points to the profile function to edit, the "
            "instance struct members involved, and shows the C change.")

    def offline(self, ctx: Context, difficulty: int, rng: random.Random) -> Draft | None:
        actor = ctx.first("actor:")
        if actor is None:
            return None
        roles = {f.data["role"]: f for f in ctx.of("profile:")}
        hook = roles.get("update") or roles.get("init")
        if hook is None:
            return None
        fn = hook.data["function"]
        def here(f: Any) -> bool:  # a call of this version (a PRINTF's is debug-only)
            return bool(f.data.get("signature")) and (not f.data.get("versions")
                                                       or ctx.version in f.data["versions"])

        callees = [f for f in ctx.of(f"call:{fn}->") if here(f)]
        callees += [f for r in ("init", "update") if r in roles
                    for f in ctx.of(f"call:{roles[r].data['function']}->")
                    if here(f) and f not in callees]
        enum = ctx.target.key
        goal = pick(rng, ["change what {a} does every frame", "make {a} behave differently",
                          "tweak {a}'s behaviour", "add some custom logic to {a}"], a=enum)
        draft = Draft([]).user(
            f"I'm modding {ctx.version}. I want to {goal}. Where do I start?")
        answer = (f"{enum}'s per-frame logic is its {hook.data['role']} function, "
                  f"{fn}{cite(hook)}.")
        if hook.data.get("signature"):
            answer += f" Its signature is `{hook.data['signature']}`."
        used = [actor, hook]
        if difficulty >= 2:
            fields = [f for f in ctx.of("field:") if f.data.get("position", 0) > 0][:difficulty + 1]
            if fields:
                answer += ("\n\nIts state lives in the instance struct "
                           f"({actor.data.get('instance_struct') or 'see the actor header'}):\n"
                           + facts_text(fields))
                used += fields
        # the comment names the function that does call it (an Init's callee is no Update's)
        usable = [(c, wrapper_call(c, f"{_prefix(fn)}_Mod{c.data['callee'].split('_')[-1]}",
                                   f"// {c.data.get('caller') or fn} already calls "
                                   f"{c.data['callee']}; reuse it"))
                  for c in callees]
        usable = [(c, w) for c, w in usable if w]
        if difficulty >= 2 and usable:
            callee, wrapped = usable[rng.randrange(len(usable))]
            answer += ("\n\n" + callee.text + " A helper with the same arguments, called from "
                       f"{fn}, keeps your change in one place:\n\n" + code(wrapped))
            used.append(callee)
        if difficulty >= 4 and len(usable) > 1:
            answer += "\n\nOther functions it already calls, with the same signatures to reuse:\n" \
                + "\n".join(f"- `{c.data['signature']}`" for c, _ in usable[:4] if c is not callee)
            used += [c for c, _ in usable[:4]]
        if difficulty >= 3:
            answer += (f"\n\nThe actor is built into overlay {actor.data.get('overlay') or '?'}"
                       f" from {actor.source or 'its actor file'}; rebuild and test in "
                       f"{ctx.version}.")
        return draft.assistant(answer, *used)


def _prefix(function: str) -> str:
    """``EnTite_Update`` -> ``EnTite``: new helpers share the actor's prefix."""
    return function.split("_", 1)[0]
