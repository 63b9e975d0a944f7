"""Staging rows as Parquet files typed by the schema, for the embedded store's COPY FROM.

pyarrow is imported on first use: it costs ~0.3-0.6 s, and opening the store to read or to
apply a small delta does not need it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.schema import PropType, SchemaError

if TYPE_CHECKING:
    import pyarrow as pa


@cache
def _arrow_types() -> dict[PropType, pa.DataType]:
    import pyarrow as pa

    return {
        PropType.STRING: pa.string(),
        PropType.INT: pa.int64(),
        PropType.FLOAT: pa.float64(),
        PropType.BOOL: pa.bool_(),
        PropType.STRING_LIST: pa.list_(pa.string()),
    }


def arrow_table(columns: Sequence[tuple[str, PropType]], rows: Iterable[dict[str, Any]],
                owner: str) -> pa.Table:
    """Columns in the given order (COPY needs the table's full column list); missing -> null."""
    import pyarrow as pa

    types = _arrow_types()
    rows = list(rows)
    arrays = []
    for name, ptype in columns:
        values = [row.get(name) for row in rows]
        try:
            arrays.append(pa.array(values, type=types[ptype]))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as e:
            bad = next((v for v in values if v is not None and not _fits(v, ptype)), None)
            raise SchemaError(f"{owner}.{name} is {ptype.value}; got {bad!r} ({e})") from None
    return pa.Table.from_arrays(arrays, names=[c for c, _ in columns])


def _fits(value: Any, ptype: PropType) -> bool:
    if ptype is PropType.INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if ptype is PropType.FLOAT:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if ptype is PropType.BOOL:
        return isinstance(value, bool)
    if ptype is PropType.STRING_LIST:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, str)


def write_parquet(table: pa.Table, path: Path) -> Path:
    import pyarrow.parquet as pq

    pq.write_table(table, path, compression="none")
    return path
