"""What the ingest's parts share: the context a source runs in (``IngestContext``), a source
(``Source``), the reports a run makes, and the progress callback. Below the sources, the
pipeline and the run machinery (``ingest.run``), which all speak these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ingest.checkout.checkout import Checkout
from ingest.checkout.versions import VersionInfo
from kg.facts import Facts

ProgressFn = Callable[[str, int, int], None]


class MapInput(BaseModel):
    path: Path
    version: str
    sha: str = ""


@dataclass
class IngestContext:
    checkout: Checkout
    versions: list[VersionInfo]
    cache_dir: Path
    progress: ProgressFn = lambda task, done, total: None
    c_facts: Facts | None = None
    # everything the earlier sources produced, merged (the concepts source checks names in it)
    facts: Facts | None = None
    maps: list[MapInput] = field(default_factory=list)
    concepts_dir: Path | None = None
    jobs: int = 2
    use_pch: bool = True
    # per-source notes for the summary (e.g. {"tables": "471 actors"})
    notes: dict[str, str] = field(default_factory=dict)
    # per-file diagnostics, failed files: filled by the C source
    stats: dict[str, Any] = field(default_factory=dict)
    # source name -> why it failed (a source may record its own; an exception is one too):
    # a failed source fails the run unless the caller allows a smaller graph
    failures: dict[str, str] = field(default_factory=dict)
    # what the summary must show beside the counts (e.g. a malformed XML, with line:column)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Source:
    """A source of graph facts: ``fn(ctx)`` returns its ``Facts`` (``ingest.sources`` lists
    them)."""

    name: str
    fn: Callable[[IngestContext], Facts]


class SourceReport(BaseModel):
    name: str
    seconds: float
    nodes: int
    rels: int
    skipped: bool = False
    note: str = ""
    failed: str = ""  # why the source failed (empty: it did not)


class IngestReport(BaseModel):
    run_id: str
    decomp_commit: str | None
    versions: list[str]
    seconds: float
    counts: dict[str, int]
    sources: list[SourceReport]
    dangling: dict[str, int]
    per_version: list[dict[str, Any]] = []
    failed_files: list[dict[str, Any]] = []
    diagnostics: int = 0
    partial: bool = False
    unchanged: bool = False
    delta: dict[str, Any] | None = None  # set when only .c bodies changed: what was applied
    warnings: list[str] = []
    failed_sources: dict[str, str] = {}
    shrunk: list[str] = []  # node kinds that lost more than half their nodes ("Actor: 471 -> 0")
    allowed_shrink: bool = False  # the graph was written although a source failed or shrank


def ootkg_version() -> str:
    try:
        from importlib.metadata import version

        return version("ootkg")
    except Exception:  # noqa: BLE001 - not installed as a distribution
        return "0"
