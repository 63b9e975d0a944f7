"""What reviewers said about earlier runs, read as data by the next one.

- **Exemplars.** An example reviewers accepted becomes an exemplar for its family and
  scenario (the scenario a family drew it from, else its target's kind): the next prompt
  of that family and scenario shows it (about another target) as the depth and shape to
  match. Higher human scores first.
- **Steering.** Rejections are counted per (target, family, scenario) and reason. Once,
  the next prompt for that pair gets an explicit instruction against that reason (with
  the reviewers' notes); twice for the same reason, or once when the generator cannot
  follow instructions (the offline templates), the planner skips the pair.
- **Corrections.** A "factually wrong" note is shown to the model as a correction for
  each entity the reviewer named (else the example's target), whenever a later prompt's
  facts are about that entity.

The reviews are read once, when the run starts; the ledger records their ids (event
``feedback``) and, per item, which ones shaped its prompt (``feedback_used``). A resumed
run reads only the recorded reviews, so its prompts and skips are those of the start.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generate.models import Context, PlanItem
from review.dataset import RunData
from review.state import fold, load_events

log = logging.getLogger(__name__)

SKIP_AFTER = 2  # rejections for one reason before a (target, family, scenario) is skipped
MAX_EXEMPLAR_CHARS = 3000
MAX_NOTES = 3

INSTRUCTIONS: dict[str, str] = {
    "factually-wrong": "Reviewers found an earlier {family} example about {target} factually "
    "wrong. State every name, number and version exactly as the FACTS give "
    "it; where the facts do not settle something, say so.",
    "ungrounded": "Reviewers rejected an earlier {family} example about {target} for claims "
    "the facts do not support. Make no claim without a fact behind it, and list "
    "every fact you rely on in <facts_used>.",
    "unhelpful": "Reviewers rejected an earlier {family} example about {target} because it did "
    "not answer the question. Answer exactly what the user asks, directly and "
    "completely, without deflecting.",
    "unrealistic-question": "Reviewers found the question of an earlier {family} example about "
    "{target} unrealistic. Ask what a person modding OoT would really "
    "ask about it, in their own words.",
    "wrong-version": "Reviewers found an earlier {family} example about {target} wrong for the "
    "version. Every offset, size, address and signature must be the one for "
    "{version}; name the version.",
    "unsafe-code": "Reviewers rejected the code of an earlier {family} example about {target}. "
    "Use the decomp's types and conventions; never write raw RAM addresses, libc "
    "allocation or printf.",
    "duplicate": "Reviewers found an earlier {family} example about {target} a duplicate. Take "
    "a different angle from the examples before it.",
}


def scenario_of(item_or_meta: Any) -> str:
    """The scenario a family drew the item from, else its target's kind."""
    if isinstance(item_or_meta, dict):
        return str(item_or_meta.get("scenario") or item_or_meta.get("target_kind") or "")
    return str(getattr(item_or_meta, "scenario", None) or item_or_meta.target.kind)


@dataclass
class Exemplar:
    id: str
    target: str
    score: float
    messages: list[dict[str, Any]]
    reviews: list[str]

    def render(self) -> str:
        parts, used = [], 0
        for m in self.messages:
            text = m.get("content", "")
            room = max(200, MAX_EXEMPLAR_CHARS - used)
            if len(text) > room:
                text = text[:room] + " [...]"
            used += len(text)
            parts.append(f"<{m.get('role')}>{text}</{m.get('role')}>")
        return "\n".join(parts)


@dataclass
class Rejections:
    reasons: Counter = field(default_factory=Counter)
    reviews: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    notes: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class Steer:
    skip: str | None = None
    notes: list[str] = field(default_factory=list)
    reviews: list[str] = field(default_factory=list)


