"""The `ootkg validate` and `ootkg serve` commands."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ootkg.errors import UserError

_VERSION_HELP = "Game version (default: each example's metadata.version, else gc-eu-mq-dbg)."
_DECOMP_HELP = "Decomp checkout for level 1 (env OOTKG_DECOMP)."
_FORMAT_HELP = "table or json (one report per line)"


class ReportFormat(str, Enum):  # noqa: UP042 - typer needs a str Enum
    table = "table"
    json = "json"


def _read_examples(path: str) -> list:
    from pydantic import ValidationError

    from validate.models import Example

    if path == "-":
        text = sys.stdin.read()
        where = "stdin"
    else:
        p = Path(path)
        if not p.is_file():
            raise UserError(f"No file at {p}. Give a JSONL file of examples, or - for stdin.")
        text = p.read_text(errors="replace")
        where = str(p)
    examples = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            ex = Example.model_validate_json(line)
        except ValidationError as e:
            first = e.errors()[0]
            raise UserError(f"{where}:{n} is not an example ({first['msg']} at "
                            f"{'.'.join(map(str, first['loc'])) or 'top level'}). Each line must "
                            'be {"id": ..., "messages": [{"role", "content"}], "metadata": {...}}.'
                            ) from None
        if not ex.id:
            ex.id = f"line-{n}"
        examples.append(ex)
    return examples


def _render(reports: list, fmt: ReportFormat) -> None:
    if fmt is ReportFormat.json:
        for r in reports:
            sys.stdout.write(r.model_dump_json() + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(reports)} example(s), {sum(not r.ok for r in reports)} with errors")
    for col in ("id", "ok", "level", "version", "issues"):
        table.add_column(col, overflow="fold")
    for r in reports:
        issues = "\n".join(
            f"{i.severity.value[0].upper()} L{i.level} {i.code}"
            f"{' ' + i.symbol if i.symbol else ''}{f' (line {i.line})' if i.line else ''}: "
            f"{i.message}" for i in r.issues) or "-"
        if r.notes:
            issues += "\n" + "\n".join(f"note: {n}" for n in r.notes)
        table.add_row(r.id or "-", "yes" if r.ok else "[red]no[/]", str(r.level_reached),
                      r.version, issues)
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `ootkg` app."""

    @app.command()
    def validate(
        ctx: typer.Context,
        path: Annotated[str | None, typer.Argument(help="JSONL file of examples, or - for stdin.")] = None,
        code: Annotated[Path | None, typer.Option("--code", help="Validate a bare C file instead.")] = None,
        version: Annotated[str | None, typer.Option("--version", help=_VERSION_HELP)] = None,
        format: Annotated[ReportFormat, typer.Option("--format", "-f", help=_FORMAT_HELP)] = ReportFormat.table,
        decomp: Annotated[Path | None, typer.Option("--decomp", help=_DECOMP_HELP)] = None,
        no_compile: Annotated[bool, typer.Option("--no-compile", help="Skip level 1 (no libclang).")] = False,
        workers: Annotated[int | None, typer.Option("--workers", help="Compile worker processes (default 2).")] = None,
    ) -> None:
        """Validate examples (or bare C) against the graph: compiles, true of OoT, performance, style.

        Exit status 1 when any example has an error.

        Examples:

        ```
        ootkg validate examples.jsonl
        ootkg validate examples.jsonl --format json
        ootkg validate --code snippet.c --version ntsc-1.0
        cat x.jsonl | ootkg validate -
        ```
        """
        from ootkg.cli import open_for, settings_of
        from validate.api import UnknownVersion, Validator

        if (path is None) == (code is None):
            raise UserError("Give a JSONL file (or - for stdin), or --code FILE.c; not both.")
        settings = settings_of(ctx)
        examples = _read_examples(path) if path is not None else None
        if code is not None and not code.is_file():
            raise UserError(f"No C file at {code}.")
        with open_for(ctx) as store:
            v = Validator(store, settings, compile=not no_compile, decomp=decomp, workers=workers)
            try:
                if examples is None:
                    reports = [v.validate_code(code.read_text(errors="replace"), version)]
                    reports[0].id = str(code)
                else:
                    reports = _validate_with_progress(v, examples, version, format)
            except UnknownVersion as e:
                raise UserError(f"{e}. Pass --version with one of those.") from None
            finally:
                v.close()
        _render(reports, format)
        if any(not r.ok for r in reports):
            sys.exit(1)  # typer.Exit is swallowed by the standalone_mode=False entry point

    @app.command()
    def serve(
        ctx: typer.Context,
        host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="TCP port.")] = 8765,
        decomp: Annotated[Path | None, typer.Option("--decomp", help=_DECOMP_HELP)] = None,
        no_compile: Annotated[bool, typer.Option("--no-compile", help="Skip level 1.")] = False,
        workers: Annotated[int | None, typer.Option("--workers", help="Compile worker processes.")] = None,
        concurrency: Annotated[int, typer.Option(help="Validations in flight at once.")] = 8,
        compile_timeout: Annotated[float, typer.Option(help="Seconds per compile before its worker is killed.")] = 10.0,
        memory_mb: Annotated[int, typer.Option(help="Address-space cap of each compile worker (MiB).")] = 1536,
        max_body: Annotated[int, typer.Option(help="Largest request body in bytes.")] = 1_000_000,
    ) -> None:
        """Serve the validator as an HTTP JSON API (OpenAPI docs at /docs).

        Set OOTKG_API_TOKEN to require `Authorization: Bearer <token>`.

        Examples:

        ```
        ootkg serve --port 8765
        curl -s localhost:8765/v1/validate -H 'content-type: application/json' \\
             -d '{"code": "Actor_Kill(&this->actor);", "version": "ntsc-1.0"}'
        ```
        """
        import uvicorn

        from ootkg.cli import settings_of
        from validate.service import create_app

        settings = settings_of(ctx)
        app = create_app(settings, compile=not no_compile,
                         decomp=str(decomp) if decomp else None, workers=workers,
                         compile_timeout=compile_timeout, memory_mb=memory_mb,
                         concurrency=concurrency, max_body=max_body)
        uvicorn.run(app, host=host, port=port, log_level="info", timeout_keep_alive=5)


def _validate_with_progress(v: object, examples: list, version: str | None,
                            fmt: ReportFormat) -> list:
    from rich.progress import Progress

    reports = []
    chunk = 32
    with Progress(transient=True, disable=len(examples) < 50 or not sys.stderr.isatty(),
                  console=None) as progress:
        task = progress.add_task("validating", total=len(examples))
        for i in range(0, len(examples), chunk):
            part = examples[i:i + chunk]
            reports += v.validate_many(part, version)  # type: ignore[attr-defined]
            progress.advance(task, len(part))
    del fmt
    return reports
