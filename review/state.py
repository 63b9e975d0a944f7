"""What the reviews say now: each reviewer's judgement of each example, and the edits.

A reviewer's last verdict (accept/reject) and last score count; an earlier one is
history. An example's verdict over several reviewers follows a policy: ``majority``
(default; a tie is not accepted), ``unanimous`` or ``any``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from review.journal import Journal, reviews_path
from review.models import ReviewEvent

Policy = Literal["majority", "unanimous", "any"]


@dataclass
class Judgement:
    """One reviewer's current view of one example."""

    reviewer: str
    verdict: str | None = None  # accept | reject
    reason: str | None = None
    note: str = ""
    entities: list[str] = field(default_factory=list)
    score: int | None = None
    updated: str = ""
    events: list[str] = field(default_factory=list)  # ids, oldest first


@dataclass
class ExampleReviews:
    example: str
    judgements: dict[str, Judgement] = field(default_factory=dict)
    edits: list[ReviewEvent] = field(default_factory=list)  # oldest first

    def verdicts(self) -> list[str]:
        return [j.verdict for j in self.judgements.values() if j.verdict]

    def verdict(self, policy: Policy = "majority") -> str | None:
        """accept / reject over the reviewers who gave a verdict; None when nobody did."""
        v = self.verdicts()
        if not v:
            return None
        yes = v.count("accept")
        if policy == "unanimous":
            return "accept" if yes == len(v) else "reject"
        if policy == "any":
            return "accept" if yes else "reject"
        return "accept" if yes * 2 > len(v) else "reject"

    def scores(self) -> list[int]:
        return [j.score for j in self.judgements.values() if j.score is not None]

    def mean_score(self) -> float | None:
        s = self.scores()
        return sum(s) / len(s) if s else None

    def reasons(self) -> list[str]:
        return [j.reason for j in self.judgements.values() if j.verdict == "reject" and j.reason]

    def revision(self) -> int:
        return len(self.edits)

    def edited_messages(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The conversation with every edit applied in order (the latest wins per message)."""
        out = copy.deepcopy(messages)
        for e in self.edits:
            if e.message_index is not None and e.message_index < len(out):
                out[e.message_index]["content"] = e.content
        return out

    def event_ids(self) -> list[str]:
        ids = [i for j in self.judgements.values() for i in j.events]
        return ids + [e.id for e in self.edits]


def fold(events: Iterable[ReviewEvent]) -> dict[str, ExampleReviews]:
    out: dict[str, ExampleReviews] = {}
    for e in sorted(events, key=lambda e: e.created):
        ex = out.setdefault(e.example, ExampleReviews(e.example))
        if e.action == "edit":
            ex.edits.append(e)
            continue
        j = ex.judgements.setdefault(e.reviewer, Judgement(e.reviewer))
        j.events.append(e.id)
        j.updated = e.created
        if e.action in ("accept", "reject"):
            j.verdict = e.action
            j.reason, j.note, j.entities = e.reason, e.note, list(e.entities)
        elif e.note:
            j.note = e.note
        if e.score is not None:
            j.score = e.score
    return out


def load_events(run: Path, *, only: set[str] | None = None) -> list[ReviewEvent]:
    """The run's review events (``only``: just these ids)."""
    out = []
    for row in Journal(reviews_path(run)).read():
        try:
            ev = ReviewEvent.model_validate(row)
        except ValueError:
            continue
        if only is None or ev.id in only:
            out.append(ev)
    return out
