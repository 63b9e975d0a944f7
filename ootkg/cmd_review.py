"""The `ootkg review ...` commands: serve the review page, reviewers, stats, export, sync."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ootkg.context import open_for, settings_of
from ootkg.errors import UserError
from ootkg.render import OutputFormat, render_rows, render_table

review_app = typer.Typer(
    name="review",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    help="Expert review of generated examples in the browser: accept, reject with a reason, "
    "edit, score; stats, agreement and the reviewed dataset.",
)


def home_of(ctx: typer.Context) -> Any:
    from review.home import Home

    return Home(settings_of(ctx).review_dir)


def runs_of(ctx: typer.Context, given: list[Path] | None) -> list[Path]:
    if given:
        missing = [p for p in given if not p.is_file()]
        if missing:
            raise UserError(f"No run output at {', '.join(map(str, missing))}.")
        return [p.resolve() for p in given]
    runs = home_of(ctx).runs()
    if not runs:
        raise UserError(
            "No runs under review yet: give the run's JSONL (e.g. data/run2.jsonl), "
            "or start with `ootkg review serve data/run2.jsonl`."
        )
    return runs


def sync_graph(ctx: typer.Context, runs: list[Path], *, quiet: bool = False) -> str:
    """Write the runs' Example nodes (if missing) and their Review nodes into the graph."""
    from generate.writeback import write_back
    from kg.store import StoreError
    from review.dataset import RunData
    from review.graph import sync

    try:
        with open_for(ctx, write=True, annotations=True) as store:
            examples = 0
            for run in runs:
                examples += write_back(store, RunData(run).records(), str(run))["examples"]
            res = sync(store, runs)
    except StoreError as e:
        return (
            f"Review nodes not written to the graph ({e}). The reviews are safe in the "
            "JSONL; run `ootkg review sync` when the graph is free."
        )
    note = (
        f"graph: {res.reviews} Review nodes, {res.reviews_edges} REVIEWS and {res.flags} "
        f"FLAGS edges ({examples} Example nodes upserted)"
    )
    if res.unresolved_entities:
        note += f"; not in the graph: {', '.join(res.unresolved_entities[:8])}"
    return note


