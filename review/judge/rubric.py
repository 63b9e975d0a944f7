"""The one quality rubric every judge scores against (offline features and the LLM alike),
and what a judge writes: a score from 1 to 10 per dimension and overall.

The overall score is the weighted mean of the dimensions, but never more than three
points above the worst one: an example is only as good as its worst dimension allows
(a fluent, well-grounded answer to an unrealistic question is still a bad example).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

DIMENSIONS: dict[str, str] = {
    "correctness": "Every technical claim (names, signatures, offsets, sizes, ids, addresses, "
    "versions) is true of the decomp for the example's game version.",
    "grounding": "Claims rest on the facts the example cites (its fact ids), not on memory; "
    "nothing is asserted that the facts do not support.",
    "answers_question": "The assistant answers what the user asked, directly and completely, "
    "instead of deflecting or answering something else.",
    "question_realism": "The user's question is one a person modding OoT would really ask: "
    "about this target, specific, in a modder's words.",
    "depth": "Depth fits the difficulty: 1 one or two facts, 2 several combined, 3 "
    "version-specific or cross-file reasoning, 4 a multi-step task with working code "
    "and how to verify it.",
    "idiomatic_code": "Code (if any) uses the decomp's types and conventions (s16/u32/f32, "
    "Actor*/PlayState*, this/thisx/play), calls real functions correctly, "
    "and does nothing unsafe (raw RAM addresses, libc allocation, printf).",
}
WEIGHTS: dict[str, float] = {
    "correctness": 0.30,
    "grounding": 0.20,
    "answers_question": 0.15,
    "question_realism": 0.10,
    "depth": 0.10,
    "idiomatic_code": 0.15,
}
CAP_ABOVE_WORST = 3.0


class JudgeScore(BaseModel):
    """One judge's verdict on one example (a line of the ``<run>.judge.jsonl`` sidecar)."""

    id: str
    judge: str  # "offline-v1", "anthropic:<model>"
    score: float = Field(ge=1, le=10)
    dimensions: dict[str, float]
    flags: list[str] = Field(default_factory=list)  # what lowered it, for the reviewer
    sha: str = ""  # the example's messages hash when judged
    created: str = ""
    cost_usd: float = 0.0


def overall(dims: dict[str, float]) -> float:
    """1..10 from dimension scores on 1..10 (missing dimensions count at their weight's
    share of the others)."""
    present = {k: v for k, v in dims.items() if k in WEIGHTS}
    if not present:
        return 1.0
    total_w = sum(WEIGHTS[k] for k in present)
    mean = sum(WEIGHTS[k] * v for k, v in present.items()) / total_w
    capped = min(mean, min(present.values()) + CAP_ABOVE_WORST)
    return round(max(1.0, min(10.0, capped)), 2)


def scale(x: float) -> float:
    """0..1 -> 1..10."""
    return round(1.0 + 9.0 * max(0.0, min(1.0, x)), 2)


def rubric_text() -> str:
    return "\n".join(f"- {k}: {v}" for k, v in DIMENSIONS.items())
