"""Near-duplicate detection: normalised text, exact hashes, then MinHash LSH (``generate.minhash``).

Two examples whose word 3-gram sets have a Jaccard similarity at or above the threshold
(0.9 by default, as distilabel uses) count as duplicates; the later one is rejected and
logged with the id of the earlier. LSH finds the candidates; their similarity is then
computed exactly on the sets' 64-bit fingerprints (a MinHash estimate with 128
permutations is off by ~0.03 at 0.9, which decided pairs both ways).
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

from generate.minhash import LSH, fingerprint, jaccard, sketch

_WORD = re.compile(r"[a-z0-9_]+")
NUM_PERM = 128


def normalise(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def shingles(words: list[str], n: int = 3) -> set[bytes]:
    if len(words) < n:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + n]).encode() for i in range(len(words) - n + 1)}


def _digest(words: list[str]) -> str:
    """The exact-duplicate key of a normalised text."""
    return hashlib.sha1(" ".join(words).encode()).hexdigest()


class Deduplicator:
    def __init__(self, threshold: float = 0.9) -> None:
        self.threshold = threshold
        self.lsh = LSH(threshold, NUM_PERM)
        self.exact: dict[str, str] = {}
        self.prints: dict[str, np.ndarray] = {}  # key -> its shingles' fingerprint

    def check(self, key: str, text: str) -> str | None:
        """The key of an earlier near-duplicate of ``text``, or None (then ``text`` is kept)."""
        words = normalise(text)
        digest = _digest(words)
        if digest in self.exact:
            return self.exact[digest]
        fp = fingerprint(shingles(words))
        sig = sketch(fp, NUM_PERM)
        for other in self.lsh.query(sig):
            if jaccard(self.prints[other], fp) >= self.threshold:
                return other
        self.add(key, digest, fp, sig)
        return None

    def add(self, key: str, digest: str, fp: np.ndarray, sig: np.ndarray | None = None) -> None:
        if key in self.prints:
            return
        self.exact[digest] = key
        self.prints[key] = fp
        self.lsh.insert(key, sketch(fp, NUM_PERM) if sig is None else sig)

    def remember(self, key: str, text: str) -> None:
        """Index an example already accepted (when a run resumes)."""
        words = normalise(text)
        self.add(key, _digest(words), fingerprint(shingles(words)))

    def __len__(self) -> int:
        return len(self.prints)
