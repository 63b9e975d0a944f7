"""Single-answer recipes: explain a target from its code, change it, play its sound, draw it,
port it, size it. Difficulty changes the task: 1 locate/explain one fact, 2 a small change,
3 a change across systems, 4 a design across systems with trade-offs and a verification."""

from __future__ import annotations

from generate.code import CodeSnippet
from generate.context_util import hx
from generate.families.base import TEXEL_BITS, TYPE_RANGES, Draft
from generate.models import Fact
from generate.offline import changes
from generate.offline.compose import (
    Job,
    evidence_text,
    finish,
    question,
    quote,
    systems_line,
    tradeoffs,
    versions_line,
    where,
)
from generate.scenario import OWN_ROLES, split_blocks

_MAIN_FACTS = ("actor:", "sig:", "size:", "global:", "scene:", "objectinfo:", "seq:", "sfx:",
               "segment:", "concept:", "soundfont:")


def _head(job: Job) -> Fact | None:
    for p in _MAIN_FACTS:
        f = job.ctx.first(p)
        if f is not None and f.entity == job.ctx.target.key:
            return f
    return job.ctx.facts[0] if job.ctx.facts else None


def _own(job: Job, roles: tuple[str, ...] = ()) -> CodeSnippet | None:
    order = list(job.scenario.change.get("roles") or roles) + list(OWN_ROLES) + \
        ["struct", "profile", "table", "spec", "use", "covered"]
    for r in order:
        got = job.ctx.code_of(r)
        if got:
            return got[0]
    return None


def _levels(job: Job, parts: list[str], *, change: tuple[str, str] | None = None,
            second: CodeSnippet | None = None) -> list[str]:
    """Add what each difficulty asks for beyond level 1."""
    d = job.difficulty
    if d >= 2 and change:
        parts.append(change[1] + "\n\n" + change[0])
    if d >= 3:
        if second is not None:
            parts.append(quote(job, second, 22, job.pick([
                f"The other half is in {second.entity} ({where(second)}):",
                f"It connects to {second.entity}, {where(second)}:",
                f"Read it together with {second.entity} at {where(second)}:"])))
        ev = evidence_text(job)
        if ev:
            parts.append(ev)
        if job.scenario.notes:
            parts.append(" ".join(job.fill(n) for n in job.scenario.notes))
    if d >= 4:
        for extra in (systems_line(job), tradeoffs(job)):
            if extra:
                parts.append(extra)
        if job.scenario.verify:
            parts.append(job.pick(["To check it:", "Verify:", "How to confirm:"]) + " "
                         + job.fill(job.scenario.verify))
    return parts


def _second(job: Job, own: CodeSnippet | None) -> CodeSnippet | None:
    for role in ("assigned", "callee", "struct", "data", "caller", "type", "exemplar"):
        for s in job.ctx.code_of(role):
            if own is None or s.id != own.id:
                return s
    return None


def explain(job: Job) -> Draft | None:
    head, own = _head(job), _own(job)
    if head is None or own is None:
        return None
    job.use(head)
    parts = [head.text + (f" ({head.source})" if head.source else "")]
    lead = job.pick([f"It lives at {where(own)}:", f"Here it is, {where(own)}:",
                     f"The code ({where(own)}):", f"From {own.file}:"])
    parts.append(quote(job, own, 26 if job.difficulty < 3 else 34, lead))
    if job.scenario.cause:
        parts.append(job.fill(job.scenario.cause))
    if job.difficulty >= 2:
        more = [f for f in job.ctx.facts if f is not head and f.id.startswith(
            ("call:", "field:", "profile:", "object:", "addr:", "offdiff:", "sizediff:"))][:3]
        if more:
            parts.append("\n".join(f"- {f.text}" for f in more))
            job.use(*more)
        v = versions_line(job)
        if v:
            parts.append(v)
    change = changes.any_change(job, list(job.scenario.change.get("kinds", [])))
    parts = _levels(job, parts, change=change, second=_second(job, own))
    d = Draft([]).user(question(job)).assistant("\n\n".join(parts))
    return finish(job, d)


def modify(job: Job) -> Draft | None:
    actor = job.ctx.first("actor:")
    kinds = list(job.scenario.change.get("kinds", []))
    change = changes.any_change(job, kinds)
    roles = job.scenario.change.get("roles") or ["update", "init"]
    own = next((s for r in roles for s in job.ctx.code_of(r)), None)
    if actor is None or own is None or (job.difficulty >= 2 and change is None):
        return None
    job.use(actor)
    role = own.data.get("profile_role", own.role)
    parts = [job.pick([f"{job.ctx.target.key}'s {role} function is {own.entity} ({where(own)}).",
                       f"Start in {own.entity}, the {role} function ({where(own)}).",
                       f"The behaviour you want sits in {own.entity} at {where(own)}."])]
    parts.append(quote(job, own, 24))
    if job.scenario.cause:
        parts.append(job.fill(job.scenario.cause))
    parts = _levels(job, parts, change=change, second=_second(job, own))
    if job.difficulty >= 3:
        parts.append(f"{actor.text} Rebuilding recompiles {actor.source or 'the actor file'} "
                     f"into {actor.data.get('overlay') or 'its overlay'}.")
    return finish(job, Draft([]).user(question(job)).assistant("\n\n".join(parts)))


