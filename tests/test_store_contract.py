"""The GraphStore contract, run against every store (embedded always, Neo4j when reachable)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.facts import Facts
from kg.schema import SchemaError
from kg.settings import Settings
from kg.store import GraphStore, QueryError, ReadOnlyError, StoreError, StoreUnavailable, open_store
from tests.conftest import call_graph_facts


def _calls(store: GraphStore) -> list[tuple[str, str, int]]:
    rows = store.run("MATCH (a:Function)-[r:CALLS]->(b:Function) RETURN a.name AS a, b.name AS b, r.count AS n")
    return sorted((r["a"], r["b"], r["n"]) for r in rows)


def test_write_nodes_is_an_idempotent_upsert(writable: GraphStore) -> None:
    rows = [{"name": "Actor_Kill", "signature": "void Actor_Kill(Actor* actor)"}, {"name": "Actor_Init"}]
    assert writable.write_nodes("Function", rows) == 2
    writable.write_nodes("Function", rows)
    writable.write_nodes("Function", [{"name": "Actor_Kill", "line": 42}])
    got = writable.run("MATCH (f:Function) RETURN f.name AS name, f.signature AS sig, f.line AS line ORDER BY name")
    assert got == [
        {"name": "Actor_Init", "sig": None, "line": None},
        {"name": "Actor_Kill", "sig": "void Actor_Kill(Actor* actor)", "line": 42},
    ]


def test_write_rels_is_an_idempotent_upsert(writable: GraphStore) -> None:
    writable.write_nodes("Function", [{"name": n} for n in ("A", "B", "C")])
    writable.write_rels("CALLS", [{"from": "A", "to": "B", "count": 1, "versions": ["ntsc-1.0"]}])
    writable.write_rels("CALLS", [{"from": "A", "to": "B", "count": 2}, {"from": "A", "to": "C", "count": 5}])
    writable.write_rels("CALLS", [{"from": "A", "to": "C", "count": 5}])
    assert _calls(writable) == [("A", "B", 2), ("A", "C", 5)]
    versions = writable.run("MATCH (:Function {name: 'A'})-[r:CALLS]->(:Function {name: 'B'}) RETURN r.versions AS v")
    assert versions == [{"v": ["ntsc-1.0"]}]


def test_discriminator_keeps_one_edge_per_source(writable: GraphStore) -> None:
    writable.write_nodes("Global", [{"id": "gSaveContext", "name": "gSaveContext"}])
    writable.write_nodes("Version", [{"id": "ntsc-1.0"}])
    row = {"from": "gSaveContext", "to": "ntsc-1.0", "from_kind": "Global"}
    writable.write_rels(
        "LOCATED_AT",
        [{**row, "address": 0x8011A5D0, "source": "z64hdr"}, {**row, "address": 0x8011A5D0, "source": "symbols"}],
    )
    writable.write_rels("LOCATED_AT", [{**row, "address": 0x8011A5D4, "source": "symbols"}])
    got = writable.run("MATCH (:Global)-[r:LOCATED_AT]->(:Version) RETURN r.source AS s, r.address AS a ORDER BY s")
    assert got == [{"s": "symbols", "a": 0x8011A5D4}, {"s": "z64hdr", "a": 0x8011A5D0}]


def test_unknown_kind_or_property_is_an_error_not_a_no_match(writable: GraphStore) -> None:
    with pytest.raises(SchemaError, match="unknown node kind 'Functoin'"):
        writable.write_nodes("Functoin", [{"name": "x"}])
    with pytest.raises(SchemaError, match="unknown property sigature"):
        writable.write_nodes("Function", [{"name": "x", "sigature": "void x(void)"}])
    with pytest.raises(SchemaError, match="does not join"):
        writable.write_rels("CALLS", [{"from": "a", "to": "b", "from_kind": "Struct", "to_kind": "Function"}])
    assert writable.run("MATCH (f:Function) RETURN count(f) AS n") == [{"n": 0}]


def test_relationship_to_a_missing_node_writes_nothing(writable: GraphStore, store_settings: Settings) -> None:
    writable.write_nodes("Function", [{"name": "A"}, {"name": "B"}])
    if store_settings.store == "embedded":
        with pytest.raises(StoreError, match="do not exist"):
            writable.write_rels("CALLS", [{"from": "A", "to": "B"}, {"from": "A", "to": "Nope"}])
        assert _calls(writable) == []


def test_a_batch_is_all_or_nothing_where_the_store_batches(writable: GraphStore, store_settings: Settings) -> None:
    writable.write_nodes("Function", [{"name": "A"}])
    with writable.batch():
        writable.write_nodes("Function", [{"name": "B"}])
        writable.write_rels("CALLS", [{"from": "A", "to": "B", "count": 1}])
    assert _calls(writable) == [("A", "B", 1)]
    if store_settings.store != "embedded":
        return  # Neo4j commits each write on its own
    with pytest.raises(StoreError), writable.batch():
        writable.write_nodes("Function", [{"name": "C"}])
        writable.write_rels("CALLS", [{"from": "A", "to": "Nope"}])
    names = [r["n"] for r in writable.run("MATCH (f:Function) RETURN f.name AS n ORDER BY n")]
    assert names == ["A", "B"]  # C went with the failed batch
    writable.write_nodes("Function", [{"name": "D"}])  # and the store writes on afterwards
    assert writable.counts()["nodes"]["Function"] == 3


def test_replace_graph_holds_exactly_the_new_facts_and_keeps_examples(writable: GraphStore) -> None:
    writable.replace_graph(call_graph_facts())
    writable.write_nodes("Example", [{"id": "ex-1", "family": "qa"}])
    writable.write_rels("GROUNDED_IN", [{"from": "ex-1", "to": "Actor_Kill", "to_kind": "Function"}])
    smaller = Facts()
    smaller.node("Function", name="Actor_Kill", signature="void Actor_Kill(Actor* actor)")
    smaller.node("Function", name="Actor_Init")
    smaller.rel("CALLS", "Actor_Init", "Actor_Kill", count=1)
    writable.replace_graph(smaller)
    names = [r["n"] for r in writable.run("MATCH (f:Function) RETURN f.name AS n ORDER BY n")]
    assert names == ["Actor_Init", "Actor_Kill"]
    assert _calls(writable) == [("Actor_Init", "Actor_Kill", 1)]
    assert writable.run("MATCH (e:Example)-[:GROUNDED_IN]->(f:Function) RETURN e.id AS e, f.name AS f") == [
        {"e": "ex-1", "f": "Actor_Kill"}
    ]
    writable.replace_graph(smaller)  # idempotent
    assert writable.counts()["nodes"]["Function"] == 2


def test_replace_graph_drops_example_edges_whose_end_left(writable: GraphStore) -> None:
    writable.replace_graph(call_graph_facts())
    writable.write_nodes("Example", [{"id": "ex-1", "family": "qa"}, {"id": "ex-2", "family": "qa"}])
    writable.write_rels(
        "GROUNDED_IN",
        [
            {"from": "ex-1", "to": "Actor_Kill", "to_kind": "Function"},
            {"from": "ex-2", "to": "EnBom_Update", "to_kind": "Function"},
        ],
    )
    writable.write_rels("BUILDS_ON", [{"from": "ex-2", "to": "ex-1"}])
    smaller = Facts()
    smaller.node("Function", name="Actor_Kill")
    writable.replace_graph(smaller)
    assert sorted(r["id"] for r in writable.run("MATCH (e:Example) RETURN e.id AS id")) == ["ex-1", "ex-2"]
    assert writable.run("MATCH (e:Example)-[:GROUNDED_IN]->(f:Function) RETURN e.id AS e, f.name AS f") == [
        {"e": "ex-1", "f": "Actor_Kill"}
    ]
    assert writable.run("MATCH (a:Example)-[:BUILDS_ON]->(b:Example) RETURN a.id AS a, b.id AS b") == [
        {"a": "ex-2", "b": "ex-1"}
    ]


def test_failed_replace_keeps_the_previous_graph(tmp_path: Path) -> None:
    settings = Settings(db=tmp_path / "g")
    with open_store(settings, read_only=False) as store:
        store.replace_graph(call_graph_facts())
        bad = Facts()
        bad.node("Function", name="X", line="not a number")  # type error surfaces while staging
        with pytest.raises(SchemaError):
            store.replace_graph(bad)
        assert store.counts()["nodes"]["Function"] == 8
    with open_store(settings) as reader:
        assert reader.counts()["nodes"]["Function"] == 8
    assert len(list((tmp_path / "g").glob("graph-*.lbdb"))) <= 2


def test_query_errors_carry_the_store_message_and_the_query(writable: GraphStore) -> None:
    with pytest.raises(QueryError) as err:
        writable.run("MATCH (f:Function RETURN f")
    assert "MATCH (f:Function RETURN f" in str(err.value)


def test_read_only_store_refuses_writes(store_settings: Settings) -> None:
    with open_store(store_settings, read_only=False) as w:
        w.schema_setup()
        w.write_nodes("Function", [{"name": "A"}])
    with open_store(store_settings, read_only=True) as r:
        with pytest.raises(ReadOnlyError):
            r.write_nodes("Function", [{"name": "B"}])
        with pytest.raises(ReadOnlyError):
            r.run("CREATE (:Function {name: 'C'})")
        assert r.run("MATCH (f:Function) RETURN f.name AS n") == [{"n": "A"}]


def test_embedded_readers_run_beside_one_writer_and_a_second_writer_is_refused(tmp_path: Path) -> None:
    settings = Settings(db=tmp_path / "g")
    with open_store(settings, read_only=False) as writer:
        writer.replace_graph(call_graph_facts())
        with open_store(settings) as reader:
            assert reader.counts()["nodes"]["Function"] == 8
        with pytest.raises(StoreUnavailable, match="Another ootkg process is writing"):
            open_store(settings, read_only=False)


def test_embedded_db_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "file.txt"
    path.write_text("x")
    with pytest.raises(StoreUnavailable, match="is a file"):
        open_store(Settings(db=path))


def test_embedded_read_of_a_missing_graph_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="ootkg ingest"):
        open_store(Settings(db=tmp_path / "none"))


def test_unreachable_neo4j_names_the_uri() -> None:
    settings = Settings(store="neo4j", neo4j_uri="bolt://127.0.0.1:1")
    with pytest.raises(StoreUnavailable, match="bolt://127.0.0.1:1"):
        open_store(settings)
