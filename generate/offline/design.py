"""Level 4 is a design task across systems, not a longer answer: a plan that names each
system the scenario crosses and where that system's part of the work is (a file:line of
the context's code or a fact of the graph), the options weighed against each other, and a
concrete verification. A scenario that crosses one system has no level 4 (the planner
stops it at 3); a target whose context shows fewer than two of the systems gets no
design (the recipe then declines the item rather than pretend)."""

from __future__ import annotations

import re
from typing import Any

from generate.code import CodeSnippet
from generate.models import Context, Fact
from generate.offline.compose import Job, domains_systems

_CALL = {  # calls that put a function's code in a system
    "collision": r"Collider_\w+|CollisionCheck_\w+",
    "animation": r"SkelAnime_\w+|Animation_\w+",
    "graphics": r"Gfx_\w+|gSP\w+|gDP\w+|Matrix_\w+|OPEN_DISPS",
    "audio": r"\w*Sfx\w*|Audio_\w+|AudioLoad_\w+|Audio\w+_\w+",
    "flags": r"Flags_\w+",
    "objects": r"Object_\w+",
    "threads": r"os(Create|Start)Thread|os(Send|Recv|Jam)Mesg|osCreateMesgQueue",
    "save": r"Sram_\w+|SsSram_\w+",
    "camera": r"Camera_\w+|OnePointCutscene_\w+",
    "text": r"Message_\w+",
    "player": r"Player_\w+|func_8002F\w+",
    "memory": r"ZELDA_ARENA_\w+|ZeldaArena_\w+|SYSTEM_ARENA_\w+|Lib_Mem\w+",
}
_ROLES = {  # snippet roles that are a system's code by what they are
    "actors": ("init", "update", "draw", "destroy", "own", "profile", "assigned"),
    "build": ("spec", "table"),
    "versions": ("ifblock",),
    "memory": ("stackdecl", "struct"),
    "audio": ("use", "covered"),
}
_LABEL = {
    "stackdecl": "stack declaration",
    "struct": "struct definition",
    "spec": "spec entry",
    "table": "table entry",
    "ifblock": "#if block",
    "profile": "profile",
}
_FACTS = {  # graph facts that stand for a system when it has no code in the context
    "objects": ("object:", "objectinfo:", "sceneobj:"),
    "scenes": ("scene:", "rooms:", "entrance:"),
    "memory": ("size:", "actor:"),
    "versions": ("shift:", "offdiff:", "sizediff:", "sigdiff:", "addr:"),
    "save": ("global:",),
    "audio": ("soundfont:", "usesfont:", "seq:", "sfx:"),
    "build": ("segment:",),
    "graphics": ("asset:",),  # an object's textures and display lists
}


def _calls(snip: CodeSnippet, rx: str) -> list[str]:
    pat = re.compile(rx)
    return [c["name"] for c in snip.data.get("calls", []) if pat.fullmatch(c["name"])]


def _lines_with(snip: CodeSnippet, names: list[str], span: int = 4) -> CodeSnippet | None:
    """A few lines of ``snip`` from the first that names one of ``names`` (a quote of that
    system's part, with its real line numbers)."""
    rx = re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b")
    lines = snip.lines()
    for i, line in enumerate(lines):
        if rx.search(line):
            part = lines[i : i + span]
            return snip.model_copy(
                update={
                    "text": "\n".join(part),
                    "first": snip.first + i,
                    "last": snip.first + i + len(part) - 1,
                    "id": f"{snip.id}:{snip.first + i}",
                }
            )
    return None


def locate(
    ctx: Context, evidence: list[tuple[Any, CodeSnippet]], system: str, prefer: str | None = None
) -> tuple[str, Fact | None, CodeSnippet | None] | None:
    """Where ``system``'s part is in the context: a sentence, the fact it rests on (if any)
    and a short quote of that system's code (if any). Code about ``prefer`` (the entity the
    scenario is about, e.g. the stack of the thread in question) comes first."""
    # the target's code and the engine code it rests on; not its callers' or a similar actor's
    # (another actor's collider is not where this one's collision lives)
    snips = [snip for _, snip in evidence] + [s for s in ctx.code if s.role not in ("exemplar", "caller")]
    if system in ("memory", "build", "versions"):  # what they are beats what they call
        for s in sorted(ctx.code, key=lambda s: s.entity != prefer):
            if s.role in _ROLES.get(system, ()) and s.lang == "c":
                return f"{s.entity}, its {_LABEL.get(s.role, s.role)} at `{s.where}`", None, None
    rx = _CALL.get(system)
    if rx:
        for s in snips:
            names = _calls(s, rx) if s.data.get("calls") else re.findall(rf"\b(?:{rx})\b", s.text)
            if names:
                names = list(dict.fromkeys(names))
                shown = ", ".join(f"`{n}`" for n in names[:3])
                return f"{s.entity} ({s.where}) calls {shown}", None, _lines_with(s, names)
    for s in ctx.code:
        if s.role in _ROLES.get(system, ()):
            if s.lang != "c":
                return f"{s.entity}'s {s.lang.upper()} description at `{s.where}`", None, None
            label = s.data.get("profile_role") or s.role
            return f"{s.entity}, its {_LABEL.get(label, label + ' code')} at `{s.where}`", None, None
    for f in ctx.facts:
        if f.id.startswith(_FACTS.get(system, ("\0",))):
            return f.text.rstrip("."), f, None
    return None


def present(ctx: Context, evidence: list[tuple[Any, CodeSnippet]], systems: list[str]) -> int:
    """How many of ``systems`` the context shows (the planner gives level 4 only to two)."""
    return sum(locate(ctx, evidence, s) is not None for s in systems)


def plan(job: Job) -> str | None:
    """The design's opening: each system the scenario crosses, where its part is, and a
    short quote of the code that shows it when that is not the code quoted already."""
    titles = domains_systems()
    steps: list[str] = []
    for system in job.scenario.systems:
        found = locate(job.ctx, job.evidence, system, job.values.get("thread_stack"))
        if found is None:
            continue
        text, fact, part = found
        job.use(fact)
        step = f"{len(steps) + 1}. {titles.get(system, system)}: {text}."
        if part is not None and part.file not in job.quoted:
            step += "\n\n" + part.fence()
            job.quoted.add(part.file)
            job.code_shown += 1
        steps.append(step)
    if len(steps) < 2:
        return None
    head = job.pick(
        [
            "The design has to hold across these systems:",
            "Before writing code, map the systems this touches:",
            "Where each part of the work lives:",
            "This is a change in more than one place:",
        ]
    )
    return head + "\n" + "\n".join(steps)


def options(job: Job) -> str:
    """The scenario's trade-offs as options to weigh, with a recommendation for the asker."""
    items = job.filled(job.scenario.tradeoffs)
    if not items:
        return ""
    head = job.pick(["Options to weigh:", "The trade-offs:", "What each choice costs:", "Weigh these:"])
    return head + "\n" + "\n".join(f"- {t}" for t in items)


def verification(job: Job) -> str:
    if not job.scenario.verify:
        return ""
    return (
        job.pick(["Verify it:", "How to know it works:", "Check, in this order:", "To confirm:"])
        + " "
        + job.fill(job.scenario.verify)
    )


def design_parts(job: Job, *, verify: bool = True) -> list[str] | None:
    """Plan, options and (unless the conversation verifies in a later turn) verification
    for a level-4 answer; None when the context does not show two of the scenario's
    systems."""
    head = plan(job)
    if head is None:
        return None
    return [p for p in (head, options(job), verification(job) if verify else "") if p]
