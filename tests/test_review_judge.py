"""The quality score: the offline judge against planted defects, calibration against human
reviews, the LLM judge through the real anthropic client (stub), `generate --min-quality`,
and `ootkg report`'s score distribution and review accuracy."""

from __future__ import annotations

import json
import os

import pytest
from typer.testing import CliRunner

from bench.judge_set import REASONS, build
from generate.judging import QualityGate, fact_lookup
from generate.ledger import read_jsonl, rejects_path
from generate.llm.anthropic_client import AnthropicClient
from generate.llm.judge import judge_run, request_for
from generate.llm.offline import OfflineClient
from generate.llm.pricing import price_for
from generate.plan import RunConfig
from generate.run import Runner, RunOptions
from kg.store import open_store
from ootkg.cli import app
from review.agreement import auc
from review.dataset import RunData
from review.home import Home
from review.judge import text as T
from review.judge.calibrate import Calibration, calibrate, isotonic
from review.judge.offline import OfflineJudge
from review.judge.sidecar import read_scores, sidecar_path
from review.live import LiveReviews
from review.models import ReviewInput
from tests.anthropic_stub import Stub
from tests.gen_graph import DBG
from tests.review_support import make_run
from validate.api import Validator

MODEL = "claude-haiku-4-5"


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    return make_run(tmp_path_factory.mktemp("judge"), count=40, seed=11)


def test_offline_judge_separates_planted_defects(made):
    settings, run = made
    records = RunData(run).records(full_reports=True)  # as `ootkg judge` reads them
    with open_store(settings) as store:
        rows = build(records, store, settings, seed=4)
        judge = OfflineJudge(facts=fact_lookup(store))
        scores = [judge.score(r["record"]).score for r in rows]
    labels = [r["label"] for r in rows]
    assert set(labels) == {"good", *REASONS}
    good = [x == "good" for x in labels]
    assert auc(scores, good) >= 0.8  # a 40-example fixture run; the real-graph set: BENCHMARKS.md
    mean_good = sum(s for s, g in zip(scores, good, strict=True) if g) / sum(good)
    for reason in REASONS:  # every kind of defect scores below the good examples on average
        bad = [s for s, lb in zip(scores, labels, strict=True) if lb == reason]
        assert sum(bad) / len(bad) < mean_good, reason


def test_judge_flags_say_what_lowered_the_score(made):
    settings, run = made
    rec = json.loads(run.read_text().splitlines()[0])
    answer = next(i for i, m in enumerate(rec["messages"]) if m["role"] == "assistant")
    rec["messages"][answer]["content"] += (
        "\n\n```c\nvoid Mod_X(void) {\n    int* p = malloc(4);\n    *(u32*)0x80123450 = 1;\n}\n```"
    )
    s = OfflineJudge().score(rec)
    assert any(f.startswith("unsafe code") for f in s.flags)
    assert any(f.startswith("not the decomp's idiom") for f in s.flags)
    assert s.dimensions["idiomatic_code"] < 5 and s.score <= s.dimensions["idiomatic_code"] + 3


def test_a_quote_of_the_decomp_is_grounded_by_the_checkout(made):
    settings, run = made
    data = RunData(run)
    quoting = next(r for r in data.records() if r["metadata"].get("has_code"))
    meta = quoting["metadata"]
    # the line keeps a slim report; the judge and the review page read the sidecar's full one
    assert "issues" not in meta["validation"] and "codes" in meta["validation"]
    full = data.with_report(quoting)["metadata"]["validation"]
    assert "issues" in full and full["ok"] == meta["validation"]["ok"]
    assert data.records(full_reports=True)[data.order.index(meta["id"])] == data.with_report(quoting)
    with open_store(settings) as store:
        facts = fact_lookup(store)(meta)
    s = OfflineJudge(novelty=False).score(data.with_report(quoting), facts=facts)
    quoted = "\n".join(T.split(quoting["messages"]).quoted)
    assert quoted  # names of the quoted code are not "names no fact gives"
    loose = [f for f in s.flags if f.startswith("names no fact gives")]
    assert not any(n in quoted for f in loose for n in f.split(": ", 1)[1].split(", ")), loose
    # the same quote reported as not the decomp's text is the example's own code again
    wrong = {
        **full,
        "ok": False,
        "issues": [
            {"code": "quote-mismatch", "severity": "error", "level": 2, "message_index": i, "block": 0}
            for i in range(len(quoting["messages"]))
        ],
    }
    bad = {**quoting, "metadata": {**meta, "validation": wrong}}
    assert not T.split(bad["messages"], wrong).quoted
    assert OfflineJudge(novelty=False).score(bad, facts=facts).score < s.score


