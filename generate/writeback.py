"""Write accepted examples back into the graph: Example nodes, GROUNDED_IN, BUILDS_ON.

Coverage then is a query (``coverage_actors``, ``examples_per_concept``...).
Upserts keyed by the example id, so writing a run twice changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from kg.schema import REL_KINDS

log = logging.getLogger(__name__)

_GROUNDABLE = {to for _, to in REL_KINDS["GROUNDED_IN"].pairs}


def example_rows(records: Iterable[dict[str, Any]], output: str) -> tuple[list, list, list]:
    nodes, grounded, builds = [], [], []
    for rec in records:
        m = rec["metadata"]
        report = m.get("validation") or {}
        nodes.append(
            {
                "id": m["id"],
                "family": m["family"],
                "difficulty": m["difficulty"],
                "version": m["version"],
                "ok": bool(report.get("ok", True)),
                "level_reached": int(report.get("level_reached") or 0),
                "generator": m["generator"],
                "model": m["model"],
                "target": f"{m.get('target_kind')}:{m['target']}",
                "created": m.get("created"),
                "output": output,
            }
        )
        seen = set()
        for ref in [
            *m.get("entities", []),
            f"Version:{m['version']}",
            *(f"Concept:{c}" for c in m.get("prerequisite_chain", [])[-1:]),
        ]:
            kind, _, key = ref.partition(":")
            if kind in _GROUNDABLE and key and (kind, key) not in seen:
                seen.add((kind, key))
                grounded.append({"from": m["id"], "to": key, "from_kind": "Example", "to_kind": kind})
        for prev in m.get("builds_on", []):
            builds.append({"from": m["id"], "to": prev})
    return nodes, grounded, builds


def write_back(store: Any, records: list[dict[str, Any]], output: str) -> dict[str, int]:
    """Upsert the examples and their edges; edges to entities the graph lacks are skipped."""
    nodes, grounded, builds = example_rows(records, output)
    if not nodes:
        return {"examples": 0, "grounded_in": 0, "builds_on": 0}
    store.write_nodes("Example", nodes)
    existing = _existing(store, grounded)
    grounded = [g for g in grounded if (g["to_kind"], g["to"]) in existing]
    ids = {n["id"] for n in nodes} | _existing_examples(store, [b["to"] for b in builds])
    builds = [b for b in builds if b["to"] in ids]
    if grounded:
        store.write_rels("GROUNDED_IN", grounded)
    if builds:
        store.write_rels("BUILDS_ON", builds)
    return {"examples": len(nodes), "grounded_in": len(grounded), "builds_on": len(builds)}


def _existing(store: Any, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    from kg.schema import node_kind

    by_kind: dict[str, set[str]] = {}
    for r in rows:
        by_kind.setdefault(r["to_kind"], set()).add(r["to"])
    found: set[tuple[str, str]] = set()
    for kind, keys in by_kind.items():
        key = node_kind(kind).key
        for row in store.run(
            f"UNWIND $keys AS k MATCH (n:{kind}) WHERE n.{key} = k RETURN n.{key} AS key", {"keys": sorted(keys)}
        ):
            found.add((kind, row["key"]))
    return found


def _existing_examples(store: Any, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    rows = store.run("UNWIND $ids AS k MATCH (e:Example) WHERE e.id = k RETURN e.id AS id", {"ids": sorted(set(ids))})
    return {r["id"] for r in rows}