def new_actor(job: Job) -> Draft | None:
    actor = job.ctx.first("actor:")
    profile = next(iter(job.ctx.code_of("profile")), None)
    table = next((s for s in job.ctx.code_of("table") if s.entity == job.ctx.target.key), None)
    spec = next(iter(job.ctx.code_of("spec")), None)
    if actor is None or profile is None or table is None:
        return None
    job.use(actor)
    parts = [job.pick(["A new actor is registered in three places, and each has a model in",
                       "Three files name every actor; use", "Copy the shape of"])
             + f" {job.ctx.target.key} ({actor.data.get('overlay')}):"]
    parts.append(quote(job, table, 4, f"1. The actor table, {where(table)}: the enum, the overlay "
                       "and its allocation type come from this one line:"))
    parts.append(quote(job, profile, 14, f"2. The profile in the actor's own file, {where(profile)}: "
                       "id, category, flags, object, instance size and the four functions:"))
    if spec is not None and job.difficulty >= 2:
        parts.append(quote(job, spec, 10, f"3. A segment in the spec, {where(spec)}, that builds "
                           "the overlay from the actor's object file:"))
    struct = next(iter(job.ctx.code_of("struct")), None)
    if struct is not None and job.difficulty >= 3:
        parts.append(quote(job, struct, 18, f"The instance struct ({where(struct)}) starts with "
                           "`Actor actor`, so the engine can treat it as an `Actor*`:"))
    obj = job.ctx.first("object:")
    if obj is not None and job.difficulty >= 2:
        parts.append(f"{obj.text} The profile's object must be loaded in the room (or be a "
                     "keep object) or `Actor_Spawn` refuses the actor.")
        job.use(obj)
    if job.scenario.cause:
        parts.append(job.fill(job.scenario.cause))
    parts = _levels(job, parts, second=next(iter(job.ctx.code_of("exemplar")), None))
    return finish(job, Draft([]).user(question(job)).assistant("\n\n".join(parts)))


def migrate(job: Job) -> Draft | None:
    blocks = split_blocks(job.ctx) or [s for s in job.ctx.code_of("ifblock")
                                       if all(b["versions"] is not None for b in s.data["branches"])]
    diffs = [f for f in job.ctx.facts if f.id.startswith(("offdiff:", "sizediff:", "sigdiff:",
                                                          "typediff:"))]
    if not blocks and not diffs:
        return None
    built = job.values.get("_built", "")
    parts = []
    if blocks:
        blk = blocks[0]
        parts.append(quote(job, blk, 20, job.pick([
            f"The version-specific code is this block at {where(blk)}:",
            f"{blk.entity} has an `#if` at {where(blk)}:",
            f"Here is where the versions part ({where(blk)}):"])))
        lines = []
        for b in blk.data["branches"]:
            vs = b["versions"]
            here = [v for v in vs if v in job.values.get("_ingested", "").split(",")]
            cond = b["condition"] or "(otherwise)"
            lines.append(f"- `#{b['directive']} {cond}`".replace(" (otherwise)", "")
                         + f" (line {b['line']}): compiled by {len(vs)} of the {built} versions "
                         f"the decomp builds" + (f", of the ingested ones {', '.join(here)}"
                                                 if here else ", none of the ingested ones"))
        parts.append("\n".join(lines))
    if diffs and job.difficulty >= 2:
        shown = diffs[: 3 + 2 * job.difficulty]
        parts.append(job.pick(["Layout and signature differences the graph records:",
                               "What else moves between versions:", "Other differences:"])
                     + "\n" + "\n".join(f"- {f.text}" for f in shown))
        job.use(*shown)
    if job.scenario.cause:
        parts.append(job.fill(job.scenario.cause))
    parts = _levels(job, parts, second=_own(job) if job.difficulty >= 3 and blocks else None)
    return finish(job, Draft([]).user(question(job)).assistant("\n\n".join(parts)))


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
        lead = job.pick([f"{u.data['function']} plays it ({where(u)}):",
                         f"Real code that plays it, in {u.data['function']} ({where(u)}):",
                         f"The decomp plays it from {u.data['function']}, {where(u)}:"])
        parts.append(quote(job, u, 6, lead))
        if sig is not None:
            job.use(sig)
            parts.append(f"{sig.text} The id goes in as argument {u.data['position'] + 1}.")
        if job.difficulty >= 2 and sig is not None and u.data["callee"] == "Actor_PlaySfx":
            parts.append(job.pick(["From your own actor, the same call:", "In your actor:",
                                   "Your code does the same:"]) + "\n\n```c\n"
                         + f"Actor_PlaySfx(&this->actor, {job.ctx.target.key});\n```")
            job.code_shown += 1
        if job.difficulty >= 3 and len(good) > 1:
            others = sorted({x.data["function"] for x in good[1:]})[:4]
            parts.append("Other functions that play it: " + ", ".join(others) + ".")
    elif job.difficulty >= 2:
        parts.append("No function of the decomp passes this id to a call directly; it is "
                     "reached through a table or a computed id.")
    if job.scenario.cause:
        parts.append(job.fill(job.scenario.cause))
    parts = _levels(job, parts)
    return finish(job, Draft([]).user(question(job)).assistant("\n\n".join(parts)))


