"""Did-you-mean suggestions over a set of names: one engine for the validator, the HTTP
service's ``/v1/symbols`` and the named queries' parameter checks.

``NameList(names).suggest(name)``: close spellings (``difflib``) among the names sharing the
first three letters, then, when none is close, among names of about the same length.
``prefix=True`` also offers names the given one begins (``spot00`` -> ``spot00_scene``).
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# Unknown names cost a did-you-mean search (and, in the validator, a query of the other
# versions) each; an example gets this many, then its unknown names are reported without
# either, so a request full of invented names cannot buy minutes of work.
_BUDGET: ContextVar[list[int] | None] = ContextVar("ootkg_lookup_budget", default=None)
LOOKUPS_PER_EXAMPLE = 64


@contextmanager
def lookup_budget(n: int = LOOKUPS_PER_EXAMPLE) -> Iterator[None]:
    token = _BUDGET.set([n])
    try:
        yield
    finally:
        _BUDGET.reset(token)


def spend_lookup() -> bool:
    """False once the current budget (if any) is spent."""
    b = _BUDGET.get()
    if b is None:
        return True
    if b[0] <= 0:
        return False
    b[0] -= 1
    return True


class NameList:
    """Sorted names for did-you-mean suggestions without scanning everything."""

    def __init__(self, names: set[str]) -> None:
        self.names = sorted(names)
        self._lower = sorted((n.lower(), n) for n in names)
        self._memo: dict[tuple[str, int, bool], list[str]] = {}

    def suggest(self, name: str, n: int = 3, prefix: bool = False) -> list[str]:
        key = (name, n, prefix)
        hit = self._memo.get(key)
        if hit is None:
            if not spend_lookup():
                return []
            if len(self._memo) > 20000:
                self._memo.clear()
            hit = self._memo[key] = self._suggest(name, n)
            if prefix and not hit:
                hit = self._memo[key] = self._starting(name, n)
        return list(hit)

    def _suggest(self, name: str, n: int) -> list[str]:
        low = name.lower()
        # candidates: same 3-char prefix bucket (cheap), then a wider pass if nothing close
        i = bisect.bisect_left(self._lower, (low[:3], ""))
        bucket = []
        while i < len(self._lower) and self._lower[i][0].startswith(low[:3]):
            bucket.append(self._lower[i][1])
            i += 1
        out = difflib.get_close_matches(name, bucket, n=n, cutoff=0.75) if bucket else []
        if not out and len(self.names) <= 20000:
            pre = [c for c in self.names if abs(len(c) - len(name)) <= 4]
            out = difflib.get_close_matches(name, pre, n=n, cutoff=0.8)
        return out

    def _starting(self, name: str, n: int) -> list[str]:
        """Names that begin with ``name`` (any case), shortest first."""
        low = name.lower()
        if len(low) < 3:
            return []
        i = bisect.bisect_left(self._lower, (low, ""))
        out = []
        while i < len(self._lower) and self._lower[i][0].startswith(low):
            out.append(self._lower[i][1])
            i += 1
        return sorted(out, key=lambda s: (len(s), s))[:n]
