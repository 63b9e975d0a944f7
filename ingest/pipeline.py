"""The ingest pipeline: checkout -> sources -> one Facts bundle -> store.replace_graph.

The sources are listed in ``ingest.sources`` (each a function of an ``IngestContext``,
``ingest.context``). ``IngestContext`` carries the checkout, the selected versions (``VersionInfo``),
the cache dir, a progress callback ``ctx.progress(task, done, total)``, the C
facts already extracted (``ctx.c_facts``, so a later source can check that a
name exists), the registered map files (``ctx.maps``: ``MapInput(path,
version)``) and the concepts dir (``ctx.concepts_dir``; None = built-in).
Sources run in order (the C code first); their facts are merged (``Facts`` merges by key),
dangling edges are pruned and reported, an ``IngestRun`` node is added and the
store is replaced atomically (``ingest.run.full``; in a forked child when the
store stages its graph, ``ingest.run.forked``). ``run_ingest`` first decides whether
anything changed and whether the C delta path applies (``ingest.run.decide``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest import sources
from ingest.checkout.checkout import Checkout
from ingest.checkout.versions import VersionInfo
from ingest.context import IngestReport, MapInput, ProgressFn, ootkg_version
from ingest.domain.addresses import symbols_dir
from ingest.run import decide as rerun
from ingest.run import delta_state as c_delta_state
from ingest.run import forked
from ingest.run import state as run_state
from ingest.run.full import FullRun
from kg.facts import Facts
from kg.persist import atomic_write

log = logging.getLogger(__name__)

# --- map files a user registered (remembered in the cache so later runs include them) ---


def _maps_registry(cache_dir: Path) -> Path:
    return cache_dir / "maps.json"


def registered_maps(cache_dir: Path) -> list[MapInput]:
    p = _maps_registry(cache_dir)
    if not p.is_file():
        return []
    try:
        return [MapInput(**m) for m in json.loads(p.read_text())]
    except (ValueError, TypeError):
        log.warning("%s unreadable; ignoring registered map files", p)
        return []


def register_map(cache_dir: Path, path: Path, version: str) -> MapInput:
    path = path.resolve()
    sha = hashlib.sha1(path.read_bytes()).hexdigest()
    maps = [m for m in registered_maps(cache_dir) if not (m.version == version)]
    m = MapInput(path=path, version=version, sha=sha)
    maps.append(m)
    cache_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(_maps_registry(cache_dir), json.dumps([json.loads(x.model_dump_json()) for x in maps], indent=1))
    return m


# --- the run ---


class IngestRefused(RuntimeError):
    """The run failed a source or would shrink the graph: nothing was written."""

    def __init__(self, report: IngestReport) -> None:
        self.report = report
        parts = [f"source {n} failed: {why}" for n, why in report.failed_sources.items()]
        if report.shrunk:
            parts.append("the graph would shrink: " + ", ".join(report.shrunk))
        super().__init__("; ".join(parts))


# A node kind with at least this many nodes that would lose more than half of them fails a
# run (a broken checkout, e.g. include/tables missing: 471 actors -> 0).
SHRINK_MIN = 10
SHRINK_RATIO = 0.5
_NOT_GUARDED = {"IngestRun", "Version"}


def shrinkage(old: dict[str, int], new: dict[str, int]) -> list[str]:
    """Node kinds of ``old`` counts that ``new`` counts cut by more than half."""
    out = []
    for kind, n in sorted(old.items()):
        if not kind[:1].isupper() or kind.isupper() or kind in _NOT_GUARDED or n < SHRINK_MIN:
            continue  # relationship types are UPPER_CASE; tiny kinds move by chance
        m = new.get(kind, 0)
        if m < n * SHRINK_RATIO:
            out.append(f"{kind}: {n} -> {m}")
    return out


def previous_run(store: Any) -> dict[str, Any] | None:
    """The IngestRun of the graph the store holds now (counts, versions, sources)."""
    try:
        rows = store.run(
            "MATCH (r:IngestRun) RETURN r.counts AS counts, r.versions AS versions, "
            "r.sources AS sources, r.started AS started ORDER BY started DESC "
            "LIMIT 1"
        )
    except Exception:  # noqa: BLE001 - an empty store, or one without the table yet
        return None
    if not rows:
        return None
    row = rows[0]
    try:
        counts = json.loads(row["counts"]) if isinstance(row["counts"], str) else row["counts"]
    except ValueError:
        return None
    return {"counts": counts or {}, "versions": list(row["versions"] or []), "sources": list(row["sources"] or [])}


def _options(
    checkout: Checkout,
    versions: list[VersionInfo],
    maps: list[MapInput],
    concepts_dir: Path | None,
    only_sources: list[str] | None,
    use_pch: bool,
    symbols: str | None,
    code: str,
) -> str:
    """Everything besides the input files that decides the graph: equal options and equal
    file stats mean a rerun would produce the same graph."""
    return run_state.options_key(
        root=str(checkout.root),
        versions=[v.id for v in versions],
        maps=[m.model_dump(mode="json") for m in maps],
        concepts=str(concepts_dir),
        only=only_sources,
        pch=use_pch,
        ootkg=ootkg_version(),
        code=code,
        sources=[s.name for s in sources.SOURCES],
        symbols=symbols,
    )


def run_ingest(
    checkout: Checkout,
    versions: list[VersionInfo],
    cache_dir: Path,
    store_factory: Callable[[], Any] | None,
    *,
    progress: ProgressFn | None = None,
    maps: list[MapInput] | None = None,
    concepts_dir: Path | None = None,
    jobs: int = 2,
    only_sources: list[str] | None = None,
    use_pch: bool = True,
    force: bool = False,
    graph_id: Callable[[], str | None] | None = None,
    cli: str | None = None,
    stage: Callable[[Facts], Any] | None = None,
    allow_shrink: bool = False,
) -> tuple[IngestReport, Facts]:
    """Run every source, merge, and (when ``store_factory`` is given) replace the graph.

    When nothing an ingest reads changed since the run that built the current graph, returns
    at once with ``report.unchanged``; when only ``.c`` bodies changed, applies the C delta
    in place (``report.delta``); ``force`` rebuilds anyway. ``graph_id`` names the store's
    current graph (the embedded store's CURRENT file), so those checks need not open it;
    ``cli`` (``ingest.run.state.cli_key``) is remembered for the CLI's no-op fast path;
    ``stage`` (``kg.store.stager_for``): the store stages
    a new graph without being open, so the sources, the merge and the staging run in a
    child process (``ingest.run.forked``) and this one only loads the result with the store's
    ``finish_replace``. With a store, the Facts returned are empty: the build consumes them.

    A source that failed, or a node kind cut by more than half against the graph the store
    holds (same versions and sources, or more), raises ``IngestRefused`` and writes nothing,
    unless ``allow_shrink``."""
    t0 = time.perf_counter()
    progress = progress or (lambda *_: None)
    maps = maps if maps is not None else registered_maps(cache_dir)
    sym = symbols_dir()  # the addresses source reads it
    symbols = str(sym.resolve()) if sym is not None else None
    stats = run_state.scan_inputs(checkout.root, concepts_dir, sym)
    code = run_state.code_stamp()
    options = _options(checkout, versions, maps, concepts_dir, only_sources, use_pch, symbols, code)
    state = None if force else run_state.load(cache_dir)
    if state is not None and state.options == options and rerun.graph_is(state, graph_id, store_factory):
        modified, added, removed = run_state.changed_files(state.stats, stats)
        if not (modified or added or removed):
            return IngestReport(
                run_id=state.run_id,
                decomp_commit=state.decomp_commit,
                versions=[v.id for v in versions],
                seconds=round(time.perf_counter() - t0, 3),
                counts=state.counts,
                sources=[],
                dangling={},
                unchanged=True,
            ), Facts()
        edited, why = c_delta_state.plan_delta(
            c_delta_state.load_c(cache_dir, state), checkout.root, modified, added, removed
        )
        if edited is not None:
            delta = rerun.run_delta(
                checkout, versions, cache_dir, state, edited, stats, store_factory, progress, t0, cli, code
            )
            if delta is not None:
                return delta, Facts()
            why = "the cache lacks records the delta needs"
        log.info("full ingest: %s", why)
    cache_dir.mkdir(parents=True, exist_ok=True)
    chosen = [src for src in sources.SOURCES if not only_sources or src.name in only_sources]
    run = FullRun(
        checkout=checkout,
        versions=versions,
        cache_dir=cache_dir,
        maps=maps,
        concepts_dir=concepts_dir,
        jobs=jobs,
        use_pch=use_pch,
        chosen=chosen,
        stage=stage if store_factory is not None else None,
        state=state,
        stats=stats,
        t0=t0,
        save_c=store_factory is not None,
    )
    if run.stage is not None:
        # the sources, the merge and the staging in a child process: the rows never live in
        # this one, which then loads what was staged (see ingest.run.forked)
        got = forked.run(run.gather, progress)
    else:
        got = run.gather(progress)
    facts = got.facts
    report = IngestReport(
        run_id=got.run_id,
        decomp_commit=got.commit,
        versions=[v.id for v in versions],
        seconds=0,
        counts=got.counts,
        sources=got.reports,
        dangling=got.dangling,
        per_version=got.stats.get("per_version", []),
        failed_files=got.stats.get("failed_files", []),
        diagnostics=got.stats.get("diagnostics", 0),
        partial=bool(got.stats.get("failed_files")),
        warnings=got.warnings,
        failed_sources=got.failures,
        allowed_shrink=allow_shrink,
    )
    if store_factory is not None:
        try:
            with store_factory() as store:
                prev = previous_run(store)
                if (
                    prev is not None
                    and set(prev["versions"]) <= {v.id for v in versions}
                    and set(prev["sources"]) <= {r.name for r in got.reports if not r.skipped and not r.failed}
                ):
                    report.shrunk = shrinkage(prev["counts"], got.counts)
                if (report.failed_sources or report.shrunk) and not allow_shrink:
                    report.seconds = round(time.perf_counter() - t0, 2)
                    raise IngestRefused(report)
                run_state.forget(cache_dir)  # the graph is about to change
                if got.prepared is not None:
                    store.finish_replace(got.prepared)
                else:
                    store.replace_graph(facts, consume=True)  # rows freed as they are written
        finally:
            if got.prepared is not None:
                got.prepared.discard()
        run_state.save(
            cache_dir,
            run_state.RunState(
                options=options,
                stats=stats,
                run_id=got.run_id,
                decomp_commit=got.commit,
                counts=got.counts,
                graph=graph_id() if graph_id is not None else None,
                extra=rerun.extra(cli, code),
                c_token=got.c_token,
            ),
        )
    report.seconds = round(time.perf_counter() - t0, 2)
    return report, facts
