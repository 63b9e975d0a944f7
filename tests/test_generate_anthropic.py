"""The real anthropic SDK against a local stub server: caching, retries, repair, budget, batches."""

from __future__ import annotations

import json

import pytest

from generate.ledger import ledger_path, read_jsonl, rejects_path
from generate.llm.anthropic_client import AnthropicClient
from generate.llm.base import LLMError
from generate.llm.pricing import PRICES, Price, UnknownModel, price_for
from generate.plan import RunConfig
from generate.run import Runner, RunOptions
from kg.store import open_store
from tests.anthropic_stub import Stub
from tests.gen_graph import DBG, make_store
from validate.api import Validator

MODEL = "claude-sonnet-5-5"  # $2 input / $10 output per million tokens


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return make_store(tmp_path_factory.mktemp("anth") / "graph")


@pytest.fixture
def stub():
    with Stub() as s:
        yield s


def client_for(stub: Stub, **kw) -> AnthropicClient:
    return AnthropicClient(MODEL, price_for(MODEL), api_key="sk-test-key", base_url=stub.url, backoff=0.001, **kw)


def run(
    settings, stub, out, *, client=None, budget=None, concurrency=2, batch=False, resume=False, families=("qa",), **cfg
):
    config = RunConfig(
        version=DBG,
        count=cfg.pop("count", 4),
        seed=5,
        generator="anthropic",
        model=MODEL,
        families=list(families),
        max_tokens=512,
        **cfg,
    )
    client = client or client_for(stub)
    with open_store(settings) as store:
        runner = Runner(
            store,
            config,
            client,
            RunOptions(
                out=out, budget_usd=budget, concurrency=concurrency, batch=batch, poll_seconds=0.01, resume=resume
            ),
            Validator(store, settings, compile=False),
        )
        try:
            return runner.run(), list(read_jsonl(out))
        finally:
            client.close()


def test_examples_with_cached_prompt_and_accounted_cost(settings, stub, tmp_path):
    stats, rows = run(settings, stub, tmp_path / "a.jsonl", count=4)
    assert stats.accepted == 4 == len(rows)
    body = stub.requests[0]
    assert body["model"] == MODEL and body["max_tokens"] == 512
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    family_block, facts_block, item_block = body["messages"][0]["content"]
    # stable first: the family's block, then the target's facts and code, both cached
    assert family_block["text"].startswith("FAMILY: qa") and family_block["cache_control"]
    assert facts_block["cache_control"] == {"type": "ephemeral"}
    assert facts_block["text"].startswith("FACTS") and "[" in facts_block["text"]
    assert "\nCODE (verbatim" in facts_block["text"] and "```c src/" in facts_block["text"]
    assert "cache_control" not in item_block and item_block["text"].startswith("ITEM: scenario")
    h = stub.headers[0]
    assert h.get("x-api-key") == "sk-test-key" or h.get("authorization") == "Bearer sk-test-key"
    price = PRICES["claude-sonnet-5-5"]
    total = 0.0
    for row in rows:
        meta = row["metadata"]
        u = meta["usage"]
        assert meta["generator"] == "anthropic" and meta["model"] == MODEL
        assert u["input_tokens"] > 0 and u["output_tokens"] > 0 and u["requests"] == 1
        expected = (
            u["input_tokens"] * price.input
            + u["output_tokens"] * price.output
            + u["cache_write_tokens"] * price.input * 1.25
            + u["cache_read_tokens"] * price.input * 0.1
        ) / 1e6
        assert price.input == 2 and price.output == 10
        assert u["cost_usd"] == pytest.approx(expected)
        total += u["cost_usd"]
    assert stats.spent_usd == pytest.approx(total)
    ledger_costs = [e["cost"] for e in read_jsonl(ledger_path(tmp_path / "a.jsonl")) if e["event"] == "response"]
    assert sum(ledger_costs) == pytest.approx(total, rel=1e-6)


