"""Incremental materialisation: what changed between two bundles of facts about the same
entities (before and after an edit), applied to a live store in place.

``diff(old, new)`` compares rows by key: a node or relationship only in ``old`` is deleted,
one only in ``new`` or with other properties is upserted. A relationship present in both
is written again when one of its ends is a node that ``old`` lacked: the full build pruned
it then (an edge to nothing), so the store does not have it yet.

``apply(store, delta)`` deletes, then upserts nodes, then upserts the relationships whose
ends exist (in the store, after the node writes): the same pruning as a full build. It uses
only ``run``/``write_nodes``/``write_rels``, so it works on every ``GraphStore``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from kg.facts import Facts, RelId, RelTable, Row
from kg.schema import NODE_KINDS, REL_KINDS
from kg.store import GraphStore


@dataclass
class Delta:
    upsert_nodes: dict[str, list[Row]] = field(default_factory=dict)
    delete_nodes: dict[str, list[Any]] = field(default_factory=dict)  # kind -> keys
    upsert_rels: dict[str, list[Row]] = field(default_factory=dict)
    delete_rels: dict[str, list[RelId]] = field(default_factory=dict)
    added_nodes: set[tuple[str, Any]] = field(default_factory=set)  # (kind, key) new ones

    def counts(self) -> dict[str, int]:
        return {
            "nodes_upserted": sum(map(len, self.upsert_nodes.values())),
            "nodes_deleted": sum(map(len, self.delete_nodes.values())),
            "rels_upserted": sum(map(len, self.upsert_rels.values())),
            "rels_deleted": sum(map(len, self.delete_rels.values())),
        }

    def __len__(self) -> int:
        return sum(self.counts().values())


def _with_cleared(row: Row, prev: Row | None) -> Row:
    """An upsert row that also clears properties the previous row had and this one lacks."""
    if prev is None:
        return row
    gone = {k: None for k in prev if k not in row}
    return {**gone, **row} if gone else row


def diff(old: Facts, new: Facts) -> Delta:
    d = Delta()
    added = d.added_nodes
    for kind in set(old.nodes) | set(new.nodes):
        o, n = old.nodes.get(kind, {}), new.nodes.get(kind, {})
        gone = [k for k in o if k not in n]
        if gone:
            d.delete_nodes[kind] = gone
        ups = []
        for k, row in n.items():
            prev = o.get(k)
            if prev is None:
                added.add((kind, k))
            if prev != row:
                ups.append(_with_cleared(row, prev))
        if ups:
            d.upsert_nodes[kind] = ups
    for rel_type in set(old.rels) | set(new.rels):
        ot = old.rels.get(rel_type) or RelTable(rel_type)
        nt = new.rels.get(rel_type) or RelTable(rel_type)
        gone_r = [rid for rid in ot if rid not in nt]
        if gone_r:
            d.delete_rels[rel_type] = gone_r
        rups: list[Row] = []
        # compared as value tuples; only the rows written are made into dicts
        for fk, tk, _ in nt.pairs():
            for f, t, disc, vals in nt.pair_rows(fk, tk):
                was = ot.values_at((fk, f, tk, t, disc))
                if was != vals or (fk, f) in added or (tk, t) in added:
                    row = nt.row(fk, f, tk, t, vals)
                    rups.append(row if was is None else _with_cleared(row, ot.row(fk, f, tk, t, was)))
        if rups:
            d.upsert_rels[rel_type] = rups
    return d


def _existing_keys(store: GraphStore, kind: str, keys: set[Any]) -> set[Any]:
    if not keys:
        return set()
    key = NODE_KINDS[kind].key
    rows = store.run(f"UNWIND $keys AS k MATCH (n:{kind} {{{key}: k}}) RETURN n.{key} AS k", {"keys": list(keys)})
    return {r["k"] for r in rows}


def apply(store: GraphStore, delta: Delta) -> dict[str, int]:
    """Write ``delta`` into ``store``, in one transaction where the store can
    (``GraphStore.batch``); returns the counts written (relationships to nodes that do not
    exist are dropped, as a full build drops them: ``dropped``)."""
    with store.batch():
        return _apply(store, delta)


def _apply(store: GraphStore, delta: Delta) -> dict[str, int]:
    for rel_type, rids in delta.delete_rels.items():
        rk = REL_KINDS[rel_type]
        by_pair: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for fk, f, tk, t, disc in rids:
            by_pair[(fk, tk)].append({"f": f, "t": t, "d": disc})
        for (fk, tk), rows in by_pair.items():
            fkey, tkey = NODE_KINDS[fk].key, NODE_KINDS[tk].key
            where = f" WHERE e.{rk.discriminator} = r.d" if rk.discriminator else ""
            store.run(
                f"UNWIND $rows AS r MATCH (a:{fk} {{{fkey}: r.f}})-[e:{rel_type}]->"
                f"(b:{tk} {{{tkey}: r.t}}){where} DELETE e",
                {"rows": rows},
            )
    for kind, keys in delta.delete_nodes.items():
        key = NODE_KINDS[kind].key
        store.run(f"UNWIND $keys AS k MATCH (n:{kind} {{{key}: k}}) DETACH DELETE n", {"keys": keys})
    for kind, rows in delta.upsert_nodes.items():
        store.write_nodes(kind, rows)
    # ends that exist now: the nodes just written, else whatever the store has
    wanted: dict[str, set[Any]] = defaultdict(set)
    for rows in delta.upsert_rels.values():
        for r in rows:
            wanted[r["from_kind"]].add(r["from"])
            wanted[r["to_kind"]].add(r["to"])
    have = {kind: _existing_keys(store, kind, keys) for kind, keys in wanted.items()}
    dropped = 0
    for rel_type, rows in delta.upsert_rels.items():
        ok = [r for r in rows if r["from"] in have[r["from_kind"]] and r["to"] in have[r["to_kind"]]]
        dropped += len(rows) - len(ok)
        if ok:
            store.write_rels(rel_type, ok)
    out = delta.counts()
    out["dropped"] = dropped
    return out
