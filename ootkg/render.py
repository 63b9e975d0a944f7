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


def render_table(rows: list[dict[str, Any]], title: str | None = None) -> None:
    """A table; rows too wide for the terminal are shown one record at a time (field: value)."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not rows:
        console.print(f"{title + ': ' if title else ''}(no rows)")
        return
    columns = list(rows[0])
    # too wide, or holding code (lines of text): one record at a time
    if len(columns) * 12 > console.width or any(
            isinstance(v, str) and "\n" in v for row in rows[:20] for v in row.values()):
        for i, row in enumerate(rows, 1):
            record = Table(title=f"{title + ' ' if title else ''}[{i}/{len(rows)}]", show_header=False,
                           title_justify="left")
            record.add_column(style="bold")
            record.add_column(overflow="fold")
            for col in columns:
                record.add_row(col, _cell(row.get(col), col))
            console.print(record)
        return
    table = Table(title=title, show_lines=False)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row.get(c), c) for c in columns))
    console.print(table)


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
