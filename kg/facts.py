"""A bundle of graph facts (nodes and relationships) checked against the schema.

Every ingester returns a ``Facts``; the store loads one. Rows are plain dicts
(hundreds of thousands of them per run, so no per-row model objects), but each
is checked against ``kg.schema`` when added: an unknown kind or property is a
``SchemaError`` at the source, not a silent no-match at query time.

Node rows are keyed by the kind's key property; adding the same key twice
merges the properties (later non-null values win). Relationship rows carry
``from``/``to`` keys and, where a type joins several pairs of kinds,
``from_kind``/``to_kind``; they are identified by (type, from_kind, from,
to_kind, to[, discriminator]) and merged the same way. They are held compactly,
one ``kg.rel_table.RelTable`` per type (a mapping of ids to rows made on demand):
a 16-version graph has over a million of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from kg.rel_table import RelId, RelTable, Row
from kg.schema import check_props, node_kind, rel_kind, resolve_pair

__all__ = ["Facts", "RelId", "RelTable", "Row"]

_REL_META = frozenset({"from", "to", "from_kind", "to_kind"})


class _RelTables(dict[str, RelTable]):
    """type -> RelTable, made on first use (``.get`` does not make one)."""

    def __missing__(self, rel_type: str) -> RelTable:
        table = self[rel_type] = RelTable(rel_type)
        return table


class Facts:
    def __init__(self) -> None:
        self.nodes: dict[str, dict[Any, Row]] = defaultdict(dict)
        self.rels: dict[str, RelTable] = _RelTables()
        self._checked: set[tuple[str, frozenset[str]]] = set()
        # (type, from_kind, to_kind, property names in call order) -> resolved ends: the
        # checks of a relationship call made once per call shape (assembly makes ~1 M calls)
        self._rel_calls: dict[tuple, tuple[str, str]] = {}

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

    def rel(
        self,
        rel_type: str,
        from_key: Any,
        to_key: Any,
        *,
        from_kind: str | None = None,
        to_kind: str | None = None,
        **props: Any,
    ) -> None:
        shape = (rel_type, from_kind, to_kind, *props)
        ends = self._rel_calls.get(shape)
        if ends is None:
            rk = rel_kind(rel_type)
            self._check(rel_type, rk.props, props)
            ends = self._rel_calls[shape] = resolve_pair(rk, from_kind, to_kind)
        table = self.rels[rel_type]
        table.put(ends[0], from_key, ends[1], to_key, table.values_of(props))

    def add_nodes(self, kind: str, rows: Iterable[Row]) -> None:
        """Bulk form of ``node``: rows are checked by their set of columns, not one by one."""
        for row in rows:
            self.node(kind, **row)

    def add_rels(self, rel_type: str, from_kind: str, to_kind: str, rows: Iterable[Row]) -> None:
        """Bulk form of ``rel``: each row has ``from``, ``to`` and properties."""
        rk = rel_kind(rel_type)
        fk, tk = resolve_pair(rk, from_kind, to_kind)
        table = self.rels[rel_type]
        for row in rows:
            props = {k: v for k, v in row.items() if k not in _REL_META}
            self._check(rel_type, rk.props, props)
            table.put(fk, row["from"], tk, row["to"], table.values_of(props))

    def merge(self, other: Facts) -> Facts:
        """Add another bundle's rows. They were schema-checked when added there, and their
        ids are already computed, so this is dict work only (no per-row re-validation)."""
        for kind, rows in other.nodes.items():
            _merge_rows(self.nodes[kind], rows)
        for rel_type, table in other.rels.items():
            self.rels[rel_type].merge_from(table)
        self._checked |= other._checked
        return self

    def node_rows(self, kind: str) -> list[Row]:
        return list(self.nodes.get(kind, {}).values())

    def rel_rows(self, rel_type: str) -> list[Row]:
        table = self.rels.get(rel_type)
        return list(table.rows()) if table is not None else []

    def done_adding(self) -> None:
        """No more rows will be added: drop what only adding needs."""
        for table in self.rels.values():
            table.done_adding()

    def prune_dangling(self) -> dict[str, list[tuple[str, Any, str, Any]]]:
        """Drop relationships whose ends are not nodes of this bundle; return what was dropped
        (per type) so the caller can report it. A store cannot hold an edge to nothing."""
        dropped: dict[str, list[tuple[str, Any, str, Any]]] = {}
        for rel_type, table in self.rels.items():
            bad = table.prune(self.nodes)
            if bad:
                dropped[rel_type] = bad
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
