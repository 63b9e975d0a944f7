"""The last copy of each asset XML that parsed, kept in the cache: a malformed or truncated
file is reported and its last good copy stands in for it (``ingest.domain.assets_xml`` for the
graph's facts, ``ingest.c.asset_stubs`` for the generated headers)."""

from __future__ import annotations

import json
from pathlib import Path

from kg.persist import atomic_write


class LastGood:
    """The last copy of each asset XML that parsed, kept under ``dir`` (an index of size and
    mtime says which copies are current, so only changed files are copied)."""

    def __init__(self, dir: Path | None) -> None:
        self.dir = dir
        self.index: dict[str, list[int]] = {}
        self._dirty = False
        if dir is not None and (dir / "index.json").is_file():
            try:
                self.index = json.loads((dir / "index.json").read_text())
            except (ValueError, OSError):
                self.index = {}

    def remember(self, path: Path, rel: str) -> None:
        if self.dir is None:
            return
        st = path.stat()
        key = [st.st_size, st.st_mtime_ns]
        if self.index.get(rel) == key and (self.dir / rel).is_file():
            return
        dst = self.dir / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        # one per asset XML (~600 on a first run): a torn copy only reads as malformed
        atomic_write(dst, path.read_bytes(), fsync=False)
        self.index[rel] = key
        self._dirty = True

    def recall(self, rel: str) -> Path | None:
        p = self.dir / rel if self.dir is not None else None
        return p if p is not None and rel in self.index and p.is_file() else None

    def save(self) -> None:
        if self.dir is not None and self._dirty:
            self.dir.mkdir(parents=True, exist_ok=True)
            atomic_write(self.dir / "index.json", json.dumps(self.index))
