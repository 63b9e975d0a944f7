"""`ootkg judge RUN` (a quality score per example, to a sidecar) and `ootkg judge calibrate`."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from ootkg.context import settings_of
from ootkg.errors import UserError
from ootkg.render import render_table


class _DefaultScore(TyperGroup):
    """``ootkg judge RUN`` means ``ootkg judge score RUN``; ``calibrate`` is its own command."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["score", *args]
        return super().parse_args(ctx, args)


judge_app = typer.Typer(
    name="judge",
    cls=_DefaultScore,
    no_args_is_help=True,
    rich_markup_mode="markdown",
    help="A quality score from 1 to 10 per example (correctness, grounding, answers the "
    "question, realism, depth, idiomatic code), offline or by a model; calibrated against "
    "the human reviews.\n\n    ootkg judge data/run2.jsonl\n\n    ootkg judge data/run2.jsonl "
    "--llm anthropic --budget-usd 5\n\n    ootkg judge calibrate",
)


@judge_app.command("score")
def score(
    ctx: typer.Context,
    run: Annotated[Path, typer.Argument(help="A run's output JSONL.")],
    llm: Annotated[
        str, typer.Option(help="offline (default: features of the graph and the validator) or anthropic.")
    ] = "offline",
    model: Annotated[str | None, typer.Option(help="Anthropic model, e.g. claude-sonnet-5-5.")] = None,
    budget_usd: Annotated[float | None, typer.Option("--budget-usd", help="Hard spending limit (anthropic).")] = None,
    price: Annotated[
        str | None, typer.Option(help="INPUT,OUTPUT USD per million tokens, for a model the price table lacks.")
    ] = None,
    concurrency: Annotated[int, typer.Option(help="Requests in flight (anthropic).")] = 4,
    graph: Annotated[
        bool, typer.Option("--graph/--no-graph", help="Rebuild each example's facts from the graph.")
    ] = True,
    base_url: Annotated[str | None, typer.Option(hidden=True)] = None,
) -> None:
    """Score every example of RUN; the scores go to RUN's `.judge.jsonl` sidecar.

    Examples:

        ootkg judge data/run2.jsonl
        ootkg judge data/run2.jsonl --llm anthropic --model claude-haiku-4-5 --budget-usd 5
    """
    from review.dataset import RunData

    if not run.is_file():
        raise UserError(f"No run output at {run}.")
    settings = settings_of(ctx)
    records = RunData(run).records(full_reports=True)
    if not records:
        raise UserError(f"{run} holds no examples.")
    store = facts = None
    if graph:
        from generate.judging import fact_lookup
        from kg.store import StoreError, open_store

        try:
            store = open_store(settings, read_only=True)
            facts = fact_lookup(store)
        except StoreError as e:
            typer.echo(f"No graph ({e}): grounding is judged from the fact ids alone.", err=True)
    try:
        if llm == "offline":
            _offline(run, records, facts)
        elif llm == "anthropic":
            _anthropic(run, records, facts, model, budget_usd, price, concurrency, base_url)
        else:
            raise UserError(f"--llm {llm!r}: use offline or anthropic.")
    finally:
        if store is not None:
            store.close()


def _offline(run: Path, records: list, facts: Any) -> None:
    from review.judge.offline import OfflineJudge
    from review.judge.sidecar import replace

    judge = OfflineJudge(facts=facts)
    scores = [judge.score(r) for r in records]
    path = replace(run, judge.name, scores)
    _summary(scores, f"{judge.name}: {len(scores)} examples scored into {path}")


def _anthropic(
    run: Path,
    records: list,
    facts: Any,
    model: str | None,
    budget: float | None,
    price: str | None,
    concurrency: int,
    base_url: str | None,
) -> None:
    from generate.llm.anthropic_client import AnthropicClient
    from generate.llm.judge import judge_name, judge_run
    from generate.llm.pricing import UnknownModel, price_for
    from review.judge.sidecar import read_scores, sidecar_path

    key = os.environ.get("ANTHROPIC_API_KEY")
    if not key:
        raise UserError("--llm anthropic needs ANTHROPIC_API_KEY (nothing was sent).")
    if budget is None or budget <= 0:
        raise UserError("--llm anthropic needs --budget-usd (a hard spending limit, e.g. 5).")
    model = model or "claude-sonnet-5-5"
    try:
        prices = price_for(model, price)
    except UnknownModel as e:
        raise UserError(str(e)) from None
    client = AnthropicClient(model, prices, api_key=key, base_url=base_url or os.environ.get("ANTHROPIC_BASE_URL"))
    try:
        res = judge_run(records, run, client, facts=facts, budget_usd=budget, concurrency=concurrency)
    finally:
        client.close()
    scores = list(read_scores(run).get(judge_name(client), {}).values())
    _summary(
        scores,
        f"{judge_name(client)}: {res.judged} scored now, {res.cached} already "
        f"scored, {res.failed} failed, {res.unscored} left for lack of budget; "
        f"${res.spent_usd:.4f} spent; in {sidecar_path(run)}",
    )