class Feedback:
    def __init__(self) -> None:
        self.exemplars: dict[tuple[str, str], list[Exemplar]] = defaultdict(list)
        self.rejections: dict[tuple[str, str, str], Rejections] = defaultdict(Rejections)
        self.corrections: dict[str, list[tuple[str, str]]] = defaultdict(list)  # entity -> (note, id)
        self.review_ids: list[str] = []

    @classmethod
    def load(cls, runs: list[Path], *, only: set[str] | None = None) -> Feedback:
        fb = cls()
        for run in runs:
            events = load_events(run, only=only)
            if not events:
                continue
            data = RunData(run)
            fb.review_ids += [e.id for e in events]
            for ex_id, ex in fold(events).items():
                rec = data.get(ex_id)
                if rec is None:
                    continue
                meta = rec.get("metadata") or {}
                target = f"{meta.get('target_kind')}:{meta.get('target')}"
                family, scenario = meta.get("family", ""), scenario_of(meta)
                verdict = ex.verdict()
                if verdict == "accept":
                    fb.exemplars[(family, scenario)].append(
                        Exemplar(
                            ex_id,
                            target,
                            ex.mean_score() or 0.0,
                            ex.edited_messages(rec.get("messages") or []),
                            ex.event_ids(),
                        )
                    )
                elif verdict == "reject":
                    rej = fb.rejections[(target, family, scenario)]
                    for j in ex.judgements.values():
                        if j.verdict == "reject" and j.reason:
                            rej.reasons[j.reason] += 1
                            rej.reviews[j.reason].append(j.events[-1])
                            if j.note:
                                rej.notes[j.reason].append(j.note)
                for j in ex.judgements.values():
                    if j.verdict == "reject" and j.reason == "factually-wrong":
                        note = j.note or f"an earlier example about {target} was factually wrong"
                        for ref in j.entities or [target]:
                            fb.corrections[ref].append((note, j.events[-1]))
        for group in fb.exemplars.values():
            group.sort(key=lambda e: (-e.score, e.id))
        return fb

    def __bool__(self) -> bool:
        return bool(self.review_ids)

    def summary(self) -> dict[str, int]:
        return {
            "read": len(self.review_ids),
            "exemplars": sum(len(v) for v in self.exemplars.values()),
            "steered_pairs": len(self.rejections),
            "corrected_entities": len(self.corrections),
        }

    def steer(self, item: PlanItem, ctx: Context, *, follows_instructions: bool) -> Steer:
        out = Steer()
        target = f"{item.target.kind}:{item.target.key}"
        scenario = scenario_of(item)
        rej = self.rejections.get((target, item.family, scenario))
        if rej is not None:
            for reason, n in rej.reasons.most_common():
                if n >= SKIP_AFTER or not follows_instructions:
                    out.skip = (
                        f"reviewers rejected {n} earlier {item.family} example(s) about "
                        f"{target} as {reason} ({', '.join(rej.reviews[reason][:4])})"
                    )
                    out.reviews = list(rej.reviews[reason])
                    return out
                text = INSTRUCTIONS[reason].format(family=item.family, target=item.target.key, version=item.version)
                notes = rej.notes[reason][-MAX_NOTES:]
                if notes:
                    text += " Their notes: " + " / ".join(f'"{n}"' for n in notes)
                out.notes.append(text)
                out.reviews += rej.reviews[reason]
        for ref, corrections in self._corrections_for(item, ctx):
            out.notes.append(
                f"Correction from expert review about {ref}: "
                + " / ".join(f'"{n}"' for n, _ in corrections[-MAX_NOTES:])
                + " Do not repeat that error."
            )
            out.reviews += [i for _, i in corrections]
        ex = next((e for e in self.exemplars.get((item.family, scenario), []) if e.target != target), None)
        if ex is not None:
            score = f", scored {ex.score:g}/10" if ex.score else ""
            out.notes.append(
                f"An example of this kind that expert reviewers accepted{score}. Match its depth, "
                "structure and tone; it is about another target, so take no facts from it:\n"
                f"<exemplar>\n{ex.render()}\n</exemplar>"
            )
            out.reviews += ex.reviews
        return out

    def _corrections_for(self, item: PlanItem, ctx: Context) -> list[tuple[str, list[tuple[str, str]]]]:
        if not self.corrections:
            return []
        refs = {f"{item.target.kind}:{item.target.key}", item.target.key}
        for f in ctx.facts:
            refs.update((f"{f.kind}:{f.entity}", f.entity))
        return [(ref, notes) for ref, notes in self.corrections.items() if ref in refs]
