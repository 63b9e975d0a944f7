"""Agreement and rank statistics, in plain Python (a few hundred items; no numpy needed).

- ``cohen_kappa``: two raters, nominal labels.
- ``fleiss_kappa``: any number of raters per item (the per-item agreement averages pairs
  within each item, so items with different rater counts mix).
- ``krippendorff_alpha``: nominal or interval values, missing ratings allowed.
- ``spearman``: rank correlation with average ranks for ties.
- ``auc``: probability a positive scores above a negative (ties count half).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    if len(a) != len(b) or not a:
        return None
    n = len(a)
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    pe = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    if pe == 1.0:
        return 1.0 if po == 1.0 else None
    return (po - pe) / (1 - pe)


def fleiss_kappa(items: Sequence[Sequence[Hashable]]) -> float | None:
    """``items``: the labels each item received (items with fewer than 2 are ignored)."""
    rated = [list(x) for x in items if len(x) >= 2]
    if not rated:
        return None
    totals: Counter = Counter()
    p_items = []
    for labels in rated:
        c = Counter(labels)
        n = len(labels)
        totals.update(c)
        p_items.append(sum(v * (v - 1) for v in c.values()) / (n * (n - 1)))
    all_n = sum(totals.values())
    pe = sum((v / all_n) ** 2 for v in totals.values())
    p_bar = sum(p_items) / len(p_items)
    if pe == 1.0:
        return 1.0 if p_bar == 1.0 else None
    return (p_bar - pe) / (1 - pe)


def krippendorff_alpha(units: Sequence[Sequence[float | Hashable]], metric: str = "nominal") -> float | None:
    """``units``: the values each unit (item) received; units with < 2 values are unpairable."""
    pairable = [list(u) for u in units if len(u) >= 2]
    n = sum(len(u) for u in pairable)
    if n < 2:
        return None

    def delta(x: object, y: object) -> float:
        if metric == "interval":
            return (float(x) - float(y)) ** 2  # type: ignore[arg-type]
        return 0.0 if x == y else 1.0

    observed = 0.0
    for u in pairable:
        m = len(u)
        observed += sum(delta(u[i], u[j]) for i in range(m) for j in range(m) if i != j) / (m - 1)
    observed /= n
    values = [v for u in pairable for v in u]
    counts = Counter(values)
    keys = list(counts)
    expected = sum(counts[a] * counts[b] * delta(a, b) for a in keys for b in keys)
    expected /= n * (n - 1)
    if expected == 0:
        return 1.0 if observed == 0 else None
    return 1 - observed / expected


def ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        avg = (i + j) / 2 + 1
        for k in range(i, j + 1):
            out[order[k]] = avg
        i = j + 1
    return out


def pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    n = len(x)
    if n < 2 or n != len(y):
        return None
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    return pearson(ranks(x), ranks(y))


def auc(scores: Sequence[float], positive: Sequence[bool]) -> float | None:
    """Area under the ROC curve via ranks (Mann-Whitney U)."""
    pos = sum(1 for p in positive if p)
    neg = len(positive) - pos
    if not pos or not neg:
        return None
    r = ranks(scores)
    u = sum(rk for rk, p in zip(r, positive, strict=True) if p) - pos * (pos + 1) / 2
    return u / (pos * neg)
