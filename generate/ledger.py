"""The append-only run ledger and crash-safe JSONL files.

Next to ``run.jsonl`` the loop keeps ``run.jsonl.ledger`` (one JSON event per
line: the run's configuration first, then requests, responses, items, batches)
and ``run.rejects.jsonl``. The output and rejects files are the truth for what
was decided; each line is written, flushed and fsynced before the ledger notes
it. A torn last line (a kill mid-write) is cut off when the run resumes, so a
decided item is either complete in its file or redone — never half there,
never twice.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def ledger_path(out: Path) -> Path:
    return out.with_name(out.name + ".ledger")


def rejects_path(out: Path) -> Path:
    name = out.name[:-6] if out.name.endswith(".jsonl") else out.name
    return out.with_name(name + ".rejects.jsonl")


def repair_tail(path: Path) -> int:
    """Cut a torn (unterminated or unparseable) last line; returns the bytes removed."""
    if not path.exists():
        return 0
    with open(path, "rb+") as fh:
        size = fh.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        fh.seek(max(0, size - 1))
        last = fh.read(1)
        cut = size
        if last != b"\n":
            # find the previous newline
            pos = size - 1
            chunk = 65536
            while pos > 0:
                start = max(0, pos - chunk)
                fh.seek(start)
                data = fh.read(pos - start)
                nl = data.rfind(b"\n")
                if nl >= 0:
                    cut = start + nl + 1
                    break
                pos = start
            else:
                cut = 0
        if cut < size:
            fh.truncate(cut)
            fh.flush()
            os.fsync(fh.fileno())
        return size - cut


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                yield json.loads(line)


class JsonlWriter:
    """Append whole lines: write, flush (a killed process loses nothing), then fdatasync.

    ``sync_interval`` 0 syncs every line; a positive value syncs at most that often (and
    always at close), a group commit: an OS crash may then lose the last fraction of a
    second of lines, which a resumed run redoes (the plan is deterministic), never twice."""

    def __init__(self, path: Path, *, sync_interval: float = 0.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.fh = open(path, "a", encoding="utf-8")
        self.sync_interval = sync_interval
        self._synced = time.monotonic()

    def write(self, line: str, *, durable: bool = True) -> None:
        self.fh.write(line + "\n")
        self.fh.flush()
        if durable:
            now = time.monotonic()
            if now - self._synced >= self.sync_interval:
                os.fdatasync(self.fh.fileno())
                self._synced = now

    def close(self) -> None:
        if not self.fh.closed:
            self.fh.flush()
            os.fdatasync(self.fh.fileno())
            self.fh.close()


class Ledger(JsonlWriter):
    def event(self, kind: str, *, durable: bool = False, **fields: Any) -> None:
        self.write(json.dumps({"event": kind, **fields}, default=str, sort_keys=True), durable=durable)


def read_ledger(path: Path) -> list[dict[str, Any]]:
    repair_tail(path)
    return list(read_jsonl(path))
