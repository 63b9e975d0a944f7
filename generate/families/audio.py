"""Audio: sequences, sound effects and the functions that play them."""

from __future__ import annotations

import random

from generate.families.base import Draft, Family, cite, code, concept_draft, pick, wrapper_call
from generate.models import Context


class Audio(Family):
    name = "audio"
    title = "audio"
    target_kinds = ("Sequence", "Sfx", "Function", "Concept")
    needs = "the sequence and sound-effect tables"
    task = ("A user wants to play, replace or understand music or a sound effect. The "
            "assistant uses the ids from the facts and the functions that play them.")

    def eligible(self, kind: str, key: str, file: str, detail: str) -> bool:
        if kind in ("Sequence", "Sfx"):
            return True
        if kind == "Function":
            return "audio" in (file or "").lower() or "Sfx" in key or "Seq" in key
        return kind == "Concept" and (detail or "") == "audio"

    def offline(self, ctx: Context, difficulty: int, rng: random.Random) -> Draft | None:
        if ctx.target.kind == "Concept":
            return concept_draft(ctx, difficulty, rng, "audio")
        entry = ctx.first("sfx:") or ctx.first("seq:")
        api = [f for f in ctx.of("sig:") if f.data.get("in_version")]
        if entry is None:
            if ctx.target.kind == "Function" and api:
                sig = api[0]
                wrapped = wrapper_call(sig, "Mod_PlaySound")
                d = Draft([]).user(f"How do I use {sig.data['name']} in {ctx.version}?")
                text = f"{sig.text}{cite(sig)}"
                if wrapped:
                    text += "\n\n" + code(wrapped)
                return d.assistant(text, sig)
            return None
        what = "sound effect" if entry.id.startswith("sfx:") else "music sequence"
        d = Draft([]).user(pick(rng, ["How do I play {e} from my code ({v})?",
                                      "What do I need to know to use the {w} {e} in {v}?"],
                                e=ctx.target.key, v=ctx.version, w=what))
        text = f"{entry.text}{cite(entry)}"
        used = [entry]
        if api and difficulty >= 2:
            sig = api[0]
            text += f"\n\nA function that takes it: {sig.text}{cite(sig)}"
            wrapped = wrapper_call(sig, "Mod_PlayAudio")
            if wrapped:
                text += "\n\n" + code(wrapped)
            used.append(sig)
        return d.assistant(text, *used)
