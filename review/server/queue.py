"""The review queue: the run's examples filtered by family, difficulty, target, version,
judge score, validator issue code and review status, in the run's order."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlencode

from pydantic import BaseModel, Field, field_validator

from review.dataset import RunData
from review.judge.rubric import JudgeScore
from review.live import LiveReviews

Status = Literal["todo", "all", "unreviewed", "accepted", "rejected", "disputed"]
PAGE = 50


class Filters(BaseModel):
    family: str = Field(default="", max_length=100)
    difficulty: int | None = Field(default=None, ge=1, le=4)
    target: str = Field(default="", max_length=200)
    version: str = Field(default="", max_length=64)
    issue: str = Field(default="", max_length=100)
    judge: str = Field(default="", max_length=100)
    min_score: float | None = Field(default=None, ge=0, le=10)
    max_score: float | None = Field(default=None, ge=0, le=10)
    status: Status = "todo"
    page: int = Field(default=1, ge=1, le=100_000)

    @field_validator("difficulty", "min_score", "max_score", mode="before")
    @classmethod
    def _blank(cls, v: object) -> object:
        return None if v == "" else v

    def query(self, **override: object) -> str:
        data = {**self.model_dump(), **override}
        keep = {
            k: v
            for k, v in data.items()
            if v not in (None, "") and not (k == "status" and v == "todo") and not (k == "page" and v == 1)
        }
        return urlencode(keep)


def select(run: RunData, live: LiveReviews, scores: dict[str, JudgeScore], f: Filters, me: str) -> list[str]:
    ids = _matching(run, scores, f)
    return list(ids) if f.status == "all" else _with_status(ids, live, f.status, me)


def _matching(run: RunData, scores: dict[str, JudgeScore], f: Filters) -> list[str]:
    """The run's examples (in order) that pass the filters on what they are about."""
    ids = run.order
    summ = run.summaries
    if f.family:
        ids = [i for i in ids if summ[i].family == f.family]
    if f.difficulty:
        ids = [i for i in ids if summ[i].difficulty == f.difficulty]
    if f.version:
        ids = [i for i in ids if summ[i].version == f.version]
    if f.target:
        t = f.target.lower()
        ids = [i for i in ids if t in summ[i].target.lower()]
    if f.issue:
        ids = [i for i in ids if f.issue in summ[i].issue_codes]
    if f.min_score is not None or f.max_score is not None:
        lo = f.min_score if f.min_score is not None else -1.0
        hi = f.max_score if f.max_score is not None else 99.0
        ids = [i for i in ids if i in scores and lo <= scores[i].score <= hi]
    return ids


def _with_status(ids: list[str], live: LiveReviews, status: str, me: str) -> list[str]:
    """Those of ``ids`` whose reviews are in ``status`` (todo: not yet judged by ``me``)."""
    reviewed = live.by_example
    if status == "todo":
        mine = {i for i, ex in reviewed.items() if (j := ex.judgements.get(me)) is not None and j.verdict}
        return [i for i in ids if i not in mine]
    if status == "unreviewed":
        return [i for i in ids if i not in reviewed or not reviewed[i].verdicts()]
    if status == "disputed":
        return [i for i in ids if i in reviewed and len(set(reviewed[i].verdicts())) > 1]
    want = {"accepted": "accept", "rejected": "reject"}[status]
    return [i for i in ids if i in reviewed and reviewed[i].verdict() == want]
