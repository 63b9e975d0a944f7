"""Building a fresh embedded graph file from a Facts bundle: the bulk path behind
``EmbeddedStore.replace_graph``. ``stage``: every node kind and relationship pair as a
Parquet file; ``load``: a copy of a cached empty template per schema, one COPY per file,
one checkpoint at the end."""

from __future__ import annotations

import ctypes
import hashlib
import logging
import shutil
import tempfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from kg.arrow import arrow_table, write_parquet, write_parquet_chunks
from kg.facts import Facts, Row
from kg.persist import atomic_path
from kg.schema import NODE_KINDS, REL_KINDS, PropType, RelKind, embedded_ddl
from kg.store import StoreError

log = logging.getLogger(__name__)


@cache
def engine() -> Any:
    """The embedded engine's module: LadybugDB where it ships wheels, Kùzu (same API and
    dialect) elsewhere. Imported on first use: staging a graph (in the ingest's child
    process) does not load it (~30 MB of resident library)."""
    try:
        import ladybug
    except ImportError:  # pragma: no cover - exercised on macOS only
        import kuzu

        return kuzu
    return ladybug


# Bulk build: one Ladybug worker thread (as fast as two on a 2-core machine, ~70 MB less
# peak RSS for one version), and a checkpoint per this many rows (bounds un-checkpointed data).
_BUILD_THREADS = 1
_CHECKPOINT_ROWS = 1_000_000
# Its buffer pool: un-checkpointed data must fit (1M synthetic rows loaded in 256 MB; 64 MB
# failed at ~165k), so ample headroom; the pool's cost is ~2 MB of frame table per GB.
_BUILD_POOL_MIN = 1 << 30
_BUILD_POOL_PER_ROW = 1 << 10


def template(directory: Path) -> Path:
    """An empty database with the schema's tables, made once per schema version: copying
    it is faster than running the ~45 CREATE statements for every new graph file."""
    digest = hashlib.sha1("\n".join(embedded_ddl()).encode()).hexdigest()[:12]
    path = directory / f"template-{digest}.lbdb"
    if not path.exists():
        with atomic_path(path, fsync=False) as tmp:
            db = engine().Database(str(tmp))
            conn = engine().Connection(db)
            try:
                for stmt in embedded_ddl():
                    conn.execute(stmt)
                conn.execute("CHECKPOINT")
            finally:
                conn.close()
                db.close()
            for stale in directory.glob("template-*.lbdb"):
                stale.unlink(missing_ok=True)
    return path


