"""The generation loop: plan -> context -> LLM -> parse -> validate -> repair/reject -> write.

Crash safety and resumption: the plan is deterministic (see ``generate.plan``);
an item is decided when its line is in the output file (accepted) or in the
rejects file (rejected, duplicate, unsupported). Both are written line + flush
+ fsync. A resumed run cuts any torn last line, re-reads what was decided,
rebuilds the dedup index from the accepted examples, and continues with the
first undecided item — so a run killed at any point (kill -9 included) ends
with the same examples as one that never stopped, none twice, none lost.
"""

from __future__ import annotations

import gc
import json
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from importlib import metadata
from itertools import chain, islice
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from generate.budget import Budget
from generate.context import ContextBuilder, Queries
from generate.curriculum import ConceptGraph
from generate.dataset import reports_path
from generate.dedup import Deduplicator
from generate.ledger import (
    JsonlWriter,
    Ledger,
    ledger_path,
    read_jsonl,
    rejects_path,
)
from generate.llm.base import BudgetExhausted, LLMClient, LLMError, LLMRequest
from generate.llm.offline import NoOfflineExample
from generate.models import PlanItem, RejectRecord, Usage, stable_hash
from generate.plan import RunConfig, iter_plan, load_targets
from generate.process import Job, Outcome, Processor
from generate.quality import first_question, mask, shape
from generate.run_parts import LazyQueue, WorkQueue, code_provider
from generate.run_resume import Resumable, RunError, ledger_config  # noqa: F401 - re-exported

log = logging.getLogger(__name__)


class RunOptions(BaseModel):
    out: Path
    resume: bool = False
    overwrite: bool = False
    budget_usd: float | None = None
    concurrency: int = 4
    batch: bool = False
    poll_seconds: float = 30.0
    plan_factor: int = 6  # plan this many items per wanted example (rejects need spares)
    throttle_s: float = 0.0  # pause before each new item (gentle runs; crash tests)
    sync_interval_s: float = 0.0  # 0: fdatasync every output line; >0: group commit
    review_dir: Path | None = None  # the review home: reviews to learn from, the calibration
    feedback: bool = True  # feed the reviews into prompts and the planner (generate.feedback)
    min_quality: float | None = None  # write only examples the calibrated judge puts >= this
    decomp: Path | None = None  # checkout for the code fallback (default: settings/env)
    dedup_against: list[Path] = Field(default_factory=list)  # earlier runs' outputs
    shape_cap: int = 4  # examples per masked first-question shape (0: no cap)
    code_tokens: int = 2400  # bound on the code section of a model's prompt
    cache_dir: Path | None = None  # keep whole-graph tables between runs (kg.derived)


class RunStats(BaseModel):
    planned: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    unsupported: int = 0
    skipped_by_review: int = 0
    below_quality: int = 0
    repaired: int = 0
    resumed_from: int = 0
    wanted: int = 0
    usage: Usage = Field(default_factory=Usage)
    spent_usd: float = 0.0
    elapsed_s: float = 0.0
    setup_s: float = 0.0  # plan, ledger, validator index: before the first item
    stop_reason: str = ""
    out: str = ""
    rejects: str = ""
    ledger: str = ""


def ootkg_version() -> str:
    try:
        return metadata.version("ootkg")
    except metadata.PackageNotFoundError:
        return "0+unknown"


