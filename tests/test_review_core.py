"""Reviews as data: the event model, the durable journal, reviewers' tokens, folding several
reviewers, agreement statistics against published values, export and the graph sync."""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
from pathlib import Path

import pytest

from kg.store import open_store
from review.agreement import auc, cohen_kappa, fleiss_kappa, krippendorff_alpha, spearman
from review.dataset import RunData
from review.export import ExportError, export
from review.graph import sync
from review.home import Home
from review.journal import Journal, reviews_path
from review.live import LiveReviews
from review.models import ReviewError, ReviewInput
from review.reviewers import Reviewers, token_hash
from review.state import fold, load_events
from review.stats import compute
from tests.review_support import make_run


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("review-core")
    return make_run(tmp, count=6)


def _ids(path: Path) -> list[str]:
    return [json.loads(x)["metadata"]["id"] for x in path.read_text().splitlines()]


@pytest.mark.parametrize(
    "raw,problem",
    [
        ({"action": "reject"}, "needs a reason"),
        ({"action": "reject", "reason": "boring"}, "needs a reason"),
        ({"action": "accept", "reason": "duplicate"}, "only a rejection"),
        ({"action": "score"}, "needs a score"),
        ({"action": "accept", "score": 11}, "less than or equal to 10"),
        ({"action": "edit", "message_index": 1}, "an edit needs"),
        ({"action": "accept", "content": "x"}, "belong to an edit"),
        ({"action": "reject", "reason": "ungrounded", "entities": ["Actor:X"]}, "factually-wrong"),
    ],
)
def test_a_review_that_makes_no_sense_is_refused(raw, problem):
    with pytest.raises(ValueError, match=problem):
        ReviewInput.model_validate({"example": "x", **raw})


def _writer(path: Path, tag: str, n: int) -> None:
    j = Journal(path)
    for i in range(n):
        j.append([{"tag": tag, "i": i, "pad": "x" * (i * 97 % 5000)}])


def test_journal_appends_whole_lines_from_threads_and_processes(tmp_path):
    path = tmp_path / "r.reviews.jsonl"
    threads = [threading.Thread(target=_writer, args=(path, f"t{k}", 40)) for k in range(4)]
    procs = [multiprocessing.get_context("spawn").Process(target=_writer, args=(path, f"p{k}", 40)) for k in range(3)]
    for w in (*threads, *procs):
        w.start()
    for w in (*threads, *procs):
        w.join()
    rows = Journal(path).read()
    assert len(rows) == 7 * 40
    for tag in [f"t{k}" for k in range(4)] + [f"p{k}" for k in range(3)]:
        assert [r["i"] for r in rows if r["tag"] == tag] == list(range(40))


def test_a_torn_tail_is_ignored_by_readers_and_cut_by_the_next_writer(tmp_path):
    path = tmp_path / "r.reviews.jsonl"
    j = Journal(path)
    j.append([{"n": 1}])
    with open(path, "ab") as fh:
        fh.write(b'{"n": 2, "half')  # a writer killed mid-line, never acknowledged
    assert j.read() == [{"n": 1}]
    j.append([{"n": 3}])
    assert j.read() == [{"n": 1}, {"n": 3}]
    assert path.read_bytes().endswith(b'{"n": 3}\n')


def test_reviewers_tokens_are_stored_hashed(tmp_path):
    home = Home(tmp_path / "home")
    people = Reviewers(home)
    token = people.add("alice")
    stored = (tmp_path / "home" / "reviewers.json").read_text()
    assert token not in stored and token_hash(token) in stored
    assert oct(os.stat(tmp_path / "home" / "reviewers.json").st_mode & 0o777) == "0o600"
    assert people.verify(token) == "alice" and people.verify(token + "x") is None
    with pytest.raises(ReviewError, match="exists"):
        people.add("alice")
    new = people.add("alice", rotate=True)
    assert people.verify(token) is None and people.verify(new) == "alice"
    with pytest.raises(ReviewError, match="name"):
        people.add("../etc")


