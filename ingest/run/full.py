"""A full ingest's sources: every source run in turn, their facts merged and pruned, an
``IngestRun`` node added, and the graph staged for the store when it stages one.
``pipeline.run_ingest`` runs ``FullRun.gather`` in a child process (``ingest.run.forked``) when
it can, and loads what it staged."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.checkout.checkout import Checkout
from ingest.checkout.versions import VersionInfo
from ingest.context import IngestContext, MapInput, ProgressFn, Source, SourceReport, ootkg_version
from ingest.run import state as run_state
from kg.facts import Facts

log = logging.getLogger(__name__)


@dataclass
class Gathered:
    """What a full run's sources made (picklable: it may come from a child process)."""

    run_id: str
    commit: str | None
    counts: dict[str, int]
    reports: list[SourceReport]
    dangling: dict[str, int]
    stats: dict[str, Any]
    c_token: str | None = None
    failures: dict[str, str] = field(default_factory=dict)  # source -> why it failed
    warnings: list[str] = field(default_factory=list)
    prepared: Any = None  # the graph as ``stage`` staged it, when there is a stage
    facts: Facts = field(default_factory=Facts)  # the graph's facts, when there is none


@dataclass
class FullRun:
    checkout: Checkout
    versions: list[VersionInfo]
    cache_dir: Path
    maps: list[MapInput]
    concepts_dir: Path | None
    jobs: int
    use_pch: bool
    chosen: list[Source]
    stage: Callable[[Facts], Any] | None
    state: Any
    stats: run_state.Stats
    t0: float
    save_c: bool  # keep the C delta state (runs that write a store)

    def gather(self, progress: ProgressFn) -> Gathered:
        """Every source, merged and pruned, with an IngestRun node; staged when there is a
        ``stage``."""
        from ingest.run import decide as rerun

        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        ctx = IngestContext(
            checkout=self.checkout,
            versions=self.versions,
            cache_dir=self.cache_dir,
            progress=progress,
            maps=self.maps,
            concepts_dir=self.concepts_dir,
            jobs=self.jobs,
            use_pch=self.use_pch,
        )
        facts = Facts()
        others: list[Facts] = []
        if self.save_c:  # (a run that mines no patterns leaves no items for the C delta)
            from ingest.patterns.mine import forget_state

            forget_state(self.cache_dir)
        c_token: str | None = None
        reports: list[SourceReport] = []
        for src in self.chosen:
            ts = time.perf_counter()
            ctx.facts = facts
            try:
                got = src.fn(ctx)
            except Exception as e:  # noqa: BLE001 - named in the summary; the run then fails
                log.warning("source %s failed", src.name, exc_info=True)
                ctx.failures[src.name] = f"{type(e).__name__}: {e}"
                got = Facts()
            if src.name == "c":
                ctx.c_facts = got
                if self.save_c:
                    # to disk at once: the records it is made of are freed before the next
                    # sources allocate
                    c_token = rerun.save_c_state(ctx, self.state, self.stats)
            elif src.name == "patterns":  # derived from the C facts: the C delta redoes it
                pstate = ctx.stats.pop("pattern_state", None)
                if self.save_c and pstate is not None:
                    from ingest.patterns.mine import save_state

                    save_state(self.cache_dir, pstate)
                del pstate
            else:
                others.append(got)
            n_nodes = sum(len(v) for v in got.nodes.values())
            n_rels = sum(len(v) for v in got.rels.values())
            facts.merge(got) if len(facts) else _adopt(facts, got)
            del got  # its rows are facts' now: the build frees them as it writes them
            reports.append(
                SourceReport(
                    name=src.name,
                    seconds=round(time.perf_counter() - ts, 2),
                    nodes=n_nodes,
                    rels=n_rels,
                    note=ctx.notes.get(src.name, ""),
                    failed=ctx.failures.get(src.name, ""),
                )
            )
        if c_token is not None:
            from ingest.run import delta_state as c_delta_state

            c_delta_state.save_other(self.cache_dir, others)
        ctx.c_facts = ctx.facts = None
        del others
        # Version nodes first: every IN_VERSION/LOCATED_AT edge ends at one (pruning before
        # they exist would drop them all).
        for v in self.versions:
            facts.node(
                "Version",
                id=v.id,
                name=v.name,
                platform=v.platform,
                region=v.region,
                mq=v.mq,
                debug=v.debug,
                ordinal=v.ordinal,
                revision=v.revision,
                is_default=v.is_default,
            )
        dangling = _prune(facts)
        commit = self.checkout.commit()
        counts = {k: n for k, n in sorted(facts.counts().items())}
        vids = [v.id for v in self.versions]
        run_id = hashlib.sha1(json.dumps([commit, vids, counts], sort_keys=True).encode()).hexdigest()[:16]
        facts.node(
            "IngestRun",
            id=run_id,
            decomp_commit=commit,
            versions=vids,
            started=started,
            duration=round(time.perf_counter() - self.t0, 2),
            counts=json.dumps(counts),
            ootkg_version=ootkg_version(),
            sources=[r.name for r in reports if not r.skipped and not r.failed],
            decomp_path=str(self.checkout.root),
            built_versions=[v.id for v in self.checkout._versions],
        )
        out = Gathered(
            run_id=run_id,
            commit=commit,
            counts=counts,
            reports=reports,
            dangling=dangling,
            c_token=c_token,
            failures=dict(ctx.failures),
            warnings=list(ctx.warnings),
            stats={k: ctx.stats.get(k) for k in ("per_version", "failed_files", "diagnostics") if k in ctx.stats},
        )
        if self.stage is None:
            out.facts = facts
        else:
            out.prepared = self.stage(facts)
        return out


def _prune(facts: Facts) -> dict[str, int]:
    """Drop edges with an end not ingested; how many per type (not the rows: kept to the end
    of the run, they would pin the heap pages the store build frees)."""
    out: dict[str, int] = {}
    for rel_type, rows in facts.prune_dangling().items():
        log.info("dropped %d %s edges whose ends were not ingested (e.g. %s)", len(rows), rel_type, rows[0])
        out[rel_type] = len(rows)
    return out


def _adopt(into: Facts, got: Facts) -> None:
    """First bundle: take its rows as they are (merging row by row costs seconds at 500k rows)."""
    into.nodes.update(got.nodes)
    into.rels.update(got.rels)
    into._checked |= got._checked
