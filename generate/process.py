"""One plan item's way through the loop: request, parse, validate, repair once, decide."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Any

from generate.families import get_family
from generate.families.base import SYSTEM_PROMPT, ParseError
from generate.llm.base import LLMRequest, LLMResponse
from generate.models import (
    Context,
    ExampleMetadata,
    Message,
    OutputRecord,
    PlanItem,
    RejectRecord,
    Usage,
)

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


@dataclass
class Job:
    item: PlanItem
    context: Context
    request: LLMRequest
    usage: Usage = field(default_factory=Usage)
    repaired: bool = False
    last_text: str = ""
    reservation: float = 0.0


@dataclass
class Outcome:
    """What became of a job: an accepted record, a reject, or a repair request to send."""

    record: OutputRecord | None = None
    reject: RejectRecord | None = None
    repair: LLMRequest | None = None


class Processor:
    def __init__(
        self,
        validator: Any,
        *,
        generator: str,
        model: str,
        ootkg_version: str,
        ingest_run: str | None,
        run_id: str,
        max_tokens: int,
        contexts: Any = None,
        code_tokens: int = 2400,
    ) -> None:
        self.validator = validator
        self.contexts = contexts
        self.code_tokens = code_tokens
        self._pickers: dict[str, Any] = {}
        self.generator = generator
        self.model = model
        self.ootkg_version = ootkg_version
        self.ingest_run = ingest_run
        self.run_id = run_id
        self.max_tokens = max_tokens

    def picker(self, version: str) -> Any:
        if self.contexts is None:
            return None
        if version not in self._pickers:
            from generate.scenario_pick import ScenarioPicker

            self._pickers[version] = ScenarioPicker(self.contexts, version)
        return self._pickers[version]

    def request(self, item: PlanItem, ctx: Context, notes: list[str] | None = None) -> LLMRequest:
        """``notes``: what expert review says about this kind of item (``generate.feedback``)."""
        from generate.prompting import family_text, scenario_instruction

        family = get_family(item.family)
        picker = self.picker(item.version)
        scenario = family.scenario(item.scenario) if item.scenario else None
        if scenario is None and picker is not None:  # curricula: the first that fits
            from generate.plan import TargetRow

            fit = picker.fitting(item.family, TargetRow(kind=item.target.kind, key=item.target.key))
            scenario = fit[0] if fit else None
            if scenario is not None:
                item.scenario = scenario.id
                item.persona = item.persona or "modder"
        evidence = (picker.evidence(scenario) or []) if picker is not None and scenario else []
        instruction = scenario_instruction(item, ctx, scenario, evidence)
        if item.concept_chain:
            instruction += (
                "\nThe learner already knows these concepts (build on them, do not "
                "re-explain them): " + ", ".join(item.concept_chain) + "."
            )
        if notes:
            instruction += "\n\n" + "\n\n".join(notes)
        return LLMRequest(
            item=item,
            context=ctx,
            system=SYSTEM_PROMPT,
            instruction=instruction,
            max_tokens=self.max_tokens,
            family_text=family_text(family),
            scenario=scenario,
            evidence=evidence,
            lookup=self._lookup(item.version),
            code_tokens=self.code_tokens,
            extra=self._extra(),
        )

    def _lookup(self, version: str) -> Any:
        if self.contexts is None:
            return lambda name: None

        def find(name: str) -> Any:
            facts = self.contexts.function_facts(name, version, deep=False)
            return next((f for f in facts if f.id.startswith("sig:")), None)

        return find

    def _extra(self) -> dict[str, str]:
        if self.contexts is None:
            return {}
        ingested, built = self.contexts.versions()
        return {"_built": str(len(built)), "_ingested": ",".join(ingested)}

    def advance(self, job: Job, resp: LLMResponse, *, can_repair: bool) -> Outcome:
        job.usage = job.usage.add(resp.usage)
        job.last_text = resp.text
        family = get_family(job.item.family)
        try:
            parsed = family.parse(resp.text)
        except ParseError as e:
            detail = str(e)
            if resp.stop_reason == "max_tokens":
                detail = f"the answer was cut off at max_tokens ({detail})"
            if can_repair and not job.repaired:
                return Outcome(
                    repair=self._repair(
                        job,
                        resp.text,
                        "Your answer could not be read: "
                        f"{detail}. Answer again, complete and shorter, "
                        "in exactly the required format.",
                    )
                )
            reason = "truncated" if resp.stop_reason == "max_tokens" else "parse"
            return Outcome(reject=self.reject(job, reason, detail))
        report = self.validate(job.item, parsed.messages)
        if not report.get("ok", False):
            if can_repair and not job.repaired:
                return Outcome(repair=self._repair(job, resp.text, _repair_text(report)))
            return Outcome(reject=self.reject(job, "validation", _summary(report), report, parsed.messages))
        fact_ids = self._grounding(job.context, parsed.fact_ids, parsed.messages)
        return Outcome(record=self.record(job, parsed.messages, fact_ids, report, resp.meta))

    def validate(self, item: PlanItem, messages: list[Message]) -> dict[str, Any]:
        from validate.models import Example

        example = Example.model_validate(
            {
                "id": item.id,
                "messages": [m.model_dump() for m in messages],
                "metadata": {"version": item.version, "family": item.family},
            }
        )
        return self.validator.validate(example, item.version).model_dump(mode="json")

    def _repair(self, job: Job, previous: str, problem: str) -> LLMRequest:
        job.repaired = True
        req = job.request
        history = [Message(role="assistant", content=previous or "(empty)"), Message(role="user", content=problem)]
        # The same prompt (family block, facts, code, scenario) with the repair turns after it.
        return replace(req, history=history, attempt=1)

    def _grounding(self, ctx: Context, claimed: list[str], messages: list[Message]) -> list[str]:
        known = ctx.by_id()
        ids = [i for i in claimed if i in known]
        if ids:
            return ids
        text = " ".join(m.content for m in messages if m.role == "assistant")
        words = set(_IDENT.findall(text))
        return [f.id for f in ctx.facts if f.entity in words]

    def record(
        self,
        job: Job,
        messages: list[Message],
        fact_ids: list[str],
        report: dict[str, Any],
        recipe_meta: dict[str, Any] | None = None,
    ) -> OutputRecord:
        from generate.dataset import has_code, slim_report, split_of

        item, ctx = job.item, job.context
        scenario = job.request.scenario
        facts = ctx.by_id()
        entities = [f"{item.target.kind}:{item.target.key}"]
        for fid in fact_ids:
            f = facts[fid]
            ref = f"{f.kind}:{f.entity}"
            if ref not in entities:
                entities.append(ref)
        meta = ExampleMetadata(
            id=item.id,
            family=item.family,
            difficulty=item.difficulty,
            version=item.version,
            target=item.target.key,
            target_kind=item.target.kind,
            fact_ids=fact_ids,
            entities=entities,
            prerequisite_chain=item.concept_chain,
            builds_on=item.builds_on,
            scenario=item.scenario,
            persona=item.persona,
            domain=scenario.domain if scenario else "",
            systems=scenario.systems if scenario else [],
            split=split_of(item.target.kind, item.target.key),
            has_code=has_code(messages),
            code_provenance=ctx.code_provenance if has_code(messages) else "",
            generator=self.generator,
            model=self.model,
            usage=job.usage,
            repaired=job.repaired,
            validation=slim_report(report),
            ootkg_version=self.ootkg_version,
            ingest_run=self.ingest_run,
            plan_index=item.index,
            run_id=self.run_id,
            created=_now(),
        )
        rec = OutputRecord(messages=messages, metadata=meta)
        rec._report = report  # the full report, for the sidecar file
        return rec

    def reject(
        self,
        job: Job,
        reason: str,
        detail: str,
        report: dict[str, Any] | None = None,
        messages: list[Message] | None = None,
    ) -> RejectRecord:
        item = job.item
        return RejectRecord(
            id=item.id,
            plan_index=item.index,
            family=item.family,
            difficulty=item.difficulty,
            target=str(item.target),
            version=item.version,
            reason=reason,
            detail=detail,
            validation=report or {},
            messages=messages or [],
            usage=job.usage,
            generator=self.generator,
            model=self.model,
        )


def _repair_text(report: dict[str, Any]) -> str:
    lines = []
    for issue in report.get("issues", []):
        if issue.get("severity") != "error":
            continue
        hint = f" (did you mean {', '.join(issue['suggestions'][:3])}?)" if issue.get("suggestions") else ""
        lines.append(f"- [{issue.get('code')}] {issue.get('message')}{hint}")
    return (
        "A validator checked your example against the decomp for version "
        f"{report.get('version')} and found these errors:\n"
        + "\n".join(lines)
        + "\nRewrite the whole conversation in the same format, fixing every error and "
        "using only what the FACTS state."
    )


def _summary(report: dict[str, Any]) -> str:
    codes = [i.get("code") for i in report.get("issues", []) if i.get("severity") == "error"]
    return ", ".join(sorted(set(c for c in codes if c))) or "validation failed"


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
