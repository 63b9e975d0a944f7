"""A multi-turn feature development conversation on an actor: plan, state, code, test."""

from __future__ import annotations

import random

from generate.families.base import Draft, Family, cite, code, pick, wrapper_call
from generate.models import Context


def align_up(value: int, align: int) -> int:
    return (value + align - 1) // align * align


class FeatureDevelopment(Family):
    name = "feature-development"
    title = "multi-turn feature development"
    target_kinds = ("Actor",)
    min_turns = 6
    needs = "actor tables and actor profiles"
    task = ("A multi-turn conversation in which the user builds a feature on the actor step by "
            "step: the assistant plans where it goes, adds state to the instance struct (saying "
            "what that does to the instance size), writes the code with real functions, and "
            "explains how to test it (at least 6 turns).")

    def offline(self, ctx: Context, difficulty: int, rng: random.Random) -> Draft | None:
        actor = ctx.first("actor:")
        roles = {f.data["role"]: f for f in ctx.of("profile:")}
        size = ctx.first("size:")
        if actor is None or "update" not in roles or size is None:
            return None
        enum, upd = ctx.target.key, roles["update"]
        feature = pick(rng, ["a cooldown timer", "a hit counter", "a custom state flag",
                             "a frame counter for a new animation"])
        d = Draft([]).user(f"I want to give {enum} {feature} in {ctx.version}. Plan?")
        d.assistant(f"Two parts: state in the instance struct, and logic in the update function. "
                    f"{upd.text}{cite(upd)} We'll add one member and use it there.", upd)
        d.user("Where does the new member go, and what does it cost?")
        s = size.data
        align = s.get("align") or 4
        new_size = align_up(align_up(s["size"], 4) + 4, max(align, 4))
        d.assistant(f"{size.text} Append an `s32` at the end: it starts at "
                    f"0x{align_up(s['size'], 4):X}, so the struct becomes 0x{new_size:X} bytes, and "
                    f"the profile's instance size (`sizeof({s['name']})`) follows automatically.",
                    size, actor)
        d.user("Now the logic. Can I reuse something the actor already calls?")
        upd_fn = upd.data["function"]
        options = [(c, wrapper_call(c, f"{s['name']}_OnFeature",
                                    "// called from the update function when the counter fires"))
                   for c in ctx.of(f"call:{upd_fn}->")
                   if not c.data.get("versions") or ctx.version in c.data["versions"]]
        options = [(c, w) for c, w in options if w]
        if options:
            callee, wrapped = options[rng.randrange(len(options))]
            d.assistant(f"{callee.text} Wrap it for your feature:\n\n" + code(wrapped), callee)
        else:
            d.assistant(f"Keep it local: increment the new member at the top of {upd_fn} and "
                        "branch on it there, before the actor's own logic runs.", upd)
        d.user("How do I test it?")
        test = (f"Rebuild (the actor is in overlay {actor.data.get('overlay') or '?'}), spawn "
                f"{enum}, and watch the member in a debugger: it must change once per frame.")
        if difficulty >= 3:
            test += " Also check the actor still spawns: a larger instance must fit the actor heap."
        return d.assistant(test, actor)