def test_a_name_placed_at_another_functions_code_is_flagged():
    from generate.models import Fact

    where = "src/overlays/actors/ovl_En_Tite/z_en_tite.c"
    facts = [
        Fact(
            id="sig:EnTite_Update@x",
            kind="Function",
            entity="EnTite_Update",
            text=f"`void EnTite_Update(Actor* thisx, PlayState* play)` is defined in {where}:39.",
            source=f"{where}:39",
        ),
        Fact(
            id="sig:Actor_Kill@x",
            kind="Function",
            entity="Actor_Kill",
            text="`void Actor_Kill(Actor* actor)` is defined in src/code/z_actor.c:4.",
            source="src/code/z_actor.c:4",
        ),
    ]

    def score(name: str):
        rec = {
            "messages": [
                {"role": "user", "content": "Where does EnTite's update logic go?"},
                {
                    "role": "assistant",
                    "content": f"The logic goes in the update function: {name} "
                    f"(`{where}:39-46`) runs every frame, and "
                    "Actor_Kill ends it.",
                },
            ],
            "metadata": {
                "id": name,
                "target": "EnTite_Update",
                "target_kind": "Function",
                "version": "x",
                "difficulty": 1,
                "fact_ids": ["sig:EnTite_Update@x"],
            },
        }
        return OfflineJudge(novelty=False).score(rec, facts=facts)

    good, swapped = score("EnTite_Update"), score("Actor_Kill")
    assert not any(f.startswith("places") for f in good.flags)
    assert any(f.startswith("places Actor_Kill at") for f in swapped.flags)
    assert swapped.dimensions["correctness"] < good.dimensions["correctness"]


def test_calibration_maps_monotonically_and_picks_the_threshold():
    assert isotonic([1, 2, 3, 4], [2, 1, 4, 3]) == [(1.5, 1.5), (3.5, 3.5)]
    verdicts = [
        (9.5, True),
        (9.0, True),
        (8.5, True),
        (8.0, False),
        (7.0, True),
        (6.0, False),
        (5.0, False),
        (3.0, False),
    ]
    scored = [(s, 9.0 if ok else 3.0) for s, ok in verdicts]
    c = calibrate("offline-v1", scored, verdicts, target_precision=0.95)
    assert c.threshold == 8.5 and c.precision_at == 1.0 and c.recall_at == 0.75
    assert c.spearman is not None and c.spearman > 0.6 and c.auc_accept == pytest.approx(15 / 16)
    cal = Calibration(c)
    assert cal.apply(10) == 9.0 and cal.apply(1) == 3.0
    assert cal.apply(9.2) >= cal.apply(8.0) >= cal.apply(5.0)  # monotone
    loose = calibrate("offline-v1", scored, verdicts, target_precision=0.7)
    assert loose.threshold == 7.0 and loose.recall_at == 1.0


def _review_like_the_judge(run, settings):
    """Reviews by 'people' who agree with the judge more often than not."""
    judged = read_scores(run)["offline-v1"]
    live = LiveReviews(RunData(run))
    for i, (ex_id, s) in enumerate(sorted(judged.items(), key=lambda kv: kv[1].score)):
        human = max(1, min(10, round(s.score) + (1 if i % 3 == 0 else 0)))
        live.submit(
            "alice",
            ReviewInput(
                example=ex_id,
                action="accept" if human >= 8 else "reject",
                reason=None if human >= 8 else "unhelpful",
                score=human,
            ),
        )


