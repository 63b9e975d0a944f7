"""The offline client: examples built from the graph's facts alone, by the family templates.

No network, no key. Its output goes through the same parser and validator as a
model's, and every example it writes says ``generator: offline`` in its metadata.
"""

from __future__ import annotations

from generate.families import get_family
from generate.families.base import render_output
from generate.llm.base import LLMClient, LLMRequest, LLMResponse, item_rng
from generate.models import Usage


class NoOfflineExample(Exception):
    """The facts in the context do not support this family's template."""


class OfflineClient(LLMClient):
    generator = "offline"
    model = "ootkg-offline-templates"
    concurrent = False
    repairs = False

    def complete(self, request: LLMRequest) -> LLMResponse:
        from generate.offline import build

        family = get_family(request.item.family)
        draft = None
        if request.scenario is not None:
            draft = build(
                request.context,
                request.scenario,
                request.item.difficulty,
                request.item.persona,
                item_rng(request.item),
                request.evidence,
                request.lookup or (lambda name: None),
                request.extra,
            )
        if draft is None:
            raise NoOfflineExample(
                f"the facts about {request.item.target} do not support the {family.name} "
                f"scenario {request.item.scenario or '(none)'}"
            )
        self.last_meta = draft.meta
        return LLMResponse(
            text=render_output(draft.messages, draft.fact_ids()),
            stop_reason="end_turn",
            usage=Usage(),
            model=self.model,
            meta=draft.meta,
        )
