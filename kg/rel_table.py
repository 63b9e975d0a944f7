"""The relationships of one type, held compactly: the bulk of a graph's rows.

A 16-version graph has ~1.2 M relationships, ~1 M of them ``IN_VERSION``. As one dict per
row (four end columns and up to 14 properties) they took ~400 bytes each, ~470 MB for the
C facts alone. Here the rows of a (from kind, to kind) pair are nested by their ``to`` end,
then keyed by their ``from`` end (``(from, discriminator)`` for a type with one), and a row
is a tuple of the type's declared properties in schema order. Equal tuples are shared (a
function's edge to each of 16 versions mostly carries the same file, line and signature),
and the per-row key is the ``from`` string itself, so an ``IN_VERSION`` row costs a dict
slot (~45 bytes) instead of a tuple and a dict.

``RelTable`` is a mapping from ``RelId`` (from kind, from, to kind, to, discriminator) to a
row dict made on demand (``from``/``to``/``from_kind``/``to_kind`` and every declared
property, None where unset), so code that reads rows sees dicts as before. The bulk paths
(staging, pruning, merging) use the compact form: ``pairs()``, ``pair_rows()``,
``column_chunks()``, ``put()``. A row dict handed out is a copy: change a row with ``put``
or item assignment.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from itertools import islice
from typing import Any

from kg.schema import PropType, RelKind, rel_kind

Row = dict[str, Any]
RelId = tuple[str, Any, str, Any, Any]
Values = tuple[Any, ...]
# to -> from (or (from, discriminator)) -> values
Pair = dict[Any, dict[Any, Values]]

_META = ("from", "to", "from_kind", "to_kind")


class RelTable(MutableMapping[RelId, Row]):
    __slots__ = ("type", "cols", "_lists", "_disc", "_pairs", "_intern")

    def __init__(self, rel_type: str) -> None:
        rk: RelKind = rel_kind(rel_type)
        self.type = rel_type
        self.cols: tuple[str, ...] = tuple(rk.props)
        # list-valued columns are held as tuples (hashable, so rows can be shared)
        self._lists = tuple(i for i, p in enumerate(rk.props.values()) if p is PropType.STRING_LIST)
        self._disc = self.cols.index(rk.discriminator) if rk.discriminator else None
        self._pairs: dict[tuple[str, str], Pair] = {}
        self._intern: dict[Values, Values] = {}

    # --- the compact form ---

    def values_of(self, props: dict[str, Any]) -> Values:
        """``props`` (checked names) as this type's value tuple."""
        vals = tuple(map(props.get, self.cols))
        if self._lists:
            vals = tuple(tuple(v) if i in self._lists and isinstance(v, list) else v for i, v in enumerate(vals))
        return vals

    def col(self, name: str) -> int:
        """The position of property ``name`` in a row's values."""
        return self.cols.index(name)

    def _ikey(self, f: Any, disc: Any) -> Any:
        return f if self._disc is None else (f, disc)

    def _split(self, ikey: Any) -> tuple[Any, Any]:
        return (ikey, None) if self._disc is None else ikey

    def put(self, fk: str, f: Any, tk: str, t: Any, vals: Values, *, merge: bool = True) -> None:
        """Add a row; with ``merge``, onto an existing one (its non-null values win)."""
        pair = self._pairs.get((fk, tk))
        if pair is None:
            pair = self._pairs[(fk, tk)] = {}
        rows = pair.get(t)
        if rows is None:
            rows = pair[t] = {}
        key = f if self._disc is None else (f, vals[self._disc])  # (_ikey, inline: ~1 M calls)
        if merge:
            old = rows.get(key)
            if old is not None:
                vals = _merged(old, vals)
        try:
            vals = self._intern.setdefault(vals, vals)
        except TypeError:  # an unhashable value: kept as it is, unshared
            pass
        rows[key] = vals

    def merge_from(self, other: RelTable) -> None:
        """Every row of ``other`` (same type) onto this table."""
        for (fk, tk), pair in other._pairs.items():
            mine = self._pairs.setdefault((fk, tk), {})
            for t, rows in pair.items():
                have = mine.get(t)
                if have is None:
                    mine[t] = dict(rows)
                    continue
                for key, vals in rows.items():
                    old = have.get(key)
                    have[key] = vals if old is None else _merged(old, vals)

    def pairs(self) -> Iterator[tuple[str, str, int]]:
        """(from kind, to kind, rows) of every pair that has rows."""
        for (fk, tk), pair in self._pairs.items():
            n = sum(map(len, pair.values()))
            if n:
                yield fk, tk, n

    def pair_rows(self, fk: str, tk: str) -> Iterator[tuple[Any, Any, Any, Values]]:
        """(from, to, discriminator, values) of one pair's rows. The pair must not change
        while this runs."""
        for t, rows in self._pairs.get((fk, tk), {}).items():
            if self._disc is None:
                for f, vals in rows.items():
                    yield f, t, None, vals
            else:
                for (f, d), vals in rows.items():
                    yield f, t, d, vals

    def by_to(self, fk: str, tk: str, t: Any) -> dict[Any, Values]:
        """The rows of one pair that end at ``t``: from (or (from, discriminator)) -> values."""
        return self._pairs.get((fk, tk), {}).get(t, {})

    def rows_touching(self, fk: str, tk: str, froms: set, tos: set) -> Iterator[Row]:
        """One pair's rows (as dicts) that start at a key in ``froms`` or end at one in
        ``tos``: those ending there are looked up, the others need a pass over the pair."""
        for t in tos:
            for key, vals in self.by_to(fk, tk, t).items():
                yield self.row(fk, self._split(key)[0], tk, t, vals)
        if froms:
            for f, t, _, vals in self.pair_rows(fk, tk):
                if f in froms and t not in tos:
                    yield self.row(fk, f, tk, t, vals)

    def drop_pair(self, fk: str, tk: str) -> None:
        self._pairs.pop((fk, tk), None)

    def prune(self, nodes: Any) -> list[tuple[str, Any, str, Any]]:
        """Drop the rows whose from or to key is not a node of its kind in ``nodes`` (node
        kind -> keys); the (fk, from, tk, to) dropped."""
        dropped: list[tuple[str, Any, str, Any]] = []
        empty: dict = {}
        for (fk, tk), pair in self._pairs.items():
            have_f, have_t = nodes.get(fk, empty), nodes.get(tk, empty)
            for t in [t for t in pair if t not in have_t]:
                dropped += [(fk, self._split(k)[0], tk, t) for k in pair.pop(t)]
            for t, rows in pair.items():
                gone = [k for k in rows if self._split(k)[0] not in have_f]
                for k in gone:
                    del rows[k]
                dropped += [(fk, self._split(k)[0], tk, t) for k in gone]
        return dropped

    def column_chunks(self, fk: str, tk: str, size: int) -> Iterator[list[list[Any]]]:
        """One pair's rows as columns, ``size`` rows at a time: from keys, to keys, then one
        list per property (list properties as lists again). The pair must not change while
        this runs."""
        rows = self.pair_rows(fk, tk)
        while chunk := list(islice(rows, size)):
            vals = [r[3] for r in chunk]
            props = [[v[i] for v in vals] for i in range(len(self.cols))]
            for i in self._lists:
                props[i] = [None if x is None else list(x) for x in props[i]]
            yield [[r[0] for r in chunk], [r[1] for r in chunk], *props]

    def row(self, fk: str, f: Any, tk: str, t: Any, vals: Values) -> Row:
        """A row as a dict: its ends and every declared property (None where unset, as a
        store reads an unset property)."""
        out: Row = {"from": f, "to": t, "from_kind": fk, "to_kind": tk}
        out.update(zip(self.cols, vals, strict=True))
        for i in self._lists:
            v = vals[i]
            if v is not None:
                out[self.cols[i]] = list(v)
        return out

    def done_adding(self) -> None:
        """Forget the table of shared rows (needed only while rows are added)."""
        self._intern = {}

    # --- the mapping view ---

    def values_at(self, rid: RelId) -> Values | None:
        """The values of the row ``rid``, or None."""
        fk, f, tk, t, disc = rid
        return self._pairs.get((fk, tk), {}).get(t, {}).get(self._ikey(f, disc))

    def __getitem__(self, rid: RelId) -> Row:
        vals = self.values_at(rid)
        if vals is None:
            raise KeyError(rid)
        fk, f, tk, t, _ = rid
        return self.row(fk, f, tk, t, vals)

    def __setitem__(self, rid: RelId, row: Row) -> None:
        fk, f, tk, t, _ = rid
        self.put(fk, f, tk, t, self.values_of({k: v for k, v in row.items() if k not in _META}), merge=False)

    def __delitem__(self, rid: RelId) -> None:
        fk, f, tk, t, disc = rid
        rows = self._pairs.get((fk, tk), {}).get(t, {})
        del rows[self._ikey(f, disc)]

    def __contains__(self, rid: object) -> bool:
        try:
            return self.values_at(rid) is not None  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False

    def __iter__(self) -> Iterator[RelId]:
        for fk, tk in list(self._pairs):
            for f, t, d, _ in self.pair_rows(fk, tk):
                yield fk, f, tk, t, d

    def __len__(self) -> int:
        return sum(n for _, _, n in self.pairs())

    def __bool__(self) -> bool:
        return any(True for _ in self.pairs())

    def rows(self) -> Iterator[Row]:
        for fk, tk in list(self._pairs):
            for f, t, _, vals in self.pair_rows(fk, tk):
                yield self.row(fk, f, tk, t, vals)

    def values(self) -> Any:  # type: ignore[override]  # an iterable of rows, as dict.values
        return _Rows(self)

    def items(self) -> Any:  # type: ignore[override]
        return ((rid, self[rid]) for rid in self)

    def _canonical(self) -> dict:
        return {
            p: {t: rows for t, rows in pair.items() if rows} for p, pair in self._pairs.items() if any(pair.values())
        }

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RelTable):
            return self.type == other.type and self._canonical() == other._canonical()
        return MutableMapping.__eq__(self, other)

    __hash__ = None  # type: ignore[assignment]

    def __getstate__(self) -> tuple[str, dict]:
        return self.type, self._pairs

    def __setstate__(self, state: tuple[str, dict]) -> None:
        rel_type, pairs = state
        RelTable.__init__(self, rel_type)
        self._pairs = pairs

    def __repr__(self) -> str:
        return f"RelTable({self.type!r}, {len(self)} rows)"


def _merged(old: Values, new: Values) -> Values:
    """``new`` onto ``old``: its non-null values win."""
    return tuple(o if n is None else n for o, n in zip(old, new, strict=True))


class _Rows:
    """``RelTable.values()``: re-iterable and sized, like a dict's values view."""

    __slots__ = ("_t",)

    def __init__(self, table: RelTable) -> None:
        self._t = table

    def __iter__(self) -> Iterator[Row]:
        return self._t.rows()

    def __len__(self) -> int:
        return len(self._t)
