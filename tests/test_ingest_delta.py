"""The C delta path: after .c-only edits, the graph updated in place must equal a full rebuild."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kg.schema import NODE_KINDS, REL_KINDS
from kg.settings import Settings
from kg.store import open_store
from ootkg.cli import app

TEST_C = "src/overlays/actors/ovl_En_Test/z_en_test.c"
VERSIONS = "gc-us,ntsc-1.0"


@pytest.fixture()
def env(mini_checkout: dict[str, Path]) -> dict[str, Path]:
    return mini_checkout


def _ingest(decomp: Path, *extra: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        app, ["ingest", "--decomp", str(decomp), "--versions", VERSIONS, "--jobs", "1", "--json", *extra]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output[result.output.index("{\n") :])


def _canon(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


def dump(db: Path) -> dict[str, list[tuple]]:
    """Every node and relationship with all its properties (IngestRun aside), sorted."""
    out: dict[str, list[tuple]] = {}
    with open_store(Settings(db=db)) as store:
        for kind, nk in NODE_KINDS.items():
            if kind == "IngestRun":
                continue
            cols = ", ".join(f"n.{p} AS {p}" for p in nk.props)
            rows = store.run(f"MATCH (n:{kind}) RETURN {cols}")
            out[kind] = sorted((tuple(_canon(r[p]) for p in nk.props) for r in rows), key=repr)
        for rel_type, rk in REL_KINDS.items():
            for fk, tk in rk.pairs:
                fkey, tkey = NODE_KINDS[fk].key, NODE_KINDS[tk].key
                cols = "".join(f", r.{p} AS {p}" for p in rk.props)
                rows = store.run(f"MATCH (a:{fk})-[r:{rel_type}]->(b:{tk}) RETURN a.{fkey} AS f, b.{tkey} AS t{cols}")
                out[f"{rel_type}:{fk}->{tk}"] = sorted(
                    ((r["f"], r["t"], *(_canon(r[p]) for p in rk.props)) for r in rows), key=repr
                )
    return out


def _assert_same(delta: dict[str, list[tuple]], full: dict[str, list[tuple]]) -> None:
    for name in sorted(set(delta) | set(full)):
        a, b = delta.get(name, []), full.get(name, [])
        assert a == b, (name, [x for x in a if x not in b][:5], [x for x in b if x not in a][:5])


def _edit(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))


def test_body_edits_update_the_graph_in_place_exactly_as_a_full_rebuild(env: dict[str, Path]) -> None:
    first = _ingest(env["decomp"])
    assert first["delta"] is None
    src = env["decomp"] / TEST_C
    # lines move, a field is added (struct size, actor instance size), a call is swapped for
    # another, a function is added
    _edit(src, b'#include "actor_profile.h"', b'\n\n#include "actor_profile.h"')
    _edit(src, b"    /* 0x0024 */ s16 timer;\n", b"    /* 0x0024 */ s16 timer;\n    s32 extra;\n")
    _edit(src, b"    Actor_Kill(thisx);\n", b"    Object_GetSlot(&play->objectCtx, 3);\n")
    src.write_bytes(src.read_bytes() + b"\nvoid EnTest_Helper(Actor* thisx) {\n    Actor_Kill(thisx);\n}\n")
    rep = _ingest(env["decomp"])
    assert rep["delta"] is not None and rep["delta"]["edited"] == [TEST_C], rep
    assert rep["delta"]["nodes_upserted"] > 0 and rep["delta"]["rels_deleted"] > 0
    after_delta = dump(env["db"])
    assert ("EnTest_Helper", "Actor_Kill", 1, ("ntsc-1.0", "gc-us")) in after_delta["CALLS:Function->Function"] or any(
        r[0] == "EnTest_Helper" for r in after_delta["CALLS:Function->Function"]
    )
    full = _ingest(env["decomp"], "--force")
    _assert_same(after_delta, dump(env["db"]))
    assert rep["counts"] == full["counts"]

    # the function goes again: its node and edges leave the graph
    src.write_bytes(src.read_bytes().split(b"\nvoid EnTest_Helper")[0])
    rep = _ingest(env["decomp"])
    assert rep["delta"] is not None and rep["delta"]["nodes_deleted"] >= 1
    after_delta = dump(env["db"])
    assert not any(r[0] == "EnTest_Helper" for r in after_delta["Function"])
    full = _ingest(env["decomp"], "--force")
    _assert_same(after_delta, dump(env["db"]))
    assert rep["counts"] == full["counts"]


def test_an_edit_that_breaks_the_parse_is_a_partial_delta(env: dict[str, Path]) -> None:
    _ingest(env["decomp"], "--only", "c")
    src = env["decomp"] / TEST_C
    _edit(src, b"    this->timer++;\n", b"    this->timer++;\n    undeclared_thing++;\n")
    result = CliRunner().invoke(
        app, ["ingest", "--decomp", str(env["decomp"]), "--versions", VERSIONS, "--jobs", "1", "--json", "--only", "c"]
    )
    assert result.exit_code == 1, result.output  # partial, as a full run says it
    rep = json.loads(result.output[result.output.index("{\n") :])
    assert rep["delta"] is not None and rep["partial"]
    assert rep["failed_files"][0]["file"] == TEST_C
    with open_store(Settings(db=env["db"])) as store:
        row = store.run(f"MATCH (f:File {{path: '{TEST_C}'}}) RETURN f.errors AS e, f.diagnostics AS d")[0]
    assert row["e"] >= 1 and "undeclared_thing" in row["d"]


def test_a_directive_edit_or_a_header_edit_takes_the_full_path(env: dict[str, Path]) -> None:
    _ingest(env["decomp"], "--only", "c")
    src = env["decomp"] / TEST_C
    _edit(src, b"#define FLAGS ACTOR_FLAG_HOSTILE", b"#define FLAGS 0")
    rep = _ingest(env["decomp"], "--only", "c")
    assert rep["delta"] is None and rep["per_version"], rep
    hdr = env["decomp"] / "src/overlays/actors/ovl_En_Horse/z_en_horse.h"
    hdr.write_bytes(hdr.read_bytes() + b"\n")
    rep = _ingest(env["decomp"], "--only", "c")
    assert rep["delta"] is None and rep["per_version"]
    # and an unchanged rerun after a delta says so
    _edit(src, b"    this->timer++;\n", b"    this->timer += 2;\n")
    rep = _ingest(env["decomp"], "--only", "c")
    assert rep["delta"] is not None
    assert _ingest(env["decomp"], "--only", "c")["unchanged"]


def test_the_cli_fast_path_answers_an_unchanged_ingest_without_the_full_cli(
    env: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ootkg.fastpath import unchanged_ingest

    args = ["ingest", "--decomp", str(env["decomp"]), "--versions", "ntsc-1.0,gc-us"]
    assert not unchanged_ingest(args)  # no graph yet
    _ingest(env["decomp"], "--only", "c")  # VERSIONS is "gc-us,ntsc-1.0": same set
    assert not unchanged_ingest(args)  # another --only
    args += ["--only", "c"]
    assert unchanged_ingest(args)
    assert "Nothing changed since run" in capsys.readouterr().out
    assert unchanged_ingest(["--db", str(env["db"]), *args, "-j", "2"])
    # anything it cannot vouch for goes to the full CLI
    assert not unchanged_ingest([*args, "--force"])
    assert not unchanged_ingest([*args, "--json"])
    assert not unchanged_ingest(["--db", str(env["db"]) + "-other", *args])
    assert not unchanged_ingest(["ingest", "--decomp", str(env["decomp"]), "--only", "c"])
    monkeypatch.setenv("OOTKG_STORE", "neo4j")
    assert not unchanged_ingest(args)
    monkeypatch.delenv("OOTKG_STORE")
    src = env["decomp"] / TEST_C
    src.write_bytes(src.read_bytes() + b"\n")
    assert not unchanged_ingest(args)


def test_deltas_in_a_row_still_equal_a_full_rebuild(env: dict[str, Path]) -> None:
    _ingest(env["decomp"])
    src = env["decomp"] / TEST_C
    _edit(src, b"    this->timer++;\n", b"    this->timer += 2;\n")
    assert _ingest(env["decomp"])["delta"] is not None
    src.write_bytes(src.read_bytes() + b"\nvoid EnTest_Second(Actor* thisx) {\n    EnTest_Update(thisx, NULL);\n}\n")
    assert _ingest(env["decomp"])["delta"] is not None
    other = env["decomp"] / "src/code/z_object.c"  # a second file, with its own records
    _edit(other, b"    return objectId % 4;\n", b"    return objectId % 8;\n")
    rep = _ingest(env["decomp"])
    assert rep["delta"] is not None and rep["delta"]["edited"] == ["src/code/z_object.c"]
    after = dump(env["db"])
    _ingest(env["decomp"], "--force")
    _assert_same(after, dump(env["db"]))
