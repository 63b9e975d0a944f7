"""Offline examples from scenarios: a recipe (code) renders a scenario (data) on a context.

``build(ctx, scenario, difficulty, persona, rng, evidence, lookup)`` returns a Draft or None
when the context does not carry what the recipe needs."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

from generate.families.base import Draft
from generate.models import Context, Fact
from generate.scenario import Scenario, catalogue, slots


def build(
    ctx: Context,
    scenario: Scenario,
    difficulty: int,
    persona: str,
    rng: random.Random,
    evidence: list[tuple[Any, Any]],
    lookup: Callable[[str], Fact | None],
    extra: dict[str, str] | None = None,
) -> Draft | None:
    from generate.offline.compose import Job
    from generate.offline.conversations import CONVERSATIONS
    from generate.offline.recipes import RECIPES
    from generate.offline.recipes_domain import DOMAIN_RECIPES

    recipe = {**RECIPES, **DOMAIN_RECIPES, **CONVERSATIONS}.get(scenario.recipe)
    if recipe is None:
        raise ValueError(f"scenario {scenario.id}: unknown recipe {scenario.recipe!r}")
    values = {**slots(ctx), **(extra or {})}
    glossary = getattr(catalogue(scenario.family), "glossary", None) or {}
    job = Job(
        ctx=ctx,
        scenario=scenario,
        difficulty=difficulty,
        persona=persona,
        rng=rng,
        values=values,
        evidence=evidence,
        lookup=lookup,
        glossary=glossary,
    )
    d = recipe(job)
    from generate.families import get_family

    need = get_family(scenario.family).min_turns
    if d is not None and len(d.messages) < need:
        d = _converse(d, need, rng)
    return d


_FOLLOW = [
    "Go on.",
    "And the code?",
    "What next?",
    "Show me.",
    "And then?",
    "What else matters?",
    "How do I check it?",
    "OK, and after that?",
]


def _converse(d: Draft, turns: int, rng: random.Random) -> Draft | None:
    """Spread a single answer's paragraphs (a code block stays with the text before it)
    over several assistant turns, with short follow-ups in between."""
    answer = d.messages[-1].content
    chunks: list[str] = []
    for para in answer.split("\n\n"):
        if chunks and (para.startswith("```") or chunks[-1].count("```") % 2 == 1):
            chunks[-1] += "\n\n" + para
        else:
            chunks.append(para)
    parts = turns // 2
    while len(chunks) < parts:
        i = max((k for k, c in enumerate(chunks) if "```" not in c), default=None, key=lambda k: len(chunks[k]))
        if i is None:
            return None
        sentences = re.split(r"(?<=[.:])\s+(?=[A-Z`])", chunks[i])
        if len(sentences) < 2:
            return None
        half = len(sentences) // 2
        chunks[i : i + 1] = [" ".join(sentences[:half]), " ".join(sentences[half:])]
    size = -(-len(chunks) // parts)
    groups = ["\n\n".join(chunks[i : i + size]) for i in range(0, len(chunks), size)]
    out = Draft([], facts=d.facts, meta=d.meta)
    out.user(d.messages[0].content)
    for i, g in enumerate(groups):
        if i:
            out.user(rng.choice(_FOLLOW))
        out.assistant(g)
    return out if len(out.messages) >= turns else None
