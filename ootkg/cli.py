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
from kg.store import StoreError
from ootkg import cmd_code, cmd_dataset, cmd_generate, cmd_graph, cmd_ingest, cmd_judge, cmd_review, cmd_validate
from ootkg.errors import UserError

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
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    overrides: dict[str, Any] = {
        k: v
        for k, v in {
            "store": store,
            "db": db,
            "neo4j_uri": neo4j_uri,
            "neo4j_user": neo4j_user,
            "neo4j_password": neo4j_password,
        }.items()
        if v is not None
    }
    try:
        ctx.obj = Settings(**overrides)
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
        raise UserError(f"Bad setting ({problems}). --store takes 'embedded' or 'neo4j'.") from None


# Each command is a plain function in its module, registered here in the order `--help` lists it.
app.command("stats")(cmd_graph.stats)
app.command("cypher")(cmd_graph.cypher)
app.command("query")(cmd_graph.query)
app.command("schema")(cmd_graph.schema)
app.command("ingest")(cmd_ingest.ingest)
app.command("compile-db")(cmd_ingest.compile_db)
app.command("validate")(cmd_validate.validate)
app.command("serve")(cmd_validate.serve)
app.command("generate")(cmd_generate.generate)
app.command("report")(cmd_generate.report)
app.add_typer(cmd_dataset.dataset_app, name="dataset")
app.command("patterns")(cmd_code.patterns)
app.add_typer(cmd_review.review_app, name="review")
app.add_typer(cmd_judge.judge_app, name="judge")


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
