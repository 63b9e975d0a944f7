"""The `ootkg ingest` and `ootkg compile-db` commands."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from ootkg.context import open_for, settings_of

if TYPE_CHECKING:  # imported where used: `ootkg --help` stays fast
    from rich.console import Console

    from ingest.checkout.checkout import Checkout
    from ingest.checkout.versions import VersionInfo
    from ingest.context import IngestReport, ProgressFn
    from kg.settings import Settings

T = TypeVar("T")

PARTIAL_EXIT = 1


def _checkout(decomp: Path | None, settings_decomp: Path | None) -> Checkout:
    from ingest.checkout.checkout import Checkout, CheckoutError
    from ootkg.errors import UserError

    path = decomp or settings_decomp
    if path is None:
        raise UserError("Which decomp? Pass --decomp PATH (a checkout of zeldaret/oot) or set OOTKG_DECOMP.")
    try:
        return Checkout.open(path)
    except CheckoutError as e:
        raise UserError(str(e)) from None


def _versions(co: Checkout, versions: str | None) -> list[VersionInfo]:
    from ingest.checkout.checkout import CheckoutError
    from ootkg.errors import UserError

    ids = [v.strip() for v in versions.split(",") if v.strip()] if versions else []
    try:
        return co.select(ids)
    except CheckoutError as e:
        raise UserError(f"{e}. Pass them comma-separated, e.g. --versions gc-eu-mq-dbg,ntsc-1.0.") from None


def ingest(
    ctx: typer.Context,
    decomp: Annotated[
        Path | None, typer.Option("--decomp", "-d", help="The zeldaret/oot checkout. Env: OOTKG_DECOMP.")
    ] = None,
    versions: Annotated[
        str | None,
        typer.Option("--versions", help="Comma-separated version ids (default: every version the checkout defines)."),
    ] = None,
    map_file: Annotated[
        Path | None, typer.Option("--map", help="A GNU ld .map from your own build (remembered for later runs).")
    ] = None,
    map_version: Annotated[
        str | None, typer.Option("--version", help="The version the --map file was built for.")
    ] = None,
    symbols: Annotated[
        Path | None,
        typer.Option(
            "--symbols",
            help="Your own per-version symbol lists (`<version>/functions.txt`, "
            "`z64hdr-<rom>/`); they come first, then the checkout's git history, then "
            "the public lists shipped with ootkg. Env: OOTKG_SYMBOLS_DIR.",
        ),
    ] = None,
    concepts: Annotated[
        Path | None, typer.Option("--concepts", help="A curriculum directory (default: the built-in one).")
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes for the C parse.")] = 2,
    no_pch: Annotated[bool, typer.Option("--no-pch", help="Parse without a precompiled header.")] = False,
    only: Annotated[
        str | None,
        typer.Option("--only", help="Comma-separated source names to run (c,tables,assets,addresses,concepts)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Rebuild the graph even when no input changed.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the run report as JSON.")] = False,
    allow_shrink: Annotated[
        bool,
        typer.Option(
            "--allow-shrink",
            help="Write the graph even if a source failed or a kind of node lost more than half its nodes.",
        ),
    ] = False,
) -> None:
    """Ingest a decomp checkout into the graph (C code, tables, assets, addresses, concepts).

    Incremental: unchanged files come from the facts cache; an unchanged checkout
    changes nothing. Exit code 1 means partial (some files failed to parse, or the spec
    links an object nothing makes; see the summary; the graph holds everything else) or
    refused: a source failed, or a kind of node would lose more than half its nodes
    against the current graph (e.g. a checkout missing include/tables), and the graph was
    left as it was (--allow-shrink writes it anyway). Every non-zero exit says why.
    Function and variable addresses come with it for every version a public symbol list
    covers (see `--symbols`).

    Examples:

    ```
    ootkg ingest --decomp ./oot
    ootkg ingest --decomp ./oot --versions gc-eu-mq-dbg,ntsc-1.0
    ootkg ingest --decomp ./oot --map build/ntsc-1.0/oot-ntsc-1.0.map --version ntsc-1.0
    ```
    """
    from ingest.pipeline import IngestRefused, register_map, run_ingest
    from ingest.run.forked import ChildDied
    from kg.store import stager_for
    from ootkg.errors import UserError

    settings = settings_of(ctx)
    co = _checkout(decomp, settings.decomp)
    selected = _versions(co, versions)
    cache_dir = Path(settings.cache_dir)
    if (map_file is None) != (map_version is None):
        raise UserError("--map and --version go together: the map file and the version it was built for.")
    from ingest.domain.mapfile import MapError, verify_map

    if symbols is not None:
        if not symbols.is_dir():
            raise UserError(f"No symbol-list directory at {symbols}.")
        os.environ["OOTKG_SYMBOLS_DIR"] = str(symbols.resolve())  # read by the addresses source
    if map_file is not None and map_version is not None:  # (both or neither: checked above)
        if not map_file.is_file():
            raise UserError(f"No map file at {map_file}.")
        co.version(map_version)  # known version?
        from ingest.domain.addresses import symbols_dir

        try:  # refuse a map of another version before it is remembered
            check = verify_map(map_file, map_version, co.root, [v.id for v in co.versions()], symbols_dir(), cache_dir)
        except MapError as e:
            raise UserError(str(e)) from None
        if check.warning:
            typer.echo(f"warning: {check.warning}", err=True)
        register_map(cache_dir, map_file, map_version)
    if concepts is not None and not concepts.is_dir():
        raise UserError(f"No concepts directory at {concepts}.")
    try:
        report, _ = _run_with_progress(
            lambda progress: run_ingest(
                co,
                selected,
                cache_dir,
                lambda: open_for(ctx, write=True),
                progress=progress,
                concepts_dir=concepts,
                jobs=jobs,
                use_pch=not no_pch,
                only_sources=[s.strip() for s in only.split(",")] if only else None,
                force=force,
                graph_id=_graph_id(settings),
                cli=_cli_key(settings, co, versions, only, no_pch, concepts),
                stage=stager_for(settings.store),
                allow_shrink=allow_shrink,
            )
        )
    except MapError as e:  # a remembered map that no longer fits: nothing was written
        raise UserError(f"{e} (The graph is unchanged.)") from None
    except ChildDied as e:  # e.g. the kernel's OOM killer
        raise UserError(f"Ingest failed: {e}.") from None
    except IngestRefused as e:
        if json_out:
            typer.echo(e.report.model_dump_json(indent=2))
        else:
            _summary(e.report)
        raise UserError(
            f"Ingest refused, the graph is unchanged: {e}. Fix the checkout, or "
            "pass --allow-shrink to write the smaller graph anyway.",
            exit_code=PARTIAL_EXIT,
        ) from None
    if json_out:
        typer.echo(report.model_dump_json(indent=2))
    else:
        _summary(report)
    if report.partial and not json_out:  # (the JSON report says why itself)
        n = len(report.failed_files)
        typer.echo(
            f"Exit {PARTIAL_EXIT}: {n} file(s) did not parse cleanly"
            f"{': ' + report.failed_files[0]['file'] if n else ''}"
            f"{' and others' if n > 1 else ''} (see above).",
            err=True,
        )
    if report.partial:
        sys.exit(PARTIAL_EXIT)  # SystemExit: the CLI's main() passes it on as the exit code


def compile_db(
    ctx: typer.Context,
    decomp: Annotated[Path | None, typer.Option("--decomp", "-d", help="The zeldaret/oot checkout.")] = None,
    version: Annotated[str | None, typer.Option("--version", help="Version (default: the default version).")] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Where to write (default: `<cache>/compile_commands/<version>/compile_commands.json`)."
        ),
    ] = None,
) -> None:
    """Write a compile_commands.json for one version (for clangd and other tools).

    The commands use the same flags as the ingest (MIPS target, the version's defines,
    the generated asset stubs), so clangd sees what ootkg sees.

    Example:

    ```
    ootkg compile-db --decomp ./oot --version ntsc-1.0 -o /tmp/cc/compile_commands.json
    ```
    """
    from ingest.c.compile_db import write_compile_db

    settings = settings_of(ctx)
    co = _checkout(decomp, settings.decomp)
    vid = version or settings.default_version
    v = _versions(co, vid)[0]
    path = write_compile_db(co, v, Path(settings.cache_dir), out)
    typer.echo(str(path))


def _cli_key(
    settings: Settings, co: Checkout, versions: str | None, only: str | None, no_pch: bool, concepts: Path | None
) -> str:
    """This command's inputs as ``ootkg.fastpath`` sees them (see ``run_state.cli_key``)."""
    from ingest.domain.addresses import symbols_dir
    from ingest.run.state import cli_key

    sym = symbols_dir()
    return cli_key(
        store=settings.store,
        db=str(Path(settings.db).expanduser().resolve()),
        cache_dir=str(Path(settings.cache_dir).expanduser().resolve()),
        decomp=str(co.root),
        versions=versions,
        only=only,
        no_pch=no_pch,
        concepts=str(concepts.resolve()) if concepts else None,
        symbols=str(sym.resolve()) if sym else None,
    )


