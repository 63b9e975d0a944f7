"""A bundle of graph facts (nodes and relationships) checked against the schema.

Every ingester returns a ``Facts``; the store loads one. Rows are plain dicts
(hundreds of thousands of them per run, so no per-row model objects), but each
is checked against ``kg.schema`` when added: an unknown kind or property is a
``SchemaError`` at the source, not a silent no-match at query time.

Node rows are keyed by the kind's key property; adding the same key twice
merges the properties (later non-null values win). Relationship rows carry
``from``/``to`` keys and, where a type joins several pairs of kinds,
``from_kind``/``to_kind``; they are identified by (type, from_kind, from,
to_kind, to[, discriminator]) and merged the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from kg.schema import check_props, node_kind, rel_kind, resolve_pair

Row = dict[str, Any]
RelId = tuple[str, Any, str, Any, Any]

_REL_META = frozenset({"from", "to", "from_kind", "to_kind"})


class Facts:
    def __init__(self) -> None:
        self.nodes: dict[str, dict[Any, Row]] = defaultdict(dict)
        self.rels: dict[str, dict[RelId, Row]] = defaultdict(dict)
        self._checked: set[tuple[str, frozenset[str]]] = set()

    def _check(self, owner: str, declared: dict, keys: Iterable[str]) -> None:
        sig = (owner, frozenset(keys))
        if sig not in self._checked:
            check_props(owner, declared, set(sig[1]))
            self._checked.add(sig)

    def node(self, kind: str, /, **props: Any) -> None:
        nk = node_kind(kind)
        self._check(kind, nk.props, props)
        key = props.get(nk.key)
        if key is None:
            raise ValueError(f"{kind} row without its key {nk.key!r}: {props}")
        existing = self.nodes[kind].get(key)
        if existing is None:
            self.nodes[kind][key] = props
        else:
            existing.update({k: v for k, v in props.items() if v is not None})

    def rel(self, rel_type: str, from_key: Any, to_key: Any, *, from_kind: str | None = None,
            to_kind: str | None = None, **props: Any) -> None:
        rk = rel_kind(rel_type)
        self._check(rel_type, rk.props, props)
        fk, tk = resolve_pair(rk, from_kind, to_kind)
        disc = props.get(rk.discriminator) if rk.discriminator else None
        rid: RelId = (fk, from_key, tk, to_key, disc)
        existing = self.rels[rel_type].get(rid)
        if existing is None:
            self.rels[rel_type][rid] = {"from": from_key, "to": to_key, "from_kind": fk,
                                        "to_kind": tk, **props}
        else:
            existing.update({k: v for k, v in props.items() if v is not None})

    def add_nodes(self, kind: str, rows: Iterable[Row]) -> None:
        """Bulk form of ``node``: rows are checked by their set of columns, not one by one."""
        for row in rows:
            self.node(kind, **row)

    def add_rels(self, rel_type: str, from_kind: str, to_kind: str, rows: Iterable[Row]) -> None:
        """Bulk form of ``rel``: each row has ``from``, ``to`` and properties."""
        rk = rel_kind(rel_type)
        fk, tk = resolve_pair(rk, from_kind, to_kind)
        bucket = self.rels[rel_type]
        for row in rows:
            props = {k: v for k, v in row.items() if k not in _REL_META}
            self._check(rel_type, rk.props, props)
            disc = props.get(rk.discriminator) if rk.discriminator else None
            rid: RelId = (fk, row["from"], tk, row["to"], disc)
            existing = bucket.get(rid)
            if existing is None:
                bucket[rid] = {"from": row["from"], "to": row["to"], "from_kind": fk,
                               "to_kind": tk, **props}
            else:
                existing.update({k: v for k, v in props.items() if v is not None})

    def merge(self, other: Facts) -> Facts:
        """Add another bundle's rows. They were schema-checked when added there, and their
        ids are already computed, so this is dict work only (no per-row re-validation)."""
        for kind, rows in other.nodes.items():
            _merge_rows(self.nodes[kind], rows)
        for rel_type, rels in other.rels.items():
            _merge_rows(self.rels[rel_type], rels)
        self._checked |= other._checked
        return self

    def node_rows(self, kind: str) -> list[Row]:
        return list(self.nodes.get(kind, {}).values())

    def rel_rows(self, rel_type: str) -> list[Row]:
        return list(self.rels.get(rel_type, {}).values())

    def iter_rel_groups(self, only_type: str | None = None
                        ) -> Iterator[tuple[str, str, str, list[Row]]]:
        """(type, from_kind, to_kind, rows) per joined pair: the unit of a bulk load."""
        for rel_type, rels in self.rels.items():
            if only_type is not None and rel_type != only_type:
                continue
            groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
            for (fk, _, tk, _, _), row in rels.items():
                groups[(fk, tk)].append(row)
            for (fk, tk), rows in groups.items():
                yield rel_type, fk, tk, rows

    def prune_dangling(self) -> dict[str, list[tuple[str, Any, str, Any]]]:
        """Drop relationships whose ends are not nodes of this bundle; return what was dropped
        (per type) so the caller can report it. A store cannot hold an edge to nothing."""
        dropped: dict[str, list[tuple[str, Any, str, Any]]] = {}
        empty: dict[Any, Row] = {}
        for rel_type, rels in self.rels.items():
            bad = []
            for rid in rels:
                fk, f, tk, t, _ = rid
                if f not in self.nodes.get(fk, empty) or t not in self.nodes.get(tk, empty):
                    bad.append(rid)
            for rid in bad:
                del rels[rid]
            if bad:
                dropped[rel_type] = [(fk, f, tk, t) for fk, f, tk, t, _ in bad]
        return dropped

    def counts(self) -> dict[str, int]:
        out = {k: len(v) for k, v in self.nodes.items() if v}
        out.update({k: len(v) for k, v in self.rels.items() if v})
        return out

    def __len__(self) -> int:
        return sum(len(v) for v in self.nodes.values()) + sum(len(v) for v in self.rels.values())


def _merge_rows(mine: dict[Any, Row], theirs: dict[Any, Row]) -> None:
    for ident, row in theirs.items():
        existing = mine.get(ident)
        if existing is None:
            mine[ident] = dict(row)
        else:
            existing.update({k: v for k, v in row.items() if v is not None})
