"""Helpers of the domain sources: pausing the cyclic GC around allocation-heavy, cycle-free
work, and saving a source's full report."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic GC for the block (re-enabled after, if it was enabled before)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def save_report(cache_dir: Path, name: str, report: BaseModel) -> Path:
    """Write a source's full report (every problem, reject and conflict) as JSON beside the
    cache, where the one-line summary of an ingest run points; returns its path."""
    out = Path(cache_dir) / "reports" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(report.model_dump_json(indent=1))
    tmp.replace(out)
    return out
