"""The embedded store: LadybugDB (Kùzu on macOS) in-process, a directory on disk.

Layout of the ``--db`` directory::

    CURRENT              name of the live database file (replaced atomically)
    graph-<stamp>.lbdb   database files; the live one and at most one previous
    write.lock           held (flock) by the one writer

Bulk writes stage rows to Parquet and ``COPY`` them (row-by-row MERGE of edges
is ~1000x slower here). ``replace_graph`` builds a fresh database file and
swaps ``CURRENT``, so a killed ingest never leaves a half-written graph and
readers see either the old graph or the new one.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kg import preserved
from kg.derived import new_epoch
from kg.embedded_build import (
    Staged,
    engine,
    load,
    rel_columns,
    return_freed_memory,
    stage_graph,
    stage_group,
    template,
)
from kg.facts import Facts
from kg.persist import atomic_write
from kg.schema import (
    NODE_KINDS,
    REL_KINDS,
    RelKind,
    SchemaError,
    check_props,
    embedded_ddl,
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
    StoreError,
    StoreUnavailable,
    is_write_query,
)

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
_UPDATE_BATCH = 50_000
# New rows up to this many go in as CREATE statements, more through COPY: a COPY inside a
# transaction makes its COMMIT cost ~0.4-0.8 s on a 16-version graph (measured: a 1-row node
# COPY 0.83 s, a 1-row edge 0.39 s, against ~0.01 s for CREATE), while CREATE costs ~2.3 ms
# an edge (20 new CALLS edges 0.17 s against 0.92 s; even at 100, 0.35 s against 0.38 s).
_CREATE_MAX = 100
_WRITER_POOL = 4 << 30
_ANNOTATIONS_ONLY = "This store was opened to write examples and reviews only"


class EmbeddedStore(GraphStore):
    name = "embedded"
    kind = "embedded"

    def __init__(self, path: Path | str, *, read_only: bool = True, annotations: bool = False) -> None:
        """``annotations``: a writer of generated nodes only (Examples, Reviews and their
        edges, ``PRESERVED_NODE_KINDS``); what the graph holds of the decomp stays as it
        is, so tables derived from it (``kg.derived``) stay valid. Any other writer starts
        a new content epoch as it opens."""
        self.dir = Path(path).expanduser()
        self.read_only = read_only
        self.annotations = annotations and not read_only
        self._lock_fd: int | None = None
        self._batched = False  # inside batch(): writes join its transaction
        if self.dir.exists() and not self.dir.is_dir():
            raise StoreUnavailable(
                f"--db {self.dir} is a file; the embedded store needs a directory. "
                "Point --db (or OOTKG_DB) at a new or existing ootkg graph directory."
            )
        if read_only:
            current = self._current_file()
            if current is None:
                raise StoreUnavailable(
                    f"No graph at {self.dir} yet. Build one with `ootkg ingest --decomp PATH` "
                    "(or point --db / OOTKG_DB at an existing graph directory)."
                )
            self._open(current)
        else:
            self._take_write_lock()
            if not self.annotations:
                new_epoch(self.dir)  # before any write: a killed writer still invalidates
            current = self._current_file()
            if current is None:
                current = self._new_file()
                shutil.copyfile(template(self.dir), current)
                self._open(current)
                self._publish(current)
            else:
                self._open(current)
                self._upgrade_schema()

    # -- files -------------------------------------------------------------------------
    def _current_file(self) -> Path | None:
        pointer = self.dir / CURRENT
        if not pointer.is_file():
            return None
        name = pointer.read_text().strip()
        path = self.dir / name
        if not name or not path.exists():
            raise StoreUnavailable(
                f"{pointer} names {name!r}, which is missing: the graph directory is damaged. "
                "Re-run `ootkg ingest` with a new --db, or restore the file."
            )
        return path

    def _new_file(self) -> Path:
        self.dir.mkdir(parents=True, exist_ok=True)
        return self.dir / f"graph-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}.lbdb"

    def _publish(self, path: Path) -> None:
        atomic_write(self.dir / CURRENT, path.name + "\n")
        dir_fd = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _prune_old(self, keep: set[str]) -> None:
        """Delete database files other than the live one and the one before it (a reader
        that read CURRENT just before the swap may still be opening that one)."""
        files = sorted(self.dir.glob("graph-*.lbdb*"), key=lambda p: p.stat().st_mtime)
        for f in files:
            base = f.name.split(".lbdb")[0] + ".lbdb"
            if base not in keep:
                f.unlink(missing_ok=True)

    def _take_write_lock(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.dir / "write.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StoreUnavailable(
                f"Another ootkg process is writing to {self.dir}. Wait for it to finish "
                "(readers can query meanwhile), then retry."
            ) from None
        self._lock_fd = fd

    def _open(self, path: Path) -> None:
        try:
            # Readers keep Ladybug's default pool (80% of RAM: room for any query); a writer's
            # is bounded, as the default's frame table alone is ~37 MB of RSS on 24 GB.
            self._db = engine().Database(
                str(path), read_only=self.read_only, buffer_pool_size=0 if self.read_only else _WRITER_POOL
            )
            self._conn = engine().Connection(self._db)
        except RuntimeError as e:
            raise StoreUnavailable(f"Cannot open the graph at {path}: {e}") from None
        self._path = path

    def content_key(self) -> str | None:
        """Identifies what the graph holds now (see ``kg.derived``); None for a writer, whose
        content may change while it is open."""
        from kg.derived import embedded_content_key

        return embedded_content_key(getattr(self, "_path", None)) if self.read_only else None

    # -- GraphStore --------------------------------------------------------------------
    def run(self, query: str, params: dict[str, Any] | None = None) -> list[Row]:
        if self.annotations and is_write_query(query):
            raise ReadOnlyError(_ANNOTATIONS_ONLY)
        return self._execute(query, params)

    def _execute(self, query: str, params: dict[str, Any] | None = None) -> list[Row]:
        try:
            result = self._conn.execute(query, params or {})
        except RuntimeError as e:
            msg = str(e)
            if "read-only" in msg or "READ ONLY" in msg:
                raise ReadOnlyError(
                    "This store was opened read-only; writes need --write (CLI) or open_store(read_only=False)."
                ) from None
            raise QueryError(msg, query) from None
        results = result if isinstance(result, list) else [result]
        rows: list[Row] = []
        last = results[-1]
        columns = last.get_column_names()
        while last.has_next():
            rows.append(dict(zip(columns, last.get_next(), strict=True)))
        return rows

    def schema_setup(self) -> None:
        for stmt in embedded_ddl():
            self._conn.execute(stmt)

    def _upgrade_schema(self) -> None:
        """Add tables a newer schema defines (cheap check first: opening is on every write)."""
        have = self.run("CALL show_tables() RETURN count(*) AS n")[0]["n"]
        if have != len(NODE_KINDS) + len(REL_KINDS):
            self.schema_setup()

    def close(self) -> None:
        for attr in ("_conn", "_db"):
            obj = getattr(self, attr, None)
            if obj is not None:
                try:
                    obj.close()
                except Exception:  # noqa: BLE001 - closing twice or after a failure
                    pass
                setattr(self, attr, None)
        if self._lock_fd is not None:
            if not self.annotations:
                # and once more when done: a reader that derived tables while this writer
                # was still writing kept them under the epoch renewed at open
                new_epoch(self.dir)
            os.close(self._lock_fd)
            self._lock_fd = None

    def _require_write(self, kind: str | None = None) -> None:
        if self.read_only:
            raise ReadOnlyError("This store was opened read-only; open it with read_only=False to write.")
        if self.annotations and kind not in (*PRESERVED_NODE_KINDS, *PRESERVED_REL_KINDS):
            raise ReadOnlyError(_ANNOTATIONS_ONLY + f" (asked to write {kind or 'the whole graph'})")

    def write_nodes(self, kind: str, rows: Iterable[Row]) -> int:
        self._require_write(kind)
        nk = node_kind(kind)
        merged = _merge_node_rows(kind, nk.key, nk.props, rows)
        if not merged:
            return 0
        existing = {
            r["k"]
            for r in self._execute(
                f"UNWIND $keys AS k MATCH (n:{kind} {{{nk.key}: k}}) RETURN n.{nk.key} AS k", {"keys": list(merged)}
            )
        }
        new = [r for k, r in merged.items() if k not in existing]
        old = [r for k, r in merged.items() if k in existing]
        with tempfile.TemporaryDirectory(prefix="ootkg-copy-") as tmp, self._transaction():
            if len(new) > _CREATE_MAX:
                self._execute(stage_group(kind, kind, list(nk.props.items()), new, "", Path(tmp))[0])
            elif new:
                for (given, _), rows_ in _set_shapes(new, set()).items():
                    props = ", ".join(f"{p}: r.{p}" for p in given)
                    for batch in _batches(rows_, _UPDATE_BATCH):
                        self._execute(f"UNWIND $rows AS r CREATE (n:{kind} {{{props}}})", {"rows": batch})
            for batch in _batches(old, _UPDATE_BATCH):
                for (given, nulls), rows_ in _set_shapes(batch, {nk.key}).items():
                    sets = ", ".join([f"n.{p} = r.{p}" for p in given] + [f"n.{p} = NULL" for p in nulls])
                    if sets:
                        self._execute(
                            f"UNWIND $rows AS r MATCH (n:{kind} {{{nk.key}: r.{nk.key}}}) SET {sets}", {"rows": rows_}
                        )
        return len(merged)

    def write_rels(self, rel_type: str, rows: Iterable[Row]) -> int:
        self._require_write(rel_type)
        rk = rel_kind(rel_type)
        groups: dict[tuple[str, str], dict[tuple, Row]] = {}
        for row in rows:
            fk, tk = resolve_pair(rk, row.get("from_kind"), row.get("to_kind"))
            props = {k: v for k, v in row.items() if k not in ("from", "to", "from_kind", "to_kind")}
            check_props(rel_type, rk.props, set(props))
            disc = props.get(rk.discriminator) if rk.discriminator else None
            group = groups.setdefault((fk, tk), {})
            ident = (row["from"], row["to"], disc)
            if ident in group:
                group[ident].update({k: v for k, v in props.items() if v is not None})
            else:
                group[ident] = {"from": row["from"], "to": row["to"], **props}
        total = 0
        with tempfile.TemporaryDirectory(prefix="ootkg-copy-") as tmp, self._transaction():
            for (fk, tk), group in groups.items():
                total += self._write_rel_group(rk, fk, tk, group, Path(tmp))
        return total

    def _write_rel_group(self, rk: RelKind, fk: str, tk: str, group: dict[tuple, Row], tmp: Path) -> int:
        fkey, tkey = NODE_KINDS[fk].key, NODE_KINDS[tk].key
        ends = self._execute(
            f"UNWIND $f AS k MATCH (n:{fk} {{{fkey}: k}}) RETURN n.{fkey} AS k", {"f": list({i[0] for i in group})}
        )
        ends_to = self._execute(
            f"UNWIND $t AS k MATCH (n:{tk} {{{tkey}: k}}) RETURN n.{tkey} AS k", {"t": list({i[1] for i in group})}
        )
        have_f, have_t = {r["k"] for r in ends}, {r["k"] for r in ends_to}
        missing = [i for i in group if i[0] not in have_f or i[1] not in have_t]
        if missing:
            sample = ", ".join(f"{fk}:{f} -> {tk}:{t}" for f, t, _ in missing[:5])
            raise StoreError(
                f"{rk.type}: {len(missing)} relationship(s) join nodes that do not exist "
                f"(e.g. {sample}). Write the nodes first; nothing was written."
            )
        disc = rk.discriminator
        disc_ret = f", r.{disc} AS d" if disc else ""
        # Expand from each distinct source node (a primary-key lookup); a WHERE on both ends
        # makes Ladybug join every edge of the type (32 s for 20k rows instead of 0.3 s).
        existing_rows = self._execute(
            f"UNWIND $f AS k MATCH (a:{fk} {{{fkey}: k}})-[r:{rk.type}]->(b:{tk}) "
            f"RETURN a.{fkey} AS f, b.{tkey} AS t{disc_ret}",
            {"f": list(have_f)},
        )
        existing = {(r["f"], r["t"], r.get("d")) for r in existing_rows}
        new = [r for i, r in group.items() if i not in existing]
        old = [r for i, r in group.items() if i in existing]
        if len(new) > _CREATE_MAX:
            self._execute(
                stage_group(
                    rk.type, f"{rk.type}-{fk}-{tk}", rel_columns(rk, fk, tk), new, f" (from='{fk}', to='{tk}')", tmp
                )[0]
            )
        elif new:
            for (given, _), rows_ in _set_shapes(new, {"from", "to"}).items():
                props = ", ".join(f"{p}: r.{p}" for p in given)
                for batch in _batches(rows_, _UPDATE_BATCH):
                    self._execute(
                        f"UNWIND $rows AS r MATCH (a:{fk} {{{fkey}: r.from}}), "
                        f"(b:{tk} {{{tkey}: r.to}}) CREATE (a)-[:{rk.type} {{{props}}}]->(b)",
                        {"rows": batch},
                    )
        fixed = {"from", "to", disc} if disc else {"from", "to"}
        for (given, nulls), rows_ in _set_shapes(old, fixed).items():
            sets = ", ".join([f"x.{p} = r.{p}" for p in given] + [f"x.{p} = NULL" for p in nulls])
            if not sets:
                continue
            where = f" WHERE x.{disc} = r.{disc}" if disc else ""
            for batch in _batches(rows_, _UPDATE_BATCH):
                # Both ends as property maps: ~1 ms/row here; a WHERE on the far end is 3-5x slower.
                self._execute(
                    f"UNWIND $rows AS r MATCH (a:{fk} {{{fkey}: r.from}})-[x:{rk.type}]->"
                    f"(b:{tk} {{{tkey}: r.to}}){where} SET {sets}",
                    {"rows": batch},
                )
        return len(group)

    def _transaction(self) -> _Tx:
        return _Tx(self)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """One transaction for every write inside (a commit costs ~0.2 s on a large graph)."""
        if self._batched:
            yield
            return
        if self.read_only:
            self._require_write()
        with _Tx(self):
            self._batched = True
            try:
                yield
            finally:
                self._batched = False

    def replace_graph(self, facts: Facts, *, consume: bool = False) -> None:
        staged = stage_graph(facts, consume=consume)
        try:
            self.finish_replace(staged)
        finally:
            staged.discard()

    def finish_replace(self, staged: Staged) -> None:
        """Make a graph ``stage_graph`` staged the live one: loaded into a new file, with the
        generated nodes (Examples) of the live graph and their edges to nodes it still has."""
        self._require_write()
        new_path = self._new_file()
        started = time.perf_counter()
        old = self._path
        try:
            kept = Facts()
            preserved.read(self, kept)
            # The live graph stays closed while the new one is built: its buffer pool (sized
            # from RAM; ~37 MB of frame table on 24 GB) and cached pages would add to the peak.
            self.close_connection()
            return_freed_memory()
            load(new_path, staged)
            self._open(new_path)
            preserved.write(self, kept)
        except BaseException:
            self.close_connection()
            for f in self.dir.glob(new_path.name + "*"):
                f.unlink(missing_ok=True)
            self._open(old)
            raise
        self._publish(new_path)
        self._prune_old(keep={new_path.name, old.name})
        log.info("replaced graph with %d facts in %.2fs", staged.rows, time.perf_counter() - started)

    def close_connection(self) -> None:
        for attr in ("_conn", "_db"):
            obj = getattr(self, attr, None)
            if obj is not None:
                obj.close()
                setattr(self, attr, None)


class _Tx:
    def __init__(self, store: EmbeddedStore) -> None:
        self.store = store
        self.inner = store._batched  # inside batch(): its transaction is this one's

    def __enter__(self) -> None:
        if not self.inner:
            self.store._conn.execute("BEGIN TRANSACTION")

    def __exit__(self, exc_type: object, *_: object) -> None:
        if self.inner:
            return
        if not exc_type:
            self.store._conn.execute("COMMIT")
            return
        try:
            self.store._conn.execute("ROLLBACK")
        except RuntimeError:
            pass  # the failed statement ended the transaction already; keep the first error


def _merge_node_rows(kind: str, key: str, declared: dict, rows: Iterable[Row]) -> dict[Any, Row]:
    merged: dict[Any, Row] = {}
    seen_shapes: set[frozenset[str]] = set()
    for row in rows:
        shape = frozenset(row)
        if shape not in seen_shapes:
            check_props(kind, declared, set(shape))
            seen_shapes.add(shape)
        k = row.get(key)
        if k is None:
            raise SchemaError(f"{kind} row without its key {key!r}: {row}")
        if k in merged:
            merged[k].update({p: v for p, v in row.items() if v is not None})
        else:
            merged[k] = dict(row)
    return merged


def _set_shapes(rows: list[Row], fixed: set[str]) -> dict[tuple[tuple[str, ...], tuple[str, ...]], list[Row]]:
    """Rows grouped by (properties with a value, properties set to null), the identifying
    ``fixed`` keys aside. A null goes in as a literal: a parameter column of nothing but nulls
    binds as STRING, which Ladybug refuses to assign to a BOOL or INT property."""
    out: dict[tuple[tuple[str, ...], tuple[str, ...]], list[Row]] = {}
    for r in rows:
        given = tuple(sorted(k for k, v in r.items() if k not in fixed and v is not None))
        nulls = tuple(sorted(k for k, v in r.items() if k not in fixed and v is None))
        out.setdefault((given, nulls), []).append({k: v for k, v in r.items() if v is not None or k in fixed})
    return out


def _batches(items: list[Row], size: int) -> Iterable[list[Row]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
