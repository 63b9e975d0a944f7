"""Named queries: the catalog, parameter binding, and known answers on every store."""

from __future__ import annotations

from importlib import resources

import pytest

from kg.queries import NamedQueryError, QueryCatalog, parse_query, run_named
from kg.store import GraphStore
from tests.conftest import call_graph_facts


@pytest.fixture
def call_graph(writable: GraphStore) -> GraphStore:
    writable.replace_graph(call_graph_facts())
    return writable


def test_every_named_query_has_a_description_and_a_readable_header() -> None:
    files = [p for p in resources.files("queries").iterdir() if p.name.endswith(".cypher")]
    assert files
    for path in files:
        query = parse_query(path.name.split(".")[0], path.read_text())
        assert query.description, f"{path.name} has no '// description:' line"


def test_function_query(call_graph: GraphStore) -> None:
    rows = run_named(call_graph, "function", name="Actor_Kill")
    assert rows == [
        {
            "name": "Actor_Kill",
            "signature": "void Actor_Kill(Actor* actor)",
            "file": "src/code/z_actor.c",
            "line": 1234,
            "static": False,
            "defined": True,
            "versions": ["ntsc-1.0", "gc-eu-mq-dbg"],
            "callers": 3,
            "callees": 0,
        }
    ]
    assert run_named(call_graph, "function", name="Debug_Recurse")[0]["versions"] == ["gc-eu-mq-dbg"]
    assert run_named(call_graph, "function", name="No_Such_Function") == []


@pytest.mark.parametrize(
    ("depth", "expected"),
    [
        (1, [("Debug_Recurse", 1), ("EnBom_Update", 1), ("EnHorse_Update", 1)]),
        (2, [("Debug_Recurse", 1), ("EnBom_Update", 1), ("EnHorse_Update", 1), ("Actor_UpdateAll", 2)]),
        (
            6,
            [
                ("Debug_Recurse", 1),
                ("EnBom_Update", 1),
                ("EnHorse_Update", 1),
                ("Actor_UpdateAll", 2),
                ("Play_Main", 3),
            ],
        ),
    ],
)
def test_callers_query_by_depth(call_graph: GraphStore, depth: int, expected: list) -> None:
    rows = run_named(call_graph, "callers", name="Actor_Kill", depth=depth)
    assert [(r["caller"], r["distance"]) for r in rows] == expected


def test_callers_of_a_recursive_function_exclude_itself(call_graph: GraphStore) -> None:
    assert run_named(call_graph, "callers", name="Debug_Recurse", depth=3) == []


def test_stats_query_counts_every_kind(call_graph: GraphStore) -> None:
    counts = {(r["type"], r["kind"]): r["count"] for r in run_named(call_graph, "stats")}
    assert counts[("node", "Function")] == 8
    assert counts[("node", "Version")] == 2
    assert counts[("relationship", "CALLS")] == 8
    assert counts[("relationship", "IN_VERSION")] == 15
    assert counts[("node", "Actor")] == 0


def test_parameter_errors_are_clear() -> None:
    catalog = QueryCatalog()
    with pytest.raises(NamedQueryError, match="missing parameter 'name'"):
        catalog.get("callers").bind({})
    with pytest.raises(NamedQueryError, match=r"depth must be in 1\.\.6"):
        catalog.get("callers").bind({"name": "x", "depth": 40})
    with pytest.raises(NamedQueryError, match="depth must be an integer"):
        catalog.get("callers").bind({"name": "x", "depth": "deep"})
    with pytest.raises(NamedQueryError, match="unknown parameter"):
        catalog.get("function").bind({"name": "x", "versoin": "ntsc-1.0"})


def test_unknown_query_lists_close_matches() -> None:
    with pytest.raises(NamedQueryError, match="Did you mean callers"):
        QueryCatalog().get("caller")


def test_store_specific_file_is_preferred() -> None:
    assert "SHORTEST" in QueryCatalog("embedded").get("callers").text
    assert "SHORTEST" not in QueryCatalog("neo4j").get("callers").text


def test_stats_query_covers_every_schema_kind() -> None:
    from kg.schema import NODE_KINDS, REL_KINDS

    text = QueryCatalog().get("stats").text
    missing = [k for k in (*NODE_KINDS, *REL_KINDS) if f"'{k}' AS kind" not in text]
    assert not missing, f"queries/stats.cypher lacks {missing}: regenerate it from kg.schema"


def test_names_are_checked_before_a_query_runs(call_graph: GraphStore) -> None:
    """On every store: a misspelt name is an UnknownNameError with suggestions; a known one
    and a wildcard default pass; a closed vocabulary (a file status) is checked too."""
    from kg.queries import UnknownNameError

    catalog = QueryCatalog(getattr(call_graph, "kind", "embedded"))
    q = catalog.get("symbol")
    with pytest.raises(UnknownNameError) as e:
        q.check_names(call_graph, q.bind({"name": "Actor_Kil", "version": "ntsc-1.1"}))
    assert [(p.param, p.suggestions) for p in e.value.problems] == [("name", ["Actor_Kill"]), ("version", ["ntsc-1.0"])]
    q = catalog.get("struct_layout")  # no struct at all in this graph
    with pytest.raises(UnknownNameError, match="the graph has no struct at all"):
        q.check_names(call_graph, q.bind({"name": "Actor", "version": "ntsc-1.0"}))
    q = catalog.get("symbol")
    assert q.check_names(call_graph, q.bind({"name": "Actor_Kill"})) == ["name=Actor_Kill"]
    q = catalog.get("unbuilt_files")
    assert q.check_names(call_graph, q.bind({})) == []  # status=any: a wildcard
    with pytest.raises(UnknownNameError, match="Did you mean included"):
        q.check_names(call_graph, q.bind({"status": "inculded"}))
    q = catalog.get("prerequisites")
    with pytest.raises(UnknownNameError, match="the graph has no concept at all"):
        q.check_names(call_graph, q.bind({"concept": "actor-basics"}))


def test_every_names_kind_in_the_headers_is_defined() -> None:
    from kg.param_check import KINDS

    for q in QueryCatalog().all():
        for p in q.params:
            assert p.names is None or p.names in KINDS, (q.name, p.name)
    with pytest.raises(NamedQueryError, match="unknown entity kind 'nonsense'"):
        parse_query("x", "// param: a str names nonsense -- x\nRETURN 1 AS one")


def test_the_node_kind_vocabulary_is_every_kind_a_concept_covers() -> None:
    """concept_entities' kind= filter takes the COVERS edge's kind: its vocabulary follows the
    schema (a LinkerSymbol can be covered since the code kinds grew)."""
    from kg.param_check import KINDS
    from kg.schema import REL_KINDS

    assert set(KINDS["node_kind"].fixed) == {t for _f, t in REL_KINDS["COVERS"].pairs}
