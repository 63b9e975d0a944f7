"""Memory and performance: instance sizes, padding, allocation, per-frame work."""

from __future__ import annotations

import random

from generate.context_util import plural
from generate.families.base import Draft, Family, pick
from generate.models import Context, Fact


def padding_holes(fields: list[Fact], size: int | None) -> list[tuple[str, int, int]]:
    """(after member, start, length) of the alignment gaps between consecutive members.

    Only gaps shorter than the largest N64 alignment (8) count: a longer one means the
    graph is missing a member there (bit-fields, anonymous unions), not padding."""
    holes = []
    ordered = sorted((f for f in fields if f.data.get("size")), key=lambda f: f.data["offset"])
    for a, b in zip(ordered, ordered[1:], strict=False):
        end = a.data["offset"] + a.data["size"]
        if 0 < b.data["offset"] - end < 8:
            holes.append((a.data["field"], end, b.data["offset"] - end))
    return holes


class Optimization(Family):
    name = "optimization"
    title = "optimization"
    target_kinds = ("Actor", "Struct")
    task = ("A user worries about memory or per-frame cost. The assistant answers with the "
            "numbers from the facts (instance sizes, struct padding, allocation type, calls per "
            "frame) and concrete, safe improvements.")

    def offline(self, ctx: Context, difficulty: int, rng: random.Random) -> Draft | None:
        size = ctx.first("size:")
        actor = ctx.first("actor:")
        if ctx.target.kind == "Actor" and actor is not None and \
                actor.data.get("instance_size") is not None:
            n = rng.choice([8, 10, 16, 20, 32])
            each = actor.data["instance_size"]
            d = Draft([]).user(pick(rng, [
                "I want {k} copies of {a} in one room ({v}). How much actor heap is that?",
                "How much memory do {k} instances of {a} take in {v}?"], k=n,
                a=ctx.target.key, v=ctx.version))
            text = (f"{actor.text} {n} instances take {n} × 0x{each:X} = 0x{n * each:X} "
                    f"({n * each}) bytes of instance data, before each allocation's heap "
                    "overhead and the overlay's code, which is loaded once.")
            if actor.data.get("alloc"):
                text += f" Its allocation type is {actor.data['alloc']}."
            used = [actor]
            if difficulty >= 3 and size is not None:
                holes = padding_holes(ctx.of(f"field:{size.data['name']}."), size.data["size"])
                if holes:
                    text += " " + _holes_text(size.data["name"], holes)
                    used += [size, *ctx.of(f"field:{size.data['name']}.")]
            return d.assistant(text, *used)
        if size is None:
            return None
        fields = ctx.of(f"field:{size.data['name']}.")
        holes = padding_holes(fields, size.data["size"])
        d = Draft([]).user(f"Can {size.data['name']} be made smaller? ({ctx.version})")
        text = size.text
        if holes:
            text += " " + _holes_text(size.data["name"], holes)
        else:
            text += (" The members the graph lists for it leave no alignment gaps between "
                     "consecutive members, so reordering them gains no space.")
        return d.assistant(text, size, *fields)


def _holes_text(struct: str, holes: list[tuple[str, int, int]]) -> str:
    parts = [f"{plural(length, 'byte')} of padding at 0x{start:X} after `{after}`"
             for after, start, length in holes[:4]]
    total = sum(h[2] for h in holes)
    return (f"The layout of {struct} has " + "; ".join(parts) +
            f" — {plural(total, 'byte')} in all. Moving smaller members into those gaps can shrink it.")
