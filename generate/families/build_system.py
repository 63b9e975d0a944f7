"""The build: segments and overlays in the spec, which file builds into what."""

from __future__ import annotations

import random

from generate.families.base import Draft, Family, cite, concept_draft, pick
from generate.models import Context


class BuildSystem(Family):
    name = "build-system"
    title = "build system"
    target_kinds = ("Segment", "Actor", "Concept")
    needs = "the spec (segments) and the actor table"
    task = ("A user asks how something is built: which spec segment or overlay holds it, "
            "whether it is compressed, which source files go in, what to rebuild after a change.")

    def eligible(self, kind: str, key: str, file: str, detail: str) -> bool:
        if kind == "Concept":
            return (detail or "") == "build"
        return kind in ("Segment", "Actor")

    def offline(self, ctx: Context, difficulty: int, rng: random.Random) -> Draft | None:
        if ctx.target.kind == "Concept":
            return concept_draft(ctx, difficulty, rng, "build system")
        seg = ctx.first("segment:")
        if seg is not None:
            d = Draft([]).user(pick(rng, ["What is the {s} segment and what goes into it?",
                                          "How is {s} built?"], s=ctx.target.key))
            used = [seg]
            text = f"{seg.text}{cite(seg)}"
            addr = ctx.first(f"addr:{ctx.target.key}@")
            if addr is not None:
                text += f" {addr.text}"
                used.append(addr)
            return d.assistant(text, *used)
        actor = ctx.first("actor:")
        if actor is None or not actor.data.get("overlay"):
            return None
        d = Draft([]).user(f"I edited {ctx.target.key}. What gets rebuilt?")
        return d.assistant(
            f"{actor.text} Its code is in {actor.source or 'its actor file'}, built into the "
            f"overlay {actor.data['overlay']}: `make` recompiles that file, relinks the overlay "
            "and rebuilds the ROM.", actor)
