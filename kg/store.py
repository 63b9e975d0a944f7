"""The one graph-store interface, and ``open_store`` to get an implementation.

Two implementations: the embedded LadybugDB store (default; ``kg.embedded``)
and Neo4j over Bolt (``kg.neo4j_store``). Both take the same Cypher subset (see
``queries/``), the same schema (``kg.schema``) and the same ``Facts``.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from kg.facts import Facts
from kg.settings import Settings

Row = dict[str, Any]

# Node and relationship kinds a re-ingest must keep: they are written by
# generation runs and reviewers, not derived from the decomp.
PRESERVED_NODE_KINDS = ("Example", "Review")
PRESERVED_REL_KINDS = ("GROUNDED_IN", "BUILDS_ON", "REVIEWS", "FLAGS")


class StoreError(RuntimeError):
    """An expected store failure with a message a user can act on (no traceback)."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or opened."""


class QueryError(StoreError):
    """The store refused a query (syntax, unknown label/property, bad parameter)."""

    def __init__(self, message: str, query: str) -> None:
        super().__init__(f"{message}\n\nQuery:\n{query.strip()}")
        self.store_message = message
        self.query = query


class ReadOnlyError(StoreError):
    """A write was attempted on a store opened for reading."""


_WRITE_CLAUSE = re.compile(
    r"\b(CREATE|MERGE|DELETE|DETACH|SET|REMOVE|DROP|COPY|ALTER|LOAD|INSTALL|IMPORT|EXPORT|ATTACH)\b",
    re.I,
)
_STRING_OR_COMMENT = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|//[^\n]*|/\*.*?\*/", re.S)


def is_write_query(query: str) -> bool:
    """True when the query has a clause that changes the graph (strings and comments ignored)."""
    return bool(_WRITE_CLAUSE.search(_STRING_OR_COMMENT.sub(" ", query)))


class GraphStore(ABC):
    name: str = "store"

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def run(self, query: str, params: dict[str, Any] | None = None) -> list[Row]:
        """Run Cypher; each result row as a dict of its aliased columns."""

    @abstractmethod
    def schema_setup(self) -> None:
        """Create tables / constraints / indexes from ``kg.schema`` (idempotent)."""

    @abstractmethod
    def write_nodes(self, kind: str, rows: Iterable[Row]) -> int:
        """Upsert nodes by the kind's key; writing the same rows twice changes nothing."""

    @abstractmethod
    def write_rels(self, rel_type: str, rows: Iterable[Row]) -> int:
        """Upsert relationships. Rows: ``from``, ``to`` keys, ``from_kind``/``to_kind``
        where the type joins several pairs of kinds, and properties."""

    @abstractmethod
    def replace_graph(self, facts: Facts, *, consume: bool = False) -> None:
        """Make the store hold exactly ``facts`` (plus generated Examples), atomically:
        readers see the old graph or the new one, never a mix; a failure keeps the old.
        ``consume``: ``facts`` may be emptied on the way (each part freed once written),
        which lowers the peak memory of a large build."""

    @abstractmethod
    def close(self) -> None: ...

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Writes inside are one transaction where the store can make them one (all or
        nothing, one commit); elsewhere each write commits on its own."""
        yield

    def write_facts(self, facts: Facts) -> None:
        """Upsert every node, then every relationship, of a Facts bundle."""
        for kind, rows in facts.nodes.items():
            if rows:
                self.write_nodes(kind, rows.values())
        for rel_type, rels in facts.rels.items():
            if rels:
                self.write_rels(rel_type, rels.values())

    def counts(self) -> dict[str, dict[str, int]]:
        """Node counts per label and relationship counts per type (the named ``stats`` query)."""
        from kg.queries import run_named

        out: dict[str, dict[str, int]] = {"nodes": {}, "relationships": {}}
        for row in run_named(self, "stats"):
            out["nodes" if row["type"] == "node" else "relationships"][row["kind"]] = row["count"]
        return out


def stager_for(store: str) -> Callable[[Facts], Any] | None:
    """For a store that builds a new graph from staged files: the function that stages one
    without the store open (so another process can run it; the store's ``finish_replace``
    then loads what it returns). None for a store that replaces its graph in place."""
    return _stage_embedded if store == "embedded" else None


def _stage_embedded(facts: Facts) -> Any:
    from kg.embedded_build import stage_graph  # (Ladybug and pyarrow: only when staging)

    return stage_graph(facts)


def open_store(settings: Settings | None = None, *, read_only: bool = True, annotations: bool = False) -> GraphStore:
    """Open the configured store. Reads open read-only so a writer can run beside them.
    ``annotations``: a writer of generated nodes only (Examples, Reviews, their edges)."""
    settings = settings or Settings()
    if settings.store == "embedded":
        from kg.embedded import EmbeddedStore

        return EmbeddedStore(settings.db, read_only=read_only, annotations=annotations)
    if settings.store == "neo4j":
        from kg.neo4j_store import Neo4jStore

        return Neo4jStore(
            settings.neo4j_uri,
            settings.neo4j_user,
            settings.neo4j_password,
            database=settings.neo4j_database,
            read_only=read_only,
        )
    raise StoreError(f"unknown store {settings.store!r}: use 'embedded' or 'neo4j'")
