"""The `ootkg validate` and `ootkg serve` commands."""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ootkg.context import open_for, settings_of
from ootkg.errors import UserError

_VERSION_HELP = "Game version (default: each example's metadata.version, else gc-eu-mq-dbg)."
_DECOMP_HELP = "Decomp checkout for level 1 (env OOTKG_DECOMP)."
_FORMAT_HELP = "table or json (one report per line, as each example finishes)"
MAX_BODY = 1_000_000
# validate.httpguard's defaults (not imported here: the CLI starts faster without uvicorn)
HEADER_TIMEOUT = 10.0
BODY_TIMEOUT = 20.0
_HEADER_HELP = "Seconds a connection has to send a request's headers (then it is closed)."
_BODY_HELP = "Seconds a request has to send its body (then 408)."
_WORKERS_HELP = "Compile worker processes (default: cores + 1, at most 4)."
_HOST_HELP = "Interface to bind (a non-loopback one needs OOTKG_API_TOKEN or --no-auth)."
_CHECK_WORKERS_HELP = "Check worker processes (levels 2-4; default 2)."
_CHECK_TIMEOUT_HELP = "Seconds per example's checks before its worker is killed."
_MAX_WAIT_HELP = "Refuse (429) requests expected to wait longer than this (s)."
_NO_AUTH_HELP = "Allow a non-loopback --host without OOTKG_API_TOKEN (trusted networks only)."
_UNSAFE_HELP = "Compile even where the OS cannot confine the compile workers."


class ReportFormat(str, Enum):  # noqa: UP042 - typer needs a str Enum
    table = "table"
    json = "json"


def _issue_text(r) -> str:  # type: ignore[no-untyped-def]
    text = (
        "\n".join(
            f"{i.severity.value[0].upper()} L{i.level} {i.code}"
            f"{' ' + i.symbol if i.symbol else ''}{f' (line {i.line})' if i.line else ''}: "
            f"{i.message}"
            for i in r.issues
        )
        or "-"
    )
    if r.notes:
        text += "\n" + "\n".join(f"note: {n}" for n in r.notes)
    return text


def _table(reports: list, console, title: str | None, header: bool) -> None:  # type: ignore[no-untyped-def]
    from rich.table import Table

    table = Table(title=title, show_header=header)
    for col in ("id", "ok", "level", "version", "issues"):
        table.add_column(col, overflow="fold")
    for r in reports:
        table.add_row(r.id or "-", "yes" if r.ok else "[red]no[/]", str(r.level_reached), r.version, _issue_text(r))
    console.print(table)


