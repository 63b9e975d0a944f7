"""Reviews change the next run: through the real anthropic client against the local stub,
accepted examples appear as exemplars in the prompt, "factually wrong" notes as
corrections for the entity, a rejection as an explicit instruction, two rejections for one
reason skip the pair; the ledger records the reviews a run used, and a resumed run uses
only those. The offline generator, which cannot follow instructions, skips at once."""

from __future__ import annotations

import json

import pytest

from generate.ledger import ledger_path, read_jsonl, rejects_path
from generate.llm.anthropic_client import AnthropicClient
from generate.llm.offline import OfflineClient
from generate.llm.pricing import price_for
from generate.plan import RunConfig
from generate.run import Runner, RunOptions
from kg.store import open_store
from review.dataset import RunData
from review.home import Home
from review.live import LiveReviews
from review.models import ReviewInput
from tests.anthropic_stub import Stub
from tests.gen_graph import DBG, make_store
from validate.api import Validator

MODEL = "claude-sonnet-5-5"
FIRST = ["Actor_SetScale", "Actor_PlaySfx", "Sram_WriteSave", "Gfx_SetupDL_25Opa"]
SECOND = ["Actor_Kill", "Sram_WriteSave", "Gfx_SetupDL_25Opa", "EnTite_Update"]


def _targets(names: list[str]) -> str:
    return "MATCH (f:Function) WHERE f.name IN [" + ", ".join(f"'{n}'" for n in names) + "] RETURN f.name AS target"


def _run(settings, out, client, home, *, names, count, resume=False, generator="offline"):
    config = RunConfig(
        version=DBG,
        count=count,
        seed=2,
        families=["qa"],
        families_explicit=True,
        difficulty=(1, 1),
        targets_query=_targets(names),
        generator=generator,
        model=MODEL if generator == "anthropic" else "ootkg-offline-templates",
        max_tokens=512,
    )
    with open_store(settings) as store:
        runner = Runner(
            store,
            config,
            client,
            RunOptions(out=out, review_dir=home, resume=resume, concurrency=1),
            Validator(store, settings, compile=False),
        )
        return runner.run()


@pytest.fixture()
def reviewed(tmp_path):
    """A first run of one qa example per function in FIRST, reviewed."""
    settings = make_store(tmp_path / "graph")
    home = tmp_path / "home"
    first = tmp_path / "first.jsonl"
    _run(settings, first, OfflineClient(), home, names=FIRST, count=4)
    Home(home).register(first)
    data = RunData(first)
    by_target = {data.summaries[i].target: i for i in data.order}
    assert set(by_target) == set(FIRST)
    live = LiveReviews(data)
    ex = data.get(by_target["Actor_SetScale"])
    last = max(i for i, m in enumerate(ex["messages"]) if m["role"] == "assistant")
    live.submit(
        "alice",
        ReviewInput(
            example=by_target["Actor_SetScale"],
            action="edit",
            message_index=last,
            content="EXEMPLAR-MARKER: Actor_SetScale sets actor->scale.",
        ),
    )
    live.submit("alice", ReviewInput(example=by_target["Actor_SetScale"], action="accept", score=9))
    live.submit(
        "alice",
        ReviewInput(
            example=by_target["Actor_PlaySfx"],
            action="reject",
            reason="factually-wrong",
            entities=["Function:Actor_Kill"],
            note="Actor_Kill only marks the actor; it is freed later",
        ),
    )
    for who in ("alice", "bob"):
        live.submit(
            who,
            ReviewInput(
                example=by_target["Sram_WriteSave"], action="reject", reason="unhelpful", note=f"{who}: no answer"
            ),
        )
    live.submit(
        "alice",
        ReviewInput(
            example=by_target["Gfx_SetupDL_25Opa"],
            action="reject",
            reason="unrealistic-question",
            note="nobody asks it so",
        ),
    )
    return settings, home, first, {e.id for e in live.events}


def _prompts(stub: Stub) -> list[str]:
    return ["\n".join(c.get("text", "") for c in body["messages"][0]["content"]) for body in stub.requests]


