"""Whole-graph tables for the concept and object context queries (see ``generate.tables``).

A run's concept and object contexts asked ~120 small queries of the store on the real
graph; these four tables answer them from memory. ``collect`` lists come back sorted:
their order in the store is its scan order, which the per-entity and the whole-graph
query need not share (the context facts sort them too)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Row = dict[str, Any]


class DomainTables:
    """Mixed into ``generate.tables.Tables``: needs its ``_get`` and ``_group``."""

    _get: Callable[[str, Callable[[list[Row]], Any]], Any]
    _group: Callable[[list[Row], str], dict[Any, list[Row]]]

    def concepts(self) -> dict[str, Row]:
        return self._get(
            "context_all_concepts", lambda rows: {r["id"]: {**r, "requires": sorted_list(r["requires"])} for r in rows}
        )

    def concept_covers(self) -> dict[str, list[Row]]:
        return self._get("context_all_concept_covers", lambda rows: self._group(rows, "concept"))

    def objects(self) -> dict[str, Row]:
        return self._get(
            "context_all_objects", lambda rows: {r["enum"]: {**r, "actors": sorted_list(r["actors"])} for r in rows}
        )

    def object_assets(self) -> dict[str, list[Row]]:
        return self._get("context_all_object_assets", lambda rows: self._group(rows, "object"))

    # -- the per-entity queries, emulated -------------------------------------------------
    def _q_context_concept(self, id: str) -> list[Row]:
        c = self.concepts().get(id)
        return [] if c is None else [dict(c)]

    def _q_context_concept_covers(self, id: str) -> list[Row]:
        return [{"kind": r["kind"], "key": r["key"]} for r in self.concept_covers().get(id, [])]

    def _q_context_object(self, enum: str) -> list[Row]:
        o = self.objects().get(enum)
        return [] if o is None else [dict(o)]

    def _q_context_object_assets(self, enum: str, limit: int = 30) -> list[Row]:
        return [{k: v for k, v in r.items() if k != "object"} for r in self.object_assets().get(enum, [])[:limit]]


def sorted_list(values: list[Any] | None) -> list[Any]:
    """A ``collect``ed list in one order whatever the store's scan order (nulls dropped)."""
    return sorted(v for v in values or [] if v is not None)


# the named queries these tables answer (merged into ``generate.tables``' answers)
DOMAIN_ANSWERS: dict[str, Callable[..., list[Row]]] = {
    "context_concept": DomainTables._q_context_concept,
    "context_concept_covers": DomainTables._q_context_concept_covers,
    "context_object": DomainTables._q_context_object,
    "context_object_assets": DomainTables._q_context_object_assets,
}
