"""Generated nodes (Examples) and their edges, carried from one graph to the next by a store's
``replace_graph``: read from the live graph, written into the new one with only the edges
whose far end is still there. Store-agnostic (``run``, ``write_nodes``, ``write_rels``)."""

from __future__ import annotations

import logging
from typing import Any

from kg.facts import Facts
from kg.schema import NODE_KINDS, REL_KINDS
from kg.store import PRESERVED_NODE_KINDS, PRESERVED_REL_KINDS, GraphStore

log = logging.getLogger(__name__)


def read(store: GraphStore, into: Facts) -> None:
    """Copy the generated nodes and their edges from ``store`` into ``into``."""
    for kind in PRESERVED_NODE_KINDS:
        nk = NODE_KINDS[kind]
        cols = ", ".join(f"n.{p} AS {p}" for p in nk.props)
        for row in store.run(f"MATCH (n:{kind}) RETURN {cols}"):
            into.node(kind, **{k: v for k, v in row.items() if v is not None})
    if not any(into.nodes.get(k) for k in PRESERVED_NODE_KINDS):
        return  # no generated nodes, so no edges of theirs either
    for rel_type in PRESERVED_REL_KINDS:
        rk = REL_KINDS[rel_type]
        cols = "".join(f", r.{p} AS {p}" for p in rk.props)
        # label() and a key per candidate kind: one query per type, not one per pair.
        keys = sorted({NODE_KINDS[tk].key for _, tk in rk.pairs})
        key_cols = "".join(f", b.{k} AS k_{k}" for k in keys)
        for fk in sorted({f for f, _ in rk.pairs}):
            fkey = NODE_KINDS[fk].key
            for row in store.run(
                f"MATCH (a:{fk})-[r:{rel_type}]->(b) RETURN a.{fkey} AS f, label(b) AS tk{key_cols}{cols}"
            ):
                tk = row["tk"]
                props = {p: row[p] for p in rk.props if row.get(p) is not None}
                into.rel(rel_type, row["f"], row[f"k_{NODE_KINDS[tk].key}"], from_kind=fk, to_kind=tk, **props)


def write(store: GraphStore, kept: Facts) -> None:
    """Write carried-over nodes, and those of their edges whose far end is in ``store``."""
    for kind in PRESERVED_NODE_KINDS:
        if kept.nodes.get(kind):
            store.write_nodes(kind, kept.nodes[kind].values())
    for rel_type, rels in kept.rels.items():
        ends: dict[str, list[Any]] = {}
        for row in rels.values():
            ends.setdefault(row["to_kind"], []).append(row["to"])
        have: set[tuple[str, Any]] = set()
        for tk, keys in ends.items():
            key = NODE_KINDS[tk].key
            have.update(
                (tk, r["k"])
                for r in store.run(f"MATCH (b:{tk}) WHERE b.{key} IN $keys RETURN b.{key} AS k", {"keys": keys})
            )
        rows = [r for r in rels.values() if (r["to_kind"], r["to"]) in have]
        if len(rows) < len(rels):
            log.info(
                "%s: %d edge(s) of generated nodes dropped (their end left the graph)", rel_type, len(rels) - len(rows)
            )
        if rows:
            store.write_rels(rel_type, rows)