class Runner(Resumable):
    def __init__(
        self,
        store: Any,
        config: RunConfig,
        client: LLMClient,
        options: RunOptions,
        validator: Any,
        *,
        progress: Callable[[RunStats], None] | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.client = client
        self.options = options
        self.validator = validator
        self.progress = progress or (lambda s: None)
        self.stats = RunStats(
            out=str(options.out), rejects=str(rejects_path(options.out)), ledger=str(ledger_path(options.out))
        )
        from kg.derived import DerivedCache

        derived = DerivedCache(store, options.cache_dir)
        self.q = Queries(store, derived=derived)
        self.contexts = ContextBuilder(
            store,
            max_tokens=config.max_context_tokens,
            code=code_provider(store, self.q, options.decomp),
            derived=derived,
        )
        # Quotes are read from the provider's checkout: the validator checks them against the
        # same one (else it would check the decomp's own lines as the example's claims).
        root = getattr(self.contexts.provider, "root", None)
        if root is not None and getattr(validator, "decomp_root", False) is None:
            validator.decomp_root = root
        self.dedup = Deduplicator(config.dedup_threshold)
        self.shapes: dict[str, int] = {}
        self.decided: set[str] = set()
        self.budget = Budget(options.budget_usd)
        self.open_batches: list[dict[str, Any]] = []
        self.accepted_ids: set[str] = set()
        self.accepted_by_concept: dict[str, list[str]] = {}
        self.feedback: Any = None  # generate.feedback.Feedback, read at the start of run()
        self.gate: Any = None  # generate.judging.QualityGate with --min-quality

    def _ingest_run(self) -> str | None:
        rows = self.q.run("generate_ingest_run")
        return rows[0]["id"] if rows else None

    def plan_iter(self) -> Iterator[PlanItem]:
        targets = load_targets(self.q, self.config)
        concepts = ConceptGraph.load(self.q)
        return iter_plan(self.config, targets, concepts, self.contexts)

    def plan(self) -> list[PlanItem]:
        # At least 64 items, so that the head that identifies the plan is always complete.
        limit = max(64, self.config.count * max(1, self.options.plan_factor) + 10)
        return list(islice(self.plan_iter(), limit))

    # -- the run ------------------------------------------------------------------------
    def run(self) -> RunStats:
        t0 = time.perf_counter()
        versions = {r["id"] for r in self.q.run("generate_versions")}
        if versions and self.config.version not in versions:
            raise RunError(
                f"Version {self.config.version!r} is not in the graph; it has {', '.join(sorted(versions))}."
            )
        events = self._files()
        limit = max(64, self.config.count * max(1, self.options.plan_factor) + 10)
        stream = islice(self.plan_iter(), limit)
        head = list(islice(stream, 64))
        # The plan is a prefix-stable sequence: its head identifies it whatever --count is.
        plan_hash = stable_hash([i.id for i in head])
        ingest = self._ingest_run()
        self.processor = Processor(
            self.validator,
            generator=self.client.generator,
            model=self.client.model,
            ootkg_version=ootkg_version(),
            ingest_run=ingest,
            run_id=self.config.fingerprint(),
            max_tokens=self.config.max_tokens,
            contexts=self.contexts,
            code_tokens=self.options.code_tokens,
        )
        if self.config.curriculum:
            head += list(stream)
        self.stats.planned = len(head)
        # A curriculum covers every step from the first prerequisite to the concept, even
        # when that is more than --count.
        self.wanted = max(self.config.count, len(head)) if self.config.curriculum else self.config.count
        self.stats.wanted = self.wanted
        self.ledger = Ledger(ledger_path(self.options.out))
        if self.options.resume:
            self._check_resume(events, plan_hash)
            self._load_decided()
            self.ledger.event("resume", durable=True, decided=len(self.decided))
        else:
            self.ledger.event(
                "run",
                durable=True,
                config=self.config.model_dump(mode="json"),
                fingerprint=self.config.fingerprint(),
                plan_hash=plan_hash,
                ingest_run=ingest,
                ootkg_version=ootkg_version(),
                generator=self.client.generator,
                model=self.client.model,
            )
        self._reviews(events)
        self._remember_earlier()
        self.out = JsonlWriter(self.options.out, sync_interval=self.options.sync_interval_s)
        self.reports = JsonlWriter(reports_path(self.options.out), sync_interval=max(self.options.sync_interval_s, 0.5))
        self.rejects = JsonlWriter(rejects_path(self.options.out), sync_interval=max(self.options.sync_interval_s, 0.5))
        warm = getattr(self.validator, "index", None)
        if callable(warm):
            warm(self.config.version)  # the symbol index loads once, before the clock runs
        self.stats.setup_s = time.perf_counter() - t0
        gc.freeze()  # the run's tables live as long as it: full collections need not walk them
        try:
            todo = LazyQueue(i for i in chain(head, stream) if i.id not in self.decided)
            if self.stats.accepted >= self.wanted:
                self.stats.stop_reason = "complete"
            elif self.options.batch:
                from generate.llm.batches import run_batches

                run_batches(self, todo)
            else:
                self._loop(todo)
            if not self.stats.stop_reason:
                self.stats.stop_reason = "complete" if self.stats.accepted >= self.wanted else "plan exhausted"
            self.ledger.event(
                "end",
                durable=True,
                reason=self.stats.stop_reason,
                accepted=self.stats.accepted,
                spent=self.budget.spent,
            )
        except KeyboardInterrupt:
            self.ledger.event("interrupted", durable=True)
            raise
        finally:
            gc.unfreeze()
            self.out.close()
            self.reports.close()
            self.rejects.close()
            self.ledger.close()
            self.stats.elapsed_s = time.perf_counter() - t0
            self.stats.spent_usd = self.budget.spent
        return self.stats

    def _reviews(self, events: list[dict[str, Any]]) -> None:
        """Expert review read as data: the feedback (frozen for a resume: only the reviews its
        ledger recorded) and the quality gate."""
        if self.options.review_dir is not None and self.options.feedback:
            from generate.feedback import Feedback
            from review.home import Home

            only = None
            if self.options.resume:
                rec = next((e for e in events if e.get("event") == "feedback"), None)
                only = set(rec["reviews"]) if rec else set()
            self.feedback = Feedback.load(Home(self.options.review_dir).runs(), only=only)
            if not self.options.resume:
                self.ledger.event("feedback", durable=True, reviews=self.feedback.review_ids, **self.feedback.summary())
        if self.options.min_quality is not None:
            from generate.judging import QualityGate

            self.gate = QualityGate(self.options.min_quality, self.options.review_dir)
            self.ledger.event(
                "quality_gate",
                durable=True,
                minimum=self.options.min_quality,
                judge=self.gate.judge.name,
                calibrated=self.gate.calibrated,
            )

    def _loop(self, todo: WorkQueue) -> None:
        pool = ThreadPoolExecutor(max(1, self.options.concurrency)) if self.client.concurrent else None
        inflight: dict[Future, tuple[Job, LLMRequest]] = {}
        width = max(1, self.options.concurrency) if pool is not None else 1
        try:
            while True:
                while (
                    todo
                    and not self.stats.stop_reason
                    and len(inflight) < width
                    and self.stats.accepted + len(inflight) < self.wanted
                ):
                    if self.options.throttle_s:
                        time.sleep(self.options.throttle_s)
                    job = self._start(todo.popleft())
                    if job is None:
                        continue
                    fut = self._send(pool, job, job.request)
                    if fut is None:
                        todo.appendleft(job.item)
                        break
                    inflight[fut] = (job, job.request)
                if not inflight:
                    return
                done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                for fut in sorted(done, key=lambda f: inflight[f][0].item.index):
                    job, req = inflight.pop(fut)
                    outcome = self._receive(job, req, fut)
                    if outcome is not None and outcome.repair is not None:
                        again = self._send(pool, job, outcome.repair)
                        if again is None:
                            self._decide(
                                job,
                                Outcome(
                                    reject=self.processor.reject(job, "budget", "no budget left for the repair request")
                                ),
                            )
                        else:
                            inflight[again] = (job, outcome.repair)
                    elif outcome is not None:
                        self._decide(job, outcome)
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)

    def _start(self, item: PlanItem) -> Job | None:
        ctx = self.contexts.build(item.target, item.version)
        job = Job(
            item=item, context=ctx, request=LLMRequest(item=item, context=ctx, system="", instruction="", max_tokens=0)
        )
        if not ctx.facts:
            self._decide(
                job,
                Outcome(
                    reject=self.processor.reject(
                        job, "no-facts", f"the graph has no facts about {item.target} in {item.version}"
                    )
                ),
            )
            return None
        steer = self.feedback.steer(item, ctx, follows_instructions=self.client.repairs) if self.feedback else None
        if steer is not None and steer.skip:
            self._decide(job, Outcome(reject=self.processor.reject(job, "review-skip", steer.skip)))
            return None
        job.request = self.processor.request(item, ctx, steer.notes if steer else None)
        if steer is not None and steer.reviews:
            self.ledger.event("feedback_used", item=item.id, reviews=steer.reviews)
        return job

    def _send(self, pool: ThreadPoolExecutor | None, job: Job, req: LLMRequest) -> Future | None:
        worst = self.client.worst_case_cost(req)
        if worst:
            try:
                job.reservation = self.budget.reserve(worst)
            except BudgetExhausted as e:
                self.stats.stop_reason = f"budget: {e}"
                return None
            # Flushed, not fsynced: a killed process loses nothing flushed; only an OS crash
            # could, and then the request itself never left either.
            self.ledger.event("request", item=req.item.id, attempt=req.attempt, reserve=round(worst, 6))
        if pool is None:
            fut: Future = Future()
            try:
                fut.set_result(self.client.complete(req))
            except Exception as e:  # noqa: BLE001 - delivered to _receive like a worker's error
                fut.set_exception(e)
            return fut
        return pool.submit(self.client.complete, req)

    def _receive(self, job: Job, req: LLMRequest, fut: Future) -> Outcome | None:
        try:
            resp = fut.result()
        except NoOfflineExample as e:
            self.budget.settle(job.reservation, 0.0)
            return Outcome(reject=self.processor.reject(job, "unsupported", str(e)))
        except LLMError as e:
            self.budget.settle(job.reservation, 0.0)
            if job.reservation:
                self.ledger.event("failed", item=req.item.id, attempt=req.attempt, error=str(e))
            return Outcome(reject=self.processor.reject(job, "llm_error", str(e)))
        except Exception as e:  # noqa: BLE001 - a bug in one item must not end the run
            log.exception("item %s failed", job.item.id)
            self.budget.settle(job.reservation, 0.0)
            return Outcome(reject=self.processor.reject(job, "error", f"{type(e).__name__}: {e}"))
        self.budget.settle(job.reservation, resp.usage.cost_usd)
        job.reservation = 0.0
        self.stats.usage = self.stats.usage.add(resp.usage)
        self.stats.spent_usd = self.budget.spent
        if resp.usage.requests:
            self.ledger.event(
                "response",
                item=req.item.id,
                attempt=req.attempt,
                cost=round(resp.usage.cost_usd, 8),
                usage=resp.usage.model_dump(),
                stop_reason=resp.stop_reason,
            )
        return self.processor.advance(job, resp, can_repair=self.client.repairs)

    def _remember(self, key: str, messages: list[dict[str, Any]]) -> None:
        self.dedup.remember(key, mask(_text(messages)))
        sh = shape(first_question(messages))
        self.shapes[sh] = self.shapes.get(sh, 0) + 1

    def _remember_earlier(self) -> None:
        """Examples of earlier runs (``--dedup-against``) count as already written."""
        for path in self.options.dedup_against:
            if not Path(path).is_file():
                raise RunError(f"--dedup-against {path}: no such file.")
            for row in read_jsonl(Path(path)):
                self._remember("earlier:" + row.get("metadata", {}).get("id", ""), row.get("messages", []))

    def _decide(self, job: Job, outcome: Outcome) -> None:
        if outcome.record is not None:
            rec = outcome.record
            msgs = [m.model_dump() for m in rec.messages]
            sh = shape(first_question(msgs))
            dup = self.dedup.check(rec.metadata.id, mask(_text(msgs)))
            capped = dup is None and self.options.shape_cap and self.shapes.get(sh, 0) >= self.options.shape_cap
            if dup is not None or capped:
                detail = (
                    f"near-duplicate of {dup}"
                    if dup
                    else f"{self.options.shape_cap} examples already ask a question of this shape"
                )
                reject = self.processor.reject(
                    job, "duplicate" if dup else "shape-cap", detail, rec._report, rec.messages
                )
                reject.duplicate_of = dup
                outcome = Outcome(reject=reject)
            elif self.gate is not None and (low := self._below_quality(job, rec)):
                outcome = Outcome(reject=self.processor.reject(job, "quality", low, rec._report, rec.messages))
            else:
                self.shapes[sh] = self.shapes.get(sh, 0) + 1
                self._link_builds_on(rec)
                self.reports.write(json.dumps({"id": rec.metadata.id, "report": rec._report}))
                self.out.write(rec.line())
                self.decided.add(rec.metadata.id)
                self.stats.accepted += 1
                self.stats.repaired += int(rec.metadata.repaired)
                self.ledger.event("item", item=rec.metadata.id, status="accepted")
                self.progress(self.stats)
                return
        rej: RejectRecord = outcome.reject  # type: ignore[assignment]
        # Flushed (a killed process loses nothing), synced at most every 0.5 s and at close:
        # a reject lost to an OS crash is only redone on resume, with the same outcome.
        self.rejects.write(rej.model_dump_json())
        self.decided.add(rej.id)
        self._count_reject(rej.reason)
        self.ledger.event("item", item=rej.id, status=rej.reason)
        self.progress(self.stats)

    def _below_quality(self, job: Job, rec: Any) -> str | None:
        """Why the judge keeps the example out, or None (its score then goes to the run's
        judge sidecar)."""
        from review.judge.sidecar import append

        score = self.gate.score(rec, job.context)
        if self.gate.passes(score):
            append(self.options.out, [score])
            return None
        kind = "calibrated" if self.gate.calibrated else "raw"
        return f"{self.gate.judge.name} ({kind}) scores it {score.score:.2f} < {self.gate.minimum:g}: " + "; ".join(
            score.flags[:4]
        )

    def _link_builds_on(self, rec: Any) -> None:
        """BUILDS_ON names examples that exist: a planned predecessor that was rejected is
        replaced by the latest accepted example of the same or an earlier curriculum step."""
        meta = rec.metadata
        accepted = [i for i in meta.builds_on if i in self.accepted_ids]
        if not accepted and (meta.builds_on or meta.prerequisite_chain):
            for concept in [meta.target, *reversed(meta.prerequisite_chain)]:
                earlier = self.accepted_by_concept.get(concept)
                if earlier:
                    accepted = [earlier[-1]]
                    break
        meta.builds_on = accepted
        self.accepted_ids.add(meta.id)
        if meta.target_kind == "Concept":
            self.accepted_by_concept.setdefault(meta.target, []).append(meta.id)

    def _count_reject(self, reason: str) -> None:
        if reason in ("duplicate", "shape-cap"):
            self.stats.duplicates += 1
        elif reason == "unsupported":
            self.stats.unsupported += 1
        elif reason == "review-skip":
            self.stats.skipped_by_review += 1
        elif reason == "quality":
            self.stats.below_quality += 1
        else:
            self.stats.rejected += 1


def _text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("content", "") for m in messages)