def test_reviews_fold_per_reviewer_and_edits_keep_the_original(run, tmp_path):
    settings, path = run
    run_copy = tmp_path / "r.jsonl"
    run_copy.write_text(path.read_text())
    live = LiveReviews(RunData(run_copy))
    a, b, c = _ids(run_copy)[:3]
    rec = RunData(run_copy).get(a)
    last = max(i for i, m in enumerate(rec["messages"]) if m["role"] == "assistant")
    live.submit("alice", ReviewInput(example=a, action="reject", reason="unhelpful", score=3))
    live.submit("alice", ReviewInput(example=a, action="edit", message_index=last, content="better"))
    live.submit("alice", ReviewInput(example=a, action="accept", score=8))  # changes her mind
    live.submit("bob", ReviewInput(example=a, action="accept", score=9))
    live.submit("bob", ReviewInput(example=b, action="reject", reason="duplicate"))
    live.submit("carol", ReviewInput(example=b, action="accept"))
    live.submit("carol", ReviewInput(example=c, action="score", score=6))
    with pytest.raises(ReviewError, match="no example"):
        live.submit("alice", ReviewInput(example="forged", action="accept"))
    with pytest.raises(ReviewError, match="assistant"):
        live.submit("alice", ReviewInput(example=a, action="edit", message_index=0, content="q"))
    folded = fold(load_events(run_copy))
    ex = folded[a]
    assert ex.judgements["alice"].verdict == "accept" and ex.judgements["alice"].score == 8
    assert ex.verdict() == "accept" and ex.mean_score() == 8.5 and ex.revision() == 1
    assert ex.edited_messages(rec["messages"])[last]["content"] == "better"
    assert rec["messages"][last]["content"] != "better"  # the run's line is untouched
    assert folded[b].verdict("majority") == "reject"  # a tie is not an accept
    assert folded[b].verdict("any") == "accept" and folded[b].verdict("unanimous") == "reject"
    assert folded[c].verdict() is None and folded[c].scores() == [6]
    assert live.of(a).revision() == 1


# Published examples: Fleiss (1971) as in Wikipedia's worked example (10 items, 14 raters,
# kappa 0.210); Krippendorff's (2011) "Computing Krippendorff's alpha" nominal example with
# missing data (alpha 0.743) and its interval reading (0.849).
_FLEISS = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]
_KRIPP = [  # raters A-D over 12 units; None is missing
    [1, 1, None, 1],
    [2, 2, 3, 2],
    [3, 3, 3, 3],
    [3, 3, 3, 3],
    [2, 2, 2, 2],
    [1, 2, 3, 4],
    [4, 4, 4, 4],
    [1, 1, 2, 1],
    [2, 2, 2, 2],
    [None, 5, 5, 5],
    [None, None, 1, 1],
    [None, None, 3, None],
]


def test_agreement_statistics_match_published_values():
    items = [[c for c, n in enumerate(row) for _ in range(n)] for row in _FLEISS]
    assert fleiss_kappa(items) == pytest.approx(0.210, abs=5e-4)
    units = [[v for v in u if v is not None] for u in _KRIPP]
    assert krippendorff_alpha(units, "nominal") == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(units, "interval") == pytest.approx(0.849, abs=5e-4)
    # Cohen: 50 items, 20 yes/yes, 15 no/no, 5 yes/no, 10 no/yes -> 0.4 (Wikipedia's example)
    a = ["y"] * 20 + ["y"] * 5 + ["n"] * 10 + ["n"] * 15
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) == pytest.approx(0.8208, abs=1e-4)
    assert auc([0.9, 0.8, 0.3, 0.1], [True, True, False, False]) == 1.0
    assert auc([0.5, 0.5], [True, False]) == 0.5