def _summary(scores: list, title: str) -> None:
    hist = Counter(min(10, max(1, int(s.score))) for s in scores)
    mean = sum(s.score for s in scores) / len(scores) if scores else 0.0
    render_table(
        [{"score": f"{k}–{k + 1}" if k < 10 else "10", "examples": hist.get(k, 0)} for k in range(1, 11)],
        title=f"mean {mean:.2f}",
    )
    typer.echo(title)


@judge_app.command("calibrate")
def calibrate(
    ctx: typer.Context,
    runs: Annotated[list[Path] | None, typer.Argument(help="Runs (default: every run served for review).")] = None,
    target_precision: Annotated[
        float, typer.Option(help="Precision of 'score >= threshold' predicting a reviewer's accept.")
    ] = 0.95,
    judge: Annotated[str | None, typer.Option(help="Only this judge (e.g. offline-v1).")] = None,
    policy: Annotated[
        str, typer.Option(help="majority, unanimous or any (verdicts of several reviewers).")
    ] = "majority",
) -> None:
    """Agreement of each judge with the human reviews, and the threshold for a precision.

    Reports Spearman's rho against the reviewers' mean score, the AUC and precision/recall of
    accept at each threshold; stores the calibration (used by `generate --min-quality`).
    Runs without a sidecar are scored by the offline judge first.

    Examples:

        ootkg judge calibrate
        ootkg judge calibrate data/run2.jsonl --target-precision 0.9
    """
    from ootkg.cmd_review import home_of, runs_of
    from review.judge.calibrate import calibrate as fit
    from review.judge.offline import OfflineJudge
    from review.judge.sidecar import read_scores, replace
    from review.state import fold, load_events

    if not 0 < target_precision <= 1:
        raise UserError("--target-precision is a share between 0 and 1, e.g. 0.95.")
    chosen = runs_of(ctx, runs)
    pairs: dict[str, tuple[list, list]] = {}
    for run in chosen:
        folded = fold(load_events(run))
        if not folded:
            continue
        judged = read_scores(run)
        if "offline-v1" not in judged:
            from review.dataset import RunData

            scores = OfflineJudge().score_all(RunData(run).records(full_reports=True))
            replace(run, "offline-v1", scores)
            judged = read_scores(run)
        for name, by_id in judged.items():
            if judge and name != judge:
                continue
            scored, verdicts = pairs.setdefault(name, ([], []))
            for ex_id, ex in folded.items():
                s = by_id.get(ex_id)
                if s is None:
                    continue
                if ex.mean_score() is not None:
                    scored.append((s.score, ex.mean_score()))
                v = ex.verdict(policy)  # type: ignore[arg-type]
                if v:
                    verdicts.append((s.score, v == "accept"))
    if not pairs:
        raise UserError(
            "No reviewed example has a judge score. Review some examples "
            "(`ootkg review serve RUN`) and judge the run (`ootkg judge RUN`)."
        )
    home = home_of(ctx)
    stored = home.read_calibration()
    rows = []
    for name, (scored, verdicts) in sorted(pairs.items()):
        c = fit(name, scored, verdicts, target_precision=target_precision)
        stored[name] = c.model_dump(mode="json")

        def f(x: float | None, pct: bool = False) -> str:
            return "-" if x is None else (f"{x:.1%}" if pct else f"{x:.3f}")

        rows.append(
            {
                "judge": name,
                "scored": c.n_scored,
                "verdicts": c.n_verdict,
                "spearman": f(c.spearman),
                "AUC accept": f(c.auc_accept),
                f"threshold (p>={target_precision:g})": "-"
                if c.threshold is None
                else f"{c.threshold:.2f} (calibrated {c.threshold_calibrated})",
                "precision": f(c.precision_at, True),
                "recall": f(c.recall_at, True),
            }
        )
    home.write_calibration(stored)
    render_table(
        rows,
        title=f"Judges against {sum(len(v) for _, v in pairs.values())} human verdicts; stored in {home.calibration}",
    )
