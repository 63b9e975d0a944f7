"""Names a symbol list has that the decomp renamed since: matched by address and file.

A list is a snapshot: ``func_80A4B2C8`` in a 2024 list may be ``EnHorse_StartMountIdle``
today. The address (a fact about the ROM) still holds, so the function is found by where
it lies: the linker places each file's functions in source order and the files in the
spec's order. Between two functions of the list that the graph knows (anchors), the list's
unknown names and the graph's functions that the list does not name fill the same gap; when
the gap holds as many of one as of the other, and no assembly file, they pair up in order.
A gap that does not tell (counts differ, an assembly file or a file whose functions are
not all known lies in it) is left alone: those names are reported, never guessed.

Interface: ``match_renames(symbols, order, known)`` -> ``{id(symbol): new name}``, where
``order`` is the version's defined functions in link order (``None`` for an assembly
object) and ``known(name)`` says whether the graph has a function of that name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from ingest.domain.symbols.lists import RawSymbol


def _increasing(anchors: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of (list index, order position) pairs whose positions increase (a
    name the list and the source order disagree on is no anchor)."""
    import bisect

    tails: list[int] = []  # position of the smallest tail of each length
    tail_ix: list[int] = []
    prev: list[int] = [-1] * len(anchors)
    for i, (_li, pos) in enumerate(anchors):
        k = bisect.bisect_left(tails, pos)
        if k == len(tails):
            tails.append(pos)
            tail_ix.append(i)
        else:
            tails[k] = pos
            tail_ix[k] = i
        prev[i] = tail_ix[k - 1] if k else -1
    out = []
    i = tail_ix[-1] if tail_ix else -1
    while i >= 0:
        out.append(anchors[i])
        i = prev[i]
    return out[::-1]


def match_renames(
    symbols: Sequence[RawSymbol], order: Sequence[str | None], known: Callable[[str], bool]
) -> dict[int, str]:
    """``symbols``: one list's functions (and entries of unknown kind) for one version."""
    pos = {name: i for i, name in enumerate(order) if name is not None}
    entries = sorted(symbols, key=lambda s: s.address)
    named = {s.name for s in entries}
    anchors = _increasing([(i, pos[s.name]) for i, s in enumerate(entries) if s.name in pos])
    out: dict[int, str] = {}
    for (li, pi), (lj, pj) in zip(anchors, anchors[1:], strict=False):
        between = entries[li + 1 : lj]
        gap = order[pi + 1 : pj]
        if not between or len(between) != len(gap) or None in gap:
            continue
        if any(known(s.name) for s in between) or any(g in named for g in gap):
            continue
        for s, g in zip(between, gap, strict=True):
            out[id(s)] = g  # type: ignore[assignment]
    return out


def link_order(units: Sequence[str], functions: dict[str, list[tuple[int, str]]]) -> list[str | None]:
    """The defined functions of a version in link order: ``units`` are the version's source
    files in spec order (``.s`` ones are assembly: ``None``); ``functions`` maps a file to
    its (line, name) pairs."""
    out: list[str | None] = []
    for u in units:
        if u.endswith(".s"):
            out.append(None)
            continue
        out.extend(name for _line, name in sorted(functions.get(u, ())))
    return out


def group_by_list(symbols: Sequence[RawSymbol]) -> dict[tuple[str, str], list[RawSymbol]]:
    """One list's symbols per version: (source, version) -> symbols."""
    out: dict[tuple[str, str], list[RawSymbol]] = defaultdict(list)
    for s in symbols:
        out[(s.source, s.version)].append(s)
    return out
