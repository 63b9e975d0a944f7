"""A run under review: its examples indexed by id, a summary of each in memory, the full
record read from the file on demand (a 10,000-example run is ~50 MB of JSON; the index
is a few MB). The file may still be growing (a run in progress): ``refresh`` reads the
lines added since."""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from review.models import messages_sha

log = logging.getLogger(__name__)


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


class RunData:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.summaries: dict[str, Summary] = {}
        self.order: list[str] = []
        self._read_to = 0
        self._size_seen = -1
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.refresh()

    def refresh(self) -> None:
        """Index lines appended since the last call (complete lines only)."""
        with self._lock:
            try:
                size = self.path.stat().st_size
            except OSError:
                return
            if size == self._size_seen:
                return
            with open(self.path, "rb") as fh:
                fh.seek(self._read_to)
                offset = self._read_to
                for raw in fh:
                    if not raw.endswith(b"\n"):
                        break  # a line still being written
                    self._index(raw, offset)
                    offset += len(raw)
                self._read_to = offset
            self._size_seen = size

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
        first_user = next((x.get("content", "") for x in rec.get("messages", [])
                           if x.get("role") == "user"), "")
        if ex_id not in self.summaries:
            self.order.append(ex_id)
        self.summaries[ex_id] = Summary(
            id=ex_id, offset=offset, position=len(self.order) - 1, family=m.get("family", ""),
            difficulty=int(m.get("difficulty") or 0), version=m.get("version", ""),
            target=str(m.get("target", "")), target_kind=m.get("target_kind", ""),
            generator=m.get("generator", ""), model=m.get("model", ""),
            ok=bool(report.get("ok", True)),
            issue_codes=tuple(sorted({i.get("code", "") for i in report.get("issues", [])})),
            sha=messages_sha(rec.get("messages", [])), question=first_user[:200],
            entities=tuple(m.get("entities") or ()))
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

    def records(self) -> list[dict[str, Any]]:
        """Every record, in file order (reads the whole file)."""
        out = []
        with open(self.path, "rb") as fh:
            for ex_id in self.order:
                fh.seek(self.summaries[ex_id].offset)
                out.append(json.loads(fh.readline()))
        return out