def _graph_id(settings: Settings) -> Callable[[], str | None] | None:
    """Which graph the store holds now, without opening it (None: ask the store)."""
    if settings.store != "embedded":
        return None
    db = Path(settings.db).expanduser()

    def current() -> str | None:
        # the embedded layout (kg.embedded): CURRENT names the live graph-*.lbdb file
        try:
            return f"{db.resolve()}:{(db / 'CURRENT').read_text().strip()}"
        except OSError:
            return None

    return current


def _run_with_progress(fn: Callable[[ProgressFn], T]) -> T:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )

    tasks: dict[str, TaskID] = {}
    # No speed or ETA column, so no speed samples: rich keeps 30 s of them by default, and
    # thousands of small objects alive across the run keep freed heap pages from the OS.
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
        speed_estimate_period=0.0,
    ) as bar:

        def progress(task: str, done: int, total: int) -> None:
            tid = tasks.get(task)
            if tid is None:
                tid = tasks[task] = bar.add_task(task, total=total)
            bar.update(tid, completed=done, total=total)

        return fn(progress)


def _failed_files(console: Console, report: IngestReport, rest: str) -> None:
    from rich.text import Text

    if not report.failed_files:
        return
    console.print(
        f"[yellow]{len(report.failed_files)} file(s) did not parse cleanly or are "
        f"missing[/] ({rest}; diagnostics are on their File nodes):",
        markup=True,
    )
    for f in report.failed_files[:20]:
        console.print(Text(f"  {f['version']}: {f['file']}: {f['reason']}"))
    if len(report.failed_files) > 20:
        console.print(f"  ... and {len(report.failed_files) - 20} more")


