"""Multi-turn recipes written turn by turn around the real cause: a debugging session
(symptom, a clarifying question that matters to this cause, a real dead end, the cause with
the engine code that shows it, the fix, a verification) and a feature built step by step."""

from __future__ import annotations

from generate.families.base import Draft
from generate.offline import changes
from generate.offline.compose import (
    Job,
    evidence_text,
    finish,
    question,
    quote,
    thanks,
    where,
)
from generate.offline.design import design_parts
from generate.offline.recipes import _head as main_fact
from generate.scenario import OWN_ROLES


def debug(job: Job) -> Draft | None:
    s = job.scenario
    if not (s.clarify and s.dead_end and s.cause) or (s.evidence and not job.evidence):
        return None
    look = next((x for r in (s.change.get("roles") or []) + list(OWN_ROLES) for x in job.ctx.code_of(r)), None)
    if look is None:
        return None
    d = Draft([]).user(question(job))
    d.assistant(job.fill(s.clarify["q"]))
    d.user(job.fill(s.clarify["a"]))
    dead = job.fill(s.dead_end["try"])
    d.assistant(
        quote(
            job,
            look,
            22 if job.difficulty < 3 else 30,
            dead
            + " "
            + job.pick(
                [
                    f"Here is {look.entity} ({where(look)}):",
                    f"{look.entity}, {where(look)}:",
                    f"Start from {look.entity} ({where(look)}):",
                ]
            ),
        )
    )
    d.user(job.fill(s.dead_end["result"]))
    parts = [job.fill(s.cause), evidence_text(job, 1 if job.difficulty < 3 else 2)]
    moved = [f for f in job.ctx.facts if f.id.startswith("shift:")] + [
        f for f in job.ctx.facts if f.id.startswith(("offdiff:", "sizediff:", "sigdiff:"))
    ]
    if moved and "versions" in s.systems:  # layouts of other versions matter only there
        shown = moved[: 2 + job.difficulty]
        parts.append("\n".join(f"- {f.text}" for f in shown))
        job.use(*shown)
    change = changes.any_change(job, list(s.change.get("kinds", []))) if job.difficulty >= 2 else None
    if s.fix:
        parts.append(job.fill(s.fix))
    if change:
        parts.append(change[1] + "\n\n" + change[0])
    head = main_fact(job)
    if head is not None and job.difficulty >= 3:
        parts.append(head.text)
        job.use(head)
    if job.difficulty >= 4:
        design = design_parts(job, verify=False)  # verification is the last turn
        if design is None:
            return None
        parts += design
    d.assistant("\n\n".join(p for p in parts if p))
    d.user(thanks(job))
    verify = job.fill(s.verify) if s.verify else "Rebuild and reproduce the original steps."
    if job.difficulty >= 3 and s.notes:
        verify += " " + " ".join(job.filled(s.notes))
    d.assistant(verify)
    return finish(job, d)


def feature(job: Job) -> Draft | None:
    s = job.scenario
    actor, size = job.ctx.first("actor:"), job.ctx.first("size:")
    struct = next(iter(job.ctx.code_of("struct")), None)
    upd = next(iter(job.ctx.code_of("update")), None)
    change = changes.any_change(job, list(s.change.get("kinds", [])))
    if actor is None or size is None or struct is None or upd is None or change is None:
        return None
    job.use(actor, size)
    d = Draft([]).user(question(job))
    plan = job.fill(s.cause) if s.cause else "Two parts: state, then logic in the update function."
    d.assistant(
        plan
        + " "
        + job.pick(
            [
                f"The per-frame code is {upd.entity} ({where(upd)}).",
                f"Logic goes in {upd.entity}, {where(upd)}.",
                f"{upd.entity} ({where(upd)}) runs every frame.",
            ]
        )
    )
    d.user(
        job.pick(
            [
                "Where does new state go, and what does it cost?",
                "Do I need new members in the struct?",
                "What about the state?",
            ]
        )
    )
    sz = size.data
    align = max(sz.get("align") or 4, 4)
    start = (sz["size"] + 1) // 2 * 2
    new = (start + 2 + align - 1) // align * align
    member = (
        f"An `s16` appended after the last member would start at 0x{start:X}; with "
        f"alignment {align} the struct would become 0x{new:X} bytes, and the profile's "
        f"`sizeof({sz['name']})` makes the instance size follow."
    )
    note = changes.state_note(job, job.change_kind)
    if note is None:  # the change keeps a count: shared static, or a member per instance
        note = (
            "Not necessarily. A counter declared `static` inside the function is kept "
            "between frames and costs no instance memory, but every instance shares it. "
            "For one per instance, add a member instead. " + member
        )
    d.assistant(quote(job, struct, 28, f"{size.text} The struct ({where(struct)}):") + "\n\n" + note)
    d.user(job.pick(["Now the code.", "And the logic?", "Show me the change."]))
    d.assistant(change[1] + "\n\n" + change[0])
    d.user(job.pick(["How do I test it?", "How do I know it works?", "Testing?"]))
    test = job.fill(s.verify) if s.verify else "Rebuild, spawn it, and watch it in a debugger."
    if job.difficulty >= 3:
        ev = evidence_text(job, 1)
        if ev:
            test += "\n\n" + ev
    if job.difficulty >= 4:
        design = design_parts(job, verify=False)  # this turn is the test itself
        if design is None:
            return None
        test = "\n\n".join([*design, test])
    d.assistant(test)
    return finish(job, d)


CONVERSATIONS = {"debug": debug, "feature": feature}
