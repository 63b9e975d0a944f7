"""The Neo4j store: the official driver over Bolt, batched ``UNWIND $rows ... MERGE`` upserts.

Constraints come first (``kg.schema.neo4j_ddl``) so every MERGE is an index
lookup. ``replace_graph`` upserts everything and then deletes what the new
facts no longer contain (generated Examples are kept).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from kg.facts import Facts
from kg.schema import (
    NODE_KINDS,
    REL_KINDS,
    check_props,
    neo4j_ddl,
    node_kind,
    rel_kind,
    resolve_pair,
)
from kg.store import (
    PRESERVED_NODE_KINDS,
    PRESERVED_REL_KINDS,
    GraphStore,
    QueryError,
    ReadOnlyError,
    Row,
    StoreUnavailable,
)

log = logging.getLogger(__name__)
_BATCH = 5000


class Neo4jStore(GraphStore):
    name = "neo4j"
    kind = "neo4j"

    def __init__(self, uri: str, user: str, password: str, *, database: str = "neo4j", read_only: bool = True) -> None:
        import neo4j
        from neo4j.exceptions import AuthError, ServiceUnavailable

        self.uri, self.database, self.read_only = uri, database, read_only
        try:
            self._driver = neo4j.GraphDatabase.driver(uri, auth=(user, password), connection_timeout=5.0)
            self._driver.verify_connectivity()
        except AuthError:
            raise StoreUnavailable(
                f"Neo4j at {uri} refused the credentials for user {user!r}. Set --neo4j-user/"
                "--neo4j-password (or OOTKG_NEO4J_USER/OOTKG_NEO4J_PASSWORD)."
            ) from None
        except (ServiceUnavailable, OSError, ValueError) as e:
            raise StoreUnavailable(
                f"Cannot reach Neo4j at {uri} ({e.__class__.__name__}: {e}). Start it with "
                "`docker compose up -d neo4j`, or check --neo4j-uri / OOTKG_NEO4J_URI."
            ) from None

    def run(self, query: str, params: dict[str, Any] | None = None) -> list[Row]:
        import neo4j
        from neo4j.exceptions import ClientError

        access = neo4j.READ_ACCESS if self.read_only else neo4j.WRITE_ACCESS
        try:
            with self._driver.session(database=self.database, default_access_mode=access) as s:
                return [dict(r) for r in s.run(query, params or {})]
        except ClientError as e:
            if "write" in (e.message or "").lower() and self.read_only:
                raise ReadOnlyError("This store was opened read-only; writes need --write.") from None
            raise QueryError(e.message or str(e), query) from None

    def schema_setup(self) -> None:
        self._require_write()
        # A key constraint of an older schema on another property (Global was keyed by name,
        # which statics of several files share) would refuse the new rows: dropped first.
        keys = {f"{nk.label.lower()}_key": nk.key for nk in NODE_KINDS.values()}
        for c in self.run("SHOW CONSTRAINTS YIELD name, properties RETURN name, properties"):
            want = keys.get(c["name"])
            if want is not None and list(c["properties"] or []) != [want]:
                log.info("dropping constraint %s on %s: the key is %s now", c["name"], c["properties"], want)
                self.run(f"DROP CONSTRAINT {c['name']} IF EXISTS")
        for stmt in neo4j_ddl():
            self.run(stmt)

    def _require_write(self) -> None:
        if self.read_only:
            raise ReadOnlyError("This store was opened read-only; open it with read_only=False to write.")

    def write_nodes(self, kind: str, rows: Iterable[Row]) -> int:
        self._require_write()
        nk = node_kind(kind)
        rows = list(rows)
        for shape in {frozenset(r) for r in rows}:
            check_props(kind, nk.props, set(shape))
        query = f"UNWIND $rows AS r MERGE (n:{kind} {{{nk.key}: r.{nk.key}}}) SET n += r"
        for i in range(0, len(rows), _BATCH):
            batch = [{k: v for k, v in r.items() if v is not None} for r in rows[i : i + _BATCH]]
            self.run(query, {"rows": batch})
        return len(rows)

    def write_rels(self, rel_type: str, rows: Iterable[Row]) -> int:
        self._require_write()
        rk = rel_kind(rel_type)
        groups: dict[tuple[str, str], list[Row]] = {}
        for row in rows:
            fk, tk = resolve_pair(rk, row.get("from_kind"), row.get("to_kind"))
            props = {k: v for k, v in row.items() if k not in ("from", "to", "from_kind", "to_kind") and v is not None}
            check_props(rel_type, rk.props, set(props))
            groups.setdefault((fk, tk), []).append({"from": row["from"], "to": row["to"], "props": props})
        disc = rk.discriminator
        for (fk, tk), items in groups.items():
            fkey, tkey = NODE_KINDS[fk].key, NODE_KINDS[tk].key
            ident = f" {{{disc}: r.props.{disc}}}" if disc else ""
            query = (
                f"UNWIND $rows AS r MATCH (a:{fk} {{{fkey}: r.from}}) MATCH (b:{tk} {{{tkey}: r.to}}) "
                f"MERGE (a)-[x:{rel_type}{ident}]->(b) SET x += r.props"
            )
            for i in range(0, len(items), _BATCH):
                self.run(query, {"rows": items[i : i + _BATCH]})
        return sum(len(v) for v in groups.values())

    def replace_graph(self, facts: Facts, *, consume: bool = False) -> None:
        self._require_write()
        self.schema_setup()
        dropped = facts.prune_dangling()
        for rel_type, items in dropped.items():
            log.warning("%s: dropped %d relationship(s) to nodes not in the graph", rel_type, len(items))
        self.write_facts(facts)
        for kind, nk in NODE_KINDS.items():
            if kind in PRESERVED_NODE_KINDS:
                continue
            keep = list(facts.nodes.get(kind, {}))
            # (a node without the key: written under an older schema)
            self.run(
                f"MATCH (n:{kind}) WHERE n.{nk.key} IS NULL OR NOT n.{nk.key} IN $keep DETACH DELETE n", {"keep": keep}
            )
        for rel_type, rk in REL_KINDS.items():
            if rel_type in PRESERVED_REL_KINDS:
                continue
            disc = rk.discriminator
            for fk, tk in rk.pairs:
                keep = [
                    {"f": f, "t": t, "d": d if disc else None}
                    for (a, f, b, t, d) in facts.rels.get(rel_type, {})
                    if (a, b) == (fk, tk)
                ]
                fkey, tkey = NODE_KINDS[fk].key, NODE_KINDS[tk].key
                d_expr = f"x.{disc}" if disc else "null"
                self.run(
                    f"MATCH (a:{fk})-[x:{rel_type}]->(b:{tk}) WITH x, "
                    f"{{f: a.{fkey}, t: b.{tkey}, d: {d_expr}}} AS pair "
                    f"WHERE NOT pair IN $keep DELETE x",
                    {"keep": keep},
                )

    def close(self) -> None:
        driver = getattr(self, "_driver", None)
        if driver is not None:
            driver.close()
            del self._driver