class _Output:
    """Reports as they finish: JSON lines, or a table per chunk of examples."""

    def __init__(self, fmt: ReportFormat) -> None:
        from rich.console import Console

        self.fmt = fmt
        self.console = Console()
        self.reports = 0
        self.failed = 0
        self.bad_lines = 0
        self._first = True

    def chunk(self, reports: list) -> None:
        self.reports += len(reports)
        self.failed += sum(not r.ok for r in reports)
        if self.fmt is ReportFormat.json:
            sys.stdout.write("".join(r.model_dump_json() + "\n" for r in reports))
            sys.stdout.flush()
        elif reports:
            _table(reports, self.console, None, self._first)
            self._first = False

    def bad(self, bad: object) -> None:
        self.bad_lines += 1
        sys.stderr.write(f"error: {bad}\n")
        sys.stderr.flush()

    def summary(self) -> None:
        if self.fmt is ReportFormat.table:
            extra = f"; {self.bad_lines} line(s) were not examples" if self.bad_lines else ""
            self.console.print(f"{self.reports} example(s), {self.failed} with errors{extra}")
        elif self.bad_lines:
            sys.stderr.write(f"{self.bad_lines} line(s) were not examples (see above)\n")


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

    Reports are printed as examples finish (a progress bar on a terminal). Exit status 1
    when any example has an error, 2 when a line is not an example (not UTF-8, not
    JSON, not an example: each reported with its line number, the rest validated).

    Examples:

    ```
    ootkg validate examples.jsonl
    ootkg validate examples.jsonl --format json
    ootkg validate --code snippet.c --version ntsc-1.0
    cat x.jsonl | ootkg validate -
    ```
    """
    from ootkg.validate_input import read_code
    from validate.api import UnknownVersion, Validator

    if (path is None) == (code is None):
        raise UserError("Give a JSONL file (or - for stdin), or --code FILE.c; not both.")
    settings = settings_of(ctx)
    text = read_code(code) if code is not None else None
    out = _Output(format)
    with open_for(ctx) as store:
        v = Validator(
            store,
            settings,
            compile=not no_compile,
            decomp=decomp,
            workers=workers,
            versions=[version] if version else None,
        )
        try:
            if text is not None:
                report = v.validate_code(text, version)
                report.id = str(code)
                out.chunk([report])
            else:
                _stream(v, path, version, out)  # type: ignore[arg-type]
        except UnknownVersion as e:
            raise UserError(f"{e}. Pass --version with one of those.") from None
        finally:
            v.close()
    out.summary()
    if out.bad_lines:
        sys.exit(2)  # input that is not examples: as for any other bad input
    if out.failed:
        sys.exit(1)  # typer.Exit is swallowed by the standalone_mode=False entry point


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help=_HOST_HELP)] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8765,
    decomp: Annotated[Path | None, typer.Option("--decomp", help=_DECOMP_HELP)] = None,
    no_compile: Annotated[bool, typer.Option("--no-compile", help="Skip level 1.")] = False,
    workers: Annotated[int | None, typer.Option("--workers", help=_WORKERS_HELP)] = None,
    check_workers: Annotated[int | None, typer.Option("--check-workers", help=_CHECK_WORKERS_HELP)] = None,
    compile_timeout: Annotated[float, typer.Option(help="Seconds per compile before its worker is killed.")] = 10.0,
    check_timeout: Annotated[float, typer.Option(help=_CHECK_TIMEOUT_HELP)] = 10.0,
    memory_mb: Annotated[int, typer.Option(help="Address-space cap of each compile worker (MiB).")] = 1536,
    check_memory_mb: Annotated[int, typer.Option(help="Resident-memory cap of each check worker (MiB).")] = 2048,
    max_body: Annotated[int, typer.Option(help="Largest request body in bytes (413 above).")] = MAX_BODY,
    max_wait: Annotated[float, typer.Option(help=_MAX_WAIT_HELP)] = 0.5,
    max_queue: Annotated[int, typer.Option(help="Examples in flight at most (429 above).")] = 256,
    no_auth: Annotated[bool, typer.Option("--no-auth", help=_NO_AUTH_HELP)] = False,
    unsafe_no_sandbox: Annotated[bool, typer.Option("--unsafe-no-sandbox", help=_UNSAFE_HELP)] = False,
    header_timeout: Annotated[float, typer.Option(help=_HEADER_HELP)] = HEADER_TIMEOUT,
    body_timeout: Annotated[float, typer.Option(help=_BODY_HELP)] = BODY_TIMEOUT,
) -> None:
    """Serve the validator as an HTTP JSON API (OpenAPI docs at /docs).

    Set OOTKG_API_TOKEN to require `Authorization: Bearer <token>`. Compile workers are
    confined by the operating system (user namespace, Landlock); where neither exists
    the service refuses to start unless told --unsafe-no-sandbox (or --no-compile).

    Examples:

    ```
    ootkg serve --port 8765
    OOTKG_API_TOKEN=s3cret ootkg serve --host 0.0.0.0
    curl -s localhost:8765/v1/validate -H 'content-type: application/json' \\
         -d '{"code": "Actor_Kill(&this->actor);", "version": "ntsc-1.0"}'
    ```
    """
    import logging

    from validate.engine import Engine, Limits
    from validate.httpguard import DRAIN, guarded_server, server_config
    from validate.service import create_app
    from validate.workers import WorkerStartError

    settings = settings_of(ctx)
    token = settings.api_token or None
    if not token and not _loopback(host) and not no_auth:
        raise UserError(
            f"Refusing to serve on {host} without a token: anyone who can reach "
            "it could use the service. Set OOTKG_API_TOKEN (clients then send "
            "`Authorization: Bearer <token>`), or pass --no-auth on a trusted "
            "network."
        )
    if not token:
        logging.getLogger("ootkg").warning("no OOTKG_API_TOKEN: requests are not authenticated")
    limits = Limits(
        check_workers=check_workers or min(2, os.cpu_count() or 1),
        compile_workers=workers or min(4, (os.cpu_count() or 1) + 1),
        check_timeout=check_timeout,
        compile_timeout=compile_timeout,
        check_memory_mb=check_memory_mb,
        compile_memory_mb=memory_mb,
        max_wait=max_wait,
        max_queue=max_queue,
        sandbox="off" if unsafe_no_sandbox else "require",
    )
    try:
        engine = Engine(settings, decomp=str(decomp) if decomp else None, compile=not no_compile, limits=limits)
    except WorkerStartError as e:
        hint = (
            " Pass --unsafe-no-sandbox to compile unconfined anyway, or --no-compile to skip level 1."
            if "confine" in str(e).lower()
            or "landlock" in str(e).lower()
            or "namespace" in str(e).lower()
            or "OOTKG_SANDBOX" in str(e)
            else ""
        )
        raise UserError(f"The validator could not start: {e}.{hint}") from None
    if engine.compile_pool is not None and not engine.compile_pool.sandbox:
        logging.getLogger("ootkg").warning("compile workers are NOT confined (--unsafe-no-sandbox)")
    try:
        app = create_app(settings, engine=engine, max_body=max_body, token=token, body_timeout=body_timeout)
        guarded_server(
            server_config(app, host, port, header_timeout=header_timeout), on_exit=lambda: engine.close_later(DRAIN)
        ).run()
    finally:
        engine.close()


def _loopback(host: str) -> bool:
    import ipaddress

    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


CHUNK = 32  # examples validated together (their compiles run in parallel)


def _stream(v: object, path: str, version: str | None, out: _Output) -> None:
    """Validate examples as they are read, printing each chunk's reports when it is done."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ootkg.validate_input import BadLine, count_lines, iter_examples, open_examples

    stream, where = open_examples(path)
    show = sys.stderr.isatty()
    total = count_lines(path) if show else None
    progress = Progress(
        TextColumn("validating"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=not show,
        redirect_stdout=sys.stdout.isatty(),
        redirect_stderr=False,
    )
    try:
        with progress:
            task = progress.add_task("validating", total=total)
            chunk: list = []
            last = 0
            for n, item in iter_examples(stream, where):
                if isinstance(item, BadLine):
                    out.bad(item)
                else:
                    chunk.append(item)
                if len(chunk) >= CHUNK:
                    out.chunk(v.validate_many(chunk, version))  # type: ignore[attr-defined]
                    chunk = []
                    progress.update(task, completed=n)
                last = n
            if chunk:
                out.chunk(v.validate_many(chunk, version))  # type: ignore[attr-defined]
            progress.update(task, completed=last)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