def test_stats_export_and_graph_sync(run, tmp_path):
    settings, path = run
    run_copy = tmp_path / "data" / "r.jsonl"
    run_copy.parent.mkdir()
    run_copy.write_text(path.read_text())
    live = LiveReviews(RunData(run_copy))
    a, b, c = _ids(run_copy)[:3]
    rec = RunData(run_copy).get(a)
    last = max(i for i, m in enumerate(rec["messages"]) if m["role"] == "assistant")
    live.submit("alice", ReviewInput(example=a, action="edit", message_index=last, content="fixed"))
    live.submit("alice", ReviewInput(example=a, action="accept", score=9))
    live.submit("bob", ReviewInput(example=a, action="accept", score=8))
    live.submit(
        "alice",
        ReviewInput(
            example=b,
            action="reject",
            reason="factually-wrong",
            note="wrong size",
            entities=["Actor:ACTOR_EN_TITE", "Actor_Kill", "NoSuchThing"],
        ),
    )
    live.submit("bob", ReviewInput(example=b, action="reject", reason="factually-wrong"))
    live.submit("alice", ReviewInput(example=c, action="accept", score=7))
    live.submit("bob", ReviewInput(example=c, action="reject", reason="unhelpful", score=4))

    s = compute([run_copy])
    assert (s.examples, s.reviewed, s.accepted, s.rejected) == (6, 3, 1, 2)
    assert s.accuracy == pytest.approx(1 / 3, abs=1e-4) and s.edited == 1
    assert s.mean_score == pytest.approx(7.0) and s.reasons == {"factually-wrong": 2, "unhelpful": 1}
    assert s.agreement.items_with_several == 3
    assert s.agreement.cohen[0].items == 3

    out = tmp_path / "data" / "validated.jsonl"
    res = export([run_copy], out)
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert res.written == 1 == len(rows) and rows[0]["metadata"]["id"] == a
    assert rows[0]["messages"][last]["content"] == "fixed"
    assert rows[0]["metadata"]["review"]["revision"] == 1
    assert rows[0]["metadata"]["review"]["scores"] == [9, 8]
    card = (tmp_path / "data" / "README.md").read_text()
    assert "configs:" in card and "validated.jsonl" in card and "Examples: **1**" in card
    (tmp_path / "data" / "README.md").write_text("my own readme")
    with pytest.raises(ExportError, match="not written by ootkg"):
        export([run_copy], out)

    from generate.writeback import write_back

    with open_store(settings.model_copy(update={"db": _copy_db(settings.db, tmp_path)}), read_only=False) as store:
        write_back(store, RunData(run_copy).records(), str(run_copy))
        first = sync(store, [run_copy])
        again = sync(store, [run_copy])  # idempotent
        assert first.reviews == again.reviews == 7 and first.reviews_edges == 7
        assert first.flags == 2 and first.unresolved_entities == ["NoSuchThing"]
        n = store.run("MATCH (r:Review) RETURN count(r) AS n")[0]["n"]
        flags = store.run("MATCH (r:Review)-[f:FLAGS]->(x) RETURN f.kind AS kind ORDER BY kind")
        assert n == 7 and [f["kind"] for f in flags] == ["Actor", "Function"]
        # A re-ingest (a new graph built and swapped in) keeps the reviews and their edges.
        from tests.gen_graph import build_facts

        store.replace_graph(build_facts())
        n = store.run("MATCH (r:Review)-[:REVIEWS]->(e:Example) RETURN count(r) AS n")[0]["n"]
        flags = store.run("MATCH (r:Review)-[f:FLAGS]->(x) RETURN count(f) AS n")[0]["n"]
        assert n == 7 and flags == 2


def _copy_db(db: Path, tmp: Path) -> Path:
    import shutil

    dest = tmp / "graph-copy"
    shutil.copytree(db, dest, ignore=shutil.ignore_patterns("write.lock"))
    return dest


def test_reviews_file_sits_next_to_the_run():
    assert reviews_path(Path("data/run2.jsonl")) == Path("data/run2.reviews.jsonl")


def test_review_sits_below_generate():
    """DESIGN.md's layering: kg <- ingest, validate <- review <- generate <- ootkg."""
    import ast

    root = Path(__file__).resolve().parent.parent / "review"
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert name.split(".")[0] not in ("generate", "ootkg", "ingest"), (path, name)
