"""Generation's side of review and judging: the facts an example rests on (rebuilt from the
graph with the same context builder that generated it), and the quality gate that
``ootkg generate --min-quality`` puts before the output.

``review/`` sits below ``generate/`` and cannot build contexts itself; it takes a
``metadata -> facts`` function, which this module makes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generate.context import TARGET_KINDS, ContextBuilder
from generate.models import Context, Fact, Target
from review.home import Home
from review.judge.calibrate import Calibration
from review.judge.offline import OfflineJudge
from review.judge.rubric import JudgeScore

log = logging.getLogger(__name__)


def fact_lookup(store: Any, *, max_tokens: int = 2400) -> Callable[[dict[str, Any]], list[Fact] | None]:
    """``metadata -> the target's context facts`` (None when the graph cannot build it).
    Thread-safe: the review server calls it from request threads."""
    builder = ContextBuilder(store, max_tokens=max_tokens)
    lock = threading.Lock()

    def lookup(meta: dict[str, Any]) -> list[Fact] | None:
        kind, key, version = meta.get("target_kind"), meta.get("target"), meta.get("version")
        if kind not in TARGET_KINDS or not key or not version:
            return None
        try:
            with lock:
                return builder.build(Target(kind=kind, key=str(key)), version).facts
        except Exception as e:  # noqa: BLE001 - a graph that lacks the target: no facts shown
            log.info("no context for %s:%s@%s (%s)", kind, key, version, e)
            return None

    return lookup


class QualityGate:
    """Scores each accepted example with the offline judge, mapped through the calibration
    ``ootkg judge calibrate`` stored (the predicted human score); below ``minimum`` the
    example is rejected with reason ``quality``."""

    def __init__(self, minimum: float, home: Path | None) -> None:
        self.minimum = minimum
        self.judge = OfflineJudge(novelty=False)  # the run's own dedup handles duplicates
        self.calibration = Calibration.load(Home(home), self.judge.name) if home else None
        if self.calibration is None:
            log.warning("no calibration for %s: --min-quality compares its raw score", self.judge.name)

    @property
    def calibrated(self) -> bool:
        return self.calibration is not None

    def score(self, record: Any, context: Context) -> JudgeScore:
        row = record.model_dump(mode="json")
        full = getattr(record, "_report", None)  # the line keeps a slim report
        if full:
            row["metadata"]["validation"] = full
        s = self.judge.score(row, facts=context.facts)
        if self.calibration is not None:
            s.flags.append(f"raw {s.score:.2f}")
            s.score = self.calibration.apply(s.score)
        return s

    def passes(self, score: JudgeScore) -> bool:
        return score.score >= self.minimum
