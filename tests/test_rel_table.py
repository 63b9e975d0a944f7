"""kg.rel_table.RelTable: the compact relationship rows behave as the row dicts they replace."""

from __future__ import annotations

import pickle

from kg.facts import Facts
from kg.rel_table import RelTable


def test_rows_merge_later_non_null_values_win() -> None:
    f = Facts()
    f.rel(
        "IN_VERSION",
        "Actor_Kill",
        "gc-us",
        from_kind="Function",
        to_kind="Version",
        file="src/code/z_actor.c",
        line=10,
        signature="void Actor_Kill(Actor*)",
    )
    f.rel("IN_VERSION", "Actor_Kill", "gc-us", from_kind="Function", to_kind="Version", line=12, signature=None)
    row = f.rels["IN_VERSION"][("Function", "Actor_Kill", "Version", "gc-us", None)]
    assert (row["file"], row["line"], row["signature"]) == ("src/code/z_actor.c", 12, "void Actor_Kill(Actor*)")
    assert row["size"] is None  # every declared property, unset ones as None
    assert (row["from"], row["to"], row["from_kind"], row["to_kind"]) == ("Actor_Kill", "gc-us", "Function", "Version")
    assert len(f.rels["IN_VERSION"]) == 1


def test_a_discriminator_keeps_one_row_per_value_and_lists_round_trip() -> None:
    t = RelTable("LOCATED_AT")
    for source, addr in (("z64hdr", 0x8011A5D0), ("disasm", 0x8011A5D4)):
        t.put("Global", "gSaveContext", "Version", "ntsc-1.0", t.values_of({"address": addr, "source": source}))
    assert {(r["source"], r["address"]) for r in t.rows()} == {("z64hdr", 0x8011A5D0), ("disasm", 0x8011A5D4)}
    assert ("Global", "gSaveContext", "Version", "ntsc-1.0", "disasm") in t
    calls = RelTable("CALLS")
    calls.put("Function", "a", "Function", "b", calls.values_of({"count": 2, "versions": ["x", "y"]}))
    (row,) = calls.rows()
    assert row["versions"] == ["x", "y"] and isinstance(row["versions"], list)
    (chunk,) = calls.column_chunks("Function", "Function", 10)
    assert chunk[:2] == [["a"], ["b"]] and chunk[2 + calls.col("versions")] == [["x", "y"]]


def test_equal_values_are_one_tuple_and_deletes_and_pickles_hold() -> None:
    f = Facts()
    for v in ("gc-us", "gc-eu", "ntsc-1.0"):
        f.rel(
            "IN_VERSION", "Actor.world", v, from_kind="Field", to_kind="Version", offset=0x24, size=0x14, type="PosRot"
        )
    t = f.rels["IN_VERSION"]
    vals = [t.values_at(("Field", "Actor.world", "Version", v, None)) for v in ("gc-us", "gc-eu")]
    assert vals[0] is vals[1]  # shared, not equal copies
    del t[("Field", "Actor.world", "Version", "gc-eu", None)]
    assert {r["to"] for r in t.rows()} == {"gc-us", "ntsc-1.0"} and len(t) == 2
    back = pickle.loads(pickle.dumps(t))
    assert back == t and list(back.rows()) == list(t.rows())


def test_prune_and_rows_touching() -> None:
    f = Facts()
    f.node("Function", name="a")
    f.node("Version", id="gc-us")
    for fn in ("a", "gone"):
        f.rel("IN_VERSION", fn, "gc-us", from_kind="Function", to_kind="Version")
    f.rel("IN_VERSION", "a", "no-such-version", from_kind="Function", to_kind="Version")
    dropped = f.prune_dangling()["IN_VERSION"]
    assert sorted(dropped) == [
        ("Function", "a", "Version", "no-such-version"),
        ("Function", "gone", "Version", "gc-us"),
    ]
    t = f.rels["IN_VERSION"]
    assert [r["from"] for r in t.rows_touching("Function", "Version", {"a"}, set())] == ["a"]
    assert [r["from"] for r in t.rows_touching("Function", "Version", set(), {"gc-us"})] == ["a"]
