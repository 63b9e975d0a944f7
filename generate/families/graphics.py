"""Graphics: display lists, F3DEX setup functions, textures, skeletons, draw functions."""

from __future__ import annotations

import random

from generate.families.base import TEXEL_BITS, Draft, Family, cite, code, concept_draft, pick, wrapper_call
from generate.models import Context


class Graphics(Family):
    name = "graphics"
    title = "graphics (display lists, F3DEX, textures, lighting, animation)"
    target_kinds = ("Function", "Object", "Concept", "Actor")
    needs = "object/asset XML and the C code"
    task = ("A user asks about drawing: display lists, render-mode setup, textures (format, "
            "size in bytes), skeletons and animation, or an actor's draw function. The "
            "assistant answers from the facts, with code where it helps.")

    def eligible(self, kind: str, key: str, file: str, detail: str) -> bool:
        if kind in ("Object", "Actor"):
            return True
        if kind == "Function":
            return "Gfx" in (detail or "") or "Draw" in key or "rcp" in (file or "")
        return kind == "Concept" and (detail or "") == "graphics"

    def offline(self, ctx: Context, difficulty: int, rng: random.Random) -> Draft | None:
        if ctx.target.kind == "Concept":
            return concept_draft(ctx, difficulty, rng, "graphics")
        textures = [f for f in ctx.of("asset:") if (f.data.get("format") or "") in TEXEL_BITS
                    and f.data.get("width") and f.data.get("height")]
        if textures:
            t = rng.choice(textures)
            w, h, fmt = t.data["width"], t.data["height"], t.data["format"]
            nbytes = w * h * TEXEL_BITS[fmt] // 8
            d = Draft([]).user(pick(rng, ["How big is the texture {n} and can I replace it?",
                                          "I want to redraw {n}. What format and size is it?"],
                                    n=t.data["name"]))
            return d.assistant(
                f"{t.text} At {TEXEL_BITS[fmt]} bits per texel, {w}×{h} {fmt} is {nbytes} "
                f"(0x{nbytes:X}) bytes: a replacement must have the same format and dimensions "
                "or the display list that loads it must change too.", t)
        draw = next((f for f in ctx.of("profile:") if f.data.get("role") == "draw"), None)
        if ctx.target.kind == "Actor" and draw is not None:
            callees = [f for f in ctx.of(f"call:{draw.data['function']}->")]
            d = Draft([]).user(f"How does {ctx.target.key} draw itself in {ctx.version}?")
            text = f"{draw.text}{cite(draw)}"
            if callees:
                text += " It calls:\n" + "\n".join(f"- {c.text}" for c in callees[:5])
            return d.assistant(text, draw, *callees[:5])
        sig = ctx.first("sig:")
        if sig is None or not sig.data.get("in_version"):
            return None
        d = Draft([]).user(pick(rng, ["When do I call {n} in a draw function?",
                                      "What is {n} for, and how do I call it ({v})?"],
                                n=sig.data["name"], v=ctx.version))
        text = f"{sig.text}{cite(sig)}"
        callers = ctx.of("call:")
        callers = [c for c in callers if c.data.get("callee") == sig.data["name"]][:3]
        if callers:
            text += " Existing draw code calls it the same way:\n" + "\n".join(
                f"- {c.text}" for c in callers)
        wrapped = wrapper_call(sig, "Mod_DrawSetup") if difficulty >= 2 else None
        if wrapped:
            text += "\n\n" + code(wrapped)
        return d.assistant(text, sig, *callers)
