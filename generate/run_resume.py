"""Resuming a run: what its files already decided, and whether the graph and the options are
the ones it started with (see ``generate.run`` for the guarantees)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generate.ledger import ledger_path, read_jsonl, read_ledger, rejects_path, repair_tail
from generate.models import Usage
from generate.plan import RunConfig

log = logging.getLogger(__name__)


class RunError(RuntimeError):
    """A run that cannot start or continue; the message says what to do."""


def ledger_config(out: Path) -> RunConfig | None:
    """The configuration a previous run recorded next to ``out`` (for ``--resume``)."""
    path = ledger_path(out)
    if not path.exists():
        return None
    for event in read_jsonl(path):
        if event.get("event") == "run":
            return RunConfig.model_validate(event["config"])
    return None


class Resumable:
    """The Runner's resume half: it sets decided ids, stats and the budget's spent part."""

    options: Any
    config: RunConfig
    stats: Any
    budget: Any
    decided: set[str]
    accepted_ids: set[str]
    accepted_by_concept: dict[str, list[str]]
    open_batches: list[dict[str, Any]]

    if TYPE_CHECKING:  # the Runner's own, declared for the type checker

        def _ingest_run(self) -> str | None: ...

        def _remember(self, key: str, messages: list[dict[str, Any]]) -> None: ...

        def _count_reject(self, reason: str) -> None: ...

    # -- setup --------------------------------------------------------------------------
    def _files(self) -> list[dict[str, Any]]:
        out = self.options.out
        paths = (out, ledger_path(out), rejects_path(out))
        if self.options.resume:
            if not ledger_path(out).exists():
                raise RunError(f"Nothing to resume: {ledger_path(out)} does not exist. Start the run without --resume.")
            for p in (out, rejects_path(out)):
                cut = repair_tail(p)
                if cut:
                    log.warning("cut a torn last line (%d bytes) from %s", cut, p)
            return read_ledger(ledger_path(out))
        if any(p.exists() for p in paths):
            if not self.options.overwrite:
                raise RunError(
                    f"{out} (or its ledger/rejects) already exists. Use --resume to "
                    "continue that run, --overwrite to start over, or another --out."
                )
            for p in paths:
                p.unlink(missing_ok=True)
        return []

    def _check_resume(self, events: list[dict[str, Any]], plan_hash: str) -> None:
        start = next((e for e in events if e.get("event") == "run"), None)
        if start is None:
            raise RunError(
                f"{ledger_path(self.options.out)} has no run header; it is not a "
                "ledger this tool wrote. Use --overwrite to start over."
            )
        old = RunConfig.model_validate(start["config"])
        if old.fingerprint() != self.config.fingerprint():
            diffs = [
                k for k, v in old.plan_affecting().items() if self.config.plan_affecting().get(k) != v and k != "count"
            ]
            raise RunError(
                f"The ledger at {ledger_path(self.options.out)} was written by a run with a "
                f"different configuration ({', '.join(diffs) or 'settings'} differ). Resume "
                "with the same options (or none: --resume alone reuses the recorded ones), or "
                "write to another --out."
            )
        if start.get("plan_hash") != plan_hash:
            raise RunError(
                "The graph changed since this run started (its plan is different now: "
                f"ingest run {start.get('ingest_run')} then, {self._ingest_run()} now). "
                "Resuming would mix examples from two graphs; start a new run with another --out."
            )
        done_batches = {e.get("id") for e in events if e.get("event") == "batch_done"}
        # A batch sent but not processed is polled again on resume, not paid for twice.
        self.open_batches = [e for e in events if e.get("event") == "batch" and e.get("id") not in done_batches]
        open_ids = {b["id"] for b in self.open_batches}
        responses = [e for e in events if e.get("event") == "response" and e.get("batch") not in open_ids]
        for e in responses:
            self.stats.usage = self.stats.usage.add(Usage(**e.get("usage", {})))
        spent = sum(float(e.get("cost", 0.0)) for e in responses)
        answered = {(e.get("item"), e.get("attempt")) for e in events if e.get("event") in ("response", "failed")}
        # A request with no answer may still have been billed: count its worst case.
        open_worst = sum(
            float(e.get("reserve", 0.0))
            for e in events
            if e.get("event") == "request" and (e.get("item"), e.get("attempt")) not in answered
        )
        self.budget.spent = spent + open_worst
        self.budget.reserved = sum(float(b.get("reserve", 0.0)) for b in self.open_batches)
        self.stats.spent_usd = self.budget.spent

    def _load_decided(self) -> None:
        out, rej = self.options.out, rejects_path(self.options.out)
        for row in read_jsonl(out):
            meta = row.get("metadata", {})
            self.decided.add(meta["id"])
            self.accepted_ids.add(meta["id"])
            if meta.get("target_kind") == "Concept":
                self.accepted_by_concept.setdefault(meta["target"], []).append(meta["id"])
            self._remember(meta["id"], row.get("messages", []))
            self.stats.accepted += 1
            self.stats.repaired += int(bool(meta.get("repaired")))
        for row in read_jsonl(rej):
            self.decided.add(row["id"])
            self._count_reject(row.get("reason", ""))
        self.stats.resumed_from = len(self.decided)
