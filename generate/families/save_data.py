"""Save data: the save context, its members' offsets and RAM addresses per version."""

from __future__ import annotations

import random

from generate.families.base import Draft, Family, cite, concept_draft, pick
from generate.models import Context


class SaveData(Family):
    name = "save-data"
    title = "save data"
    target_kinds = ("Global", "Struct", "Function", "Concept")
    needs = "the C code (save context structs and globals) and per-version symbols"
    task = ("A user wants to read or change saved state (inventory, flags, time, health...). "
            "The assistant names the save context members, their offsets and (per version) "
            "RAM addresses, and how to change them safely.")

    def eligible(self, kind: str, key: str, file: str, detail: str) -> bool:
        if kind == "Concept":
            return (detail or "") == "save"
        if kind not in self.target_kinds or "audio" in (file or "").lower():
            return False
        if kind == "Function":  # the save/SRAM code, not any function with "Save" in its name
            return any(s in (file or "").lower() for s in ("sram", "z_save", "file_select",
                                                           "file_choose"))
        if kind == "Global":  # by its type (gSaveContext), not a texture named ...Save...
            return any(s in (detail or "").lower() for s in ("savecontext", "sram", "saveinfo"))
        text = f"{key} {detail}".lower()
        return "save" in text or "sram" in text

    def offline(self, ctx: Context, difficulty: int, rng: random.Random) -> Draft | None:
        if ctx.target.kind == "Concept":
            return concept_draft(ctx, difficulty, rng, "save data")
        own = ctx.target.key if ctx.target.kind == "Struct" else (
            (ctx.first("global:").data.get("struct") or "") if ctx.first("global:") else "")
        fields = [f for f in ctx.of(f"field:{own}.") if own] if own else []
        glob = ctx.first("global:")
        addr = ctx.first(f"addr:{ctx.target.key}@{ctx.version}")
        if fields and glob is not None and addr is not None:
            f = rng.choice(fields)
            absolute = addr.data["address"] + f.data["offset"]
            d = Draft([]).user(pick(rng, [
                "Which RAM address holds {g}.{m} in {v}? I want to watch it in an emulator.",
                "Where in RAM is {g}.{m} on {v}?"], g=ctx.target.name, m=f.data["field"],
                v=ctx.version))
            return d.assistant(
                f"{addr.text} {f.text} So {ctx.target.name}.{f.data['field']} is at "
                f"0x{addr.data['address']:X} + 0x{f.data['offset']:X} = 0x{absolute:X} in "
                f"{ctx.version}. In C, name the member instead (`{ctx.target.name}."
                f"{f.data['field']}`) so it stays right in every version.", addr, f, glob)
        if fields:
            chosen = fields[: 2 + difficulty]
            d = Draft([]).user(f"What is in {ctx.target.name}? ({ctx.version})")
            head = ctx.first("size:") or ctx.first("global:")
            text = (f"{head.text}{cite(head)}\n" if head else "") + "\n".join(
                f"- {f.text}" for f in chosen)
            return d.assistant(text, *([head] if head else []), *chosen)
        sig = ctx.first("sig:")
        if sig is None:
            return None
        return Draft([]).user(f"What does {sig.data['name']} touch in the save?").assistant(
            f"{sig.text}{cite(sig)}", sig)
