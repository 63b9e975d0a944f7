"""`ootkg generate` / `ootkg report` as a user meets them: bad input gets a clear message,
nothing is written; curricula, write-back and the report work end to end."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from generate.ledger import read_jsonl
from kg.facts import Facts
from kg.settings import Settings
from kg.store import open_store
from ootkg.cli import app
from ootkg.errors import UserError
from tests.gen_graph import NTSC, make_store

ENEMIES = "MATCH (a:Actor) WHERE a.category = 'ACTORCAT_ENEMY' RETURN a.enum AS target"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return make_store(tmp_path_factory.mktemp("cli") / "graph").db


def invoke(db, *args, env=None):
    env = {"OOTKG_DB": str(db), "ANTHROPIC_API_KEY": "", **(env or {})}
    return CliRunner().invoke(app, ["generate", *args], env=env, catch_exceptions=True)


def user_error(result) -> str:
    assert isinstance(result.exception, UserError), result.output + repr(result.exception)
    return str(result.exception)


@pytest.mark.parametrize(
    "args,expect",
    [
        (["--llm", "anthropic"], "ANTHROPIC_API_KEY"),
        (["--llm", "gpt"], "use offline or anthropic"),
        (["--families", "qa,poetry"], "poetry"),
        (["--difficulty", "5"], "level 1-4"),
        (["--difficulty", "4-2"], "must go up"),
        (["--count", "0"], "at least 1"),
        (["--budget-usd", "-3"], "positive"),
        (["--version", "n64-9.9"], "not in the graph"),
        (["--curriculum", "no-such-concept"], "No concept"),
        (["--targets", "MATCH (a:Actor) WHERE a.id < 0 RETURN a.enum AS target"], "no rows"),
        (["--targets", "MATCH (a:Actor) RETURN a.enum AS name"], "column named `target`"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_written(db, tmp_path, args, expect):
    out = tmp_path / "x.jsonl"
    msg = user_error(invoke(db, "--out", str(out), *args))
    assert expect in msg
    assert not out.exists() and not (tmp_path / "x.jsonl.ledger").exists()


def test_key_but_bad_model_or_budget(db, tmp_path):
    env = {"ANTHROPIC_API_KEY": "sk-test"}
    out = str(tmp_path / "y.jsonl")
    assert "not a model name" in user_error(
        invoke(db, "--llm", "anthropic", "--model", "GPT 4!", "--budget-usd", "1", "--out", out, env=env)
    )
    assert "--price" in user_error(
        invoke(db, "--llm", "anthropic", "--model", "claude-nova-1", "--budget-usd", "1", "--out", out, env=env)
    )
    assert "--budget-usd" in user_error(invoke(db, "--llm", "anthropic", "--out", out, env=env))
    assert not (tmp_path / "y.jsonl").exists()


def test_missing_entities_name_the_ingest_to_run(tmp_path):
    facts = Facts()
    facts.node("Version", id=NTSC, ordinal=0)
    facts.node(
        "Function", name="Actor_Kill", signature="void Actor_Kill(Actor* actor)", file="src/code/z_actor.c", line=1
    )
    settings = Settings(db=tmp_path / "bare")
    with open_store(settings, read_only=False) as store:
        store.replace_graph(facts)
    msg = user_error(
        invoke(
            settings.db, "--families", "actor-modification,audio", "--version", NTSC, "--out", str(tmp_path / "z.jsonl")
        )
    )
    assert "audio needs" in msg and "sequence table" in msg


def test_targets_query_families_difficulty_version(db, tmp_path):
    out = tmp_path / "enemies.jsonl"
    result = invoke(
        db,
        "--families",
        "actor-modification,debugging-conversation",
        "--difficulty",
        "3-4",
        "--version",
        NTSC,
        "--targets",
        ENEMIES,
        "--count",
        "3",
        "--out",
        str(out),
        "--no-writeback",
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    rows = list(read_jsonl(out))
    assert rows and all(r["metadata"]["target"] == "ACTOR_EN_TITE" for r in rows)
    assert {r["metadata"]["difficulty"] for r in rows} <= {3, 4}
    assert {r["metadata"]["family"] for r in rows} <= {"actor-modification", "debugging-conversation"}
    # Resuming with other plan options is refused and explained; the file is untouched.
    before = out.read_text()
    msg = user_error(invoke(db, "--resume", str(out), "--difficulty", "1"))
    assert "different difficulty" in msg and out.read_text() == before
    assert user_error(invoke(db, "--out", str(out))).startswith(str(out))


def test_curriculum_builds_on_earlier_steps_and_writes_back(db, tmp_path):
    out = tmp_path / "path.jsonl"
    result = invoke(db, "--curriculum", "actor-drawing", "--count", "8", "--out", str(out))
    assert result.exit_code == 0, result.output + repr(result.exception)
    rows = list(read_jsonl(out))
    order = [r["metadata"]["target"] for r in rows]
    # Prerequisites come first, each before what requires it.
    for before, after in (
        ("actor-basics", "actor-lifecycle"),
        ("actor-lifecycle", "actor-drawing"),
        ("display-lists", "actor-drawing"),
    ):
        if before in order and after in order:
            assert order.index(before) < order.index(after)
    assert order[-1] == "actor-drawing"
    ids = {r["metadata"]["id"] for r in rows}
    last = rows[-1]["metadata"]
    assert last["prerequisite_chain"] == ["actor-basics", "actor-lifecycle", "display-lists"][
        : len(last["prerequisite_chain"])
    ] or set(last["prerequisite_chain"]) == {"actor-basics", "actor-lifecycle", "display-lists"}
    assert last["builds_on"] and set(last["builds_on"]) <= ids  # only examples that exist
    assert all(set(r["metadata"]["builds_on"]) <= ids for r in rows)
    with open_store(Settings(db=db)) as store:
        n = store.run("MATCH (e:Example) WHERE e.output = $o RETURN count(e) AS n", {"o": str(out)})[0]["n"]
        builds = store.run(
            "MATCH (a:Example)-[:BUILDS_ON]->(b:Example) WHERE a.output = $o RETURN a.id AS a, b.id AS b",
            {"o": str(out)},
        )
        grounded = store.run(
            "MATCH (e:Example)-[:GROUNDED_IN]->(c:Concept) WHERE e.output = $o RETURN DISTINCT c.id AS c",
            {"o": str(out)},
        )
        per_concept = store.run("MATCH (c:Concept) RETURN c.id AS id")
    assert n == len(rows) and builds and {b["a"] for b in builds} <= ids
    assert {g["c"] for g in grounded} >= {"actor-drawing"}
    assert per_concept


def test_report_html_and_summary(db, tmp_path):
    out = tmp_path / "r.jsonl"
    assert invoke(db, "--count", "12", "--out", str(out), "--no-writeback").exit_code == 0
    html_path = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", str(out), "--out", str(html_path)], env={"OOTKG_DB": str(db)})
    assert result.exit_code == 0, result.output
    page = html_path.read_text()
    assert (
        page.count("<svg") >= 5
        and "<script" not in page
        and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    )
    import xml.dom.minidom

    for svg in re.findall(r"<svg.*?</svg>", page, re.S):
        xml.dom.minidom.parseString(svg)  # every plot is well-formed SVG
    summary = json.loads((tmp_path / "report.json").read_text())
    assert summary["examples"] == 12 == sum(summary["by_family"].values())
    assert summary["rejects"] == sum(summary["rejects_by_reason"].values())
    assert re.search(r"12 examples", result.output)
    # quality, not only coverage: the metrics of the run, and every seed domain, empty in red
    q = summary["quality"]
    assert q["examples"] == 12 and 0 < q["shape_share"] <= 1 and q["code_share"] > 0.5
    assert set(q["words_by_difficulty"]) <= {"1", "2", "3", "4"}
    from generate.scenario import domains

    assert set(domains()) <= set(q["per_domain"]) and q["empty_domains"]
    empty = q["empty_domains"][0]
    assert re.search(rf'fill="#c62828">{re.escape(empty)}</text>', page)
    assert "Masked word-3-gram Jaccard" in page and summary["cache_hit_rate"] == 0.0


def test_output_loads_as_chat_messages(db, tmp_path):
    out = tmp_path / "hf.jsonl"
    assert invoke(db, "--count", "6", "--out", str(out), "--no-writeback").exit_code == 0
    try:
        import datasets
    except ImportError:
        for row in read_jsonl(out):  # the chat-messages schema `datasets` reads
            assert set(row) == {"messages", "metadata"}
            assert all(set(m) == {"role", "content"} and isinstance(m["content"], str) for m in row["messages"])
        return
    ds = datasets.load_dataset("json", data_files=str(out), split="train")
    assert len(ds) == 6 and ds[0]["messages"][0]["role"] == "user"


def test_coverage_is_a_query_after_write_back(tmp_path):
    from kg.queries import run_named

    db = make_store(tmp_path / "graph").db
    out = tmp_path / "tite.jsonl"
    result = invoke(
        db,
        "--families",
        "actor-modification",
        "--count",
        "1",
        "--out",
        str(out),
        "--targets",
        "MATCH (a:Actor) WHERE a.enum = 'ACTOR_EN_TITE' RETURN a.enum AS target",
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    (row,) = list(read_jsonl(out))
    with open_store(Settings(db=db)) as store:
        assert [r["actor"] for r in run_named(store, "coverage_actors")] == ["ACTOR_EN_KUSA"]
        assert [r["actor"] for r in run_named(store, "coverage_actors", family="audio")] == [
            "ACTOR_EN_KUSA",
            "ACTOR_EN_TITE",
        ]
        assert run_named(store, "examples_by_family") == [
            {"family": "actor-modification", "difficulty": row["metadata"]["difficulty"], "examples": 1, "passed": 1}
        ]
        per_concept = {(r["concept"], r["family"]): r["examples"] for r in run_named(store, "examples_per_concept")}
        assert per_concept == {("actor-lifecycle", "actor-modification"): 1}
        grounded = {(r["k"]) for r in store.run("MATCH (e:Example)-[:GROUNDED_IN]->(n:Actor) RETURN n.enum AS k")}
        assert grounded == {"ACTOR_EN_TITE"}


def test_curriculum_covers_every_step_even_below_count(db, tmp_path):
    out = tmp_path / "short.jsonl"
    assert (
        invoke(db, "--curriculum", "actor-drawing", "--count", "2", "--out", str(out), "--no-writeback").exit_code == 0
    )
    targets = [r["metadata"]["target"] for r in read_jsonl(out)]
    assert {"display-lists", "actor-drawing"} <= set(targets)
    assert targets[-1] == "actor-drawing"


def test_estimate_prices_the_plan_and_writes_nothing(db, tmp_path):
    from generate.estimate import estimate
    from generate.llm.pricing import price_for
    from generate.plan import RunConfig

    result = invoke(
        db,
        "--llm",
        "anthropic",
        "--model",
        "claude-haiku-4-5",
        "--count",
        "40",
        "--estimate",
        "--out",
        str(tmp_path / "e.jsonl"),
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert "worst_usd" in result.output and not (tmp_path / "e.jsonl").exists()
    price = price_for("claude-haiku-4-5")
    config = RunConfig(
        version="gc-eu-mq-dbg", count=40, generator="anthropic", model="claude-haiku-4-5", max_tokens=1000
    )
    with open_store(Settings(db=db)) as store:
        est = estimate(store, config, price)
        half = estimate(store, config, price, batch=True)
    assert est.requests == 40 and est.input_bytes_mean > est.input_tokens_mean > 100
    assert est.worst_usd == pytest.approx(
        40 * price.worst_case(est.input_bytes_mean, 1000), abs=1e-4
    )  # the estimate rounds to 1/100 cent
    assert est.expected_usd < est.worst_usd < est.worst_with_repairs_usd
    assert half.worst_usd == pytest.approx(est.worst_usd / 2, rel=1e-3)
    # every prompt holds the target's own code; the cached prefix is measured against the
    # model's minimum (Haiku 4.5: 4096 tokens, more than the fixture's small prompts)
    assert est.own_code_share == 1.0 and est.min_cacheable_tokens == 4096
    assert est.cached_prefix_tokens_mean < 4096 and est.prefix_above_min_share == 0.0
    assert est.cache_hit_rate == 0.0  # nothing reaches the minimum, nothing is read
    sonnet = price_for("claude-sonnet-5-5")
    with open_store(Settings(db=db)) as store:
        low = estimate(store, config.model_copy(update={"model": "claude-sonnet-5-5"}), sonnet)
    assert low.min_cacheable_tokens == 1024 and 0 < low.cache_hit_rate < 1


def test_the_cache_model_reads_what_an_earlier_request_wrote():
    from types import SimpleNamespace

    from generate.estimate import model_cache

    def req(family, facts, item):
        return SimpleNamespace(system="s" * 700, family_text=family, instruction=item, context_text=lambda: facts)

    fam, facts = "f" * 3500, "x" * 3500  # ~200 + 1000 + 1000 tokens
    a1, a2 = req(fam, facts, "one"), req(fam, facts, "two")
    b1 = req(fam, "y" * 3500, "three")
    tiny = req("", "", "four")
    (u1, r1, w1), (u2, r2, w2), (u3, r3, w3), (u4, r4, w4) = model_cache([a1, a2, b1, tiny], 1024)
    assert r1 == 0 and w1 > 2000  # first: writes the whole prefix
    assert r2 == w1 and w2 == 0  # same target: reads all of it
    assert 1000 < r3 < w1 and w3 > 900  # another target: reads system + family, writes facts
    assert r4 == w4 == 0 and u4 > 0  # a prefix below the minimum is not cached at all