def graphics(job: Job) -> Draft | None:
    textures = [f for f in job.ctx.of("asset:") if (f.data.get("format") or "") in TEXEL_BITS
                and f.data.get("width") and f.data.get("height")]
    if job.ctx.target.kind == "Object" and textures:
        t = job.rng.choice(textures)
        w, h, fmt = t.data["width"], t.data["height"], t.data["format"]
        nbytes = w * h * TEXEL_BITS[fmt] // 8
        job.use(t)
        parts = [f"{t.text} At {TEXEL_BITS[fmt]} bits per texel, {w}×{h} {fmt} is {nbytes} "
                 f"(0x{nbytes:X}) bytes" + (", more than the 4 KiB of TMEM: it cannot be "
                                            "loaded in one piece." if nbytes > 4096 else
                                            ", which fits the 4 KiB of TMEM.")]
        table = next(iter(job.ctx.code_of("table")), None)
        if table is not None:
            parts.append(quote(job, table, 2, f"The object is declared at {where(table)}:"))
        if job.scenario.cause:
            parts.append(job.fill(job.scenario.cause))
        parts = _levels(job, parts)
        return finish(job, Draft([]).user(question(job)).assistant("\n\n".join(parts)))
    draw = next(iter(job.ctx.code_of(*(job.scenario.change.get("roles") or ["draw"]))), None)
    if draw is None:
        return explain(job)
    gloss = job.glossary
    used = [c["name"] for c in draw.data.get("calls", [])]
    known = [n for n in dict.fromkeys(used) if n in gloss]
    parts = [quote(job, draw, 30, job.pick([f"{draw.entity} ({where(draw)}):",
                                             f"The draw code, {where(draw)}:",
                                             f"Read {draw.entity} first ({where(draw)}):"]))]
    if known:
        parts.append("What its calls do:\n" + "\n".join(f"- `{n}`: {gloss[n]}" for n in known[:6]))
    if job.scenario.cause:
        parts.append(job.fill(job.scenario.cause))
    parts = _levels(job, parts, change=None, second=_second(job, draw))
    return finish(job, Draft([]).user(question(job)).assistant("\n\n".join(parts)))


def memory(job: Job) -> Draft | None:
    actor, size = job.ctx.first("actor:"), job.ctx.first("size:")
    if actor is not None and actor.data.get("instance_size"):
        n = job.rng.choice([8, 10, 16, 20, 32])
        each = actor.data["instance_size"]
        job.use(actor)
        parts = [f"{actor.text} {n} instances need {n} × {hx(each)} = {hx(n * each)} "
                 f"({n * each}) bytes of instance data from the zelda arena, plus each "
                 "allocation's header, plus the overlay's code once (it stays loaded while any "
                 "instance lives)."]
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
    parts = _levels(job, parts, second=_second(job, own))
    return finish(job, Draft([]).user(question(job)).assistant("\n\n".join(parts)))


def edge(job: Job) -> Draft | None:
    fields = [f for f in job.ctx.of("field:") if (f.data.get("type") or "") in TYPE_RANGES]
    if job.scenario.change.get("kind") == "range" and fields:
        f = job.rng.choice(fields)
        lo, hi = TYPE_RANGES[f.data["type"]]
        job.use(f)
        parts = [f"{f.text} `{f.data['type']}` holds {lo}..{hi}: {hi + 1} does not fit and "
                 f"wraps to {lo}."]
        own = _own(job, ("struct",))
        if own is not None:
            parts.append(quote(job, own, 20, f"The declaration ({where(own)}):"))
        if job.scenario.cause:
            parts.append(job.fill(job.scenario.cause))
        parts = _levels(job, parts)
        return finish(job, Draft([]).user(question(job)).assistant("\n\n".join(parts)))
    return explain(job)


RECIPES = {"explain": explain, "modify": modify, "new-actor": new_actor, "migrate": migrate,
           "audio": audio, "graphics": graphics, "memory": memory, "edge": edge}
