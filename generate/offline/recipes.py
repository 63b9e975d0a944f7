"""Single-answer recipes: explain a target from its code, change it, play its sound, draw it,
port it, size it. Difficulty changes the task: 1 locate/explain one fact, 2 a small change,
3 a change across systems, 4 a design across systems with trade-offs and a verification."""

from __future__ import annotations

import re

from generate.code import CodeSnippet
from generate.families.base import Draft
from generate.models import Fact
from generate.offline import changes, wiring
from generate.offline.compose import (
    Job,
    evidence_text,
    finish,
    question,
    quote,
    versions_line,
    where,
)
from generate.offline.design import design_parts
from generate.scenario import OWN_ROLES, split_blocks

_MAIN_FACTS = (
    "actor:",
    "sig:",
    "size:",
    "global:",
    "scene:",
    "objectinfo:",
    "seq:",
    "sfx:",
    "segment:",
    "concept:",
    "soundfont:",
)


def _head(job: Job) -> Fact | None:
    for p in _MAIN_FACTS:
        f = job.ctx.first(p)
        if f is not None and f.entity == job.ctx.target.key:
            return f
    return job.ctx.facts[0] if job.ctx.facts else None


def _own(job: Job, roles: tuple[str, ...] = ()) -> CodeSnippet | None:
    order = (
        list(job.scenario.change.get("roles") or roles)
        + list(OWN_ROLES)
        + ["struct", "profile", "table", "spec", "use", "covered"]
    )
    for r in order:
        got = job.ctx.code_of(r)
        if got:
            return got[0]
    return None


def _levels(
    job: Job, parts: list[str], *, change: tuple[str, str] | None = None, second: CodeSnippet | None = None
) -> list[str] | None:
    """Add what each difficulty asks for beyond level 1; None when the context cannot carry
    level 4's design across two systems."""
    d = job.difficulty
    if d >= 2 and change:
        parts.append(change[1] + "\n\n" + change[0])
    if d >= 3:
        if second is not None:
            parts.append(
                quote(
                    job,
                    second,
                    22,
                    job.pick(
                        [
                            f"The other half is in {second.entity} ({where(second)}):",
                            f"It connects to {second.entity}, {where(second)}:",
                            f"Read it together with {second.entity} at {where(second)}:",
                        ]
                    ),
                )
            )
        ev = evidence_text(job)
        if ev:
            parts.append(ev)
        if job.scenario.notes:
            parts.append(" ".join(job.filled(job.scenario.notes)))
    if d >= 4:
        design = design_parts(job)
        if design is None:
            return None
        parts += design
    return parts


def _answer(
    job: Job, parts: list[str], *, change: tuple[str, str] | None = None, second: CodeSnippet | None = None
) -> Draft | None:
    """The one-turn answer: the question, then ``parts`` with what the difficulty adds
    (``_levels``); None when level 4 cannot be carried."""
    levelled = _levels(job, parts, change=change, second=second)
    if levelled is None:
        return None
    return finish(job, Draft([]).user(question(job)).assistant("\n\n".join(levelled)))


def _second(job: Job, own: CodeSnippet | None) -> CodeSnippet | None:
    stack = job.values.get("thread_stack")
    for s in job.ctx.code_of("stackdecl"):
        if s.entity == stack:  # the stack of the thread the function starts
            return s
    for role in ("stackdecl", "assigned", "callee", "struct", "data", "caller", "type", "exemplar"):
        for s in job.ctx.code_of(role):
            if own is None or s.id != own.id:
                return s
    return None


def _focus(snip: CodeSnippet, needs: list[str], window: int) -> CodeSnippet:
    """The lines of ``snip`` a ``text:`` need is about, when they fall outside the first
    ``window`` lines (a quote of the head would not show them); else ``snip``."""
    from generate.code.cscan import blank

    lines, code = snip.lines(), blank(snip.text).split("\n")
    for need in needs:
        what, _, arg = need.partition(":")
        if what != "text":
            continue
        rx = re.compile(arg)
        hit = next((i for i, ln in enumerate(code) if rx.search(ln)), None)
        if hit is None or hit < window - 4:
            return snip
        first, last = max(0, hit - 3), min(len(lines), hit + 12)
        return snip.model_copy(
            update={
                "text": "\n".join(lines[first:last]),
                "first": snip.first + first,
                "last": snip.first + last - 1,
                "id": f"{snip.id}:{snip.first + hit}",
            }
        )
    return snip


