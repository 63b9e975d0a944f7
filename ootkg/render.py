"""Rendering query results for people (rich tables) and scripts (JSON, CSV)."""

from __future__ import annotations

import csv
import json
import re
import sys
from enum import StrEnum
from typing import Any

from ootkg.errors import UserError


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def parse_value(raw: str) -> Any:
    """'12' -> 12, '0x14' -> 20, 'true' -> True, '[1,2]' -> [1, 2]; anything else stays text."""
    text = raw.strip()
    if text.lower().startswith("0x"):
        try:
            return int(text, 16)
        except ValueError:
            return raw
    try:
        value = json.loads(text)
    except ValueError:
        return raw
    return value if isinstance(value, int | float | bool | list | dict) or value is None else raw


def parse_params(items: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"Parameter {item!r} is not of the form name=value.")
        params[key.strip()] = parse_value(value)
    return params


# Ids, flags, sizes, offsets and addresses are read in hex by romhackers; tables show both.
_HEX_COLUMN = re.compile(r"(^|_)(id|flags|offset|size|address|vram|value|instance_size)$")


def _cell(value: Any, column: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 10 and _HEX_COLUMN.search(column):
        return f"0x{value:X} ({value})"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


# A column is at least as wide as its longest word (a name, an address) up to 32
# characters; where that does not fit, up to 12 (every version id, address and flag still
# whole; longer words fold); where that does not fit either, one record at a time.
_WORD_SOFT, _WORD_HARD = 32, 12


def _longest_word(column: str, cells: list[str]) -> int:
    return max((len(w) for text in (column, *cells) for w in text.split()), default=1)


def fitted_table(
    columns: list[str], cells: list[list[str]], title: str | None = None, width: int = 80, right: tuple[str, ...] = ()
) -> Any | None:
    """A rich Table that wraps text between words and cuts no word of up to 12 characters
    (version ids, addresses): boxed when every column can hold its longest word (up to
    32), else without the box's edges and padding; None when even that is wider than
    ``width``. Cells are literal text:
    ``[r:IN_VERSION]`` is shown, not read as markup."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    words = [_longest_word(c, [row[i] for row in cells]) for i, c in enumerate(columns)]
    natural = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    soft = [min(w, _WORD_SOFT) for w in words]
    hard = [min(w, _WORD_HARD) for w in words]
    n = len(columns)
    boxed, compact = 3 * n + 1, 2 * n - 2
    for need, overhead in ((soft, boxed), (soft, compact), (hard, compact)):
        if sum(need) + overhead <= width:
            break
    else:
        return None
    table = (
        Table(title=title, show_lines=False)
        if overhead == boxed
        else Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    )
    # The widths are set here, not left to rich (whose shrinking can go below a minimum):
    # every column its hard minimum, then toward its longest word, the nearest first, then
    # a fair share of the rest each, up to its longest line, the columns that need least
    # first (a path gets room to be whole before a long note wraps).
    room = width - overhead
    widths = list(hard)
    spare = room - sum(widths)
    for i in sorted(range(n), key=lambda i: soft[i] - hard[i]):
        add = min(spare, soft[i] - widths[i])
        widths[i] += add
        spare -= add
    lack = [max(nat - w, 0) for nat, w in zip(natural, widths, strict=True)]
    order = sorted(range(n), key=lambda i: lack[i])
    for k, i in enumerate(order):  # a fair share each, the columns that need least first
        add = min(lack[i], spare // (n - k))
        widths[i] += add
        spare -= add
    for col, w in zip(columns, widths, strict=True):
        table.add_column(Text(col), width=w, overflow="fold", justify="right" if col in right else "left")
    for row in cells:
        table.add_row(*(Text(c) for c in row))
    return table


def render_table(rows: list[dict[str, Any]], title: str | None = None) -> None:
    """A table; rows too wide for the terminal, even with each column wrapped between words,
    or holding code (text of several lines), are shown one record at a time (field: value)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    if not rows:
        console.print(Text(f"{title + ': ' if title else ''}(no rows)"))
        return
    columns = list(rows[0])
    cells = [[_cell(row.get(c), c) for c in columns] for row in rows]
    # code (lines of text) is read whole, one record at a time, not wrapped into a column
    has_code = any("\n" in c for row in cells for c in row)
    table = None if has_code else fitted_table(columns, cells, title, console.width)
    if table is not None:
        console.print(table)
        return
    for i, row in enumerate(cells, 1):
        record = Table(
            title=Text(f"{title + ' ' if title else ''}[{i}/{len(rows)}]"), show_header=False, title_justify="left"
        )
        record.add_column(style="bold", no_wrap=True)
        record.add_column(overflow="fold")
        for col, value in zip(columns, row, strict=True):
            record.add_row(Text(col), Text(value))
        console.print(record)


def render_rows(rows: list[dict[str, Any]], fmt: OutputFormat, title: str | None = None) -> None:
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps(rows, indent=2, default=str) + "\n")
    elif fmt is OutputFormat.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else [])
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    else:
        render_table(rows, title)
