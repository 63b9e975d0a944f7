"""How close an example is to an earlier one of the same file.

Candidates are found with a bottom-k sketch (the K smallest CRC-32s of an example's word
3-grams: two texts at Jaccard J share most of them when J is high) plus the earlier
examples about the same target; each candidate is then compared exactly. A *duplicate* is
the same target in nearly the same words (word-set Jaccard >= 0.85), or anything at word
3-gram Jaccard >= 0.9. Examples about different targets that share a template's wording
are only *much like* each other (3-gram Jaccard >= 0.75).
"""

from __future__ import annotations

import heapq
import re
import zlib
from collections import defaultdict
from dataclasses import dataclass

_WORD = re.compile(r"[a-z0-9_]+")
K = 8  # sketch size
MIN_SHARED = 5  # shared sketch values before an exact comparison (about Jaccard 0.7 and up)
BUCKET = 500  # the most recent examples kept per sketch value


@dataclass
class Near:
    other: str | None = None
    duplicate: bool = False
    similarity: float = 0.0  # word 3-gram Jaccard (exact)


def _grams(words: list[str], n: int) -> set[str]:
    if len(words) < n:
        return {" ".join(words)}
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def _jaccard(a: frozenset, b: frozenset) -> float:
    inter = len(a & b)
    union = len(a) + len(b) - inter
    return inter / union if union else 1.0


class NoveltyIndex:
    def __init__(self) -> None:
        self.kept: dict[str, tuple[str, frozenset, frozenset]] = {}  # key -> target, words, 3-grams
        self.buckets: dict[int, list[str]] = defaultdict(list)
        self.by_target: dict[str, list[str]] = defaultdict(list)

    def add(self, key: str, target: str, text: str) -> Near:
        """Index the example; what the closest earlier one is to it."""
        w = _WORD.findall(text.lower())
        words, tri = frozenset(w), frozenset(_grams(w, 3))
        sketch = heapq.nsmallest(K, {zlib.crc32(g.encode()) for g in tri})
        votes: dict[str, int] = {}
        for h in sketch:
            for other in self.buckets.get(h, ()):
                votes[other] = votes.get(other, 0) + 1
        candidates = {o for o, n in votes.items() if n >= MIN_SHARED}
        candidates.update(self.by_target.get(target, ())[-50:])
        best = Near()
        for other in candidates:
            o_target, o_words, o_tri = self.kept[other]
            sim = _jaccard(tri, o_tri)
            dup = sim >= 0.9 or (o_target == target and _jaccard(words, o_words) >= 0.85)
            if (dup, sim) > (best.duplicate, best.similarity):
                best = Near(other, dup, sim)
        if key and key not in self.kept:
            self.kept[key] = (target, words, tri)
            self.by_target[target].append(key)
            for h in sketch:
                bucket = self.buckets[h]
                bucket.append(key)
                if len(bucket) > BUCKET:
                    del bucket[0]
        return best