def explain(job: Job) -> Draft | None:
    head, own = _head(job), _own(job)
    if head is None or own is None:
        return None
    job.use(head)
    parts = [head.text + (f" ({head.source})" if head.source else "")]
    window = 26 if job.difficulty < 3 else 34
    part = _focus(own, job.scenario.needs, window)
    if part is not own:  # the lines the scenario is about are further down: quote those
        lead = job.pick(
            [
                f"{own.entity} is at {where(own)}; the part that matters here:",
                f"In {own.entity} ({where(own)}), these lines:",
            ]
        )
        parts.append(quote(job, part, window, lead))
    else:
        lead = job.pick(
            [
                f"It lives at {where(own)}:",
                f"Here it is, {where(own)}:",
                f"The code ({where(own)}):",
                f"From {own.file}:",
            ]
        )
        parts.append(quote(job, own, window, lead))
    if job.scenario.cause:
        parts.append(job.fill(job.scenario.cause))
    if job.difficulty >= 2:
        more = [
            f
            for f in job.ctx.facts
            if f is not head
            and f.id.startswith(("call:", "field:", "profile:", "object:", "addr:", "offdiff:", "sizediff:"))
        ][:3]
        if more:
            parts.append("\n".join(f"- {f.text}" for f in more))
            job.use(*more)
        v = versions_line(job)
        if v:
            parts.append(v)
        parts += [t for t in (wiring.wiring_text(job), wiring.call_walk(job) if job.difficulty >= 3 else "") if t]
    change = changes.any_change(job, list(job.scenario.change.get("kinds", [])))
    return _answer(job, parts, change=change, second=_second(job, own))


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
    parts = [
        job.pick(
            [
                f"{job.ctx.target.key}'s {role} function is {own.entity} ({where(own)}).",
                f"Start in {own.entity}, the {role} function ({where(own)}).",
                f"The behaviour you want sits in {own.entity} at {where(own)}.",
            ]
        )
    ]
    parts.append(quote(job, own, 24))
    if job.scenario.cause:
        parts.append(job.fill(job.scenario.cause))
    if job.difficulty >= 2:
        parts += [t for t in (wiring.wiring_text(job), wiring.pattern_text(job)) if t]
    levelled = _levels(job, parts, change=change, second=_second(job, own))
    if levelled is None:
        return None
    if job.difficulty >= 3:
        levelled.append(
            f"{actor.text} Rebuilding recompiles {actor.source or 'the actor file'} "
            f"into {actor.data.get('overlay') or 'its overlay'}."
        )
    return finish(job, Draft([]).user(question(job)).assistant("\n\n".join(levelled)))


def new_actor(job: Job) -> Draft | None:
    actor = job.ctx.first("actor:")
    profile = next(iter(job.ctx.code_of("profile")), None)
    table = next((s for s in job.ctx.code_of("table") if s.entity == job.ctx.target.key), None)
    spec = next(iter(job.ctx.code_of("spec")), None)
    if actor is None or profile is None or table is None:
        return None
    job.use(actor)
    parts = [
        job.pick(
            [
                "A new actor is registered in three places, and each has a model in",
                "Three files name every actor; use",
                "Copy the shape of",
            ]
        )
        + f" {job.ctx.target.key} ({actor.data.get('overlay')}):"
    ]
    parts.append(
        quote(
            job,
            table,
            4,
            f"1. The actor table, {where(table)}: the enum, the overlay "
            "and its allocation type come from this one line:",
        )
    )
    parts.append(
        quote(
            job,
            profile,
            14,
            f"2. The profile in the actor's own file, {where(profile)}: "
            "id, category, flags, object, instance size and the four functions:",
        )
    )
    if spec is not None and job.difficulty >= 2:
        parts.append(
            quote(
                job,
                spec,
                10,
                f"3. A segment in the spec, {where(spec)}, that builds the overlay from the actor's object file:",
            )
        )
    struct = next(iter(job.ctx.code_of("struct")), None)
    if struct is not None and job.difficulty >= 3:
        parts.append(
            quote(
                job,
                struct,
                18,
                f"The instance struct ({where(struct)}) starts with "
                "`Actor actor`, so the engine can treat it as an `Actor*`:",
            )
        )
    obj = job.ctx.first("object:")
    if obj is not None and job.difficulty >= 2:
        parts.append(
            f"{obj.text} The profile's object must be loaded in the room (or be a "
            "keep object) or `Actor_Spawn` refuses the actor."
        )
        job.use(obj)
    if job.scenario.cause:
        parts.append(job.fill(job.scenario.cause))
    return _answer(job, parts, second=next(iter(job.ctx.code_of("exemplar")), None))


def migrate(job: Job) -> Draft | None:
    blocks = split_blocks(job.ctx) or [
        s for s in job.ctx.code_of("ifblock") if all(b["versions"] is not None for b in s.data["branches"])
    ]
    diffs = [f for f in job.ctx.facts if f.id.startswith(("shift:", "offdiff:", "sizediff:", "sigdiff:", "typediff:"))]
    if not blocks and not diffs:
        return None
    built = job.values.get("_built", "")
    parts = []
    own = _own(job, ("struct",)) if not blocks else None
    if own is not None:  # no #if block: the layout itself is what moves between versions
        parts.append(
            quote(
                job,
                own,
                24,
                job.pick(
                    [f"The definition ({where(own)}):", f"{own.entity} as the decomp declares it ({where(own)}):"]
                ),
            )
        )
    if blocks:
        blk = blocks[0]
        parts.append(
            quote(
                job,
                blk,
                20,
                job.pick(
                    [
                        f"The version-specific code is this block at {where(blk)}:",
                        f"{blk.entity} has an `#if` at {where(blk)}:",
                        f"Here is where the versions part ({where(blk)}):",
                    ]
                ),
            )
        )
        lines = []
        for b in blk.data["branches"]:
            vs = b["versions"]
            here = [v for v in vs if v in job.values.get("_ingested", "").split(",")]
            cond = b["condition"] or "(otherwise)"
            lines.append(
                f"- `#{b['directive']} {cond}`".replace(" (otherwise)", "")
                + f" (line {b['line']}): compiled by {len(vs)} of the {built} versions "
                f"the decomp builds"
                + (f", of the ingested ones {', '.join(here)}" if here else ", none of the ingested ones")
            )
        parts.append("\n".join(lines))
    if diffs and job.difficulty >= 2:
        shown = diffs[: 3 + 2 * job.difficulty]
        parts.append(
            job.pick(
                [
                    "Layout and signature differences the graph records:",
                    "What else moves between versions:",
                    "Other differences:",
                ]
            )
            + "\n"
            + "\n".join(f"- {f.text}" for f in shown)
        )
        job.use(*shown)
    if job.scenario.cause:
        parts.append(job.fill(job.scenario.cause))
    return _answer(job, parts, second=_own(job) if job.difficulty >= 3 and blocks else None)


RECIPES = {"explain": explain, "modify": modify, "new-actor": new_actor, "migrate": migrate}
