"""Recipes for a domain's data: play a sound, read a soundfont, draw, size the memory, find
the edge case. They share the level structure of ``generate.offline.recipes``."""

from __future__ import annotations

import re

from generate.context_util import hx
from generate.families.base import TEXEL_BITS, TYPE_RANGES, Draft
from generate.offline.compose import Job, quote, where
from generate.offline.recipes import _answer, _own, _second, explain


def audio(job: Job) -> Draft | None:
    entry = job.ctx.first("sfx:") or job.ctx.first("seq:")
    table = next(iter(job.ctx.code_of("table")), None)
    uses = job.ctx.code_of("use")
    if entry is None:
        return explain(job)
    job.use(entry)
    parts = [entry.text]
    if table is not None:
        parts.append(quote(job, table, 3, f"Its table entry ({where(table)}):"))
    good = [u for u in uses if job.lookup(u.data["callee"])] or uses
    if good:
        u = good[0]
        sig = job.lookup(u.data["callee"])
        lead = job.pick(
            [
                f"{u.data['function']} plays it ({where(u)}):",
                f"Real code that plays it, in {u.data['function']} ({where(u)}):",
                f"The decomp plays it from {u.data['function']}, {where(u)}:",
            ]
        )
        parts.append(quote(job, u, 6, lead))
        if sig is not None:
            job.use(sig)
            parts.append(f"{sig.text} The id goes in as argument {u.data['position'] + 1}.")
        first = re.search(r"\bActor_PlaySfx\(\s*([^,]+?)\s*,", u.text)
        if job.difficulty >= 2 and sig is not None and u.data["callee"] == "Actor_PlaySfx" and first is not None:
            # the actor argument as this caller writes it (&this->dyna.actor for a DynaPoly
            # actor): an actor of the same shape passes its Actor the same way
            lead = (
                job.pick(["From your own actor, the same call:", "In your actor:", "Your code does the same:"])
                if first.group(1) == "&this->actor"
                else (
                    f"From your own actor, the same call (`{first.group(1)}` is how "
                    f"{u.data['function']} passes its `Actor`; pass yours the way your "
                    "struct holds it):"
                )
            )
            parts.append(lead + "\n\n```c\n" + f"Actor_PlaySfx({first.group(1)}, {job.ctx.target.key});\n```")
            job.code_shown += 1
        if job.difficulty >= 3 and len(good) > 1:
            others = sorted({x.data["function"] for x in good[1:]})[:4]
            parts.append("Other functions that play it: " + ", ".join(others) + ".")
    elif job.difficulty >= 2:
        parts.append(
            "No function of the decomp passes this id to a call directly; it is "
            "reached through a table or a computed id."
        )
    if job.scenario.cause:
        parts.append(job.fill(job.scenario.cause))
    return _answer(job, parts)


def graphics(job: Job) -> Draft | None:
    textures = [
        f
        for f in job.ctx.of("asset:")
        if (f.data.get("format") or "") in TEXEL_BITS and f.data.get("width") and f.data.get("height")
    ]
    if job.ctx.target.kind == "Object" and textures:
        t = job.rng.choice(textures)
        w, h, fmt = t.data["width"], t.data["height"], t.data["format"]
        nbytes = w * h * TEXEL_BITS[fmt] // 8
        job.use(t)
        parts = [
            f"{t.text} At {TEXEL_BITS[fmt]} bits per texel, {w}×{h} {fmt} is {nbytes} "
            f"(0x{nbytes:X}) bytes"
            + (
                ", more than the 4 KiB of TMEM: it cannot be loaded in one piece."
                if nbytes > 4096
                else ", which fits the 4 KiB of TMEM."
            )
        ]
        table = next(iter(job.ctx.code_of("table")), None)
        if table is not None:
            parts.append(quote(job, table, 2, f"The object is declared at {where(table)}:"))
        if job.scenario.cause:
            parts.append(job.fill(job.scenario.cause))
        return _answer(job, parts)
    draw = next(iter(job.ctx.code_of(*(job.scenario.change.get("roles") or ["draw"]))), None)
    if draw is None:
        return explain(job)
    gloss = job.glossary
    used = [c["name"] for c in draw.data.get("calls", [])]
    known = [n for n in dict.fromkeys(used) if n in gloss]
    parts = [
        quote(
            job,
            draw,
            30,
            job.pick(
                [
                    f"{draw.entity} ({where(draw)}):",
                    f"The draw code, {where(draw)}:",
                    f"Read {draw.entity} first ({where(draw)}):",
                ]
            ),
        )
    ]
    if known:
        parts.append("What its calls do:\n" + "\n".join(f"- `{n}`: {gloss[n]}" for n in known[:6]))
    if job.scenario.cause:
        parts.append(job.fill(job.scenario.cause))
    return _answer(job, parts, change=None, second=_second(job, draw))


