"""The reviews JSONL: append-only, safe with several writers, durable before it answers.

``data/run2.jsonl`` is reviewed into ``data/run2.reviews.jsonl``. Every append takes
an exclusive ``flock`` on the file (other processes) and a thread lock (other
requests of this process), cuts a torn tail a killed writer may have left, writes
whole lines with ``O_APPEND`` and ``fsync``s before returning: a review the server
acknowledged survives ``kill -9`` and a power cut. Readers take a shared lock and
ignore an unterminated last line (its writer never acknowledged it).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def reviews_path(run: Path) -> Path:
    name = run.name[:-6] if run.name.endswith(".jsonl") else run.name
    return run.with_name(name + ".reviews.jsonl")


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, rows: list[dict[str, Any]]) -> None:
        data = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
        payload = data.encode()
        with self._lock:
            created = not self.path.exists()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                _cut_torn_tail(fd)
                view = memoryview(payload)
                while view:
                    n = os.write(fd, view)
                    view = view[n:]
                os.fsync(fd)
            finally:
                os.close(fd)  # closing releases the flock
            if created:
                _fsync_dir(self.path.parent)

    def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with open(self.path, "rb") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
            data = fh.read()
        rows = []
        lines = data.split(b"\n")
        if lines and lines[-1]:
            log.warning(
                "%s: ignoring an unterminated last line (%d bytes; a writer was killed before it answered)",
                self.path,
                len(lines[-1]),
            )
        for n, line in enumerate(lines[:-1], 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                log.warning("%s:%d is not JSON; skipped", self.path, n)
        return rows


def _cut_torn_tail(fd: int) -> None:
    size = os.lseek(fd, 0, os.SEEK_END)
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return
    pos, cut = size, 0
    while pos > 0:
        start = max(0, pos - 65536)
        chunk = os.pread(fd, pos - start, start)
        nl = chunk.rfind(b"\n")
        if nl >= 0:
            cut = start + nl + 1
            break
        pos = start
    log.warning("cutting a torn last line (%d bytes) left by a killed writer", size - cut)
    os.ftruncate(fd, cut)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
