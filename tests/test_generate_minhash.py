"""MinHash sketches and the banded LSH index behind near-duplicate detection."""

from __future__ import annotations

import random

from generate.dedup import NUM_PERM, Deduplicator, normalise, shingles
from generate.minhash import LSH, bands, estimate, fingerprint, jaccard, sketch


def _words(rng: random.Random, n: int) -> list[str]:
    return [f"w{rng.randrange(5000)}" for _ in range(n)]


def test_the_sketch_estimates_jaccard_similarity() -> None:
    rng = random.Random(4)
    for overlap in (0.0, 0.3, 0.6, 0.9, 1.0):
        common = {f"c{i}".encode() for i in range(int(400 * overlap))}
        a = common | {f"a{i}".encode() for i in range(400 - len(common))}
        b = common | {f"b{i}".encode() for i in range(400 - len(common))}
        true = len(a & b) / len(a | b)
        fa, fb = fingerprint(a), fingerprint(b)
        assert jaccard(fa, fb) == true  # exact on the fingerprints
        est = estimate(sketch(fa, NUM_PERM), sketch(fb, NUM_PERM))
        assert abs(est - true) < 0.12, (overlap, true, est)
    # deterministic across calls (and processes: SHA-1, a seeded generator)
    s = [w.encode() for w in _words(rng, 50)]
    assert (sketch(fingerprint(s), NUM_PERM) == sketch(fingerprint(reversed(s)), NUM_PERM)).all()
    assert jaccard(fingerprint([]), fingerprint([])) == 1.0


def test_bands_minimise_the_weighted_error() -> None:
    # the classic values at 128 permutations (datasketch's MinHashLSH picks the same)
    assert bands(0.9, 128) == (5, 25)
    assert bands(0.5, 128) == (25, 5)
    b, r = bands(0.8, 128)
    assert b * r <= 128 and b >= 2


def test_lsh_finds_near_duplicates_and_not_strangers() -> None:
    rng = random.Random(7)
    lsh = LSH(0.9, NUM_PERM)
    base = _words(rng, 300)
    lsh.insert("base", sketch(fingerprint(shingles(base)), NUM_PERM))
    near = list(base)
    near[150] = "changed"
    assert "base" in lsh.query(sketch(fingerprint(shingles(near)), NUM_PERM))
    stranger = _words(rng, 300)
    assert lsh.query(sketch(fingerprint(shingles(stranger)), NUM_PERM)) == []


def test_deduplicator_rejects_exact_and_near_copies_only() -> None:
    rng = random.Random(11)
    d = Deduplicator(0.9)
    text = " ".join(_words(rng, 400))
    assert d.check("a", text) is None
    assert d.check("b", text.upper()) == "a"  # normalised: the same words
    words = normalise(text)
    words[200] = "different"
    assert d.check("c", " ".join(words)) == "a"
    assert d.check("d", " ".join(_words(rng, 400))) is None
    # a candidate LSH finds is judged on its exact similarity: 0.85 is kept at 0.9
    base = _words(rng, 200)
    d2 = Deduplicator(0.9)
    assert d2.check("x", " ".join(base)) is None
    changed = list(base)
    for i in range(0, 200, 25):
        changed[i] = f"new{i}"
    sim = jaccard(fingerprint(shingles(base)), fingerprint(shingles(changed)))
    assert sim < 0.9
    assert d2.check("y", " ".join(changed)) is None
    d.remember("e", "an earlier run's example text about EnDoor_Init and its wiring")
    assert d.check("f", "an earlier run's example text about EnDoor_Init and its wiring") == "e"
    assert len(d) == 3
