"""``ootkg review stats``: how accurate the runs are by human judgement, and how far the
reviewers agree with each other.

Accuracy is accepted / reviewed (examples with a verdict, several reviewers folded by
the policy); the plan's goals read off it directly (">95% technical accuracy on
expert review", "average quality > 8.0/10").
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from pathlib import Path

from pydantic import BaseModel, Field

from review.agreement import cohen_kappa, fleiss_kappa, krippendorff_alpha
from review.dataset import RunData
from review.state import ExampleReviews, Policy, fold, load_events


class Rate(BaseModel):
    group: str  # family | generator | model | difficulty | run
    value: str
    reviewed: int = 0
    accepted: int = 0
    accuracy: float | None = None
    mean_score: float | None = None


class PairAgreement(BaseModel):
    a: str
    b: str
    items: int
    kappa: float | None


class Agreement(BaseModel):
    items_with_several: int = 0
    cohen: list[PairAgreement] = Field(default_factory=list)
    fleiss_verdict: float | None = None
    alpha_verdict: float | None = None
    alpha_reason: float | None = None
    alpha_score: float | None = None


class ReviewStats(BaseModel):
    runs: list[str] = Field(default_factory=list)
    policy: str = "majority"
    examples: int = 0
    reviewed: int = 0
    accepted: int = 0
    rejected: int = 0
    accuracy: float | None = None
    scored: int = 0
    mean_score: float | None = None
    share_score_8_plus: float | None = None
    events: int = 0
    edited: int = 0
    reviewers: dict[str, int] = Field(default_factory=dict)
    reasons: dict[str, int] = Field(default_factory=dict)
    by: list[Rate] = Field(default_factory=list)
    agreement: Agreement = Field(default_factory=Agreement)


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def compute(runs: list[Path], policy: Policy = "majority") -> ReviewStats:
    s = ReviewStats(runs=[str(r) for r in runs], policy=policy)
    groups: dict[tuple[str, str], list[ExampleReviews]] = defaultdict(list)
    everything: list[ExampleReviews] = []
    all_scores: list[int] = []
    for run in runs:
        data = RunData(run)
        s.examples += len(data)
        events = load_events(run)
        s.events += len(events)
        for e in events:
            s.reviewers[e.reviewer] = s.reviewers.get(e.reviewer, 0) + 1
        for ex_id, ex in fold(events).items():
            summ = data.summaries.get(ex_id)
            if summ is None:
                continue  # a review of an example no longer in the run
            everything.append(ex)
            s.edited += int(bool(ex.edits))
            all_scores += ex.scores()
            for key, value in (
                ("family", summ.family),
                ("generator", summ.generator),
                ("model", summ.model),
                ("difficulty", str(summ.difficulty)),
                ("run", run.name),
            ):
                groups[(key, value)].append(ex)
    for ex in everything:
        v = ex.verdict(policy)
        if v is None:
            continue
        s.reviewed += 1
        s.accepted += v == "accept"
        s.rejected += v == "reject"
        for reason in ex.reasons():
            s.reasons[reason] = s.reasons.get(reason, 0) + 1
    s.accuracy = _r(s.accepted / s.reviewed) if s.reviewed else None
    s.scored = len(all_scores)
    if all_scores:
        s.mean_score = _r(sum(all_scores) / len(all_scores))
        s.share_score_8_plus = _r(sum(x >= 8 for x in all_scores) / len(all_scores))
    for (key, value), exs in sorted(groups.items()):
        verdicts = [v for v in (e.verdict(policy) for e in exs) if v]
        scores = [x for e in exs for x in e.scores()]
        acc = verdicts.count("accept")
        s.by.append(
            Rate(
                group=key,
                value=value,
                reviewed=len(verdicts),
                accepted=acc,
                accuracy=_r(acc / len(verdicts)) if verdicts else None,
                mean_score=_r(sum(scores) / len(scores)) if scores else None,
            )
        )
    s.agreement = agreement(everything)
    return s


def agreement(examples: list[ExampleReviews]) -> Agreement:
    out = Agreement()
    verdict_units, reason_units, score_units = [], [], []
    by_pair: dict[tuple[str, str], tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for ex in examples:
        js = [j for j in ex.judgements.values() if j.verdict]
        if len(js) >= 2:
            out.items_with_several += 1
        verdict_units.append([j.verdict for j in js])
        # a reason is the verdict made finer: "accept" is its own category
        reason_units.append([j.reason if j.verdict == "reject" else "accept" for j in js])
        score_units.append([j.score for j in ex.judgements.values() if j.score is not None])
        for a, b in combinations(sorted(js, key=lambda j: j.reviewer), 2):
            assert a.verdict and b.verdict  # js holds the judgements with a verdict
            pair = by_pair[(a.reviewer, b.reviewer)]
            pair[0].append(a.verdict)
            pair[1].append(b.verdict)
    out.cohen = [
        PairAgreement(a=a, b=b, items=len(x), kappa=_r(cohen_kappa(x, y))) for (a, b), (x, y) in sorted(by_pair.items())
    ]
    out.fleiss_verdict = _r(fleiss_kappa(verdict_units))
    out.alpha_verdict = _r(krippendorff_alpha(verdict_units, "nominal"))
    out.alpha_reason = _r(krippendorff_alpha(reason_units, "nominal"))
    out.alpha_score = _r(krippendorff_alpha(score_units, "interval"))
    return out
