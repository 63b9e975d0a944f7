"""What a review is: one event a reviewer submits about one example of one run.

Events are appended to the run's reviews JSONL (``review.journal``) and never changed.
A reviewer's current judgement of an example is the fold of their events
(``review.state``): the last verdict and the last score win; edits accumulate as
revisions, the run's own line (the original) is never touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

# The fixed rejection taxonomy: slug -> what a reviewer reads. Order is the keyboard order.
REASONS: dict[str, str] = {
    "factually-wrong": "Factually wrong",
    "ungrounded": "Ungrounded: claims the facts do not support",
    "unhelpful": "Unhelpful: does not answer the question",
    "unrealistic-question": "Unrealistic question",
    "wrong-version": "Wrong for the version",
    "unsafe-code": "Unsafe or non-idiomatic code",
    "duplicate": "Duplicate",
}

Action = Literal["accept", "reject", "edit", "score"]
Verdict = Literal["accept", "reject"]

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")
MAX_NOTE = 4000
MAX_CONTENT = 60_000


class ReviewError(ValueError):
    """A review that cannot be recorded; the message says what to change."""


class ReviewInput(BaseModel):
    """What a reviewer submits (form or JSON). Who and when are added by the server."""

    example: str = Field(min_length=1, max_length=200)
    action: Action
    reason: str | None = None
    note: str = Field(default="", max_length=MAX_NOTE)
    score: int | None = Field(default=None, ge=1, le=10)
    entities: list[str] = Field(default_factory=list, max_length=50)
    message_index: int | None = Field(default=None, ge=0, le=200)
    content: str | None = Field(default=None, max_length=MAX_CONTENT)

    @field_validator("reason", mode="before")
    @classmethod
    def _blank_reason(cls, v: Any) -> Any:
        return None if v in ("", None) else v

    @field_validator("entities", mode="before")
    @classmethod
    def _entities(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = [v]
        return [e.strip() for e in (v or []) if isinstance(e, str) and e.strip()]

    @model_validator(mode="after")
    def _consistent(self) -> ReviewInput:
        if self.action == "reject":
            if self.reason not in REASONS:
                raise ValueError(f"a rejection needs a reason, one of {', '.join(REASONS)}")
        elif self.reason is not None:
            raise ValueError(f"only a rejection has a reason (this is {self.action!r})")
        if self.action == "score" and self.score is None:
            raise ValueError("a score action needs a score from 1 to 10")
        if self.action == "edit":
            if self.message_index is None or self.content is None or not self.content.strip():
                raise ValueError("an edit needs message_index and the new, non-empty content")
        elif self.content is not None or self.message_index is not None:
            raise ValueError("message_index and content belong to an edit")
        if self.entities and self.reason != "factually-wrong":
            raise ValueError("entities are named only for a 'factually-wrong' rejection")
        return self


class ReviewEvent(ReviewInput):
    """One line of the reviews JSONL."""

    id: str
    run: str  # the run file's name (the reviews file sits next to it)
    reviewer: str
    created: str  # ISO 8601 UTC, microseconds: orders one reviewer's events
    example_sha: str  # hash of the example's messages as the reviewer saw them
    revision: int | None = None  # edits: 1, 2, ... per example


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def messages_sha(messages: list[dict[str, Any]]) -> str:
    text = json.dumps([[m.get("role"), m.get("content")] for m in messages], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def event_id(example: str, reviewer: str, created: str, action: str) -> str:
    digest = hashlib.sha256(f"{example}|{reviewer}|{created}|{action}".encode()).hexdigest()
    return "rv-" + digest[:16]


def entity_ref(text: str) -> str:
    """``Kind:key`` as written, or a bare name (resolved against the graph on sync)."""
    return text.strip()