def _summary(report: IngestReport) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console()
    if report.unchanged:
        console.print(f"Nothing changed since run {report.run_id}; the graph is as it was ({report.seconds:.2f} s).")
        return
    if report.delta is not None:
        note = report.sources[0].note if report.sources else ""
        console.print(
            Text(f"Only .c code changed ({', '.join(report.delta['edited'])}): the graph was updated in place; {note}.")
        )
        _failed_files(console, report, "the graph holds the rest")
        console.print(f"Run {report.run_id}: {report.seconds:.2f} s.")
        return
    if report.per_version:
        cols = ["version", "files", "functions", "structs", "calls", "parsed", "errors", "seconds"]
        _print_table(
            console,
            cols,
            [[str(row.get(c, "")) for c in cols] for row in report.per_version],
            "C code per version",
            right=tuple(cols[1:]),
        )
    _print_table(
        console,
        ["source", "nodes", "relationships", "seconds", "note"],
        [
            [
                r.name,
                "-" if r.skipped else str(r.nodes),
                "-" if r.skipped else str(r.rels),
                f"{r.seconds:.2f}",
                f"FAILED: {r.failed}" if r.failed else ("not installed" if r.skipped else r.note),
            ]
            for r in report.sources
        ],
        "Sources",
    )
    for w in report.warnings:
        console.print(Text.assemble(("warning: ", "yellow"), w))
    if report.failed_sources:
        console.print(
            Text.assemble(
                ("Failed sources: ", "red"), "; ".join(f"{n} ({why})" for n, why in report.failed_sources.items())
            )
        )
    if report.shrunk:
        console.print(Text.assemble(("Would shrink: ", "red"), ", ".join(report.shrunk)))
    if report.allowed_shrink and (report.failed_sources or report.shrunk):
        console.print("[yellow]--allow-shrink: the graph was written anyway.[/]")
    if report.dangling:
        console.print(
            "Edges dropped (an end was not ingested): "
            + ", ".join(f"{k} {n}" for k, n in sorted(report.dangling.items()))
        )
    _failed_files(
        console,
        report,
        "the rest of the graph is complete; `ootkg query unbuilt_files status=missing`"
        if not (report.failed_sources or report.shrunk)
        else "see the failed sources too",
    )
    total_nodes = sum(v for k, v in report.counts.items() if k[:1].isupper() and not k.isupper())
    console.print(
        f"Run {report.run_id}: {len(report.versions)} version(s), "
        f"{total_nodes} nodes, {report.seconds:.1f} s"
        + (f", decomp {report.decomp_commit[:10]}" if report.decomp_commit else "")
        + ". "
        + json.dumps({k: report.counts[k] for k in ("Function", "Struct") if k in report.counts})
    )


def _print_table(
    console: Console, columns: list[str], cells: list[list[str]], title: str, right: tuple[str, ...] = ()
) -> None:
    """A summary table that wraps between words; one line per cell when even that is too
    wide for the terminal."""
    from rich.text import Text

    from ootkg.render import fitted_table

    table = fitted_table(columns, cells, title, console.width, right)
    if table is not None:
        console.print(table)
        return
    console.print(Text(title, style="italic"))
    for row in cells:
        console.print(Text("  " + "; ".join(f"{c}: {v}" for c, v in zip(columns, row, strict=True))))