@review_app.command("serve")
def serve(
    ctx: typer.Context,
    run: Annotated[Path, typer.Argument(help="The run's output JSONL (reviews go next to it).")],
    host: Annotated[str, typer.Option(help="Interface to bind (reviewers on other machines: 0.0.0.0).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8770,
    decomp: Annotated[
        Path | None,
        typer.Option(help="Decomp checkout, to show the real code at each fact's source (env OOTKG_DECOMP)."),
    ] = None,
    graph: Annotated[
        bool, typer.Option("--graph/--no-graph", help="Read the facts from the graph (read-only).")
    ] = True,
) -> None:
    """Serve the review page for one run.

    Each reviewer signs in once with their token (`/login?token=...`). Reviews are appended
    to RUN's `.reviews.jsonl` (fsync'd before the page answers); the graph gets Review
    nodes when the server stops, or with `ootkg review sync`.

    Examples:

        ootkg review add-reviewer alice
        ootkg review serve data/run2.jsonl --port 8770
        ootkg review serve data/run2.jsonl --decomp ~/oot --host 0.0.0.0
    """
    from review.reviewers import Reviewers
    from review.server.app import create_app
    from validate.httpguard import guarded_server, server_config

    if not run.is_file():
        raise UserError(f"No run output at {run}. Give the JSONL `ootkg generate --out` wrote.")
    settings = settings_of(ctx)
    home = home_of(ctx)
    if not Reviewers(home).names():
        raise UserError("No reviewers yet: `ootkg review add-reviewer NAME` makes one and prints their token.")
    home.register(run)
    store, facts, commit = _open_graph(settings) if graph else (None, None, None)
    app = create_app(run.resolve(), home, facts=facts, decomp=decomp or settings.decomp, commit=commit)
    typer.echo(f"Reviewing {run} at http://{host}:{port}/ (sign in at /login?token=...). Ctrl-C stops.", err=True)
    try:
        # the service's guards: header and body deadlines, bounded keep-alive and shutdown
        guarded_server(server_config(app, host, port, log_level="warning")).run()
    except KeyboardInterrupt:
        pass  # uvicorn re-raises the Ctrl-C it handled: the reviews are synced below
    finally:
        if store is not None:
            store.close()
    typer.echo(sync_graph(ctx, [run.resolve()]), err=True)


def _open_graph(settings: Any) -> tuple[Any, Any, str | None]:
    from generate.judging import fact_lookup
    from kg.store import StoreError, open_store

    try:
        store = open_store(settings, read_only=True)
    except StoreError as e:
        typer.echo(f"No graph ({e}); the page shows fact ids without their texts.", err=True)
        return None, None, None
    rows = store.run("MATCH (r:IngestRun) RETURN r.decomp_commit AS c, r.started AS s ORDER BY s DESC LIMIT 1")
    return store, fact_lookup(store), (rows[0]["c"] if rows and rows[0]["c"] else None)


@review_app.command("add-reviewer")
def add_reviewer(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The reviewer's name (letters, digits, . _ -).")],
    rotate: Annotated[bool, typer.Option(help="Give an existing reviewer a new token.")] = False,
) -> None:
    """Add a reviewer and print their token (shown once; only its hash is kept).

    Examples:

        ootkg review add-reviewer alice
        ootkg review add-reviewer alice --rotate
    """
    from review.models import ReviewError, now_iso
    from review.reviewers import Reviewers

    try:
        token = Reviewers(home_of(ctx)).add(name, rotate=rotate, created=now_iso())
    except ReviewError as e:
        raise UserError(str(e)) from None
    typer.echo(token)
    typer.echo(f"Token for {name} (shown once). Sign in at http://HOST:PORT/login?token={token}", err=True)


@review_app.command("reviewers")
def reviewers(ctx: typer.Context) -> None:
    """List the reviewers."""
    from review.reviewers import Reviewers

    names = Reviewers(home_of(ctx)).names()
    typer.echo("\n".join(names) if names else "No reviewers yet.")


@review_app.command("stats")
def stats(
    ctx: typer.Context,
    runs: Annotated[list[Path] | None, typer.Argument(help="Runs (default: every run served for review).")] = None,
    policy: Annotated[str, typer.Option(help="majority, unanimous or any: how several verdicts fold.")] = "majority",
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Accuracy by human review (per family, generator, model, difficulty, run), scores, reasons,
    and agreement between reviewers (Cohen's and Fleiss' kappa, Krippendorff's alpha).

    Examples:

        ootkg review stats
        ootkg review stats data/run2.jsonl --format json
    """
    from review.stats import compute

    if policy not in ("majority", "unanimous", "any"):
        raise UserError("--policy takes majority, unanimous or any.")
    s = compute(runs_of(ctx, runs), policy)  # type: ignore[arg-type]
    if format is not OutputFormat.table:
        if format is OutputFormat.json:
            typer.echo(json.dumps(s.model_dump(mode="json"), indent=1))
        else:
            render_rows([r.model_dump() for r in s.by], format)
        return
    acc = f"{s.accuracy:.1%}" if s.accuracy is not None else "-"
    mean = f"{s.mean_score:.2f}" if s.mean_score is not None else "-"
    render_table(
        [
            {"measure": "examples", "figure": s.examples},
            {"measure": "reviewed (a verdict)", "figure": s.reviewed},
            {"measure": "accepted / rejected", "figure": f"{s.accepted} / {s.rejected}"},
            {"measure": "accuracy", "figure": acc},
            {"measure": "mean score (scores given)", "figure": f"{mean} ({s.scored})"},
            {
                "measure": "share of scores >= 8",
                "figure": f"{s.share_score_8_plus:.1%}" if s.share_score_8_plus is not None else "-",
            },
            {"measure": "edited", "figure": s.edited},
            {"measure": "reviewers (events)", "figure": ", ".join(f"{k} ({v})" for k, v in s.reviewers.items()) or "-"},
            {"measure": "reasons", "figure": ", ".join(f"{k} {v}" for k, v in sorted(s.reasons.items())) or "-"},
        ],
        title=f"Reviews of {len(s.runs)} run(s), policy {s.policy}",
    )
    render_table(
        [
            {
                "by": r.group,
                "which": r.value,
                "reviewed": r.reviewed,
                "accepted": r.accepted,
                "accuracy": f"{r.accuracy:.1%}" if r.accuracy is not None else "-",
                "mean score": f"{r.mean_score:.2f}" if r.mean_score is not None else "-",
            }
            for r in s.by
        ],
        title="Accuracy by",
    )
    a = s.agreement

    def fmt(x: float | None) -> str:
        return "-" if x is None else f"{x:.3f}"

    rows: list[dict[str, Any]] = [
        {"measure": "examples with 2+ verdicts", "figure": a.items_with_several},
        {"measure": "Fleiss' kappa (verdict)", "figure": fmt(a.fleiss_verdict)},
        {"measure": "Krippendorff's alpha (verdict, nominal)", "figure": fmt(a.alpha_verdict)},
        {"measure": "Krippendorff's alpha (reason, nominal)", "figure": fmt(a.alpha_reason)},
        {"measure": "Krippendorff's alpha (score, interval)", "figure": fmt(a.alpha_score)},
    ]
    rows += [{"measure": f"Cohen's kappa {p.a} / {p.b} ({p.items} examples)", "figure": fmt(p.kappa)} for p in a.cohen]
    render_table(rows, title="Agreement between reviewers")


@review_app.command("export")
def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="The dataset JSONL to write.")],
    runs: Annotated[list[Path] | None, typer.Argument(help="Runs (default: every run served for review).")] = None,
    accepted: Annotated[
        bool,
        typer.Option(
            "--accepted/--all-reviewed",
            help="Only accepted examples (default), or every reviewed one with its verdict.",
        ),
    ] = True,
    policy: Annotated[str, typer.Option(help="majority, unanimous or any.")] = "majority",
    card: Annotated[Path | None, typer.Option(help="Dataset card (default: README.md beside --out).")] = None,
    sync: Annotated[bool, typer.Option("--sync/--no-sync", help="Also write the Review nodes to the graph.")] = True,
) -> None:
    """Write the reviewed dataset: edits applied, review metadata, a Hugging Face dataset card.

    Examples:

        ootkg review export --accepted --out data/validated.jsonl
        ootkg review export data/run2.jsonl --all-reviewed --out data/reviewed.jsonl --card data/CARD.md
    """
    from review.export import ExportError
    from review.export import export as do_export

    if policy not in ("majority", "unanimous", "any"):
        raise UserError("--policy takes majority, unanimous or any.")
    chosen = runs_of(ctx, runs)
    try:
        res = do_export(
            chosen,
            out,
            accepted_only=accepted,
            policy=policy,  # type: ignore[arg-type]
            card=card,
        )
    except ExportError as e:
        raise UserError(str(e)) from None
    typer.echo(f"{res.written} examples in {res.out} ({res.reviewed} reviewed, {res.edited} edited); card {res.card}")
    if sync:
        typer.echo(sync_graph(ctx, chosen), err=True)


@review_app.command("sync")
def sync_cmd(
    ctx: typer.Context,
    runs: Annotated[list[Path] | None, typer.Argument(help="Runs (default: every run served for review).")] = None,
) -> None:
    """Write Review nodes (and the runs' Example nodes) into the graph from the reviews JSONL.

    Idempotent: reviews are upserted by id. Needs the graph free for writing.

    Examples:

        ootkg review sync
        ootkg review sync data/run2.jsonl
    """
    note = sync_graph(ctx, runs_of(ctx, runs))
    typer.echo(note)
    if note.startswith("Review nodes not written"):
        raise UserError(note, exit_code=3)
