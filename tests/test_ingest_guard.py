"""A broken checkout never replaces a good graph: failed sources and collapsing kinds refuse
the run (the graph stays as it was) unless --allow-shrink; a malformed asset XML keeps its
last good copy; every non-zero exit says why. On a copy of the minidecomp fixture."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest.pipeline import shrinkage
from kg.settings import Settings
from kg.store import open_store
from ootkg.cli import app


def _ingest(decomp: Path, *args: str) -> tuple[int, str]:
    """Exit code (a UserError's own), and everything printed or raised."""
    from ootkg.errors import UserError

    result = CliRunner().invoke(app, ["ingest", "--decomp", str(decomp), "--jobs", "1", *args])
    code = result.exit_code
    if isinstance(result.exception, UserError):
        code = result.exception.exit_code
    return code, result.output + str(result.exception or "")


def _count(db: Path, kind: str) -> int:
    with open_store(Settings(db=db)) as store:
        return store.run(f"MATCH (n:{kind}) RETURN count(n) AS n")[0]["n"]


def test_shrinkage_rule():
    old = {"Actor": 471, "Object": 9, "Version": 2, "CALLS": 900, "Function": 100}
    assert shrinkage(old, {"Actor": 0, "Object": 0, "Version": 1, "CALLS": 0, "Function": 60}) == ["Actor: 471 -> 0"]
    assert shrinkage(old, {"Actor": 236, "Function": 49}) == ["Function: 100 -> 49"]


@pytest.fixture()
def built(mini_checkout):
    """The fixture ingested once (tables and assets: fast), its counts."""
    code, out = _ingest(mini_checkout["decomp"], "--only", "tables,assets")
    assert code == 0, out
    db = mini_checkout["db"]
    return mini_checkout, {k: _count(db, k) for k in ("Actor", "Object", "Scene", "Asset")}


def test_missing_tables_refuse_the_run(built):
    env, before = built
    shutil.rmtree(env["decomp"] / "include" / "tables")
    code, out = _ingest(env["decomp"], "--only", "tables,assets")
    assert code == 1
    assert "tables" in out and "actor_table.h" in out and "graph is unchanged" in out
    assert "--allow-shrink" in out
    assert {k: _count(env["db"], k) for k in before} == before
    code, out = _ingest(env["decomp"], "--only", "tables,assets", "--allow-shrink")
    assert code == 0 and "--allow-shrink" in out
    assert _count(env["db"], "Actor") == 0


def test_a_collapsing_kind_refuses_the_run(built):
    env, before = built
    table = env["decomp"] / "include" / "tables" / "actor_table.h"
    table.write_text(table.read_text()[:300])  # a truncated table: no source "fails"
    code, out = _ingest(env["decomp"], "--only", "tables,assets")
    assert code == 1 and f"Actor: {before['Actor']} -> " in out
    assert _count(env["db"], "Actor") == before["Actor"]


def test_a_malformed_xml_keeps_its_last_good_facts(built):
    env, before = built
    xml = env["decomp"] / "assets" / "xml" / "objects" / "object_horse.xml"
    xml.write_text(xml.read_text()[:200])
    code, out = _ingest(env["decomp"], "--only", "tables,assets")
    assert code == 0, out
    assert "object_horse.xml:6:7: malformed XML" in " ".join(out.split())
    assert "last good copy were kept" in " ".join(out.split())
    assert _count(env["db"], "Asset") == before["Asset"]


def test_a_failing_source_is_named(built, monkeypatch):
    env, _ = built
    from ingest import sources
    from ingest.context import Source

    def broken(ctx):
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(
        sources, "SOURCES", tuple(Source(s.name, broken) if s.name == "assets" else s for s in sources.SOURCES)
    )
    code, out = _ingest(env["decomp"], "--only", "tables,assets", "--force")
    assert code == 1 and "assets" in out and "the disk went away" in out


def test_every_nonzero_exit_says_why_for_bad_bytes(mini_checkout):
    env = mini_checkout
    code, out = _ingest(env["decomp"], "--versions", "gc-us", "--only", "c")
    assert code == 0, out
    src = env["decomp"] / "src" / "code" / "z_object.c"
    src.write_bytes(src.read_bytes() + b"\nvoid Bad(void) { int \xff\xfe = 1; }\n")
    code, out = _ingest(env["decomp"], "--versions", "gc-us", "--only", "c")
    assert code == 1
    assert "z_object.c" in out and "did not parse cleanly" in out
