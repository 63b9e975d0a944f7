"""`ootkg ingest` / `ootkg compile-db` end to end on a copy of the minidecomp fixture."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest.c.source import c_source
from ingest.checkout.checkout import Checkout
from ingest.context import IngestContext
from kg.settings import Settings
from kg.store import open_store
from ootkg.cli import app


@pytest.fixture()
def env(mini_checkout: dict[str, Path]) -> dict[str, Path]:
    return mini_checkout


def _ingest(*args: str) -> tuple[int, str, dict | None]:
    result = CliRunner().invoke(app, ["ingest", *args, "--jobs", "1", "--only", "c", "--json"])
    out = result.output
    report = None
    start = out.find("{\n")
    if start >= 0:
        try:
            report = json.loads(out[start:])
        except ValueError:
            report = None
    return result.exit_code, out, report


def _graph_functions(db: Path) -> set[str]:
    with open_store(Settings(db=db)) as store:
        return {r["n"] for r in store.run("MATCH (f:Function) WHERE f.defined RETURN f.name AS n")}


def test_ingest_unchanged_rerun_and_one_file_edit(env: dict[str, Path]) -> None:
    code, out, rep = _ingest("--decomp", str(env["decomp"]), "--versions", "gc-us,ntsc-1.0")
    assert code == 0, out
    assert rep["versions"] == ["ntsc-1.0", "gc-us"] and not rep["partial"]
    assert {r["version"]: r["functions"] for r in rep["per_version"]} == {"ntsc-1.0": 52, "gc-us": 50}
    assert "Cart_Init" in _graph_functions(env["db"])

    code, out, rep2 = _ingest("--decomp", str(env["decomp"]), "--versions", "gc-us,ntsc-1.0")
    assert code == 0 and rep2["unchanged"] and rep2["run_id"] == rep["run_id"]

    src = env["decomp"] / "src" / "code" / "z_object.c"
    src.write_text(
        src.read_text() + "\ns32 Object_IsLoaded(ObjectContext* objectCtx) {\n"
        "    return Object_GetSlot(objectCtx, 1) >= 0;\n}\n"
    )
    code, out, rep3 = _ingest("--decomp", str(env["decomp"]), "--versions", "gc-us,ntsc-1.0")
    assert code == 0 and not rep3["unchanged"]
    # a body edit: only the edited TU was parsed again, once (both versions preprocess it
    # identically), and the graph was changed in place
    assert rep3["delta"]["edited"] == ["src/code/z_object.c"]
    assert len(rep3["delta"]["parsed"]) == 1 and rep3["delta"]["parsed"][0].startswith("src/code/z_object.c")
    assert "Object_IsLoaded" in _graph_functions(env["db"])
    with open_store(Settings(db=env["db"])) as store:
        rows = store.run(
            "MATCH (:Function {name: 'Object_IsLoaded'})-[c:CALLS]->(g:Function) "
            "RETURN g.name AS callee, c.versions AS versions"
        )
    assert rows == [{"callee": "Object_GetSlot", "versions": ["gc-us", "ntsc-1.0"]}]


def test_bad_inputs_say_what_to_do(env: dict[str, Path], tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(app, ["ingest", "--decomp", str(empty)])
    assert result.exit_code != 0
    assert "missing include/versions.h" in str(result.exception or result.output)
    code, out, _ = _ingest("--decomp", str(env["decomp"]), "--versions", "gc-us,n64-9.9")
    assert code != 0
    result = CliRunner().invoke(app, ["ingest", "--decomp", str(env["decomp"]), "--versions", "n64-9.9"])
    msg = str(result.exception)
    assert "n64-9.9" in msg and "gc-eu-mq-dbg" in msg and "ntsc-1.0" in msg


def test_a_file_that_fails_to_parse_gives_a_partial_run(env: dict[str, Path]) -> None:
    bad = env["decomp"] / "src" / "overlays" / "actors" / "ovl_En_Test" / "z_en_test.c"
    bad.write_bytes(bad.read_bytes() + b"\nvoid EnTest_Broken(void) { undeclared_thing++; }\n")
    code, out, rep = _ingest("--decomp", str(env["decomp"]), "--versions", "gc-us")
    assert code == 1, out  # partial
    assert rep["partial"] and rep["failed_files"] == [
        {"file": "src/overlays/actors/ovl_En_Test/z_en_test.c", "version": "gc-us", "reason": "1 errors"}
    ]
    with open_store(Settings(db=env["db"])) as store:
        row = store.run(
            "MATCH (f:File {path: 'src/overlays/actors/ovl_En_Test/z_en_test.c'}) "
            "RETURN f.errors AS errors, f.diagnostics AS diagnostics"
        )[0]
        fns = store.run("MATCH (f:Function) RETURN count(f) AS n")[0]["n"]
    assert row["errors"] == 1 and "undeclared_thing" in row["diagnostics"]
    assert fns > 10  # everything else is in the graph


def test_checkout_without_asset_xml(env: dict[str, Path]) -> None:
    shutil.rmtree(env["decomp"] / "assets")
    code, out, rep = _ingest("--decomp", str(env["decomp"]), "--versions", "gc-us")
    # the horse uses a DList its (now missing) asset header declared: partial, not a crash
    assert code == 1 and rep["failed_files"][0]["file"].endswith("z_en_horse.c")
    assert "EnHorse_Init" in _graph_functions(env["db"])


def test_interrupted_run_keeps_the_graph_and_the_next_run_reuses_the_cache(env: dict[str, Path]) -> None:
    code, _, first = _ingest("--decomp", str(env["decomp"]), "--versions", "gc-us")
    assert code == 0
    before = _graph_functions(env["db"])
    for p in (env["decomp"] / "src").rglob("*.c"):
        p.write_text(p.read_text(errors="replace") + "\n// touched\n")
    co = Checkout.open(env["decomp"])
    seen = []

    def progress(task: str, done: int, total: int) -> None:
        seen.append(done)
        if len(seen) == 4:
            raise KeyboardInterrupt

    ctx = IngestContext(checkout=co, versions=co.select(["gc-us"]), cache_dir=env["cache"], jobs=1, progress=progress)
    with pytest.raises(KeyboardInterrupt):
        c_source(ctx)
    assert _graph_functions(env["db"]) == before  # the last complete graph is still there
    code, _, rep = _ingest("--decomp", str(env["decomp"]), "--versions", "gc-us")
    assert code == 0
    parsed = rep["per_version"][0]["parsed"]
    assert 0 < parsed < rep["per_version"][0]["files"] + 1  # what was done before is reused
    assert _graph_functions(env["db"]) == before


def test_compile_db(env: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "cc" / "compile_commands.json"
    result = CliRunner().invoke(
        app, ["compile-db", "--decomp", str(env["decomp"]), "--version", "ntsc-1.0", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    cmds = json.loads(out.read_text())
    by_file = {Path(c["file"]).name: c for c in cmds}
    assert set(by_file) == {
        "boot_main.c",
        "build.c",
        "cart_n64.c",
        "z_actor.c",
        "z_object.c",
        "z_en_horse.c",
        "z_en_test.c",
        "z_eff_ss_dust.c",
        "z_en_a_keep.c",
        "z_en_horse_normal.c",
        "z_message.c",
        "z_game_over.c",
        "z_collision_check.c",
        "z_skelanime.c",
        "z_dma.c",
        "z_en_door.c",
        "z_en_girla.c",
    }
    args = by_file["build.c"]["arguments"]
    assert "--target=mips-unknown-linux-gnu" in args and "-DOOT_VERSION=NTSC_1_0" in args
    assert '-DBUILD_DATE="98-10-21"' in args
    assert any(a.startswith("-I") and a.endswith("stubs/ntsc-1.0") for a in args)
    # the TUs the ingest parses with its precompiled prefix get those headers included
    horse = by_file["z_en_horse.c"]["arguments"]
    assert "-include" in horse and horse[horse.index("-include") + 1].endswith(".h")
    assert "-include" not in args  # src/boot: no prefix