def test_judge_calibrate_then_generate_with_min_quality(made, tmp_path, monkeypatch):
    settings, src = made
    home = tmp_path / "home"
    monkeypatch.setenv("OOTKG_REVIEW_DIR", str(home))
    monkeypatch.setenv("OOTKG_DB", str(settings.db))
    run = tmp_path / "run.jsonl"
    run.write_text(src.read_text())
    cli = CliRunner()
    res = cli.invoke(app, ["judge", str(run)], catch_exceptions=False)
    assert res.exit_code == 0 and "offline-v1: 40 examples scored" in res.output
    assert len(read_scores(run)["offline-v1"]) == 40
    _review_like_the_judge(run, settings)
    res = cli.invoke(app, ["judge", "calibrate", str(run), "--target-precision", "0.9"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    stored = Home(home).read_calibration()["offline-v1"]
    assert stored["n_scored"] == 40 and stored["spearman"] > 0.8 and stored["points"]

    gate = QualityGate(8.0, home)
    assert gate.calibrated
    out = tmp_path / "gated.jsonl"
    config = RunConfig(version=DBG, count=15, seed=11)
    with open_store(settings) as store:
        stats = Runner(
            store,
            config,
            OfflineClient(),
            RunOptions(out=out, review_dir=home, min_quality=8.0),
            Validator(store, settings, compile=False),
        ).run()
        look = fact_lookup(store)
        cal = Calibration.load(Home(home), "offline-v1")
        for rec in read_jsonl(out):  # every written example: calibrated judge >= 8
            raw = OfflineJudge(novelty=False).score(rec, facts=look(rec["metadata"])).score
            assert cal.apply(raw) >= 8.0
    low = [r for r in read_jsonl(rejects_path(out)) if r["reason"] == "quality"]
    assert stats.below_quality == len(low) > 0 and stats.accepted == 15
    assert all("(calibrated) scores it" in r["detail"] for r in low)
    assert len(read_scores(out)["offline-v1"]) == 15  # the gate's scores, beside the run

    res = cli.invoke(app, ["report", str(run), "--out", str(tmp_path / "r.html")], catch_exceptions=False)
    assert "offline-v1 mean" in res.output and "40 reviewed" in res.output
    page = (tmp_path / "r.html").read_text()
    assert "Quality score distribution (offline-v1" in page and "Accuracy by expert review" in page
    summary = json.loads((tmp_path / "r.json").read_text())
    assert sum(summary["quality_scores"].values()) == 40 and summary["reviewed"] == 40


def test_llm_judge_through_the_anthropic_client(made, tmp_path):
    settings, src = made
    run = tmp_path / "run.jsonl"
    lines = src.read_text().splitlines()[:6]
    bad = json.loads(lines[5])
    for m in bad["messages"]:
        if m["role"] == "assistant":
            m["content"] = 'Just try things until it works; printf("%d") helps.'
    lines[5] = json.dumps(bad)
    run.write_text("\n".join(lines) + "\n")
    records = [json.loads(x) for x in lines]
    with Stub() as stub, open_store(settings) as store:
        stub.faults.extend([("status", 529), ("malformed",)])
        client = AnthropicClient(MODEL, price_for(MODEL), api_key="sk-test", base_url=stub.url, backoff=0.001)
        res = judge_run(records, run, client, facts=fact_lookup(store), budget_usd=1.0, concurrency=2)
        assert res.judged == 6 and res.failed == 0 and 0 < res.spent_usd <= 1.0
        body = stub.requests[-1]
        assert body["system"][0]["text"].startswith("You grade training examples")
        assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
        assert body["messages"][0]["content"][0]["text"].startswith("FACTS")
        sent = len(stub.requests)
        again = judge_run(records, run, client, facts=fact_lookup(store), budget_usd=1.0)
        assert again.cached == 6 and again.judged == 0 and len(stub.requests) == sent
        client.close()
    scores = read_scores(run)[f"anthropic:{MODEL}"]
    assert scores[bad["metadata"]["id"]].score < 5
    assert scores[bad["metadata"]["id"]].dimensions["idiomatic_code"] == 2
    good = [s.score for i, s in scores.items() if i != bad["metadata"]["id"]]
    assert min(good) >= 8


def test_llm_judge_stops_at_its_budget(made, tmp_path):
    settings, src = made
    run = tmp_path / "run.jsonl"
    run.write_text(src.read_text())
    records = [json.loads(x) for x in src.read_text().splitlines()]
    with Stub() as stub:
        client = AnthropicClient(MODEL, price_for(MODEL), api_key="sk-test", base_url=stub.url)
        one = client.worst_case_cost(request_for(records[0], None, 600))
        res = judge_run(records, run, client, facts=None, budget_usd=one * 2.5, concurrency=1)
        none = judge_run(records, tmp_path / "other.jsonl", client, facts=None, budget_usd=one * 0.9)
        client.close()
    # each request reserves its worst case and is settled at its real (smaller) cost
    assert res.judged >= 2 and res.unscored > 0 and res.stop_reason == "budget"
    assert res.judged + res.unscored == len(records) and res.spent_usd <= one * 2.5
    assert len(read_scores(run)[f"anthropic:{MODEL}"]) == res.judged
    assert none.judged == 0 and none.unscored == len(records) and none.spent_usd == 0


def test_judge_cli_with_anthropic_needs_a_key_and_budget(made, tmp_path, monkeypatch):
    settings, src = made
    monkeypatch.setenv("OOTKG_DB", str(settings.db))
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    res = CliRunner().invoke(app, ["judge", str(src), "--llm", "anthropic"])
    assert "ANTHROPIC_API_KEY" in str(res.exception)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    res = CliRunner().invoke(app, ["judge", str(src), "--llm", "anthropic"])
    assert "--budget-usd" in str(res.exception)
    assert not sidecar_path(src).exists() or "anthropic" not in sidecar_path(src).read_text()
    assert os.environ["ANTHROPIC_API_KEY"] == "sk-test"
