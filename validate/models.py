"""The validator's boundary models: examples in, reports out (shared with generation).

An example is one JSON object per line::

    {"id": "...", "messages": [{"role": "user", "content": "..."}], "metadata": {"version": ...}}

A report says, per example, which levels passed and every issue found, each with
a stable ``code`` (declared in ``validate.rules``) a tool can match on.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "user", "assistant"]
    content: str


class Example(BaseModel):
    """One training example. ``id`` falls back to ``metadata.id`` (generation's layout)."""

    model_config = ConfigDict(extra="allow")

    id: str = ""
    messages: list[Message] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _id_from_metadata(self) -> Example:
        if not self.id and isinstance(self.metadata.get("id"), str):
            self.id = self.metadata["id"]
        return self

    @property
    def version(self) -> str | None:
        v = self.metadata.get("version")
        return v if isinstance(v, str) and v else None


class Severity(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"


class Issue(BaseModel):
    code: str = Field(description="stable issue code, e.g. unknown-function")
    level: int = Field(ge=1, le=4, description="1 compiles, 2 true of OoT, 3 performance, 4 style")
    severity: Severity = Severity.error
    symbol: str | None = None
    message: str
    message_index: int | None = Field(default=None, description="index into messages; None for bare code")
    line: int | None = Field(default=None, description="line within the code block (1-based)")
    block: int | None = Field(default=None, description="code block index within the message")
    suggestions: list[str] = Field(default_factory=list, description="did-you-mean names")


class Checked(BaseModel):
    functions: int = 0
    fields: int = 0
    ids: int = 0
    addresses: int = 0
    relations: int = 0
    code_blocks: int = 0
    unchecked: int = Field(default=0, description="claims found that the graph has no fact for (never reported wrong)")


LevelStatus = Literal["passed", "failed", "skipped", "not-applicable"]


class ValidationReport(BaseModel):
    id: str = ""
    ok: bool = True
    version: str
    level_reached: int = Field(
        default=0,
        ge=0,
        le=4,
        description="highest N such that levels 1..N all passed (or had nothing to check); "
        "a skipped level stops the count",
    )
    issues: list[Issue] = Field(default_factory=list)
    checked: Checked = Field(default_factory=Checked)
    levels: dict[int, LevelStatus] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)

    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.error]

    def codes(self) -> set[str]:
        return {i.code for i in self.issues}
