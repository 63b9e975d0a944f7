"""The include closures and keys of earlier runs (``KeyMemo``), kept in ``analysis/keys.pkl``."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import TYPE_CHECKING

from kg.persist import dump_pickle

if TYPE_CHECKING:
    from ingest.c.plan.keys import KeyIndex


class KeyMemo:
    """The include closures and keys of earlier runs, kept while what they cover is unchanged,
    so a run after an edit recomputes only the keys of files whose closure holds an edited
    file.

    A closure stays valid while no file was added or removed and no file of it changed (its
    ``#include`` lines are in those files). A value is stored under a path, a *version digest*
    (``vdig``: the macro analysis' digest ``KeyIndex.gdig`` and everything else version-wide
    the key reads) and the caller's own key of the computation; it is dropped with its path's
    closure. ``tag`` names the key formula: another tag starts empty.
    """

    FORMAT = "key-memo-1"

    def __init__(self, path: Path | None, index: KeyIndex, tag: str) -> None:
        self.path, self.index, self.tag = path, index, tag
        self.values: dict[str, dict[str, dict[object, str]]] = {}  # path -> vdig -> key -> value
        self.vdigs: dict[str, str] = {}  # version id -> its vdig of the last run that had it
        self.fileset = hashlib.sha1("\n".join(sorted(index.files)).encode()).hexdigest()
        self.kept = self.dropped = 0
        self._dirty = False
        if path is None:
            self._load_all()
            return
        try:
            with open(path, "rb") as fh:
                fmt, tag_, fileset, shas, closures, values, vdigs = pickle.load(fh)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
            self._load_all()
            return
        if fmt != self.FORMAT or tag_ != tag or fileset != self.fileset:
            self._dirty = True
            self._load_all()
            return
        self.vdigs = vdigs
        changed = {p for p, sha in shas.items() if index.sha(p) != sha}
        for p, clo in closures.items():
            if changed.isdisjoint(clo[0]):
                index._closure[p] = clo
                if p in values:
                    self.values[p] = values[p]
                self.kept += 1
            else:
                self.dropped += 1
        self._dirty = bool(changed)
        if self.dropped > 50:
            self._load_all()

    def _load_all(self) -> None:
        """Many keys to make: read every file's analysis in one go (and ``unused_conds``
        takes its fast path)."""
        load = getattr(self.index.files, "load_all", None)
        if load is not None:
            load()

    def get(self, path: str, vdig: str, key: object) -> str | None:
        d = self.values.get(path)
        if d is None:
            return None
        d2 = d.get(vdig)
        return d2.get(key) if d2 is not None else None

    def put(self, path: str, vdig: str, key: object, value: str) -> None:
        self.values.setdefault(path, {}).setdefault(vdig, {})[key] = value
        self._dirty = True

    def save(self, vdigs: dict[str, str]) -> None:
        """Write the memo (``vdigs``: this run's version digests; values under digests no
        version has any more are dropped)."""
        if self.path is None:
            return
        if any(self.vdigs.get(v) != d for v, d in vdigs.items()):
            self._dirty = True
        if not self._dirty and len(self.index._closure) == self.kept:
            return
        self.vdigs.update(vdigs)
        live = set(self.vdigs.values())
        values = {}
        for p, by_v in self.values.items():
            kept = {vd: d for vd, d in by_v.items() if vd in live}
            if kept:
                values[p] = kept
        shas = {p: self.index.sha(p) for p in self.index.files}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        dump_pickle(
            self.path,
            (
                self.FORMAT,
                self.tag,
                self.fileset,
                shas,
                {p: c for p, c in self.index._closure.items() if p in shas},
                values,
                self.vdigs,
            ),
        )
        self._dirty = False
