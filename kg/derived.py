"""Values derived from a graph (whole-graph tables, symbol indexes), kept on disk between runs.

A generation or validation run starts by loading a few whole-graph tables (every function,
call edge, struct member, per version): seconds of work that give the same result for
the same graph. They are pickled under ``<cache_dir>/derived/<graph key>/`` and read back
by the next run on that graph. The key is the store's content key (for the embedded store:
the current database file's name and the epoch every writer of decomp facts renews as it
opens, so an ingest, a delta or a ``cypher --write`` starts a new key while the Example
and Review nodes a run writes back do not); stores without one (Neo4j) are never cached.
Files are written to a temporary name and renamed, so concurrent runs never read half a
file; a file that cannot be read is rebuilt.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import pickle
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
FORMAT = 1  # bump when what is pickled changes shape


class DerivedCache:
    def __init__(self, store: Any, cache_dir: Path | str | None) -> None:
        key_of = getattr(store, "content_key", None)
        key = key_of() if cache_dir is not None and callable(key_of) else None
        self.dir = Path(cache_dir) / "derived" / key if cache_dir is not None and key else None

    @property
    def enabled(self) -> bool:
        return self.dir is not None

    def get(self, name: str, build: Callable[[], T], *, salt: str = "") -> T:
        """``build()``'s value for this graph: from disk when an earlier run stored it."""
        if self.dir is None:
            return build()
        tag = hashlib.sha1(f"{FORMAT}:{name}:{salt}".encode()).hexdigest()[:16]
        path = self.dir / f"{name.replace('/', '_')}-{tag}.pkl"
        try:
            with path.open("rb") as fh:
                value: T = _load(fh)
            freeze_heap()
            return value
        except FileNotFoundError:
            pass
        except Exception as e:  # noqa: BLE001 - a damaged file is rebuilt
            log.warning("derived cache %s unreadable (%s); rebuilding it", path, e)
        value = build()
        freeze_heap()
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError as e:
            log.warning("cannot write the derived cache %s (%s)", path, e)
        return value


@lru_cache(maxsize=32)
def source_salt(*files: str | Path) -> str:
    """A hash of the source files that build a kept value: a change to them invalidates
    what earlier runs kept (read once per process)."""
    h = hashlib.sha1()
    for f in files:
        h.update(Path(f).read_bytes())
    return h.hexdigest()[:12]


def freeze_heap() -> None:
    """Move every object alive now out of the cyclic collector's reach (``gc.freeze``).

    A run holds tens of MB of tables (millions of dicts, lists and strings) for its whole
    life; each full collection walked all of them again: ~11% of a generation run's
    instructions under callgrind. Frozen objects are still freed by reference counting;
    only a cycle among them would outlive the process's use of it, and these tables hold
    none."""
    gc.freeze()


def _load(fh: Any) -> Any:
    # the collector would walk the whole heap again and again while a big table's millions
    # of small objects are allocated, which triples the load time; none of them is garbage
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.load(fh)  # noqa: S301 - the user's own cache directory
    finally:
        if enabled:
            gc.enable()


EPOCH = "EPOCH"  # in the graph directory: a token every writer of decomp facts renews


def new_epoch(graph_dir: Path) -> None:
    """Start a new content epoch: called by a writer of anything but generated nodes
    (an ingest, a delta, ``ootkg cypher --write``) as it opens, before its first write."""
    from kg.persist import atomic_write

    graph_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(graph_dir / EPOCH, os.urandom(12).hex() + "\n")


def embedded_content_key(db_file: Path | None) -> str | None:
    """What the decomp side of the graph is: the live database file's name and the epoch
    its writers renew, so adding Examples or Reviews (``EmbeddedStore(annotations=True)``,
    after every generation run) keeps the tables derived from it. A graph no writer has
    marked yet (made by an older ootkg) falls back to the file's and its WAL's size and
    mtime, which change with every write."""
    if db_file is None:
        return None
    try:
        epoch = (db_file.parent / EPOCH).read_text().strip()
    except OSError:
        epoch = ""
    if epoch:
        return hashlib.sha1(f"{db_file.name}|{epoch}".encode()).hexdigest()[:20]
    parts = []
    for p in (db_file, db_file.with_name(db_file.name + ".wal")):
        try:
            st = p.stat()
        except OSError:
            continue
        parts.append(f"{p.resolve()}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:20] if parts else None
