"""Review nodes in the graph, made from the reviews JSONL (the truth) by ``ootkg review sync``
(also after ``review export``, when ``review serve`` stops, and when ``generate`` writes
its examples back).

Why not from the server: the embedded store takes one writer at a time (DESIGN.md, Known
traps) and an ingest or a generation run may hold it; a server that kept it open for
writing would block them, and one that waited for it would lose a review to a busy graph.
So the server only appends to the JSONL, and a sync upserts (by review id: re-running it
changes nothing) whenever the graph is free.

    (:Review {id, example, reviewer, action, reason, note, score, revision, created, run})
    (:Review)-[:REVIEWS]->(:Example)
    (:Review)-[:FLAGS {kind}]->(entity)     for "factually-wrong": the entities named
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from kg.schema import NODE_KINDS, REL_KINDS
from review.models import ReviewEvent
from review.state import load_events

log = logging.getLogger(__name__)

_FLAGGABLE = [to for _, to in REL_KINDS["FLAGS"].pairs]


class SyncResult(BaseModel):
    reviews: int = 0
    reviews_edges: int = 0
    flags: int = 0
    missing_examples: int = 0
    unresolved_entities: list[str] = []


def review_rows(events: list[ReviewEvent], run: Path) -> list[dict[str, Any]]:
    return [
        {
            "id": e.id,
            "example": e.example,
            "reviewer": e.reviewer,
            "action": e.action,
            "reason": e.reason,
            "note": e.note or (e.content[:2000] if e.content else ""),
            "score": e.score,
            "revision": e.revision,
            "created": e.created,
            "run": str(run),
        }
        for e in events
    ]


def resolve(store: Any, refs: set[str]) -> dict[str, tuple[str, str]]:
    """``Kind:key`` or a bare name -> (kind, key) of a node the graph has."""
    out: dict[str, tuple[str, str]] = {}
    wanted: dict[str, set[str]] = {}
    for ref in refs:
        kind, sep, key = ref.partition(":")
        if sep and kind in _FLAGGABLE:
            wanted.setdefault(kind, set()).add(key)
        else:
            for k in _FLAGGABLE:
                wanted.setdefault(k, set()).add(ref)
    for kind, keys in wanted.items():
        key = NODE_KINDS[kind].key
        rows = store.run(
            f"UNWIND $keys AS k MATCH (n:{kind}) WHERE n.{key} = k RETURN n.{key} AS key", {"keys": sorted(keys)}
        )
        for r in rows:
            qualified = f"{kind}:{r['key']}"
            if qualified in refs:
                out[qualified] = (kind, r["key"])
            if r["key"] in refs and r["key"] not in out:
                out[r["key"]] = (kind, r["key"])
    return out


def sync(store: Any, runs: list[Path]) -> SyncResult:
    res = SyncResult()
    for run in runs:
        events = load_events(run)
        if not events:
            continue
        rows = review_rows(events, run)
        store.write_nodes("Review", rows)
        res.reviews += len(rows)
        ids = sorted({e.example for e in events})
        have = {
            r["id"]
            for r in store.run("UNWIND $ids AS k MATCH (e:Example) WHERE e.id = k RETURN e.id AS id", {"ids": ids})
        }
        edges = [{"from": e.id, "to": e.example} for e in events if e.example in have]
        res.missing_examples += len(set(ids) - have)
        if edges:
            store.write_rels("REVIEWS", edges)
            res.reviews_edges += len(edges)
        refs = {r for e in events if e.reason == "factually-wrong" for r in e.entities}
        found = resolve(store, refs) if refs else {}
        res.unresolved_entities += sorted(refs - set(found))
        flags = [
            {"from": e.id, "to": found[r][1], "from_kind": "Review", "to_kind": found[r][0], "kind": found[r][0]}
            for e in events
            if e.reason == "factually-wrong"
            for r in e.entities
            if r in found
        ]
        if flags:
            store.write_rels("FLAGS", flags)
            res.flags += len(flags)
    return res
