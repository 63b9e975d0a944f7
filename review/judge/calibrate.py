"""``ootkg judge calibrate``: how well a judge agrees with the human reviews, and the
threshold to use.

For every reviewed example with a judge score: Spearman between the judge's score and
the reviewers' mean score; precision and recall of "the judge's score >= t" as a
prediction of the reviewers' accept, for every t; the smallest t whose precision
reaches the target (the most examples kept at that precision). The calibration map is
an isotonic (monotone) fit of human score on judge score, so a calibrated score reads
as "the score reviewers would likely give": ``generate --min-quality 8`` keeps what
the calibrated judge puts at 8 or more.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from pydantic import BaseModel, Field

from review.agreement import auc, spearman
from review.home import Home
from review.models import now_iso


class ThresholdRow(BaseModel):
    threshold: float
    kept: int
    precision: float | None
    recall: float | None


class JudgeCalibration(BaseModel):
    judge: str
    n_scored: int = 0  # examples with a human score
    n_verdict: int = 0  # examples with a human verdict
    spearman: float | None = None
    auc_accept: float | None = None
    target_precision: float = 0.95
    threshold: float | None = None  # raw judge score
    threshold_calibrated: float | None = None
    precision_at: float | None = None
    recall_at: float | None = None
    table: list[ThresholdRow] = Field(default_factory=list)
    points: list[tuple[float, float]] = Field(default_factory=list)  # raw -> human (isotonic)
    created: str = ""


class Calibration:
    """A stored calibration, applied: raw judge score -> predicted human score."""

    def __init__(self, data: JudgeCalibration) -> None:
        self.data = data
        self.xs = [p[0] for p in data.points]
        self.ys = [p[1] for p in data.points]

    @classmethod
    def load(cls, home: Home, judge: str) -> Calibration | None:
        raw = home.read_calibration().get(judge)
        if not raw:
            return None
        data = JudgeCalibration.model_validate(raw)
        return cls(data) if data.points else None

    def apply(self, raw: float) -> float:
        xs, ys = self.xs, self.ys
        if len(xs) == 1 or raw <= xs[0]:
            return round(ys[0], 2)
        if raw >= xs[-1]:
            return round(ys[-1], 2)
        i = bisect.bisect_right(xs, raw)
        x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
        return round(y0 + (y1 - y0) * (raw - x0) / (x1 - x0), 2)


def isotonic(x: Sequence[float], y: Sequence[float]) -> list[tuple[float, float]]:
    """Pool-adjacent-violators: non-decreasing block means of y in order of x; one point per
    block (its mean x, its mean y)."""
    pairs = sorted(zip(x, y, strict=True))
    blocks: list[list[float]] = []  # [sum_x, sum_y, n]
    for a, b in pairs:
        blocks.append([a, b, 1])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] > blocks[-1][1] / blocks[-1][2]:
            last = blocks.pop()
            for k in range(3):
                blocks[-1][k] += last[k]
    return [(round(sx / n, 4), round(sy / n, 4)) for sx, sy, n in blocks]


def calibrate(
    judge: str, scored: list[tuple[float, float]], verdicts: list[tuple[float, bool]], *, target_precision: float = 0.95
) -> JudgeCalibration:
    """``scored``: (judge score, human mean score); ``verdicts``: (judge score, accepted)."""
    c = JudgeCalibration(
        judge=judge, n_scored=len(scored), n_verdict=len(verdicts), target_precision=target_precision, created=now_iso()
    )
    if len(scored) >= 2:
        c.spearman = _r(spearman([a for a, _ in scored], [b for _, b in scored]))
        c.points = isotonic([a for a, _ in scored], [b for _, b in scored])
    if verdicts:
        c.auc_accept = _r(auc([s for s, _ in verdicts], [ok for _, ok in verdicts]))
        positives = sum(ok for _, ok in verdicts)
        for t in sorted({round(s, 2) for s, _ in verdicts}):
            kept = [ok for s, ok in verdicts if s >= t]
            tp = sum(kept)
            c.table.append(
                ThresholdRow(
                    threshold=t,
                    kept=len(kept),
                    precision=_r(tp / len(kept)) if kept else None,
                    recall=_r(tp / positives) if positives else None,
                )
            )
        for row in c.table:
            if row.precision is not None and row.precision >= target_precision:
                c.threshold, c.precision_at, c.recall_at = row.threshold, row.precision, row.recall
                break
        if c.threshold is not None and c.points:
            c.threshold_calibrated = Calibration(c).apply(c.threshold)
    return c


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)
