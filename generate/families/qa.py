"""Questions and answers about one entity: what it is, where it lives, how it connects."""

from __future__ import annotations

import random

from generate.families.base import Draft, Family, cite, code, facts_text, pick, prototype
from generate.models import Context, Fact

# Which facts answer a question at each difficulty, by id prefix (most basic first).
_TIERS = {
    1: ("sig:", "size:", "actor:", "scene:", "objectinfo:", "global:", "seq:", "sfx:", "segment:",
        "concept:"),
    2: ("field:", "profile:", "call:", "object:", "asset:", "requires:", "sceneobj:", "addr:",
        "rooms:", "entrance:"),
    3: ("versions:", "sigdiff:", "sizediff:", "offdiff:", "addr:"),
}


class QA(Family):
    name = "qa"
    title = "question-and-answer"
    target_kinds = ("Function", "Struct", "Actor", "Scene", "Concept", "Object", "Global",
                    "Sequence", "Sfx", "Segment")
    task = ("A user asks a precise question about the target; the assistant answers from the "
            "facts, citing file:line or the data source, and names the version.")

    def offline(self, ctx: Context, difficulty: int, rng: random.Random) -> Draft | None:
        head = _headline(ctx)
        if head is None:
            return None
        name, v = ctx.target.name, ctx.version
        tiers = tuple(p for d in range(1, min(difficulty, 3) + 1) for p in _TIERS[d])
        extra = [f for f in ctx.facts if f is not head and f.id.startswith(tiers)]
        if difficulty >= 2 and not extra:
            return None
        chosen = extra[: 2 * difficulty]
        question = {
            1: pick(rng, ["What is {n} in {v}?", "Can you tell me the basics of {n} ({v})?",
                          "I keep seeing {n} in the decomp. What is it, in {v}?"], n=name, v=v),
            2: pick(rng, ["How does {n} fit together with the rest of the code in {v}?",
                          "What should I know about {n} before touching it in {v}?",
                          "Give me the details of {n} for {v}: layout, links, who uses it."],
                    n=name, v=v),
            3: pick(rng, ["What is version-specific about {n}? I target {v}.",
                          "I build {v}. Which details of {n} can I rely on, and which differ "
                          "between versions?"], n=name, v=v),
            4: pick(rng, ["Walk me through everything the decomp tells us about {n} in {v}, "
                          "with a code example if it helps.",
                          "I'm writing a mod that uses {n} on {v}. Give me the full picture."],
                    n=name, v=v),
        }[difficulty]
        answer = f"{head.text}{cite(head)}"
        if chosen:
            answer += "\n\nMore from the graph:\n" + facts_text(chosen, limit=len(chosen))
        sig = head if head.id.startswith("sig:") else ctx.first("sig:")
        if difficulty >= 3 and sig is not None and sig.data.get("in_version"):
            answer += ("\n\nIts prototype, as declared for this version:\n\n" + code(prototype(sig)))
            chosen.append(sig)
        if difficulty >= 3 and not any(f.id.startswith(_TIERS[3]) for f in chosen):
            answer += f"\n\nThe graph records no version differences for {name} among the facts above."
        return Draft([]).user(question).assistant(answer, head, *chosen)


def _headline(ctx: Context) -> Fact | None:
    for prefix in _TIERS[1]:
        f = ctx.first(prefix)
        if f is not None and f.entity == ctx.target.key:
            return f
    return ctx.facts[0] if ctx.facts else None
