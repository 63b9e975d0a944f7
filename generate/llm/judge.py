"""The LLM judge: the review rubric scored by a model, through the same client as
generation (prompt caching of the system prompt and the facts, retries with backoff,
token and cost accounting) and a hard budget (each request's worst case is reserved
before it is sent, as in generation).

Scores go to the run's judge sidecar as they arrive (durably), so a stopped or
budget-limited judging run continues where it stopped: an example already scored by the
same judge with the same messages is not sent again.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from generate.budget import Budget
from generate.llm.base import BudgetExhausted, LLMClient, LLMError, LLMRequest
from generate.models import Context, PlanItem, Target
from review.judge.rubric import DIMENSIONS, JudgeScore, overall, rubric_text
from review.judge.sidecar import append, read_scores
from review.models import messages_sha, now_iso

log = logging.getLogger(__name__)

JUDGE_SYSTEM = f"""You grade training examples for an assistant that helps people mod The \
Legend of Zelda: Ocarina of Time through its C decompilation (zeldaret/oot). You are strict \
and specific: the FACTS you are given are the ground truth from the decomp's knowledge graph.

Score each dimension from 1 (worst) to 10 (best):
{rubric_text()}

Answer with one JSON object and nothing else:
{{"correctness": n, "grounding": n, "answers_question": n, "question_realism": n, "depth": n, \
"idiomatic_code": n, "problems": ["short phrases naming what lowered a score"]}}"""

_JSON = re.compile(r"\{.*\}", re.S)


class JudgeRun(BaseModel):
    judged: int = 0
    cached: int = 0
    failed: int = 0
    unscored: int = 0  # left for lack of budget
    spent_usd: float = 0.0
    stop_reason: str = ""


def judge_name(client: LLMClient) -> str:
    return f"{client.generator}:{client.model}"


def request_for(record: dict[str, Any], facts: list[Any] | None, max_tokens: int) -> LLMRequest:
    meta = record.get("metadata") or {}
    kind = meta.get("target_kind") or "Concept"
    target = Target(kind=kind, key=str(meta.get("target") or "?"))
    item = PlanItem(
        id=meta.get("id", "?"),
        index=int(meta.get("plan_index") or 0),
        target=target,
        family=meta.get("family", "qa"),
        difficulty=int(meta.get("difficulty") or 1),
        version=meta.get("version", "?"),
    )
    ctx = Context(target=target, version=item.version, facts=list(facts or []))
    convo = "\n".join(
        f"<{m.get('role')}>\n{m.get('content', '')}\n</{m.get('role')}>" for m in record.get("messages") or []
    )
    report = meta.get("validation") or {}
    issues = "; ".join(f"[{i.get('code')}] {i.get('message')}" for i in report.get("issues", [])) or "none"
    instruction = (
        f"Grade this {item.family} example (difficulty {item.difficulty} of 4, game "
        f"version {item.version}). It says it rests on these fact ids: "
        f"{', '.join(meta.get('fact_ids') or []) or 'none'}. The validator found: "
        f"{issues}.\n\n<example>\n{convo}\n</example>"
    )
    return LLMRequest(item=item, context=ctx, system=JUDGE_SYSTEM, instruction=instruction, max_tokens=max_tokens)


def parse_scores(text: str) -> tuple[dict[str, float], list[str]]:
    m = _JSON.search(text)
    if not m:
        raise LLMError("the judge's answer holds no JSON object")
    try:
        data = json.loads(m.group(0))
    except ValueError as e:
        raise LLMError(f"the judge's JSON does not parse: {e}") from None
    dims = {}
    for k in DIMENSIONS:
        v = data.get(k)
        if not isinstance(v, int | float) or not 1 <= v <= 10:
            raise LLMError(f"the judge gave no 1-10 score for {k}")
        dims[k] = float(v)
    problems = [str(p)[:200] for p in data.get("problems") or [] if p][:10]
    return dims, problems


def judge_run(
    records: list[dict[str, Any]],
    run: Path,
    client: LLMClient,
    *,
    facts: Callable[[dict[str, Any]], list[Any] | None] | None,
    budget_usd: float,
    concurrency: int = 4,
    max_tokens: int = 600,
    progress: Callable[[JudgeRun], None] | None = None,
) -> JudgeRun:
    name = judge_name(client)
    done = read_scores(run).get(name, {})
    budget = Budget(budget_usd)
    out = JudgeRun()
    todo = []
    for rec in records:
        meta = rec.get("metadata") or {}
        prev = done.get(meta.get("id", ""))
        if prev is not None and prev.sha == messages_sha(rec.get("messages") or []):
            out.cached += 1
        else:
            todo.append(rec)

    def one(rec: dict[str, Any]) -> JudgeScore | None:
        meta = rec.get("metadata") or {}
        req = request_for(rec, facts(meta) if facts else None, max_tokens)
        try:
            reservation = budget.reserve(client.worst_case_cost(req))
        except BudgetExhausted:
            out.unscored += 1
            out.stop_reason = "budget"
            return None
        try:
            resp = client.complete(req)
            budget.settle(reservation, resp.usage.cost_usd)
            dims, problems = parse_scores(resp.text)
        except LLMError as e:
            budget.settle(reservation, 0.0)
            log.warning("%s: %s", meta.get("id"), e)
            out.failed += 1
            return None
        score = JudgeScore(
            id=meta.get("id", ""),
            judge=name,
            score=overall(dims),
            dimensions=dims,
            flags=problems,
            sha=messages_sha(rec.get("messages") or []),
            created=now_iso(),
            cost_usd=round(resp.usage.cost_usd, 8),
        )
        append(run, [score])
        out.judged += 1
        if progress:
            progress(out)
        return score

    with ThreadPoolExecutor(max(1, concurrency)) as pool:
        list(pool.map(one, todo))
    out.spent_usd = round(budget.spent, 6)
    out.stop_reason = out.stop_reason or "complete"
    return out
