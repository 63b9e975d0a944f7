"""The `ootkg generate` and `ootkg report` commands."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from ootkg.context import settings_of
from ootkg.errors import UserError

_MODEL = re.compile(r"^[a-z0-9][a-z0-9.\-]{2,99}$")
# Options that shape the plan; on --resume they must match what the ledger recorded.
_PLAN_OPTIONS = (
    "families",
    "difficulty",
    "version",
    "seed",
    "targets_query",
    "curriculum",
    "generator",
    "model",
    "max_tokens",
    "max_context_tokens",
    "dedup_threshold",
)


def _difficulty(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*([1-4])\s*(?:-\s*([1-4]))?\s*", text)
    if not m:
        raise UserError(f"--difficulty {text!r}: give a level 1-4 or a range such as 3-4.")
    lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
    if lo > hi:
        raise UserError(f"--difficulty {text!r}: the range must go up (e.g. 2-4).")
    return lo, hi


def _families(text: str) -> list[str]:
    from generate.families import FAMILIES

    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in FAMILIES]
    if unknown or not names:
        raise UserError(
            f"Unknown famil{'y' if len(unknown) == 1 else 'ies'} "
            f"{', '.join(unknown) or '(none given)'}. Families: {', '.join(FAMILIES)}."
        )
    return names


def _client(
    llm: str, model: str | None, price: str | None, budget: float | None, base_url: str | None, batch: bool
) -> Any:
    from generate.llm.offline import OfflineClient

    if llm == "offline":
        if batch:
            raise UserError("--batch needs --llm anthropic (the offline client has no batches).")
        return OfflineClient()
    if llm != "anthropic":
        raise UserError(f"--llm {llm!r}: use offline or anthropic.")
    key = os.environ.get("ANTHROPIC_API_KEY")
    if not key:
        raise UserError(
            "--llm anthropic needs an API key: set ANTHROPIC_API_KEY (nothing was "
            "written). Without a key, --llm offline builds examples from the graph."
        )
    model = model or "claude-sonnet-5-5"
    if not _MODEL.match(model):
        raise UserError(f"--model {model!r} is not a model name (e.g. claude-sonnet-5-5).")
    if budget is None:
        raise UserError(
            "--llm anthropic needs --budget-usd (a hard spending limit, e.g. --budget-usd 25); nothing was written."
        )
    from generate.llm.anthropic_client import AnthropicClient
    from generate.llm.pricing import UnknownModel, price_for

    try:
        prices = price_for(model, price)
    except UnknownModel as e:
        raise UserError(str(e)) from None
    return AnthropicClient(model, prices, api_key=key, base_url=base_url or os.environ.get("ANTHROPIC_BASE_URL"))


def generate(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output JSONL (chat messages + metadata)."),
    ] = None,
    count: Annotated[int | None, typer.Option(help="Examples to write (default 100).")] = None,
    llm: Annotated[str | None, typer.Option(help="offline (default, no key) or anthropic.")] = None,
    model: Annotated[str | None, typer.Option(help="Anthropic model, e.g. claude-sonnet-5-5.")] = None,
    budget_usd: Annotated[
        float | None,
        typer.Option("--budget-usd", help="Hard spending limit in USD (never exceeded)."),
    ] = None,
    price: Annotated[
        str | None,
        typer.Option(help="INPUT,OUTPUT USD per million tokens, for a model the price table lacks."),
    ] = None,
    families: Annotated[str | None, typer.Option(help="Comma-separated families (default: all).")] = None,
    difficulty: Annotated[str | None, typer.Option(help="Level 1-4 or a range, e.g. 3-4.")] = None,
    version: Annotated[str | None, typer.Option(help="Game version (default: the settings' default).")] = None,
    targets: Annotated[
        str | None,
        typer.Option(help="Cypher returning a `target` column (actor enums, function names...)."),
    ] = None,
    curriculum: Annotated[
        str | None,
        typer.Option(help="Concept id: a stepping-stone sequence from its prerequisites up."),
    ] = None,
    resume: Annotated[
        Path | None,
        typer.Option(help="Continue the run that writes this file (its ledger has the settings)."),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output (and its ledger/rejects).")] = False,
    seed: Annotated[int | None, typer.Option(help="Plan seed (default 0).")] = None,
    concurrency: Annotated[int, typer.Option(help="Requests in flight (anthropic).")] = 4,
    batch: Annotated[
        bool,
        typer.Option(help="Use the Message Batches API (half price; polled, resumable)."),
    ] = False,
    poll: Annotated[float, typer.Option(help="Seconds between batch status polls.")] = 30.0,
    max_tokens: Annotated[int | None, typer.Option(help="Output tokens per request (default 4096).")] = None,
    context_tokens: Annotated[
        int | None,
        typer.Option(help="Bound on the grounded context (default 2400)."),
    ] = None,
    compile: Annotated[
        bool | None,
        typer.Option(
            "--compile/--no-compile",
            help="Run validation level 1 (needs a decomp checkout; default: when one is configured).",
        ),
    ] = None,
    writeback: Annotated[
        bool,
        typer.Option("--writeback/--no-writeback", help="Add Example nodes to the graph afterwards."),
    ] = True,
    base_url: Annotated[str | None, typer.Option(hidden=True, help="API base URL (tests, proxies).")] = None,
    throttle: Annotated[float, typer.Option(hidden=True, help="Seconds to pause before each item.")] = 0.0,
    dedup_threshold: Annotated[
        float | None,
        typer.Option(help="MinHash Jaccard at or above which an example is a near-duplicate (default 0.9)."),
    ] = None,
    estimate: Annotated[
        bool,
        typer.Option(
            "--estimate",
            help="Print the planned requests and their expected and worst-case cost, send nothing, write nothing.",
        ),
    ] = False,
    min_quality: Annotated[
        float | None,
        typer.Option(
            "--min-quality",
            help="Write only examples the judge (offline, calibrated by `ootkg judge "
            "calibrate`) scores at least this, 1-10; the rest are rejected as `quality`.",
        ),
    ] = None,
    feedback: Annotated[
        bool,
        typer.Option(
            "--feedback/--no-feedback",
            help="Learn from expert reviews of earlier runs: accepted examples as "
            "exemplars, rejections steer the plan, corrections in the prompt.",
        ),
    ] = True,
    fsync_interval: Annotated[
        float,
        typer.Option(
            help="0 (default): fdatasync every output line; N: at most every N seconds "
            "(group commit; lines are always flushed, so a killed run loses nothing)."
        ),
    ] = 0.0,
    decomp: Annotated[
        Path | None,
        typer.Option(
            help="The decomp checkout the graph was ingested from, for the code in "
            "contexts and the quote checks (default: OOTKG_DECOMP, or the path the "
            "ingest recorded)."
        ),
    ] = None,
    dedup_against: Annotated[
        list[Path] | None,
        typer.Option(
            "--dedup-against", help="Earlier runs' outputs: examples near-duplicating theirs are rejected (repeatable)."
        ),
    ] = None,
    shape_cap: Annotated[
        int,
        typer.Option(help="Examples per masked first-question shape (0: no cap)."),
    ] = 4,
) -> None:
    """Generate training examples grounded in the graph, validated before they are written.

    Examples:

    ```
    ootkg generate --count 200 --out data/run1.jsonl
    ootkg generate --llm anthropic --model claude-sonnet-5-5 --count 2000 --budget-usd 25 \\
        --out data/run2.jsonl
    ootkg generate --families actor-modification,debugging-conversation --difficulty 3-4 \\
        --version ntsc-1.0 --out data/enemies.jsonl \\
        --targets "MATCH (a:Actor) WHERE a.category = 'ACTORCAT_ENEMY' RETURN a.enum AS target"
    ootkg generate --curriculum display-lists --out data/path.jsonl
    ootkg generate --resume data/run2.jsonl
    ootkg generate --llm anthropic --budget-usd 25 --min-quality 8 --out data/run3.jsonl
    ootkg generate --count 500 --out data/run4.jsonl --dedup-against data/run1.jsonl
    ```
    """

    settings = settings_of(ctx)
    given: dict[str, Any] = {
        "families": _families(families) if families else None,
        "difficulty": _difficulty(difficulty) if difficulty else None,
        "version": version,
        "seed": seed,
        "targets_query": targets,
        "curriculum": curriculum,
        "generator": llm,
        "model": model,
        "max_tokens": max_tokens,
        "max_context_tokens": context_tokens,
        "dedup_threshold": dedup_threshold,
    }
    if count is not None and count < 1:
        raise UserError("--count must be at least 1.")
    if budget_usd is not None and budget_usd <= 0:
        raise UserError("--budget-usd must be a positive amount in USD.")
    if max_tokens is not None and not 64 <= max_tokens <= 64000:
        raise UserError("--max-tokens must be between 64 and 64000.")
    if dedup_threshold is not None and not 0.5 <= dedup_threshold <= 1.0:
        raise UserError("--dedup-threshold must be between 0.5 and 1.0.")
    if concurrency < 1:
        raise UserError("--concurrency must be at least 1.")
    if min_quality is not None and not 1 <= min_quality <= 10:
        raise UserError("--min-quality is a score from 1 to 10, e.g. --min-quality 8.")
    if shape_cap < 0:
        raise UserError("--shape-cap must be 0 (no cap) or more.")
    for earlier in dedup_against or []:
        if not earlier.is_file():
            raise UserError(f"--dedup-against {earlier}: no such file.")
    if decomp is not None and not (decomp / "include" / "versions.h").is_file():
        raise UserError(f"--decomp {decomp} is not a decomp checkout (no include/versions.h).")
    config = _config(settings, given, count, resume, out)
    if estimate:
        _estimate(settings, config, price, batch, decomp)
        return
    out_path = resume or out
    if out_path is None:
        raise UserError("Give --out PATH for the examples (or --resume PATH to continue a run).")
    client = _client(
        config.generator, config.model if config.generator != "offline" else None, price, budget_usd, base_url, batch
    )
    _run(
        ctx,
        settings,
        config,
        client,
        out_path,
        resume=resume is not None,
        overwrite=overwrite,
        budget=budget_usd,
        concurrency=concurrency,
        batch=batch,
        poll=poll,
        compile=compile,
        writeback=writeback,
        throttle=throttle,
        sync_interval=fsync_interval,
        min_quality=min_quality,
        feedback=feedback,
        decomp=decomp,
        dedup_against=dedup_against or [],
        shape_cap=shape_cap,
    )


def report(
    run: Annotated[Path, typer.Argument(help="A generation run's output JSONL.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML report to write.")] = Path("report.html"),
    summary: Annotated[Path | None, typer.Option(help="JSON summary (default: next to the HTML).")] = None,
) -> None:
    """Coverage and quality of a generation run: a self-contained HTML page and a JSON summary
    (with the judge's score distribution and the accuracy from expert reviews, where the
    run has them).

    Examples:

    ```
    ootkg report data/run2.jsonl --out report.html
    ```
    """
    from generate.report import build_summary, write_html

    if not run.is_file():
        raise UserError(f"No run output at {run}.")
    data = build_summary(run)
    write_html(data, out)
    summary = summary or out.with_suffix(".json")
    summary.write_text(json.dumps(data.model_dump(mode="json"), indent=2))
    quality = f"; {data.quality_judge} mean {data.quality_mean:.2f}" if data.quality_mean is not None else ""
    reviews = (
        f"; {data.reviewed} reviewed, {data.review_accuracy:.1%} accepted" if data.review_accuracy is not None else ""
    )
    typer.echo(
        f"{out} and {summary}: {data.examples} examples, {data.rejects} rejects, "
        f"${data.cost_usd:.4f} spent{quality}{reviews}"
    )


def _config(settings: Any, given: dict[str, Any], count: int | None, resume: Path | None, out: Path | None) -> Any:
    from generate.plan import RunConfig
    from generate.run import ledger_config

    if resume is not None:
        if out is not None and out != resume:
            raise UserError(f"--resume {resume} continues that file; drop --out or make it the same.")
        recorded = ledger_config(resume)
        if recorded is None:
            raise UserError(
                f"Nothing to resume at {resume}: its ledger ({resume}.ledger) is "
                "missing. Start the run without --resume."
            )
        clash = [
            k for k in _PLAN_OPTIONS if given.get(k) is not None and _norm(given[k]) != _norm(getattr(recorded, k))
        ]
        if clash:
            raise UserError(
                f"The run at {resume} was started with different {', '.join(clash)} "
                f"(recorded: "
                + "; ".join(f"{k}={getattr(recorded, k)!r}" for k in clash)
                + "). --resume reuses the recorded settings: drop those options, or start a new "
                "run with another --out."
            )
        if count is not None and count != recorded.count:
            if recorded.curriculum:
                raise UserError(
                    f"The curriculum run at {resume} was planned for --count "
                    f"{recorded.count}; resume it without --count."
                )
            recorded.count = count
        return recorded
    values = {k: v for k, v in given.items() if v is not None}
    values.setdefault("version", settings.default_version)
    if values.get("generator", "offline") == "offline":
        values.pop("model", None)
    elif "model" not in values:
        values["model"] = "claude-sonnet-5-5"
    return RunConfig(count=count or 100, families_explicit=bool(given.get("families")), **values)


def _estimate(settings: Any, config: Any, price: str | None, batch: bool, decomp: Path | None = None) -> None:
    from generate.estimate import estimate
    from generate.llm.pricing import UnknownModel, price_for
    from generate.plan import PlanError
    from kg.store import open_store
    from ootkg.render import render_table

    model = config.model if config.generator != "offline" else "claude-sonnet-5-5"
    try:
        prices = price_for(model, price)
    except UnknownModel as e:
        raise UserError(str(e)) from None
    with open_store(settings, read_only=True) as store:
        try:
            est = estimate(store, config, prices, batch=batch, decomp=decomp, cache_dir=settings.cache_dir)
        except PlanError as e:
            raise UserError(str(e)) from None
    rows = [{"measure": k, "estimate": v} for k, v in est.model_dump().items()]
    render_table(
        rows,
        title=f"{model}: {est.requests} requests (offline runs cost nothing; priced as if sent)"
        if config.generator == "offline"
        else f"{model}: {est.requests} requests",
    )


def _norm(v: Any) -> Any:
    return list(v) if isinstance(v, tuple) else v


def _run(
    ctx: typer.Context,
    settings: Any,
    config: Any,
    client: Any,
    out: Path,
    *,
    resume: bool,
    overwrite: bool,
    budget: float | None,
    concurrency: int,
    batch: bool,
    poll: float,
    compile: bool | None,
    writeback: bool,
    throttle: float = 0.0,
    sync_interval: float = 0.0,
    min_quality: float | None = None,
    feedback: bool = True,
    decomp: Path | None = None,
    dedup_against: list[Path] | None = None,
    shape_cap: int = 4,
) -> None:
    from rich.console import Console

    from generate.ledger import read_jsonl
    from generate.plan import PlanError
    from generate.run import RunError, Runner, RunOptions
    from kg.store import StoreError, open_store
    from validate.api import Validator

    console = Console(stderr=True)
    options = RunOptions(
        out=out,
        resume=resume,
        overwrite=overwrite,
        budget_usd=budget,
        concurrency=concurrency,
        batch=batch,
        poll_seconds=poll,
        throttle_s=throttle,
        sync_interval_s=max(0.0, sync_interval),
        review_dir=settings.review_dir,
        feedback=feedback,
        min_quality=min_quality,
        cache_dir=settings.cache_dir,
        decomp=decomp,
        dedup_against=dedup_against or [],
        shape_cap=shape_cap,
    )
    store = open_store(settings, read_only=True)
    try:
        validator = Validator(
            store,
            settings,
            decomp=decomp,
            compile=bool(decomp or settings.decomp) if compile is None else compile,
            cache_dir=settings.cache_dir,
        )
        from ootkg.progress import GenerateProgress

        with GenerateProgress(console, config.count) as bar:
            runner = Runner(store, config, client, options, validator, progress=bar.update)
            try:
                stats = runner.run()
            except (RunError, PlanError) as e:
                raise UserError(str(e)) from None
    finally:
        store.close()
        client.close()
    u = stats.usage
    fed = max(1, u.input_tokens + u.cache_read_tokens + u.cache_write_tokens)
    spend = (
        f"{u.requests} requests, {u.input_tokens:,} input + {u.output_tokens:,} output tokens "
        f"({u.cache_read_tokens:,} cache-read, {u.cache_write_tokens:,} cache-write; cache "
        f"hit rate {u.cache_read_tokens / fed:.0%}), "
        f"${stats.spent_usd:.4f}, "
        if u.requests
        else ""
    )
    console.print(
        f"[bold]{stats.accepted}[/] examples in {out} ({stats.rejected} rejected, "
        f"{stats.duplicates} duplicates, {stats.unsupported} unsupported by the templates, "
        f"{stats.repaired} repaired; rejects in {stats.rejects}). {spend}"
        f"{stats.elapsed_s:.1f}s. Stopped: {stats.stop_reason}.",
        highlight=False,
    )
    if runner.feedback or stats.skipped_by_review or stats.below_quality:
        fb = runner.feedback.summary() if runner.feedback else {}
        console.print(
            f"review: {fb.get('read', 0)} reviews read ({fb.get('exemplars', 0)} exemplars, "
            f"{fb.get('steered_pairs', 0)} target/family pairs steered, "
            f"{fb.get('corrected_entities', 0)} entities corrected); {stats.skipped_by_review} "
            f"items skipped by review, {stats.below_quality} below --min-quality.",
            highlight=False,
        )
    if writeback and stats.accepted:
        from generate.writeback import write_back

        try:
            with open_store(settings, read_only=False, annotations=True) as wstore:
                done = write_back(wstore, list(read_jsonl(out)), str(out))
                _sync_reviews(wstore, settings)
            console.print(
                f"graph: {done['examples']} Example nodes, {done['grounded_in']} "
                f"GROUNDED_IN, {done['builds_on']} BUILDS_ON edges",
                highlight=False,
            )
        except StoreError as e:
            console.print(
                f"[yellow]Examples not written to the graph ({e}). Run the same "
                "command with --resume later to retry.[/]",
                highlight=False,
            )


def _sync_reviews(store: Any, settings: Any) -> None:
    """The graph is open for writing anyway: bring its Review nodes up to the reviews JSONL."""
    from review.graph import sync
    from review.home import Home

    runs = Home(settings.review_dir).runs()
    if runs:
        sync(store, runs)
