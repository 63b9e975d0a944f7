"""The client interface the generation loop drives, and the request/response records."""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from generate.models import Context, Message, PlanItem, Usage


class LLMError(RuntimeError):
    """A request that failed for good (retries exhausted, refused, unparseable response)."""


class BudgetExhausted(RuntimeError):
    """The next request could cost more than what is left of the budget."""


@dataclass
class LLMRequest:
    item: PlanItem
    context: Context
    system: str
    instruction: str
    max_tokens: int
    history: list[Message] = field(default_factory=list)  # repair turns after the first answer
    attempt: int = 0
    family_text: str = ""  # stable per family: cached after the system prompt
    scenario: Any = None  # generate.scenario.Scenario
    evidence: list[Any] = field(default_factory=list)  # (Evidence, CodeSnippet)
    lookup: Any = None  # name -> signature Fact (offline recipes)
    code_tokens: int = 2400
    extra: dict[str, str] = field(default_factory=dict)  # recipe values (versions built...)

    def context_text(self) -> str:
        """The target's facts and code: stable across the items of one target group."""
        return "FACTS (each with its id and source):\n" + self.context.render(self.code_tokens)

    def blocks(self) -> list[tuple[str, bool]]:
        """The user turn's parts, stable first; True marks a cache breakpoint after it."""
        return [(self.family_text, True), (self.context_text(), True), (self.instruction, False)]

    def size_bytes(self) -> int:
        parts = [
            self.system,
            self.family_text,
            self.context_text(),
            self.instruction,
            *(m.content for m in self.history),
        ]
        return sum(len(p.encode()) for p in parts) + 16 * (3 + len(self.history))


@dataclass
class LLMResponse:
    text: str
    stop_reason: str
    usage: Usage
    model: str
    meta: dict[str, Any] = field(default_factory=dict)  # the offline recipe's scenario data


class LLMClient(ABC):
    generator: str = ""
    model: str = ""
    concurrent: bool = False  # worth calling from worker threads
    repairs: bool = True  # sending a validation report back can fix the answer

    @abstractmethod
    def complete(self, request: LLMRequest) -> LLMResponse: ...

    def worst_case_cost(self, request: LLMRequest) -> float:
        return 0.0

    def close(self) -> None:
        return None


def item_rng(item: PlanItem, attempt: int = 0) -> random.Random:
    return random.Random(f"{item.seed}:{item.id}:{attempt}")
