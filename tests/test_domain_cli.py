"""`ootkg ingest --map/--symbols` and the domain queries as a user runs them: a real process on
the fixture tree (C walk, tables, asset XML, addresses), exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, SHARED_DATA

MINI = FIXTURES / "minidecomp"
MAP = FIXTURES / "maps" / "oot-ntsc-1.0.map"
SYMBOLS = SHARED_DATA / "symbols"

pytestmark = [
    pytest.mark.skipif(not SYMBOLS.is_dir(), reason="../shared/oot-data/symbols is not beside the repo"),
    pytest.mark.skipif(not (MINI / "src").is_dir(), reason="the fixture tree has no C sources yet"),
]


def ootkg(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OOTKG_DB": str(home / "graph"), "OOTKG_CACHE_DIR": str(home / "cache"),
           "COLUMNS": "200"}
    env.pop("OOTKG_SYMBOLS_DIR", None)
    proc = subprocess.run([sys.executable, "-m", "ootkg", *args], capture_output=True, text=True,
                          env=env, timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("cli")
    proc = ootkg("ingest", "--decomp", str(MINI), "--only", "c,tables,assets,addresses",
                 "--map", str(MAP), "--version", "ntsc-1.0", "--symbols", str(SYMBOLS), home=home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return home


def test_a_map_of_another_version_is_refused_and_not_remembered(tmp_path: Path) -> None:
    proc = ootkg("ingest", "--decomp", str(MINI), "--map", str(MAP), "--version", "gc-us",
                 "--symbols", str(SYMBOLS), home=tmp_path)
    assert proc.returncode == 2
    err = " ".join(proc.stderr.split())
    assert "does not look like a gc-us map" in err and "--version ntsc-1.0" in err
    assert not (tmp_path / "cache" / "maps.json").exists()
    assert not (tmp_path / "graph").exists()


def test_queries_after_an_ingest_with_a_map(home: Path) -> None:
    rows = json.loads(ootkg("query", "address_of", "name=Actor_Kill", "-f", "json",
                            home=home).stdout)
    assert [(r["version"], r["address"], r["source"]) for r in rows] == [
        ("ntsc-1.0", "0x80020EB4", "map"), ("ntsc-1.0", "0x80020EB4", "z64hdr"),
        ("gc-us", "0x80020CD0", "disasm"), ("gc-eu-mq-dbg", "0x8002D570", "z64hdr")]
    rows = json.loads(ootkg("query", "symbol_at", "address=0x80879A50", "version=ntsc-1.0",
                            "-f", "json", home=home).stdout)
    assert {(r["kind"], r["name"], r["offset"], r["source"]) for r in rows} == {
        ("Function", "EnHorse_Init", 0x10, "map"), ("Segment", "ovl_En_Horse", 0x1860, "map"),
        ("Segment", "ovl_En_Horse", 0x1860, "segments.csv")}
    actor = json.loads(ootkg("query", "actor", "name=En_Horse", "-f", "json", home=home).stdout)
    assert [(r["version"], r["id"], r["overlay_vram"]) for r in actor] == [
        ("ntsc-1.0", 0x14, ["0x808781F0"]), ("pal-1.0", 0x14, ["0x80878D90"]),
        ("gc-us", 0x14, ["0x80A41B50"]), ("gc-eu-mq-dbg", 0x14, ["0x80A5B2F0"])]
    assert actor[0]["init"] == "EnHorse_Init" and actor[0]["object"] == "OBJECT_HORSE"
