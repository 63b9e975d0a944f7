"""Porting code between game versions: what differs (signatures, layouts, addresses)."""

from __future__ import annotations

import random

from generate.families.base import Draft, Family, cite, facts_text, pick
from generate.models import Context


class VersionMigration(Family):
    name = "version-migration"
    title = "version migration"
    target_kinds = ("Function", "Struct", "Global")
    task = ("A user ports code or a patch from one game version to another. The assistant "
            "lists exactly what differs for the target between the two versions (signature, "
            "member offsets, struct size, RAM address, existence) and what stays the same.")

    def offline(self, ctx: Context, difficulty: int, rng: random.Random) -> Draft | None:
        name, v = ctx.target.name, ctx.version
        diffs = [f for f in ctx.facts
                 if f.id.startswith(("sigdiff:", "sizediff:", "offdiff:", "typediff:"))]
        here_addr = [f for f in ctx.of(f"addr:{name}@{v}")]
        other_addr = [f for f in ctx.of(f"addr:{name}@") if f not in here_addr]
        versions = ctx.first(f"versions:{name}")
        if diffs:
            other = diffs[0].data["version"]
        elif other_addr:
            other = other_addr[0].data["version"]
        elif versions is not None and len(versions.data["versions"]) > 1:
            other = next(x for x in versions.data["versions"] if x != v)
        else:
            return None
        d = Draft([]).user(pick(rng, [
            "I have a patch touching {n} written for {o}. What changes when I move it to {v}?",
            "Porting from {o} to {v}: is {n} the same in both?"], n=name, o=other, v=v))
        used = []
        parts = []
        mine = [f for f in diffs if f.data.get("version") == other]
        own = [f for f in mine if f.entity == name or f.entity.startswith(name + ".")]
        via = [f for f in mine if f not in own]
        sig = ctx.first(f"sig:{name}@")
        if ctx.target.kind == "Function" and sig is not None and versions is not None \
                and other in versions.data["versions"] and not ctx.of(f"sigdiff:{name}@"):
            parts.append(f"{name} itself keeps its signature in both versions: "
                         f"`{sig.data['signature']}`.")
            used.append(sig)
        limit = 16 if difficulty >= 4 else 8
        if own:
            shown = own[:limit]
            parts.append(f"Differences between {other} and {v}:\n" + facts_text(shown, limit))
            used += shown
            moved = [f for f in own if f.id.startswith("offdiff:")]
            deltas = {f.data["base_offset"] - f.data["offset"] for f in moved}
            if difficulty >= 3 and moved:
                # A context cut to its token bound may hold only some of them: say "at least".
                n = f"At least {len(moved)}" if ctx.truncated else f"{len(moved)}"
                noun = "member" if len(moved) == 1 else "members"
                line = f"{n} {noun} of {name} sit at another offset in {v} than in {other}"
                if len(deltas) == 1:
                    delta = deltas.pop()
                    line += (f"; each of those is {abs(delta):#x} "
                             f"{'lower' if delta < 0 else 'higher'} in {v}")
                parts.append(line + ".")
                used += [f for f in moved if f not in used]
        if via:
            structs = sorted({f.entity.split(".")[0] for f in via})
            lead = (f"It works on {', '.join(structs)}, whose layout differs between {other} "
                    f"and {v}:" if ctx.target.kind == "Function" else
                    f"Related layouts that differ between {other} and {v}:")
            parts.append(lead + "\n" + facts_text(via, limit))
            used += via[:limit]
        addr_o = [f for f in other_addr if f.data.get("version") == other]
        if here_addr and addr_o:
            a, b = here_addr[0].data["address"], addr_o[0].data["address"]
            parts.append(f"Addresses: {addr_o[0].text} {here_addr[0].text} "
                         + ("They are the same." if a == b else
                            f"A hard-coded address must change by {a - b:+#x}."))
            used += [here_addr[0], addr_o[0]]
        if versions is not None:
            parts.append(versions.text + cite(versions))
            used.append(versions)
        head = ctx.first("sig:") or ctx.first("size:") or ctx.first("global:")
        if not mine:
            kind = "signature" if ctx.target.kind == "Function" else "layout"
            parts.insert(0, f"The graph shows no {kind} difference for {name} between {other} "
                            f"and {v}." + (f" {head.text}" if head else ""))
            if head:
                used.append(head)
        if difficulty >= 3:
            parts.append("Code that names members and functions ports as is; only raw offsets "
                         "and addresses need the version-specific values above.")
        return d.assistant("\n\n".join(parts), *used)
