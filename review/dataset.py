"""A run under review: its examples indexed by id, a summary of each in memory, the full
record read from the file on demand (a 10,000-example run is ~50 MB of JSON; the index
is a few MB). The file may still be growing (a run in progress): ``refresh`` reads the
lines added since.

A run's lines keep a slim validation report (``ok``, ``level_reached``, issue ``codes``); the
full reports are in the sidecar ``<stem>.reports.jsonl`` (``reports_path``), read on demand
for the review page and the judge (``report``, ``with_report``)."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from review.models import messages_sha

log = logging.getLogger(__name__)
_REPORT_ID = re.compile(rb'^\{"id":\s*"([^"]+)"')


@dataclass
class Summary:
    """What the queue filters and sorts on."""

    id: str
    offset: int
    position: int
    family: str
    difficulty: int
    version: str
    target: str
    target_kind: str
    generator: str
    model: str
    ok: bool
    issue_codes: tuple[str, ...]
    sha: str
    question: str = ""
    entities: tuple[str, ...] = field(default_factory=tuple)


def reports_path(out: Path) -> Path:
    """The full validation reports of a run's lines, next to it: ``<stem>.reports.jsonl``."""
    name = out.name[:-6] if out.name.endswith(".jsonl") else out.name
    return out.with_name(name + ".reports.jsonl")


class _Tail:
    """Where a growing JSONL file was read to (complete lines only)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.read_to = 0
        self.size_seen = -1

    def new_lines(self) -> list[tuple[bytes, int]]:
        try:
            size = self.path.stat().st_size
        except OSError:
            return []
        if size == self.size_seen:
            return []
        out = []
        with open(self.path, "rb") as fh:
            fh.seek(self.read_to)
            offset = self.read_to
            for raw in fh:
                if not raw.endswith(b"\n"):
                    break  # a line still being written
                out.append((raw, offset))
                offset += len(raw)
            self.read_to = offset
        self.size_seen = size
        return out


class RunData:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.summaries: dict[str, Summary] = {}
        self.order: list[str] = []
        self._run = _Tail(path)
        self._reports = _Tail(reports_path(path))
        self._report_at: dict[str, int] = {}  # id -> offset of its line in the sidecar
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.refresh()

    def refresh(self) -> None:
        """Index lines appended since the last call (complete lines only)."""
        with self._lock:
            for raw, offset in self._run.new_lines():
                self._index(raw, offset)
            for raw, offset in self._reports.new_lines():
                m = _REPORT_ID.match(raw)
                if m:
                    self._report_at[m.group(1).decode()] = offset

    def report(self, ex_id: str) -> dict[str, Any]:
        """The example's full validation report (the sidecar's), else the one its line keeps."""
        at = self._report_at.get(ex_id)
        if at is not None:
            try:
                with open(self._reports.path, "rb") as fh:
                    fh.seek(at)
                    row = json.loads(fh.readline())
                if row.get("id") == ex_id and isinstance(row.get("report"), dict):
                    return row["report"]
            except (OSError, ValueError):
                log.warning("%s: the report of %s is unreadable", self._reports.path, ex_id)
        rec = self.get(ex_id) or {}
        return (rec.get("metadata") or {}).get("validation") or {}

    def with_report(self, rec: dict[str, Any]) -> dict[str, Any]:
        """A copy of the record whose metadata holds the full validation report."""
        meta = rec.get("metadata") or {}
        if meta.get("id") not in self._report_at:
            return rec
        return {**rec, "metadata": {**meta, "validation": self.report(meta["id"])}}

    def _index(self, raw: bytes, offset: int) -> None:
        if not raw.strip():
            return
        try:
            rec = json.loads(raw)
            m = rec["metadata"]
            ex_id = m["id"]
        except (ValueError, KeyError, TypeError):
            log.warning("%s: a line at byte %d is not an example; skipped", self.path, offset)
            return
        report = m.get("validation") or {}
        codes = (
            report["codes"]
            if "codes" in report and "issues" not in report
            else [i.get("code", "") for i in report.get("issues", [])]
        )
        first_user = next((x.get("content", "") for x in rec.get("messages", []) if x.get("role") == "user"), "")
        if ex_id not in self.summaries:
            self.order.append(ex_id)
        self.summaries[ex_id] = Summary(
            id=ex_id,
            offset=offset,
            position=len(self.order) - 1,
            family=m.get("family", ""),
            difficulty=int(m.get("difficulty") or 0),
            version=m.get("version", ""),
            target=str(m.get("target", "")),
            target_kind=m.get("target_kind", ""),
            generator=m.get("generator", ""),
            model=m.get("model", ""),
            ok=bool(report.get("ok", True)),
            issue_codes=tuple(sorted(set(codes))),
            sha=messages_sha(rec.get("messages", [])),
            question=first_user[:200],
            entities=tuple(m.get("entities") or ()),
        )
        self._cache.pop(ex_id, None)

    def __contains__(self, ex_id: str) -> bool:
        return ex_id in self.summaries

    def __len__(self) -> int:
        return len(self.order)

    def get(self, ex_id: str) -> dict[str, Any] | None:
        """The full record (messages + metadata), or None for an id the run does not have."""
        s = self.summaries.get(ex_id)
        if s is None:
            return None
        with self._lock:
            hit = self._cache.get(ex_id)
            if hit is not None:
                self._cache.move_to_end(ex_id)
                return hit
        with open(self.path, "rb") as fh:
            fh.seek(s.offset)
            rec = json.loads(fh.readline())
        with self._lock:
            self._cache[ex_id] = rec
            if len(self._cache) > 256:
                self._cache.popitem(last=False)
        return rec

    def records(self, *, full_reports: bool = False) -> list[dict[str, Any]]:
        """Every record, in file order (reads the whole file); with ``full_reports``, each
        with its full validation report (``with_report``)."""
        out = []
        with open(self.path, "rb") as fh:
            for ex_id in self.order:
                fh.seek(self.summaries[ex_id].offset)
                rec = json.loads(fh.readline())
                out.append(self.with_report(rec) if full_reports else rec)
        return out
