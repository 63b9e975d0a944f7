"""How a re-run decides what to redo: is the store's graph the one the run state describes,
and, when only ``.c`` code changed, the C delta applied in place (see docs/ingest.md).
``ingest.pipeline.run_ingest`` calls these; the full build is ``ingest.run.full``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest.checkout.checkout import Checkout
from ingest.checkout.versions import VersionInfo
from ingest.context import IngestContext, IngestReport, ProgressFn, SourceReport, ootkg_version
from ingest.run import state as run_state


def graph_is(
    state: run_state.RunState, graph_id: Callable[[], str | None] | None, store_factory: Callable[[], Any] | None
) -> bool:
    """Is the store's graph the one ``state`` describes? (Cheap when the store can say who it
    is; else look for the run's IngestRun node.)"""
    if store_factory is None:
        return False
    if graph_id is not None and state.graph is not None:
        try:
            return graph_id() == state.graph
        except OSError:
            return False
    try:
        with store_factory() as store:
            rows = store.run("MATCH (r:IngestRun {id: $id}) RETURN r.id AS id", {"id": state.run_id})
    except Exception:  # noqa: BLE001 - no graph yet, or another one: ingest again
        return False
    return bool(rows)


def extra(cli: str | None, code: str) -> dict[str, Any]:
    """What the CLI's fast path checks besides the stats: its inputs and ootkg's code."""
    return {"cli": cli, "code": code} if cli else {}


def save_c_state(ctx: IngestContext, old: run_state.RunState | None, stats: run_state.Stats) -> str | None:
    """Save what the next run's C delta path needs from this one; its token (None without
    the C source). The C records it is made from leave ``ctx``: they are most of the run's
    memory until the graph facts."""
    got = ctx.stats.pop("c_data", None)
    if not got:
        return None
    from ingest.run import delta_state as c_delta_state

    data, dscan = got
    known: dict[str, str] = {}
    if old is not None and c_delta_state.load_c(ctx.cache_dir, old) is not None:
        # directive hashes of the files that did not change
        root = str(ctx.checkout.root).rstrip("/") + "/"
        known = {rel: h for rel, h in old.c.directives.items() if old.stats.get(root + rel) == stats.get(root + rel)}
    heads: list[str] = []
    if ctx.use_pch:
        from ingest.c.env import CompileEnv

        first = sorted(ctx.versions, key=lambda v: (not v.is_default, v.ordinal))[0]
        heads = CompileEnv(ctx.checkout, first.id, ctx.cache_dir).prefix_headers()
    return c_delta_state.save_c(ctx.cache_dir, c_delta_state.remember(data, dscan, ctx.checkout.root, known, heads))


def _counts_after(store: Any, before: dict[str, int], delta: Any) -> dict[str, int]:
    """The graph's counts (as a full run reports them) after ``delta``: counted again for the
    kinds it touched (all of them when it deleted nodes: that drops their edges too)."""
    from kg.store import PRESERVED_NODE_KINDS, PRESERVED_REL_KINDS

    skip = {"IngestRun", *PRESERVED_NODE_KINDS, *PRESERVED_REL_KINDS}
    if delta.delete_nodes:
        have = store.counts()
        now = {**have["nodes"], **have["relationships"]}
    else:
        now = dict(before)
        for kind in delta.upsert_nodes:
            now[kind] = store.run(f"MATCH (n:{kind}) RETURN count(n) AS c")[0]["c"]
        for rel_type in {*delta.upsert_rels, *delta.delete_rels}:
            now[rel_type] = store.run(f"MATCH ()-[r:{rel_type}]->() RETURN count(r) AS c")[0]["c"]
    return {k: n for k, n in sorted(now.items()) if n and k not in skip}


def run_delta(
    checkout: Checkout,
    versions: list[VersionInfo],
    cache_dir: Path,
    state: run_state.RunState,
    edited: list[str],
    stats: run_state.Stats,
    store_factory: Callable[[], Any] | None,
    progress: ProgressFn,
    t0: float,
    cli: str | None,
    code: str,
) -> IngestReport | None:
    from ingest.run import delta as c_delta
    from kg import delta as kg_delta

    if store_factory is None:
        return None
    progress("C delta", 0, len(edited))
    cd = c_delta.compute_delta(checkout, cache_dir, state.c, edited)
    if cd is None:
        return None
    progress("C delta", len(edited), len(edited))
    run_state.forget(cache_dir)  # until the store has the delta (a killed run redoes it)
    commit = checkout.commit()
    with store_factory() as store:
        written = kg_delta.apply(store, cd.delta)
        counts = _counts_after(store, state.counts, cd.delta)
        run_id = hashlib.sha1(
            json.dumps(
                [state.run_id, commit, edited, [stats.get(str(checkout.root / e)) for e in edited], counts]
            ).encode()
        ).hexdigest()[:16]
        store.run("MATCH (r:IngestRun) DETACH DELETE r")
        store.write_nodes(
            "IngestRun",
            [
                {
                    "id": run_id,
                    "decomp_commit": commit,
                    "versions": [v.id for v in versions],
                    "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "duration": round(time.perf_counter() - t0, 2),
                    "counts": json.dumps(counts),
                    "ootkg_version": ootkg_version(),
                    "sources": ["c"],
                    "decomp_path": str(checkout.root),
                    "built_versions": [v.id for v in checkout._versions],
                }
            ],
        )
    c_delta.put_records(cache_dir, cd.records)
    if cd.pattern_state is not None:
        from ingest.patterns.mine import save_state

        save_state(cache_dir, cd.pattern_state)
    overlay = {part: {**state.c_overlay.get(part, {}), **changes} for part, changes in cd.overlay.items()}
    if not any(r.failed for r in cd.records):
        run_state.save(
            cache_dir,
            run_state.RunState(
                options=state.options,
                stats=stats,
                run_id=run_id,
                decomp_commit=commit,
                counts=counts,
                graph=state.graph,
                extra=extra(cli, code),
                c_token=state.c_token,
                c_overlay=overlay,
            ),
        )
    # else libclang could not parse a file at all: such records are not cached (they are
    # retried), so no state either: the next run is a full one
    note = (
        f"delta: {len(cd.parsed)} parse(s) ({', '.join(cd.parsed[:4])}"
        f"{', ...' if len(cd.parsed) > 4 else ''}); {cd.names} entities re-assembled; "
        f"{written['nodes_upserted']} nodes and {written['rels_upserted']} relationships "
        f"written, {written['nodes_deleted']} nodes and {written['rels_deleted']} "
        f"relationships deleted{cd.notes}"
    )
    return IngestReport(
        run_id=run_id,
        decomp_commit=commit,
        versions=[v.id for v in versions],
        seconds=round(time.perf_counter() - t0, 2),
        counts=counts,
        sources=[
            SourceReport(
                name="c",
                seconds=round(cd.seconds, 2),
                nodes=written["nodes_upserted"],
                rels=written["rels_upserted"],
                note=note,
            )
        ],
        dangling={},
        delta={"edited": edited, "parsed": cd.parsed, **written},
        failed_files=cd.failed,
        partial=bool(cd.failed),
    )
