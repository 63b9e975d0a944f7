"""How close an example is to an earlier one of the same file.

Candidates come from MinHash LSH over word 2-grams (datasketch); each is then compared
exactly. A *duplicate* is the same target in nearly the same words (word-set Jaccard
>= 0.85), or anything at word 3-gram Jaccard >= 0.9. Examples about different targets
that share a template's wording are only *much like* each other (3-gram Jaccard >= 0.75).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH

_WORD = re.compile(r"[a-z0-9_]+")
NUM_PERM = 64


@dataclass
class Near:
    other: str | None = None
    duplicate: bool = False
    similarity: float = 0.0  # word 3-gram Jaccard (exact)


def _grams(words: list[str], n: int) -> set[str]:
    if len(words) < n:
        return {" ".join(words)}
    return {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


class NoveltyIndex:
    def __init__(self) -> None:
        self.lsh = MinHashLSH(threshold=0.6, num_perm=NUM_PERM)
        self.kept: dict[str, tuple[str, frozenset, frozenset]] = {}  # key -> target, words, 3-grams
        base = MinHash(num_perm=NUM_PERM, seed=7)
        self._kw: dict = {"permutations": base.permutations}
        if getattr(base, "scheme", None) is not None:
            self._kw["scheme"] = base.scheme

    def add(self, key: str, target: str, text: str) -> Near:
        """Index the example; what the closest earlier one is to it."""
        w = _WORD.findall(text.lower())
        words, tri = frozenset(w), frozenset(_grams(w, 3))
        m = MinHash(num_perm=NUM_PERM, seed=7, **self._kw)
        m.update_batch([g.encode() for g in _grams(w, 2)])
        best = Near()
        for other in self.lsh.query(m):
            o_target, o_words, o_tri = self.kept[other]
            sim = _jaccard(tri, o_tri)
            dup = sim >= 0.9 or (o_target == target and _jaccard(words, o_words) >= 0.85)
            if (dup, sim) > (best.duplicate, best.similarity):
                best = Near(other, dup, sim)
        if key and key not in self.kept:
            self.kept[key] = (target, words, tri)
            self.lsh.insert(key, m)
        return best
