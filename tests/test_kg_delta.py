"""kg.delta on the embedded store: a graph changed by diff/apply equals one built from scratch."""

from __future__ import annotations

from pathlib import Path

from kg.delta import apply, diff
from kg.embedded import EmbeddedStore
from kg.facts import Facts


def _facts(extra_call: bool, with_b: bool, addr: int) -> Facts:
    f = Facts()
    f.node("Version", id="v1", name="V1", platform="N64", region="JP", ordinal=1)
    f.node("Function", name="A", signature="void A(void)", file="a.c", line=1)
    if with_b:
        f.node("Function", name="B", signature="void B(void)", file="a.c", line=5)
        f.rel("CALLS", "B", "A", from_kind="Function", to_kind="Function", count=1, versions=["v1"])
    f.node("Function", name="C", signature="void C(void)", file="c.c", line=2, static=None if extra_call else True)
    f.rel("CALLS", "A", "C", from_kind="Function", to_kind="Function", count=2 if extra_call else 1, versions=["v1"])
    # two addresses of one function in one version, told apart by their source
    f.rel(
        "LOCATED_AT",
        "A",
        "v1",
        from_kind="Function",
        to_kind="Version",
        address=addr,
        hex=f"0x{addr:08X}",
        source="map",
    )
    f.rel(
        "LOCATED_AT",
        "A",
        "v1",
        from_kind="Function",
        to_kind="Version",
        address=0x80001000,
        hex="0x80001000",
        source="symbols",
    )
    f.rel("CALLS", "A", "Missing", from_kind="Function", to_kind="Function", count=1)
    return f


def _dump(store: EmbeddedStore) -> tuple[list, list]:
    nodes = store.run("MATCH (f:Function) RETURN f.name AS n, f.line AS l, f.static AS s ORDER BY n")
    rels = store.run(
        "MATCH (x:Function)-[r:CALLS]->(y:Function) RETURN x.name AS a, y.name AS b, r.count AS c ORDER BY a, b"
    )
    rels += store.run(
        "MATCH (x:Function)-[r:LOCATED_AT]->(v:Version) RETURN x.name AS a, r.source AS b, r.address AS c ORDER BY b"
    )
    return nodes, rels


def test_apply_turns_one_graph_into_the_other(tmp_path: Path) -> None:
    old, new = _facts(False, True, 0x80000000), _facts(True, False, 0x80000010)
    with EmbeddedStore(tmp_path / "a", read_only=False) as live:
        live.replace_graph(_facts(False, True, 0x80000000))
        d = diff(old, new)
        assert d.delete_nodes == {"Function": ["B"]} and d.added_nodes == set()
        out = apply(live, d)
        assert out["nodes_deleted"] == 1 and out["dropped"] == 0  # A -> Missing: not in either
        got = _dump(live)
    with EmbeddedStore(tmp_path / "b", read_only=False) as fresh:
        fresh.replace_graph(_facts(True, False, 0x80000010))
        want = _dump(fresh)
    assert got == want
    # a property the new row lacks is cleared, not left behind
    assert [r["s"] for r in got[0] if r["n"] == "C"] == [None]


def test_an_edge_kept_while_its_end_appears_is_written(tmp_path: Path) -> None:
    # old: A calls Missing (pruned by the build); new: Missing exists. The edge row is the
    # same in both bundles, but the store lacks it.
    old = _facts(False, True, 0x80000000)
    new = _facts(False, True, 0x80000000)
    new.node("Function", name="Missing", signature="void Missing(void)", file="m.c", line=1)
    with EmbeddedStore(tmp_path / "a", read_only=False) as live:
        live.replace_graph(_facts(False, True, 0x80000000))
        d = diff(old, new)
        assert d.added_nodes == {("Function", "Missing")}
        apply(live, d)
        rows = live.run("MATCH (:Function {name: 'A'})-[:CALLS]->(b:Function {name: 'Missing'}) RETURN b.name AS b")
    assert rows == [{"b": "Missing"}]