def test_retries_429_529_500_and_malformed_then_succeeds(settings, stub, tmp_path):
    stub.faults.extend([("status", 429, {"retry-after": "0.01"}), ("status", 529), ("status", 500), ("malformed",)])
    client = client_for(stub)
    stats, rows = run(settings, stub, tmp_path / "r.jsonl", count=1, client=client, concurrency=1)
    assert stats.accepted == 1 and client.retries == 4
    assert len(stub.requests) == 5


def test_retries_give_up_and_the_item_is_rejected_not_lost(settings, stub, tmp_path):
    stub.faults.extend([("status", 529)] * 3)
    client = client_for(stub, max_retries=2)
    stats, rows = run(settings, stub, tmp_path / "g.jsonl", count=1, client=client, concurrency=1)
    rejects = list(read_jsonl(rejects_path(tmp_path / "g.jsonl")))
    assert rejects[0]["reason"] == "llm_error" and "529" in rejects[0]["detail"]
    assert stats.accepted == 1  # the next planned item took its place


def test_client_error_is_not_retried(stub):
    stub.faults.append(("status", 400))
    from generate.llm.base import LLMRequest
    from generate.models import Context, PlanItem, Target

    item = PlanItem(id="x", index=0, target=Target(kind="Function", key="f"), family="qa", difficulty=1, version=DBG)
    req = LLMRequest(
        item=item,
        context=Context(target=item.target, version=DBG, facts=[]),
        system="s",
        instruction="i",
        max_tokens=10,
    )
    client = client_for(stub)
    with pytest.raises(LLMError, match="HTTP 400"):
        client.complete(req)
    assert len(stub.requests) == 1


def test_max_tokens_cut_answer_is_repaired(settings, stub, tmp_path):
    stub.faults.append(("max_tokens",))
    stats, rows = run(settings, stub, tmp_path / "m.jsonl", count=1, concurrency=1)
    assert rows[0]["metadata"]["repaired"] is True and stats.repaired == 1
    repair = stub.requests[1]["messages"]
    assert [m["role"] for m in repair] == ["user", "assistant", "user"]
    assert "cut off" in repair[2]["content"]
    # the repair resends the same prompt (family block, facts and code, item), so the
    # cached prefix is read again rather than lost
    assert repair[0] == stub.requests[0]["messages"][0]


def test_validation_errors_go_back_once_then_pass(settings, stub, tmp_path):
    stub.bad_first_answer = True
    stats, rows = run(settings, stub, tmp_path / "v.jsonl", count=2, concurrency=1)
    assert stats.accepted == 2 and stats.repaired == 2
    second = stub.requests[1]["messages"][-1]["content"]
    assert "unknown-function" in second and "Actor_ExplodeEverything" in second
    for row in rows:
        assert row["metadata"]["validation"]["ok"] is True
        assert "Actor_ExplodeEverything" not in json.dumps(row["messages"])


def test_still_failing_after_repair_is_rejected_with_its_report(settings, stub, tmp_path):
    stub.bad_first_answer = True
    orig = stub.answer

    def always_bad(body):
        body = {**body, "messages": body["messages"][:1]}  # pretend there was no repair turn
        return orig(body)

    stub.answer = always_bad
    stats, rows = run(settings, stub, tmp_path / "f.jsonl", count=1, concurrency=1, budget=None)
    rejects = list(read_jsonl(rejects_path(tmp_path / "f.jsonl")))
    bad = [r for r in rejects if r["reason"] == "validation"]
    assert bad and bad[0]["validation"]["ok"] is False
    assert any(i["code"] == "unknown-function" for i in bad[0]["validation"]["issues"])
    assert stats.accepted == 0 or rows  # plan exhausted or not, nothing was dropped silently
    assert stats.rejected == len([r for r in rejects if r["reason"] != "duplicate"])


