"""Near-duplicate detection: normalised text, exact hashes, then MinHash LSH (datasketch).

Two examples whose word 3-gram sets have an estimated Jaccard similarity at or
above the threshold (0.9 by default, as distilabel uses) count as duplicates;
the later one is rejected and logged with the id of the earlier.
"""

from __future__ import annotations

import hashlib
import re

from datasketch import MinHash, MinHashLSH

_WORD = re.compile(r"[a-z0-9_]+")
NUM_PERM = 128


def normalise(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def shingles(words: list[str], n: int = 3) -> set[bytes]:
    if len(words) < n:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + n]).encode() for i in range(len(words) - n + 1)}


class Deduplicator:
    def __init__(self, threshold: float = 0.9) -> None:
        self.threshold = threshold
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.exact: dict[str, str] = {}
        self.sketches: dict[str, MinHash] = {}
        base = MinHash(num_perm=NUM_PERM, seed=1)
        # Permutations are shared, not rebuilt per sketch (datasketch >= 2 names their scheme).
        self._kw: dict = {"permutations": base.permutations}
        if getattr(base, "scheme", None) is not None:
            self._kw["scheme"] = base.scheme

    def _sketch(self, words: list[str]) -> MinHash:
        m = MinHash(num_perm=NUM_PERM, seed=1, **self._kw)
        m.update_batch(list(shingles(words)))
        return m

    def check(self, key: str, text: str) -> str | None:
        """The key of an earlier near-duplicate of ``text``, or None (then ``text`` is kept)."""
        words = normalise(text)
        digest = hashlib.sha1(" ".join(words).encode()).hexdigest()
        if digest in self.exact:
            return self.exact[digest]
        sketch = self._sketch(words)
        for other in self.lsh.query(sketch):
            if self.sketches[other].jaccard(sketch) >= self.threshold:
                return other
        self.add(key, digest, sketch)
        return None

    def add(self, key: str, digest: str, sketch: MinHash) -> None:
        if key in self.sketches:
            return
        self.exact[digest] = key
        self.sketches[key] = sketch
        self.lsh.insert(key, sketch)

    def remember(self, key: str, text: str) -> None:
        """Index an example already accepted (when a run resumes)."""
        words = normalise(text)
        self.add(key, hashlib.sha1(" ".join(words).encode()).hexdigest(), self._sketch(words))

    def __len__(self) -> int:
        return len(self.sketches)
