"""MinHash sketches and a banded LSH index: near-duplicate candidates in sub-linear time.

What ``generate.dedup`` needs of datasketch's ``MinHash``/``MinHashLSH``, with numpy alone:
importing datasketch pulls in ``scipy.integrate`` (for the band parameters), ~0.5-1 s of
every ``ootkg generate``, which offline makes 500 examples in ~4 s. A set is fingerprinted
as the first 8 bytes of each shingle's SHA-1 (deterministic across processes, unlike
``hash()``); MinHash permutes their low 32 bits by ``(a * h + b) mod (2**61 - 1)`` with
``a, b`` drawn from a seeded generator; the bands minimise the weighted false positive and negative probabilities at the
threshold (Leskovec et al., *Mining of Massive Datasets*, ch. 3).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

_PRIME = np.uint64((1 << 61) - 1)
_MAX = np.uint64((1 << 32) - 1)


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, int(_PRIME), size=num_perm, dtype=np.uint64)
    b = rng.integers(0, int(_PRIME), size=num_perm, dtype=np.uint64)
    return a, b


def fingerprint(shingles: Iterable[bytes]) -> np.ndarray:
    """A set of shingles as its sorted, distinct 64-bit hashes (the first 8 bytes of SHA-1):
    8 bytes a shingle, and their exact Jaccard similarity by a merge."""
    hashes = (int.from_bytes(hashlib.sha1(s).digest()[:8], "little") for s in shingles)
    return np.unique(np.fromiter(hashes, dtype=np.uint64))


def sketch(fp: np.ndarray, num_perm: int) -> np.ndarray:
    """The MinHash signature (``num_perm`` minima) of a fingerprinted set."""
    if not fp.size:
        return np.full(num_perm, _MAX, dtype=np.uint64)
    a, b = permutations(num_perm)
    with np.errstate(over="ignore"):  # the product wraps mod 2**64, as a hash may
        permuted = ((fp & _MAX)[:, None] * a + b) % _PRIME & _MAX
    return permuted.min(axis=0)


def estimate(x: np.ndarray, y: np.ndarray) -> float:
    """Two signatures' estimate of their sets' Jaccard similarity."""
    return float(np.count_nonzero(x == y)) / len(x)


def jaccard(x: np.ndarray, y: np.ndarray) -> float:
    """Two fingerprints' exact Jaccard similarity."""
    both = np.intersect1d(x, y, assume_unique=True).size
    either = x.size + y.size - both
    return both / either if either else 1.0


@lru_cache(maxsize=8)
def bands(threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5) -> tuple[int, int]:
    """(bands, rows per band) minimising the weighted probability of a false positive (a
    pair below ``threshold`` that shares a band) and of a false negative (a pair above it
    that shares none), each integrated over the similarity with the trapezoid rule."""
    best, opt = float("inf"), (1, num_perm)
    below = np.linspace(0.0, threshold, 257)
    above = np.linspace(threshold, 1.0, 257)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = _integral(1 - (1 - below**r) ** b, below)
            fn = _integral((1 - above**r) ** b, above)
            error = fp * fp_weight + fn * fn_weight
            if error < best:
                best, opt = error, (b, r)
    return opt


def _integral(y: np.ndarray, x: np.ndarray) -> float:
    return float(((y[1:] + y[:-1]) * np.diff(x)).sum() / 2)


class LSH:
    """Keys indexed by their signature's bands; a query returns the keys sharing a band."""

    def __init__(self, threshold: float, num_perm: int) -> None:
        self.b, self.r = bands(threshold, num_perm)
        self.tables: list[dict[bytes, list[str]]] = [{} for _ in range(self.b)]

    def _keys(self, sig: np.ndarray) -> list[bytes]:
        return [sig[i * self.r : (i + 1) * self.r].tobytes() for i in range(self.b)]

    def insert(self, key: str, sig: np.ndarray) -> None:
        for table, band in zip(self.tables, self._keys(sig), strict=True):
            table.setdefault(band, []).append(key)

    def query(self, sig: np.ndarray) -> list[str]:
        found: dict[str, None] = {}
        for table, band in zip(self.tables, self._keys(sig), strict=True):
            for key in table.get(band, ()):
                found[key] = None
        return list(found)