def test_budget_is_never_exceeded(settings, stub, tmp_path):
    probe = client_for(stub)
    stats, _ = run(settings, stub, tmp_path / "b0.jsonl", count=3, budget=1e-6)
    assert stats.accepted == 0 and stats.stop_reason.startswith("budget") and not stub.requests
    # Room for about two worst-case requests: it stops before a third could overspend.
    from generate.context import ContextBuilder
    from generate.models import Target
    from generate.process import Processor

    with open_store(settings) as store:
        ctx = ContextBuilder(store).build(Target(kind="Function", key="Actor_Kill"), DBG)
    proc = Processor(
        None, generator="anthropic", model=MODEL, ootkg_version="0", ingest_run=None, run_id="r", max_tokens=512
    )
    worst = probe.worst_case_cost(
        proc.request(
            __import__("generate.models", fromlist=["PlanItem"]).PlanItem(
                id="p", index=0, target=ctx.target, family="qa", difficulty=1, version=DBG
            ),
            ctx,
        )
    )
    budget = worst * 2.5
    stats, rows = run(settings, stub, tmp_path / "b1.jsonl", count=10, budget=budget, concurrency=3)
    assert stats.stop_reason.startswith("budget")
    assert 1 <= len(stub.requests) <= 4 and stats.spent_usd <= budget


def test_prices_and_unknown_models():
    assert price_for("claude-sonnet-4-5-20250929") == PRICES["claude-sonnet-4-5"]
    assert price_for("claude-sonnet-4-20250514") == PRICES["claude-sonnet-4"]
    assert price_for("claude-opus-4-5") == PRICES["claude-opus-4-5"]
    with pytest.raises(UnknownModel, match="--price"):
        price_for("claude-sonnet-9")
    assert price_for("my-model", "2,10") == Price(input=2, output=10)
    with pytest.raises(UnknownModel):
        price_for("x", "cheap")
    p = PRICES["claude-haiku-4-5"]
    assert p.worst_case(1000, 100, batch=True) == pytest.approx(0.5 * (1000 * 1.25 + 500) / 1e6)


def test_batch_run_half_price(settings, stub, tmp_path):
    stats, rows = run(settings, stub, tmp_path / "bt.jsonl", count=3, batch=True)
    assert stats.accepted == 3 and len(stub.batches) == 1
    u = rows[0]["metadata"]["usage"]
    full = (
        u["input_tokens"] * 2 + u["output_tokens"] * 10 + u["cache_write_tokens"] * 2.5 + u["cache_read_tokens"] * 0.2
    ) / 1e6
    assert u["cost_usd"] == pytest.approx(full / 2)
    events = [e["event"] for e in read_jsonl(ledger_path(tmp_path / "bt.jsonl"))]
    assert events.count("batch") == 1 and events.count("batch_done") == 1


def test_batch_resumes_by_polling_the_same_batch(settings, stub, tmp_path):
    out = tmp_path / "br.jsonl"
    client = client_for(stub)
    real_retrieve = client.sdk.messages.batches.retrieve

    def crash(*a, **k):
        raise KeyboardInterrupt  # the process dies while the batch is processing

    client.sdk.messages.batches.retrieve = crash
    with pytest.raises(KeyboardInterrupt):
        run(settings, stub, out, count=3, batch=True, client=client)
    assert len(stub.batches) == 1 and not out.read_text()
    del real_retrieve
    stats, rows = run(settings, stub, out, count=3, batch=True, resume=True)
    assert stats.accepted == 3 and len(rows) == 3
    assert len(stub.batches) == 1  # polled again, not sent again


def test_cli_end_to_end_against_the_stub(settings, stub, tmp_path):
    import os
    import subprocess
    import sys

    stub.bad_first_answer = True
    out = tmp_path / "cli.jsonl"
    env = {**os.environ, "OOTKG_DB": str(settings.db), "ANTHROPIC_API_KEY": "sk-test-key", "COLUMNS": "200"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "ootkg",
            "generate",
            "--llm",
            "anthropic",
            "--model",
            MODEL,
            "--budget-usd",
            "0.5",
            "--count",
            "2",
            "--families",
            "qa",
            "--out",
            str(out),
            "--no-writeback",
            "--base-url",
            stub.url,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "2 examples" in proc.stderr and "2 repaired" in proc.stderr and "$0.0" in proc.stderr
    rows = list(read_jsonl(out))
    assert [r["metadata"]["generator"] for r in rows] == ["anthropic", "anthropic"]
    assert all(r["metadata"]["usage"]["requests"] == 2 for r in rows)  # answer + repair
