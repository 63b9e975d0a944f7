"""Edge cases: version availability, static functions, value ranges of members."""

from __future__ import annotations

import random

from generate.families.base import TYPE_RANGES, Draft, Family, cite, pick
from generate.models import Context


class EdgeCases(Family):
    name = "edge-cases"
    title = "edge case"
    target_kinds = ("Function", "Struct")
    task = ("A user asks about a corner case: a function missing from some versions, a static "
            "function called from another file, a member overflowing its type, reading past a "
            "struct's end. The assistant answers precisely from the facts.")

    def offline(self, ctx: Context, difficulty: int, rng: random.Random) -> Draft | None:
        if ctx.target.kind == "Function":
            sig, versions = ctx.first("sig:"), ctx.first("versions:")
            if sig is None:
                return None
            name = sig.data["name"]
            if sig.data.get("static"):
                return Draft([]).user(f"Can I call {name} from my own actor file?").assistant(
                    f"Not directly. {sig.text}{cite(sig)} A static function is only visible in "
                    "its own file: copy the logic, or remove `static` and declare it in a "
                    "header.", sig)
            if versions is not None:
                vs = versions.data["versions"]
                q = f"Can I rely on {name} in every version of the game?"
                if ctx.version not in vs:
                    a = (f"No. {versions.text} It does not exist in {ctx.version}, so code that "
                         f"calls it fails to link there; guard it with a version check.")
                else:
                    a = (f"{versions.text} Code calling it links in those versions only."
                         + (" Check any other version you target." if len(vs) > 1 else
                            f" It exists only in {vs[0]}: guard calls to it."))
                return Draft([]).user(q).assistant(a, versions)
            return None
        size = ctx.first("size:")
        fields = [f for f in ctx.of("field:") if (f.data.get("type") or "") in TYPE_RANGES]
        if size is None:
            return None
        if fields and (difficulty >= 2 or rng.random() < 0.5):
            f = rng.choice(fields)
            lo, hi = TYPE_RANGES[f.data["type"]]
            return Draft([]).user(pick(rng, [
                "What happens if I store {hi1} in {s}.{m}?",
                "Is {hi1} a safe value for {s}.{m}?"], hi1=hi + 1, s=f.data["struct"],
                m=f.data["field"])).assistant(
                f"{f.text}{cite(f)} `{f.data['type']}` holds {lo}..{hi}, so {hi + 1} does not "
                f"fit: it wraps to {lo if lo < 0 else 0}. Clamp the value or widen the member.", f)
        s = size.data
        return Draft([]).user(f"Is it safe to read 4 bytes at offset 0x{s['size']:X} of "
                              f"{s['name']}?").assistant(
            f"No. {size.text} Offset 0x{s['size']:X} is the first byte past its end, so the read "
            "touches whatever follows it in memory.", size)
