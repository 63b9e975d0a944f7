"""The facts cache: one pickled ``TURecord`` per (TU, compile flags, extractor) key,
valid while every file the TU read is unchanged (size+mtime, else content hash).

Like clangd's index shards: a record lists its dependencies with their hashes,
so an edited header re-extracts exactly the TUs that include it. Writes are
atomic (temp file + rename), so an interrupted run leaves only whole records,
and the next run reuses them.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kg.persist import dump_pickle, load_pickle, load_versioned, save_versioned

log = logging.getLogger(__name__)


class RecordCache:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self._stat: dict[str, tuple[int, int] | None] = {}
        self._sha: dict[str, str] = {}
        # content hashes read in earlier runs, by (size, mtime): a file rewritten with the same
        # bytes (stubs regenerated, a touch) is not read again on every run
        self._hashed: dict[str, tuple[int, int, str]] | None = None
        self._hashed_new = 0

    @staticmethod
    def key(tu: str, flags: str, extractor: str) -> str:
        return hashlib.sha1(f"{extractor}\0{tu}\0{flags}".encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.pkl"

    def _fresh(self, path: str, size: int, mtime: int, sha: str) -> bool:
        st = self._stat.get(path, ...)
        if st is ...:
            try:
                s = os.stat(path)
                st = (s.st_size, s.st_mtime_ns)
            except OSError:
                st = None
            self._stat[path] = st
        if st is None:
            return size < 0
        if st == (size, mtime):
            return True
        cur = self._sha.get(path)
        if cur is None:
            if self._hashed is None:
                self._hashed = self._load_hashed()
            known = self._hashed.get(path)
            if known is not None and known[:2] == st:
                cur = known[2]
            else:
                try:
                    cur = hashlib.sha1(Path(path).read_bytes()).hexdigest()
                except OSError:
                    cur = ""
                self._hashed[path] = (*st, cur)
                self._hashed_new += 1
            self._sha[path] = cur
        return cur == sha

    def _load_hashed(self) -> dict[str, tuple[int, int, str]]:
        got = load_pickle(self.dir / "hashed.pkl")
        return got if isinstance(got, dict) else {}

    def save_hashed(self) -> None:
        """Keep the content hashes read this run for the next (only when new ones were read)."""
        if not self._hashed_new or self._hashed is None:
            return
        dump_pickle(self.dir / "hashed.pkl", self._hashed)
        self._hashed_new = 0

    def get(self, key: str) -> Any | None:
        try:
            with open(f"{self.dir}/{key[:2]}/{key}.pkl", "rb") as fh:
                rec = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None
        deps = getattr(rec, "deps", None)
        if not deps:
            return None
        known = self._stat
        for path, (size, mtime, sha) in deps.items():
            if known.get(path) == (size, mtime):  # stat already taken, unchanged
                continue
            if not self._fresh(path, size, mtime, sha):
                return None
        return rec

    def load(self, key: str) -> Any | None:
        """The record stored under ``key`` whether or not its files changed since (the delta
        path compares it with a fresh parse)."""
        try:
            with open(self._path(key), "rb") as fh:
                return pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None

    def put(self, key: str, rec: Any, *_: Any) -> None:
        if getattr(rec, "failed", None):
            return  # retried next run
        p = self._path(key)
        p.parent.mkdir(parents=True, exist_ok=True)
        dump_pickle(p, rec, fsync=False)  # one file per TU: a torn one is a cache miss

    def flush(self) -> None:
        """Records are written as they come; nothing is buffered."""


class FileMemo:
    """Per-file results remembered by (size, mtime_ns) in one pickle: a rescan after an edit
    computes only the edited files (the way ``ingest.c.plan.keys`` keeps its file index).

        memo = FileMemo(cache_dir / "x.pkl", "x-1")   # tag: bump when ``compute`` changes
        v = memo.get(path, os.stat(path), compute)    # compute(path) when new or changed
        memo.save()                                    # only files seen this run are kept
    """

    def __init__(self, path: Path, tag: str) -> None:
        self.path, self.tag = path, tag
        self.old: dict[str, tuple[int, int, Any]] = load_versioned(path, tag, {})
        self.new: dict[str, tuple[int, int, Any]] = {}
        self.computed = 0

    def get(self, path: str, st: os.stat_result, compute: Any) -> Any:
        prev = self.old.get(path)
        if prev is not None and prev[0] == st.st_size and prev[1] == st.st_mtime_ns:
            self.new[path] = prev
            return prev[2]
        val = compute(path)
        self.new[path] = (st.st_size, st.st_mtime_ns, val)
        self.computed += 1
        return val

    def save(self) -> None:
        if not self.computed and self.new.keys() == self.old.keys():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        save_versioned(self.path, self.tag, self.new)
        self.old, self.computed = dict(self.new), 0


@contextmanager
def gc_paused(*, freeze: bool = True) -> Iterator[None]:
    """No cyclic garbage collection inside: unpickling thousands of records makes millions of
    containers, and the collector's passes over them cost ~3/4 of the load time (1.2 s ->
    0.3 s for 1,700 records). With ``freeze``, what exists on the way out is frozen
    (``gc.freeze``): loaded records live on through the assembly, and a first collection over
    all of them would take back most of the gain (reference counting still frees them when
    dropped). Without it, for allocation-heavy work whose objects do not stay."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            if freeze:
                gc.freeze()
            gc.enable()


class TreeStats:
    """Every file under some top directories of a tree with its stat, walked once (in
    ``os.walk`` order) and shared by the scans of one run, each keeping the files it reads."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tops: dict[str, list[tuple[str, os.stat_result]]] = {}

    def files(self, top: str) -> list[tuple[str, os.stat_result]]:
        got = self._tops.get(top)
        if got is None:
            got = self._tops[top] = []
            for dirpath, _, names in os.walk(self.root / top):
                for n in names:
                    p = os.path.join(dirpath, n)
                    try:
                        got.append((p, os.stat(p)))
                    except OSError:
                        continue
        return got
