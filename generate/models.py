"""The records a generation run passes around: facts, contexts, plan items, output lines."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, Field, PrivateAttr

from generate.code import CodeSnippet

Role = Literal["system", "user", "assistant"]


class Target(BaseModel):
    """What an example is about: a graph entity by kind and key (``Actor``/``ACTOR_EN_TITE``)."""

    kind: str
    key: str

    @property
    def name(self) -> str:
        """What code and prose call it: the key, but for a static global (``file:name``,
        ``kg.schema.global_id``) its name."""
        return self.key.rsplit(":", 1)[-1] if self.kind == "Global" else self.key

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


class Fact(BaseModel):
    """One statement from the graph, with a stable id and where it comes from."""

    id: str
    kind: str  # node kind of the entity the fact is about
    entity: str  # that entity's key (for GROUNDED_IN edges)
    text: str
    source: str = ""  # file:line in the decomp, or a data file
    data: dict[str, Any] = Field(default_factory=dict)
    priority: int = 0  # lower = more relevant; facts are rendered in this order

    def render(self) -> str:
        src = f" (source: {self.source})" if self.source else ""
        return f"[{self.id}] {self.text}{src}"


class Context(BaseModel):
    """The grounded facts for one target in one version, most relevant first, bounded."""

    target: Target
    version: str
    facts: list[Fact]
    truncated: int = 0  # facts left out to stay within the token bound
    code: list[CodeSnippet] = Field(default_factory=list)  # verbatim decomp code, ranked
    code_provenance: str = ""  # where the code was read from (see generate.code)

    def render(self, code_tokens: int | None = None) -> str:
        head = f"Target: {self.target.kind} {self.target.key} (game version {self.version})"
        text = head + "\n" + "\n".join(f.render() for f in self.facts)
        if self.code:
            from generate.code.section import budget

            shown = budget(self.code, code_tokens) if code_tokens else self.code
            text += (
                "\n\nCODE (verbatim from the decomp, each block with its id, role and "
                "file:lines; quote it with the same info string):\n" + "\n\n".join(s.render() for s in shown)
            )
        return text

    def code_of(self, *roles: str) -> list[CodeSnippet]:
        return [s for s in self.code if s.role in roles]

    def snippet(self, entity: str, *roles: str) -> CodeSnippet | None:
        return next((s for s in self.code if s.entity == entity and (not roles or s.role in roles)), None)

    def by_id(self) -> dict[str, Fact]:
        return {f.id: f for f in self.facts}

    def of(self, prefix: str) -> list[Fact]:
        """Facts whose id starts with ``prefix`` (e.g. ``sig:`` or ``field:``)."""
        return [f for f in self.facts if f.id.startswith(prefix)]

    def first(self, prefix: str) -> Fact | None:
        found = self.of(prefix)
        return found[0] if found else None


class PlanItem(BaseModel):
    """One unit of work, fully determined by the run configuration and its position."""

    id: str
    index: int
    target: Target
    family: str
    difficulty: int
    version: str
    concept_chain: list[str] = Field(default_factory=list)
    builds_on: list[str] = Field(default_factory=list)  # ids of earlier plan items (curricula)
    seed: int = 0
    scenario: str = ""  # the scenario's id in the family's catalogue
    persona: str = ""


class Message(BaseModel):
    role: Role
    content: str


class Usage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    requests: int = 0

    def add(self, other: Usage) -> Usage:
        return Usage(**{k: getattr(self, k) + getattr(other, k) for k in Usage.model_fields})


class ExampleMetadata(BaseModel):
    id: str
    family: str
    difficulty: int
    version: str
    target: str
    target_kind: str
    fact_ids: list[str]
    entities: list[str] = Field(default_factory=list)  # "Kind:key" the example is grounded in
    prerequisite_chain: list[str] = Field(default_factory=list)
    builds_on: list[str] = Field(default_factory=list)
    scenario: str = ""
    persona: str = ""
    domain: str = ""  # the seed domain of the scenario
    systems: list[str] = Field(default_factory=list)
    split: str = ""  # train | validation | test, by target entity
    has_code: bool = False  # quotes real decomp code or holds a code change
    code_provenance: str = ""
    generator: str  # "offline" or "anthropic"
    model: str
    usage: Usage = Field(default_factory=Usage)
    repaired: bool = False
    validation: dict[str, Any] = Field(default_factory=dict)
    ootkg_version: str
    ingest_run: str | None = None
    plan_index: int
    run_id: str
    created: str


class OutputRecord(BaseModel):
    """One line of the output JSONL: chat messages (Hugging Face ``messages`` form) + metadata."""

    messages: list[Message]
    metadata: ExampleMetadata
    _report: dict[str, Any] = PrivateAttr(default_factory=dict)

    def line(self) -> str:
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=False)


class RejectRecord(BaseModel):
    id: str
    plan_index: int
    family: str
    difficulty: int
    target: str
    version: str
    reason: str  # validation | parse | duplicate | llm_error | truncated
    detail: str = ""
    validation: dict[str, Any] = Field(default_factory=dict)
    messages: list[Message] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    generator: str = ""
    model: str = ""
    duplicate_of: str | None = None


def stable_hash(*parts: Any, length: int = 16) -> str:
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:length]
