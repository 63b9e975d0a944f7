"""The graph commands: `ootkg stats`, `cypher`, `query` and `schema`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kg.store import open_store
from ootkg.context import open_for, settings_of
from ootkg.errors import UserError
from ootkg.render import OutputFormat, parse_params, render_rows, render_table


def stats(
    ctx: typer.Context,
    format: Annotated[OutputFormat, typer.Option("--format", "-f", help="table, json or csv")] = OutputFormat.table,
) -> None:
    """Node and relationship counts per kind.

    Examples:

    ```
    ootkg stats
    ootkg --store neo4j stats --format json
    ```
    """
    with open_for(ctx) as store:
        counts = store.counts()
    rows = [{"kind": k, "type": "node", "count": n} for k, n in counts["nodes"].items()]
    rows += [{"kind": k, "type": "relationship", "count": n} for k, n in counts["relationships"].items()]
    if format is OutputFormat.table:
        shown = [r for r in rows if r["count"]] or rows
        render_table(
            shown, title=f"{sum(counts['nodes'].values())} nodes, {sum(counts['relationships'].values())} relationships"
        )
    else:
        render_rows(rows, format)


def cypher(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Cypher text, or @file.cypher to read it from a file.")],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="k=v (repeatable); ints, 0x.. and JSON are parsed.")
    ] = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    write: Annotated[bool, typer.Option("--write", help="Allow clauses that change the graph.")] = False,
) -> None:
    """Run any Cypher query and print the result.

    Examples:

    ```
    ootkg cypher "MATCH (f:Function) RETURN f.name AS name LIMIT 5"
    ootkg cypher "MATCH (f:Function {name: $n})-[:CALLS]->(g) RETURN g.name AS callee" -p n=Actor_Kill -f json
    ```
    """
    from kg.store import is_write_query

    if query.startswith("@"):
        path = Path(query[1:])
        if not path.is_file():
            raise UserError(f"No query file at {path}.")
        query = path.read_text()
    if is_write_query(query) and not write:
        raise UserError(
            "This query changes the graph (CREATE/MERGE/SET/DELETE/...). Re-run with --write if that is what you want."
        )
    with open_for(ctx, write=write) as store:
        rows = store.run(query, parse_params(param or []))
    render_rows(rows, format)


def query(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Named query (see --list).")] = None,
    args: Annotated[list[str] | None, typer.Argument(help="Parameters as k=v.")] = None,
    list_: Annotated[bool, typer.Option("--list", "-l", help="List the named queries.")] = False,
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Run a named query from queries/NAME.cypher.

    Examples:

    ```
    ootkg query --list
    ootkg query function name=Actor_Kill
    ootkg query callers name=Actor_Kill depth=2 --format json
    ```
    """
    from kg.queries import NamedQueryError, QueryCatalog

    settings = settings_of(ctx)
    catalog = QueryCatalog(store=settings.store)
    if list_ or name is None:
        render_table(
            [
                {"name": q.name, "parameters": ", ".join(q.param_spec()), "description": q.description}
                for q in catalog.all()
            ],
            title="Named queries",
        )
        return
    try:  # a misspelt query, parameter or name is the user's to fix: exit 2, a suggestion
        named = catalog.get(name)
        params = named.bind(parse_params(args or []))
        with open_store(settings, read_only=True) as store:
            checked = named.check_names(store, params)
            rows = named.run(store, params)
    except NamedQueryError as e:
        raise UserError(str(e)) from None
    if not rows and checked:
        from rich.console import Console

        Console(stderr=True).print(
            f"No rows: {', '.join(checked)} {'is' if len(checked) == 1 else 'are'} in the "
            f"graph, but {name} finds nothing for {'it' if len(checked) == 1 else 'them'}.",
            highlight=False,
            markup=False,
        )
    render_rows(rows, format)


def schema(
    format: Annotated[str, typer.Option("--format", "-f", help="markdown or cypher (DDL)")] = "markdown",
) -> None:
    """Print the graph schema (node kinds, keys, properties, relationships)."""
    from kg import schema as s

    if format == "markdown":
        typer.echo(s.schema_markdown())
    elif format == "cypher":
        typer.echo("// embedded (LadybugDB)\n" + ";\n".join(s.embedded_ddl()) + ";")
        typer.echo("\n// neo4j\n" + ";\n".join(s.neo4j_ddl()) + ";")
    else:
        raise UserError(f"Unknown format {format!r}: use markdown or cypher.")