@dataclass
class Staged:
    """A graph staged as Parquet files for ``load``: small and picklable, so the staging can
    be done in another process (see ``ingest.run.forked``)."""

    directory: Path
    copies: list[tuple[str, int, Path]]  # COPY statement, rows, file

    @property
    def rows(self) -> int:
        return sum(n for _, n, _ in self.copies)

    def discard(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def stage(facts: Facts, *, consume: bool = False) -> Staged:
    """Every node kind and relationship pair of ``facts`` as a Parquet file (~0.7 s for one
    version's 350k rows); with ``consume``, each kind's rows leave ``facts`` once staged."""
    directory = Path(tempfile.mkdtemp(prefix="ootkg-build-"))
    try:
        copies = [stage_group(*group, directory) for group in _copy_groups(facts, consume)]
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return Staged(directory, copies)


def stage_graph(facts: Facts, *, consume: bool = True) -> Staged:
    """A replacement graph for ``EmbeddedStore.finish_replace``: dangling edges pruned, then
    staged. Needs no open store (the ingest runs it in a child process, ``ingest.run.forked``).
    Staging comes before the load opens a database so that, with ``consume``, the rows and
    an open database (~90 MB of per-table structures, ~100 MB more while COPY runs) never
    share the peak. The caller discards what it staged."""
    for rel_type, items in facts.prune_dangling().items():
        log.warning("%s: dropped %d relationship(s) to nodes not in the graph", rel_type, len(items))
    facts.done_adding()
    return_freed_memory()  # what the sources freed (their large lists), before Arrow's share
    return stage(facts, consume=consume)


def load(path: Path, staged: Staged) -> None:
    """A new database file at ``path`` holding what was staged: a copy of the schema's empty
    template, one COPY per file, one checkpoint (per _CHECKPOINT_ROWS rows)."""
    empty = template(path.parent)
    return_freed_memory()  # what staging (and a first template) freed, before Ladybug's share
    shutil.copyfile(empty, path)
    # Auto-checkpoint makes every COPY commit end in a full checkpoint (~40 ms each, and a
    # graph has ~100 table/pair groups). A bounded buffer pool: the default (80% of RAM)
    # costs tens of MB of frame table.
    db = engine().Database(
        str(path),
        auto_checkpoint=False,
        max_num_threads=_BUILD_THREADS,
        buffer_pool_size=max(_BUILD_POOL_MIN, _BUILD_POOL_PER_ROW * staged.rows),
    )
    conn = engine().Connection(db)
    try:
        pending = 0
        for statement, rows, file in staged.copies:
            conn.execute(statement)
            file.unlink()
            pending += rows
            if pending >= _CHECKPOINT_ROWS:
                conn.execute("CHECKPOINT")
                pending = 0
        conn.execute("CHECKPOINT")
    except RuntimeError as e:
        raise StoreError(f"Loading the new graph failed; the previous graph is unchanged. ({e})") from None
    finally:
        conn.close()
        db.close()
        return_freed_memory()


def return_freed_memory() -> None:
    """Hand the heap the build freed back to the OS (glibc keeps it, ~100-180 MB here, and
    the caller goes on to reopen the graph). A no-op where there is no malloc_trim."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


# rows per Parquet row group when a relationship pair is staged: Arrow holds one at a time
# (a 213k-row IN_VERSION pair as one table cost ~100 MB of RSS on top of the rows; 50k-row
# chunks ~70 MB, 10k ~17 MB with the system allocator, kg.arrow)
_STAGE_CHUNK = 10_000


@dataclass
class RelColumns:
    """One relationship pair's rows, as column-list chunks (``RelTable.column_chunks``)."""

    chunks: Iterator[list[list]]
    rows: int

    def __len__(self) -> int:
        return self.rows


# (table, file stem, columns, rows as dicts or as column lists, COPY options)
_CopyGroup = tuple[str, str, list[tuple[str, PropType]], Collection[Row] | RelColumns, str]


def _copy_groups(facts: Facts, consume: bool = False) -> Iterator[_CopyGroup]:
    """(table, file stem, columns, rows, COPY options) per node kind and relationship pair.
    With ``consume`` a kind's rows are dropped from ``facts`` once its groups are handed out
    (a relationship pair's as soon as its columns are made)."""
    for kind in list(facts.nodes):
        rows = facts.nodes[kind]
        if rows:
            yield kind, kind, list(NODE_KINDS[kind].props.items()), list(rows.values()), ""
        if consume:
            del facts.nodes[kind]
    for rel_type in list(facts.rels):
        table = facts.rels[rel_type]
        for fk, tk, n in list(table.pairs()):
            yield (
                rel_type,
                f"{rel_type}-{fk}-{tk}",
                rel_columns(REL_KINDS[rel_type], fk, tk),
                RelColumns(table.column_chunks(fk, tk, _STAGE_CHUNK), n),
                f" (from='{fk}', to='{tk}')",
            )
            if consume:
                table.drop_pair(fk, tk)
        if consume:
            del facts.rels[rel_type]


def stage_group(
    table: str,
    stem: str,
    columns: list[tuple[str, PropType]],
    rows: Collection[Row] | RelColumns,
    options: str,
    tmp: Path,
) -> tuple[str, int, Path]:
    """One group of rows as a Parquet file in ``tmp``: (its COPY statement, rows, file)."""
    file = tmp / f"{stem}.parquet"
    if isinstance(rows, RelColumns):
        n = write_parquet_chunks(columns, rows.chunks, table, file)
    else:
        n = len(rows)
        write_parquet(arrow_table(columns, rows, table), file)
    return f"COPY {table} FROM '{file}'{options}", n, file


def rel_columns(rk: RelKind, fk: str, tk: str) -> list[tuple[str, PropType]]:
    """COPY's column order for a relationship file: the two end keys, then every property."""
    return [
        ("from", NODE_KINDS[fk].props[NODE_KINDS[fk].key]),
        ("to", NODE_KINDS[tk].props[NODE_KINDS[tk].key]),
        *rk.props.items(),
    ]
