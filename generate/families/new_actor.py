"""Writing a new actor from scratch, modelled on an existing one's profile and layout."""

from __future__ import annotations

import random

from generate.families.base import Draft, Family, cite, code, ctype_text, pick
from generate.models import Context


class NewActor(Family):
    name = "new-actor"
    title = "new actor from scratch"
    target_kinds = ("Actor",)
    needs = "actor tables and actor profiles"
    task = ("A user wants to write a brand-new actor. The assistant uses the target actor as a "
            "reference: its profile (category, flags, object, instance size), its four profile "
            "functions, and shows the skeleton of the new actor's C file.")

    def offline(self, ctx: Context, difficulty: int, rng: random.Random) -> Draft | None:
        actor = ctx.first("actor:")
        roles = {f.data["role"]: f for f in ctx.of("profile:")}
        if actor is None or not roles or not all(r.data.get("signature") for r in roles.values()):
            return None
        enum = ctx.target.key
        kind = pick(rng, ["an enemy like", "a new actor modelled on", "a custom actor based on"])
        draft = Draft([]).user(
            f"I want to write {kind} {enum} for {ctx.version}. What does a minimal actor need?")
        lines = []
        for role in ("init", "destroy", "update", "draw"):
            f = roles.get(role)
            if f is None:
                continue
            sig = ctype_text(f.data["signature"]).replace(f.data["function"],
                                                          f"MyActor_{role.capitalize()}")
            lines.append(sig.rstrip(";") + " {\n}\n")
        answer = (f"Every actor has a profile naming its category, flags, object, instance size "
                  f"and up to four functions. {actor.text}{cite(actor)}\n\n"
                  f"Its functions follow one signature shape; yours start as:\n\n"
                  + code("\n".join(lines)))
        used = [actor, *roles.values()]
        obj = ctx.first("object:")
        if difficulty >= 2 and obj is not None:
            answer += (f"\n\n{obj.text} A new actor that reuses those models must depend on the "
                       "same object, or load its own.")
            used.append(obj)
        size = ctx.first("size:")
        if difficulty >= 3 and size is not None:
            answer += ("\n\nThe instance struct starts with the `Actor` base so the engine can "
                       "treat it as an `Actor*`:\n\n" + code(
                           "typedef struct MyActor {\n    Actor actor;\n"
                           "    s32 timer; // your own state after the base\n} MyActor;")
                       + f"\n\nFor comparison, {size.text}")
            used.append(size)
        return draft.assistant(answer, *used)
