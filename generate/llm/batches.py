"""Large runs through the Message Batches API: half price, polled, resumable from the ledger.

Rounds: each round sends one batch with the next undecided plan items plus the
repair requests of the round before, polls it until it ends, then parses,
validates and decides every result like the interactive loop does. The batch id
and its items are in the ledger before polling starts, so a killed run resumes
by polling the same batch instead of paying for it twice.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import Any

from generate.llm.base import LLMError, LLMRequest, LLMResponse
from generate.models import Message, PlanItem
from generate.process import Job, Outcome
from generate.run_parts import WorkQueue

log = logging.getLogger(__name__)


def custom_id(req: LLMRequest) -> str:
    return f"{req.item.id}-a{req.attempt}"


def run_batches(runner: Any, todo: WorkQueue) -> None:
    client = runner.client
    if getattr(runner, "open_batches", []):
        todo = deque(todo)  # the plan is lazy: an open batch's items are looked up by id
    by_id = {i.id: i for i in todo} if getattr(runner, "open_batches", []) else {}
    repairs: list[tuple[Job, LLMRequest]] = []
    for batch in getattr(runner, "open_batches", []):
        jobs: list[tuple[Job, LLMRequest]] = []
        for entry in batch["items"]:
            item = by_id.get(entry["id"])
            if item is None or item.id in runner.decided:
                continue
            job = _job(runner, item)
            if job is None:  # decided as it started (no facts now, or skipped by review)
                continue
            req = job.request
            if entry.get("attempt"):
                job.repaired = True
                req = LLMRequest(
                    item=item,
                    context=job.context,
                    system=req.system,
                    instruction=req.instruction,
                    max_tokens=req.max_tokens,
                    history=[Message(**m) for m in entry.get("history", [])],
                    attempt=entry["attempt"],
                )
            jobs.append((job, req))
        if item_ids := {j.item.id for j, _ in jobs}:
            todo = deque(i for i in todo if i.id not in item_ids)
        repairs = _finish(runner, batch["id"], jobs, float(batch.get("reserve", 0.0)))
    while runner.stats.accepted < runner.wanted and not runner.stats.stop_reason:
        wanted = runner.wanted - runner.stats.accepted - len(repairs)
        jobs = list(repairs)
        while todo and wanted > 0:
            item = todo.popleft()
            if item.id in runner.decided:
                continue
            job = _job(runner, item)
            if job is not None:
                jobs.append((job, job.request))
                wanted -= 1
        if not jobs:
            return
        reserve = 0.0
        fitted: list[tuple[Job, LLMRequest]] = []
        for job, req in jobs:
            worst = client.worst_case_cost(req, batch=True)
            remaining = runner.budget.remaining()
            if remaining is not None and reserve + worst > remaining:
                runner.stats.stop_reason = "budget: the next batch request would not fit"
                break
            reserve += worst
            fitted.append((job, req))
        if not fitted:
            return
        for job, _ in reversed(jobs[len(fitted) :]):
            if job.repaired:  # its first answer failed validation; no budget to repair it
                runner._decide(
                    job, Outcome(reject=runner.processor.reject(job, "budget", "no budget left for the repair request"))
                )
            else:
                todo.appendleft(job.item)  # undecided: a resumed run with more budget does it
        runner.budget.reserve(reserve)
        batch = client.sdk.messages.batches.create(
            requests=[{"custom_id": custom_id(req), "params": client.params(req)} for _, req in fitted]
        )
        runner.ledger.event(
            "batch",
            durable=True,
            id=batch.id,
            reserve=round(reserve, 6),
            items=[
                {"id": req.item.id, "attempt": req.attempt, "history": [m.model_dump() for m in req.history]}
                for _, req in fitted
            ],
        )
        log.info("batch %s: %d requests", batch.id, len(fitted))
        repairs = _finish(runner, batch.id, fitted, reserve)


def _job(runner: Any, item: PlanItem) -> Job | None:
    return runner._start(item)


def _finish(
    runner: Any, batch_id: str, jobs: list[tuple[Job, LLMRequest]], reserve: float
) -> list[tuple[Job, LLMRequest]]:
    client = runner.client
    while True:
        status = client.sdk.messages.batches.retrieve(batch_id)
        if status.processing_status == "ended":
            break
        runner.progress(runner.stats)
        time.sleep(runner.options.poll_seconds)
    results: dict[str, LLMResponse | str] = {}
    for entry in client.sdk.messages.batches.results(batch_id):
        if entry.result.type == "succeeded":
            results[entry.custom_id] = client.to_response(entry.result.message, batch=True)
        else:
            results[entry.custom_id] = f"batch request {entry.result.type}"
    spent = 0.0
    repairs: list[tuple[Job, LLMRequest]] = []
    for job, req in jobs:
        resp = results.get(custom_id(req), "no result in the batch")
        if isinstance(resp, str):
            runner._decide(job, Outcome(reject=runner.processor.reject(job, "llm_error", resp)))
            continue
        spent += resp.usage.cost_usd
        runner.stats.usage = runner.stats.usage.add(resp.usage)
        runner.ledger.event(
            "response",
            item=req.item.id,
            attempt=req.attempt,
            batch=batch_id,
            cost=round(resp.usage.cost_usd, 8),
            usage=resp.usage.model_dump(),
            stop_reason=resp.stop_reason,
        )
        try:
            outcome = runner.processor.advance(job, resp, can_repair=True)
        except LLMError as e:
            outcome = Outcome(reject=runner.processor.reject(job, "llm_error", str(e)))
        if outcome.repair is not None:
            repairs.append((job, outcome.repair))
        else:
            runner._decide(job, outcome)
    runner.budget.settle(reserve, spent)
    runner.stats.spent_usd = runner.budget.spent
    runner.progress(runner.stats)
    runner.ledger.event("batch_done", durable=True, id=batch_id, cost=round(spent, 8))
    return repairs
