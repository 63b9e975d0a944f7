"""The prompt's parts in cache order: the family block (stable per family, cached after the
system prompt), the target's facts and code (stable per target group), then the item's
scenario, task, persona and evidence (the uncached tail)."""

from __future__ import annotations

from typing import Any

from generate.families.base import DIFFICULTY
from generate.models import Context, PlanItem
from generate.scenario import personas


def family_text(family: Any) -> str:
    """The family's instructions and its scenario catalogue (titles, domains, causes): the
    same for every item of the family, so it is cached once per family."""
    lines = [
        f"FAMILY: {family.name} (at least {family.min_turns} turns)",
        family.catalogue.instructions.strip(),
        "",
        "Scenarios of this family (the item names one):",
    ]
    for s in family.scenarios():
        cause = f" Cause: {s.cause}" if s.cause and s.recipe == "debug" else ""
        lines.append(f"- {s.id}: {s.title} [{s.domain}; systems: {', '.join(s.systems)}]{cause}")
    lines += ["", "Difficulty levels (the task changes, not the length):"]
    lines += [f"{k}. {v}" for k, v in sorted(DIFFICULTY.items())]
    return "\n".join(lines)


def scenario_instruction(item: PlanItem, ctx: Context, scenario: Any, evidence: list[tuple[Any, Any]]) -> str:
    if scenario is None:
        return (
            f"Write one {item.family} example about {ctx.target.kind} {ctx.target.key} for "
            f"game version {ctx.version}, difficulty {item.difficulty}: "
            f"{DIFFICULTY[item.difficulty]}."
        )
    p = personas().get(item.persona)
    parts = [
        f"ITEM: scenario {scenario.id} ({scenario.title}) about {ctx.target.kind} "
        f"{ctx.target.key}, game version {ctx.version}.",
        f"Difficulty {item.difficulty}: {scenario.task(item.difficulty)}",
        f"The user is a {item.persona}" + (f" ({p.who})." if p else "."),
    ]
    asks = [x for k in (item.persona, "any") for x in scenario.ask.get(k, [])]
    if asks:
        parts.append("Their opening can be like (fill the names from the FACTS): " + " | ".join(asks[:3]))
    for key, label in (("cause", "The real cause / what is true"), ("fix", "The fix"), ("verify", "Verification")):
        if getattr(scenario, key):
            parts.append(f"{label}: {getattr(scenario, key)}")
    if scenario.clarify:
        parts.append(f"Clarifying question that matters: {scenario.clarify.get('q', '')}")
    if scenario.dead_end:
        parts.append(f"A real dead end: {scenario.dead_end.get('try', '')}")
    if scenario.tradeoffs and item.difficulty >= 4:
        parts.append("Trade-offs to weigh: " + "; ".join(scenario.tradeoffs))
    if evidence:
        parts.append("EVIDENCE (engine code that shows the cause; quote it with its location):")
        for ev, snip in evidence:
            parts.append(f"{ev.say}\n{snip.fence()}")
    return "\n".join(parts)
