"""Rendering query results for people (rich tables) and scripts (JSON, CSV)."""

from __future__ import annotations

import csv
import json
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


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def render_table(rows: list[dict[str, Any]], title: str | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    columns = list(rows[0]) if rows else []
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    console = Console()
    if rows:
        console.print(table)
    else:
        console.print(f"{title + ': ' if title else ''}(no rows)")


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
