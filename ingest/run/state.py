"""What the last ingest read and wrote, kept in the cache so the next run can tell what changed.

``state.pkl`` holds the size and mtime of every input file, the run's options, the graph it
wrote (``graph``: the store's identity at the time), and what the C delta path starts from
(the per-version record keys and plan data, the define scan, the other sources' facts).
``last_run.json`` is its small human-readable summary. Both are written atomically after
the store write succeeds, so a killed run leaves the previous state, which still describes
the graph (a full rebuild swaps the graph atomically; a delta is re-derived and re-applied).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.persist import UNREADABLE, atomic_write, dump_pickle

log = logging.getLogger(__name__)

STATE_FORMAT = 3
Stats = dict[str, tuple[int, int]]

# what an ingest reads from a checkout (the C code, tables, XML, spec, baseroms)
INPUT_DIRS = ("src", "include", "spec", "baseroms", "assets/xml", "tools/disasm")
INPUT_FILES = ("Makefile",)
_CODE_DIRS = (Path(__file__).parents[1], Path(__file__).parents[2] / "kg")


def _scan(path: str, out: Stats) -> None:
    try:
        it = os.scandir(path)
    except OSError:
        return
    with it:
        for e in it:
            try:
                if e.is_dir(follow_symlinks=True):
                    _scan(e.path, out)
                else:
                    st = e.stat()
                    out[e.path] = (st.st_size, st.st_mtime_ns)
            except OSError:
                continue


def cli_key(
    *,
    store: str,
    db: str,
    cache_dir: str,
    decomp: str,
    versions: str | None,
    only: str | None,
    no_pch: bool,
    concepts: str | None,
    symbols: str | None,
) -> str:
    """The ``ootkg ingest`` inputs as given (paths resolved, lists normalised) and the maps
    registered in the cache: what the CLI's no-op fast path compares before importing
    anything heavy."""

    def norm(s: str | None) -> list[str] | None:
        return sorted({x.strip() for x in s.split(",") if x.strip()}) if s else None

    try:
        maps = (Path(cache_dir) / "maps.json").read_bytes()
    except OSError:
        maps = b""
    return options_key(
        store=store,
        db=db,
        cache_dir=cache_dir,
        decomp=decomp,
        versions=norm(versions),
        only=norm(only),
        no_pch=no_pch,
        concepts=concepts,
        symbols=symbols,
        maps=hashlib.sha1(maps).hexdigest(),
    )


def scan_inputs(root: Path, concepts_dir: Path | None, *more: Path | None) -> Stats:
    """Size and mtime of every file an ingest reads (``more``: other input directories, such
    as the symbol lists)."""
    out: Stats = {}
    for d in INPUT_DIRS:
        _scan(str(root / d), out)
    for f in INPUT_FILES:
        try:
            st = os.stat(root / f)
            out[str(root / f)] = (st.st_size, st.st_mtime_ns)
        except OSError:
            pass
    for extra in (concepts_dir, *more):
        if extra is not None:
            _scan(str(extra), out)
    return out


def code_stamp() -> str:
    """ootkg's own code (a new extractor or schema means a full rebuild)."""
    stats: Stats = {}
    for d in _CODE_DIRS:
        _scan(str(d), stats)
    h = hashlib.sha1()
    for p in sorted(stats):
        if p.endswith((".py", ".c", ".yaml", ".xz")):
            h.update(f"{p}:{stats[p][0]}:{stats[p][1]}\n".encode())
    return h.hexdigest()


def options_key(**options: Any) -> str:
    return hashlib.sha1(json.dumps(options, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class RunState:
    options: str  # options_key of the run (versions, maps, code, ...)
    stats: Stats  # every input file's (size, mtime_ns)
    run_id: str
    decomp_commit: str | None
    counts: dict[str, int]
    graph: str | None = None  # the store's identity after the write
    c: Any = None  # ingest.run.delta_state.CState (in its own file; see delta_state.load_c)
    format: int = STATE_FORMAT
    extra: dict[str, Any] = field(default_factory=dict)
    c_token: str | None = None  # which c_state.pkl belongs to this state
    c_overlay: dict[str, dict] = field(default_factory=dict)  # deltas since (delta_state.apply_overlay)


def _paths(cache_dir: Path) -> tuple[Path, Path]:
    return cache_dir / "state.pkl", cache_dir / "last_run.json"


def load(cache_dir: Path) -> RunState | None:
    p, _ = _paths(cache_dir)
    try:
        with open(p, "rb") as fh:
            st = pickle.load(fh)
    except FileNotFoundError:
        return None
    except UNREADABLE as e:
        log.warning("%s unreadable (%s); the next ingest is a full one", p, e)
        return None
    if not isinstance(st, RunState) or st.format != STATE_FORMAT:
        return None
    return st


def save(cache_dir: Path, state: RunState) -> None:
    """Write ``state``; its C state is written apart (``delta_state.save_c``, as soon as a full run's C
    source is done) and named by ``state.c_token``, a delta's changes to it go in ``c_overlay``."""
    p, summary = _paths(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    c, state.c = state.c, None  # never pickled here
    try:
        dump_pickle(p, state)
    finally:
        state.c = c
    atomic_write(
        summary,
        json.dumps(
            {
                "run_id": state.run_id,
                "decomp_commit": state.decomp_commit,
                "counts": state.counts,
                "graph": state.graph,
            },
            indent=1,
        ),
    )


def forget(cache_dir: Path) -> None:
    """Drop the state (the graph no longer matches it, e.g. a delta failed half-way)."""
    for p in _paths(cache_dir):
        p.unlink(missing_ok=True)


def changed_files(old: Stats, new: Stats) -> tuple[set[str], set[str], set[str]]:
    """(modified, added, removed) paths."""
    modified = {p for p, s in new.items() if p in old and old[p] != s}
    added = {p for p in new if p not in old}
    removed = {p for p in old if p not in new}
    return modified, added, removed