def memory(job: Job) -> Draft | None:
    actor, size = job.ctx.first("actor:"), job.ctx.first("size:")
    if actor is not None and actor.data.get("instance_size"):
        n = job.rng.choice([8, 10, 16, 20, 32])
        each = actor.data["instance_size"]
        job.use(actor)
        parts = [
            f"{actor.text} {n} instances need {n} × {hx(each)} = {hx(n * each)} "
            f"({n * each}) bytes of instance data from the zelda arena, plus each "
            "allocation's header, plus the overlay's code once (it stays loaded while any "
            "instance lives)."
        ]
        alloc = actor.data.get("alloc")
        if alloc:
            parts.append(f"Its overlay is loaded with {alloc}.")
    elif size is not None:
        job.use(size)
        parts = [size.text]
    else:
        return None
    own = _own(job, ("struct",))
    if own is not None:
        parts.append(quote(job, own, 20, f"Where the bytes go ({where(own)}):"))
    if job.scenario.cause:
        parts.append(job.fill(job.scenario.cause))
    return _answer(job, parts, second=_second(job, own))


def edge(job: Job) -> Draft | None:
    fields = [f for f in job.ctx.of("field:") if (f.data.get("type") or "") in TYPE_RANGES]
    if job.scenario.change.get("kind") == "range" and fields:
        f = job.rng.choice(fields)
        lo, hi = TYPE_RANGES[f.data["type"]]
        job.use(f)
        parts = [f"{f.text} `{f.data['type']}` holds {lo}..{hi}: {hi + 1} does not fit and wraps to {lo}."]
        own = _own(job, ("struct",))
        if own is not None:
            parts.append(quote(job, own, 20, f"The declaration ({where(own)}):"))
        if job.scenario.cause:
            parts.append(job.fill(job.scenario.cause))
        return _answer(job, parts)
    return explain(job)


def soundfont(job: Job) -> Draft | None:
    """A soundfont from the audio source's facts: what it defines (quoting its XML), how the
    engine picks an instrument by program number, which sequences load it."""
    font = job.ctx.first("soundfont:")
    if font is None:
        return None
    job.use(font)
    d = font.data
    doc = next((s for s in job.ctx.code_of("table") if s.lang == "xml"), None)
    parts = [font.text]
    if doc is not None:
        parts.append(
            quote(
                job, doc, 24, job.pick([f"Its extraction XML ({where(doc)}):", f"From {doc.file}:", "The XML says so:"])
            )
        )
    lookup = next((s for s in job.ctx.code_of("covered") if s.entity == "Audio_GetInstrumentInner"), None)
    if job.difficulty >= 2 and lookup is not None:
        gap = f" Program number {d['gaps'][0]} is such an empty slot in {d['name']}." if d.get("gaps") else ""
        parts.append(
            quote(
                job,
                lookup,
                26,
                "A sequence channel's `instr` command selects an "
                "instrument by program number; the engine indexes the font's "
                f"instrument list with it and gives NULL for a number past the end "
                f"or an empty slot, setting `audioErrorFlags` ({where(lookup)}):",
            )
            + (f"\n\n{gap.strip()}" if gap else "")
        )
    users = job.ctx.of("fontuser:")
    if job.difficulty >= 3:
        loader = next((s for s in job.ctx.code_of("covered") if s.entity == "AudioLoad_SyncLoadSeqFonts"), None)
        if users:
            parts.append("Sequences whose source includes it: " + ", ".join(f.data["sequence"] for f in users) + ".")
            job.use(*users)
        else:
            parts.append(
                f"None of the sequence sources in the checkout includes {d['name']}; "
                "the other sequences are extracted from a ROM at build time, so the "
                "checkout alone does not say which of them use it."
            )
        if loader is not None:
            parts.append(
                quote(
                    job,
                    loader,
                    26,
                    "When a sequence starts, every font in its "
                    "entry of the sequence font table is loaded, and the last one "
                    f"loaded becomes its default font ({where(loader)}):",
                )
            )
    if job.scenario.cause:
        parts.append(job.fill(job.scenario.cause))
    return _answer(job, parts)


DOMAIN_RECIPES = {"audio": audio, "graphics": graphics, "memory": memory, "edge": edge, "soundfont": soundfont}
