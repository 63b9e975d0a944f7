"""Helpers of the domain sources: pausing the cyclic GC around allocation-heavy, cycle-free
work, and saving a source's full report."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from pydantic import BaseModel

from ingest.cache import gc_paused as _gc_paused
from kg.persist import atomic_write


def gc_paused() -> AbstractContextManager[None]:
    """The cyclic GC off for the block (``ingest.cache.gc_paused`` without freezing: a
    source's working objects do not outlive it)."""
    return _gc_paused(freeze=False)


def save_report(cache_dir: Path, name: str, report: BaseModel) -> Path:
    """Write a source's full report (every problem, reject and conflict) as JSON beside the
    cache, where the one-line summary of an ingest run points; returns its path."""
    out = Path(cache_dir) / "reports" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, report.model_dump_json(indent=1))
    return out