def test_reviews_shape_the_next_anthropic_run(reviewed, tmp_path):
    settings, home, first, review_ids = reviewed
    out = tmp_path / "second.jsonl"
    with Stub() as stub:
        client = AnthropicClient(MODEL, price_for(MODEL), api_key="sk-test", base_url=stub.url, backoff=0.001)
        stats = _run(settings, out, client, home, names=SECOND, count=4, generator="anthropic")
        client.close()
        prompts = _prompts(stub)
    targets = [p.split("Target: Function ", 1)[1].split(" ", 1)[0] for p in prompts]
    assert "Sram_WriteSave" not in targets  # rejected twice as unhelpful: skipped
    assert {"Actor_Kill", "Gfx_SetupDL_25Opa"} <= set(targets)
    kill = next(p for p, t in zip(prompts, targets, strict=True) if t == "Actor_Kill")
    assert "EXEMPLAR-MARKER: Actor_SetScale sets actor->scale." in kill  # the edited revision
    assert "expert reviewers accepted, scored 9/10" in kill
    assert "Correction from expert review about Function:Actor_Kill" in kill
    assert "Actor_Kill only marks the actor; it is freed later" in kill
    gfx = next(p for p, t in zip(prompts, targets, strict=True) if t == "Gfx_SetupDL_25Opa")
    assert "question of an earlier qa example about Gfx_SetupDL_25Opa unrealistic" in gfx
    assert '"nobody asks it so"' in gfx
    assert stats.skipped_by_review >= 1  # (the stub repeats itself: later items are duplicates)
    skips = [r for r in read_jsonl(rejects_path(out)) if r["reason"] == "review-skip"]
    assert skips and all("Function:Sram_WriteSave as unhelpful" in r["detail"] for r in skips)
    events = list(read_jsonl(ledger_path(out)))
    fb = next(e for e in events if e["event"] == "feedback")
    assert set(fb["reviews"]) == review_ids and fb["exemplars"] == 1
    used = [e for e in events if e["event"] == "feedback_used"]
    assert used and {i for e in used for i in e["reviews"]} <= review_ids


def test_a_resumed_run_uses_the_reviews_it_started_with(reviewed, tmp_path):
    settings, home, first, review_ids = reviewed
    out = tmp_path / "third.jsonl"
    _run(settings, out, OfflineClient(), home, names=["Actor_Kill", "Actor_SetScale"], count=2)
    data = RunData(first)
    late = LiveReviews(data)  # a review added after the run started...
    target = next(i for i in data.order if data.summaries[i].target == "Actor_SetScale")
    late.submit("carol", ReviewInput(example=target, action="reject", reason="duplicate"))
    late.submit("dave", ReviewInput(example=target, action="reject", reason="duplicate"))
    stats = _run(settings, out, OfflineClient(), home, names=["Actor_Kill", "Actor_SetScale"], count=4, resume=True)
    # ...is not read by its resume: Actor_SetScale is still generated, never skipped
    assert stats.skipped_by_review == 0
    targets = [r["metadata"]["target"] for r in read_jsonl(out)]
    assert targets.count("Actor_SetScale") == 2
    fb = [e for e in read_jsonl(ledger_path(out)) if e["event"] == "feedback"]
    assert len(fb) == 1 and set(fb[0]["reviews"]) == review_ids


def test_offline_runs_skip_what_reviewers_rejected_once(reviewed, tmp_path):
    settings, home, first, _ = reviewed
    out = tmp_path / "offline.jsonl"
    stats = _run(settings, out, OfflineClient(), home, names=["Gfx_SetupDL_25Opa", "Actor_Kill"], count=2)
    assert [r["metadata"]["target"] for r in read_jsonl(out)] == ["Actor_Kill", "Actor_Kill"]
    assert stats.skipped_by_review >= 1
    rejects = [r for r in read_jsonl(rejects_path(out)) if r["reason"] == "review-skip"]
    assert "unrealistic-question" in rejects[0]["detail"]


def test_without_feedback_nothing_is_read(reviewed, tmp_path):
    settings, home, first, _ = reviewed
    out = tmp_path / "plain.jsonl"
    config = RunConfig(
        version=DBG,
        count=2,
        seed=2,
        families=["qa"],
        families_explicit=True,
        targets_query=_targets(["Sram_WriteSave"]),
    )
    with open_store(settings) as store:
        stats = Runner(
            store,
            config,
            OfflineClient(),
            RunOptions(out=out, review_dir=home, feedback=False),
            Validator(store, settings, compile=False),
        ).run()
    assert stats.accepted == 2 and stats.skipped_by_review == 0
    assert not [e for e in read_jsonl(ledger_path(out)) if e["event"] == "feedback"]
    json.dumps(stats.model_dump())
