"""The `ootkg patterns` command: the mined idiom catalogue (the queries behind it and the
other code queries, `source`, `wiring`, `version_blocks`, `pattern`, ..., are named queries)."""

from __future__ import annotations

from typing import Annotated

import typer

from ootkg.context import open_for


def patterns(
    ctx: typer.Context,
    min_support: Annotated[
        int, typer.Option("--min-support", help="Only patterns with at least this many actors.")
    ] = 0,
    format: Annotated[str, typer.Option("--format", "-f", help="table, json or csv")] = "table",
) -> None:
    """The idioms mined from the decomp: id, how many actors follow it (every step), near
    misses, the roles it spans, its steps, and whether patterns.yaml names it.

    Examples:

    ```
    ootkg patterns
    ootkg query pattern name=cylinder-collider
    ootkg query actors_with_pattern name=skelanime-flex-draw category=ACTORCAT_ENEMY
    ```
    """
    from kg.code import patterns as list_patterns
    from ootkg.errors import UserError
    from ootkg.render import OutputFormat, render_rows

    try:
        fmt = OutputFormat(format)
    except ValueError:
        raise UserError(f"Unknown format {format!r}: use table, json or csv.") from None
    with open_for(ctx) as store:
        rows = list_patterns(store, min_support)
    if not rows and fmt is OutputFormat.table:
        typer.echo(
            "No patterns in this graph: `ootkg ingest` mines them from the C code "
            "(a run with --only lacking c mines none)."
        )
        return
    if fmt is OutputFormat.table:
        rows = [{k: v for k, v in r.items() if k != "description"} for r in rows]
    render_rows(rows, fmt, title=f"{len(rows)} patterns" if fmt is OutputFormat.table else None)
