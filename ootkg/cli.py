"""The `ootkg` command line: composes kg, ingest, validate and generate; holds no logic of its own."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from kg.schema import SchemaError
from kg.settings import Settings
from kg.store import GraphStore, StoreError, open_store
from ootkg import cmd_code, cmd_dataset, cmd_generate, cmd_ingest, cmd_judge, cmd_review, cmd_validate
from ootkg.errors import UserError
from ootkg.render import OutputFormat, parse_params, render_rows, render_table

app = typer.Typer(
    name="ootkg",
    help="A knowledge graph of the Ocarina of Time decomp: ingest it, query it, and generate "
    "and validate romhacking training data grounded in it.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _global_options(
    ctx: typer.Context,
    store: Annotated[str | None, typer.Option(help="embedded (default) or neo4j. Env: OOTKG_STORE.")] = None,
    db: Annotated[Path | None, typer.Option(help="Embedded store directory. Env: OOTKG_DB.")] = None,
    neo4j_uri: Annotated[str | None, typer.Option(help="Bolt URI. Env: OOTKG_NEO4J_URI.")] = None,
    neo4j_user: Annotated[str | None, typer.Option(help="Env: OOTKG_NEO4J_USER.")] = None,
    neo4j_password: Annotated[str | None, typer.Option(help="Env: OOTKG_NEO4J_PASSWORD.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    overrides: dict[str, Any] = {k: v for k, v in {
        "store": store, "db": db, "neo4j_uri": neo4j_uri, "neo4j_user": neo4j_user,
        "neo4j_password": neo4j_password}.items() if v is not None}
    try:
        ctx.obj = Settings(**overrides)
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
        raise UserError(f"Bad setting ({problems}). --store takes 'embedded' or 'neo4j'.") from None


def settings_of(ctx: typer.Context) -> Settings:
    """The Settings built by the global options (for command modules)."""
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = Settings()
    return root.obj


def open_for(ctx: typer.Context, *, write: bool = False) -> GraphStore:
    return open_store(settings_of(ctx), read_only=not write)


@app.command()
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
        render_table(shown, title=f"{sum(counts['nodes'].values())} nodes, "
                     f"{sum(counts['relationships'].values())} relationships")
    else:
        render_rows(rows, format)


@app.command()
def cypher(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Cypher text, or @file.cypher to read it from a file.")],
    param: Annotated[list[str] | None,
                     typer.Option("--param", "-p", help="k=v (repeatable); ints, 0x.. and JSON are parsed.")] = None,
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
        raise UserError("This query changes the graph (CREATE/MERGE/SET/DELETE/...). "
                        "Re-run with --write if that is what you want.")
    with open_for(ctx, write=write) as store:
        rows = store.run(query, parse_params(param or []))
    render_rows(rows, format)


@app.command()
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
        render_table([{"name": q.name, "parameters": ", ".join(q.param_spec()),
                       "description": q.description} for q in catalog.all()], title="Named queries")
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
            highlight=False, markup=False)
    render_rows(rows, format)


@app.command()
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


for _module in (cmd_ingest, cmd_validate, cmd_generate, cmd_dataset, cmd_code, cmd_review, cmd_judge):
    _module.register(app)


def main() -> None:
    """Entry point: expected failures print one paragraph and exit non-zero, no traceback."""
    from rich.console import Console
    from rich.markup import escape

    err = Console(stderr=True)
    try:
        app(standalone_mode=False)
    except UserError as e:  # (escaped: a message quoting Cypher holds [r:TYPE] and the like)
        err.print(f"[bold red]error:[/] {escape(str(e))}", highlight=False)
        sys.exit(e.exit_code)
    except StoreError as e:
        err.print(f"[bold red]error:[/] {escape(str(e))}", highlight=False)
        sys.exit(3)
    except SchemaError as e:
        err.print(f"[bold red]error:[/] {escape(str(e))}", highlight=False)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/]")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as e:  # click's own usage errors
        import click

        if isinstance(e, click.exceptions.ClickException):
            e.show()
            sys.exit(e.exit_code)
        if isinstance(e, click.exceptions.Abort):
            err.print("[yellow]aborted[/]")
            sys.exit(1)
        raise


if __name__ == "__main__":
    main()
