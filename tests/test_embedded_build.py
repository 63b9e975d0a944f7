"""The embedded store's bulk build (replace_graph): checkpoints along the way, failures."""

from __future__ import annotations

from pathlib import Path

import pytest

import kg.embedded_build as embedded
from kg.settings import Settings
from kg.store import StoreError, open_store
from tests.conftest import call_graph_facts


def _contents(store) -> dict[str, list]:  # noqa: ANN001 - any GraphStore
    return {
        "functions": store.run("MATCH (f:Function) RETURN f.name AS n, f.file AS file ORDER BY n"),
        "calls": store.run(
            "MATCH (a:Function)-[r:CALLS]->(b:Function) "
            "RETURN a.name AS caller, b.name AS callee, r.count AS c "
            "ORDER BY caller, callee"
        ),
        "versions": store.run(
            "MATCH (f:Function)-[r:IN_VERSION]->(v:Version) "
            "RETURN f.name AS fn, v.id AS version, r.line AS line "
            "ORDER BY fn, version"
        ),
    }


def test_build_with_a_checkpoint_every_few_rows_holds_every_fact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts = call_graph_facts()
    expected = facts.counts()
    with open_store(Settings(db=tmp_path / "one"), read_only=False) as store:
        store.replace_graph(call_graph_facts())
        in_one_go = _contents(store)
    monkeypatch.setattr(embedded, "_CHECKPOINT_ROWS", 2)  # a checkpoint after nearly every COPY
    settings = Settings(db=tmp_path / "many")
    with open_store(settings, read_only=False) as store:
        store.replace_graph(facts)
    with open_store(settings) as reader:
        counts = reader.counts()
        got = {**counts["nodes"], **counts["relationships"]}
        assert {k: v for k, v in got.items() if v} == expected
        assert _contents(reader) == in_one_go
        assert in_one_go["calls"]  # the comparison is over real rows


def test_a_copy_failing_mid_build_keeps_the_previous_graph_and_the_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(db=tmp_path / "g")
    with open_store(settings, read_only=False) as store:
        store.replace_graph(call_graph_facts())
        before = _contents(store)
        files_before = sorted((tmp_path / "g").glob("graph-*"))
        staged = 0
        real_stage = embedded.stage_group

        def stage_then_lose_the_file(*args):  # noqa: ANN002, ANN202
            nonlocal staged
            statement, rows, file = real_stage(*args)
            staged += 1
            if staged == 3:  # two groups are in the new file by now
                file.unlink()
            return statement, rows, file

        monkeypatch.setattr(embedded, "stage_group", stage_then_lose_the_file)
        with pytest.raises(StoreError, match="previous graph is unchanged"):
            store.replace_graph(call_graph_facts())
        assert _contents(store) == before  # the writer reopened the live graph
        store.write_nodes("Function", [{"name": "Added_After_Failure"}])
        assert store.run("MATCH (f:Function {name: 'Added_After_Failure'}) RETURN count(*) AS n") == [{"n": 1}]
        # no half-built file (the live graph's write-ahead log aside: the write above)
        assert sorted(f for f in (tmp_path / "g").glob("graph-*") if f.suffix != ".wal") == files_before
