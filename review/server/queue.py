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
    family: str = Field("", max_length=100)
    difficulty: int | None = Field(None, ge=1, le=4)
    target: str = Field("", max_length=200)
    version: str = Field("", max_length=64)
    issue: str = Field("", max_length=100)
    judge: str = Field("", max_length=100)
    min_score: float | None = Field(None, ge=0, le=10)
    max_score: float | None = Field(None, ge=0, le=10)
    status: Status = "todo"
    page: int = Field(1, ge=1, le=100_000)

    @field_validator("difficulty", "min_score", "max_score", mode="before")
    @classmethod
    def _blank(cls, v: object) -> object:
        return None if v == "" else v

    def query(self, **override: object) -> str:
        data = {**self.model_dump(), **override}
        keep = {k: v for k, v in data.items()
                if v not in (None, "") and not (k == "status" and v == "todo")
                and not (k == "page" and v == 1)}
        return urlencode(keep)


def select(run: RunData, live: LiveReviews, scores: dict[str, JudgeScore], f: Filters,
           me: str) -> list[str]:
    target = f.target.lower()
    out = []
    for ex_id in run.order:
        s = run.summaries[ex_id]
        if f.family and s.family != f.family:
            continue
        if f.difficulty and s.difficulty != f.difficulty:
            continue
        if f.version and s.version != f.version:
            continue
        if target and target not in s.target.lower():
            continue
        if f.issue and f.issue not in s.issue_codes:
            continue
        if f.min_score is not None or f.max_score is not None:
            js = scores.get(ex_id)
            if js is None:
                continue
            if f.min_score is not None and js.score < f.min_score:
                continue
            if f.max_score is not None and js.score > f.max_score:
                continue
        if f.status != "all":
            ex = live.by_example.get(ex_id)
            verdicts = ex.verdicts() if ex else []
            if f.status == "todo":
                if ex and ex.judgements.get(me) and ex.judgements[me].verdict:
                    continue
            elif f.status == "unreviewed":
                if verdicts:
                    continue
            elif f.status == "disputed":
                if len(set(verdicts)) < 2:
                    continue
            else:
                want = {"accepted": "accept", "rejected": "reject"}[f.status]
                if not ex or ex.verdict() != want:
                    continue
        out.append(ex_id)
    return out
