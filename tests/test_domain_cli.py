"""`ootkg ingest --map/--symbols` and the domain queries as a user runs them: a real process on
the fixture tree (C walk, tables, asset XML, addresses), exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

MINI = FIXTURES / "minidecomp"
MAP = FIXTURES / "maps" / "oot-ntsc-1.0.map"


def ootkg(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OOTKG_DB": str(home / "graph"), "OOTKG_CACHE_DIR": str(home / "cache"), "COLUMNS": "200"}
    env.pop("OOTKG_SYMBOLS_DIR", None)
    proc = subprocess.run([sys.executable, "-m", "ootkg", *args], capture_output=True, text=True, env=env, timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, symbols_dir: Path) -> Path:
    home = tmp_path_factory.mktemp("cli")
    proc = ootkg(
        "ingest",
        "--decomp",
        str(MINI),
        "--only",
        "c,tables,assets,addresses",
        "--map",
        str(MAP),
        "--version",
        "ntsc-1.0",
        "--symbols",
        str(symbols_dir),
        home=home,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return home


def test_a_map_of_another_version_is_refused_and_not_remembered(tmp_path: Path) -> None:
    proc = ootkg("ingest", "--decomp", str(MINI), "--map", str(MAP), "--version", "gc-us", home=tmp_path)
    assert proc.returncode == 2
    err = " ".join(proc.stderr.split())
    assert "does not look like a gc-us map" in err and "--version ntsc-1.0" in err
    assert not (tmp_path / "cache" / "maps.json").exists()
    assert not (tmp_path / "graph").exists()


def test_queries_after_an_ingest_with_a_map(home: Path) -> None:
    rows = json.loads(ootkg("query", "address_of", "name=Actor_Kill", "-f", "json", home=home).stdout)
    assert [(r["version"], r["address"], r["source"]) for r in rows] == [
        ("ntsc-1.0", "0x80020EB4", "map"),
        ("ntsc-1.0", "0x80020EB4", "z64hdr"),
        ("gc-us", "0x80020CD0", "disasm"),
        ("gc-eu-mq-dbg", "0x8002D570", "z64hdr"),
    ]
    rows = json.loads(
        ootkg("query", "symbol_at", "address=0x80879A50", "version=ntsc-1.0", "-f", "json", home=home).stdout
    )
    assert {(r["kind"], r["name"], r["offset"], r["source"]) for r in rows} == {
        ("Function", "EnHorse_Init", 0x10, "map"),
        ("Segment", "ovl_En_Horse", 0x1860, "map"),
        ("Segment", "ovl_En_Horse", 0x1860, "segments.csv"),
    }
    actor = json.loads(ootkg("query", "actor", "name=En_Horse", "-f", "json", home=home).stdout)
    assert [(r["version"], r["id"], r["overlay_vram"]) for r in actor] == [
        ("ntsc-1.0", 0x14, ["0x808781F0"]),
        ("pal-1.0", 0x14, ["0x80878D90"]),
        ("gc-us", 0x14, ["0x80A41B50"]),
        ("gc-eu-mq-dbg", 0x14, ["0x80A5B2F0"]),
    ]
    assert actor[0]["init"] == "EnHorse_Init" and actor[0]["object"] == "OBJECT_HORSE"


def test_a_plain_ingest_gives_addresses_from_the_shipped_lists(tmp_path: Path) -> None:
    """No --symbols, no map: the fixture sits in ootkg's own repository (no decomp history of
    its own), so the lists shipped with ootkg serve, each fact saying where it came from."""
    proc = ootkg("ingest", "--decomp", str(MINI), "--only", "c,addresses", home=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    flat = " ".join(proc.stdout.split())
    assert "from ootkg's copy of zeldaret/oot" in flat and "from z64hdr" in flat
    rows = json.loads(ootkg("query", "address_of", "name=Actor_Kill", "-f", "json", home=tmp_path).stdout)
    assert [(r["version"], r["address"], r["source"]) for r in rows] == [
        ("ntsc-1.0", "0x80020EB4", "z64hdr"),
        ("gc-us", "0x80020CD0", "disasm"),
        ("gc-eu-mq-dbg", "0x8002D570", "z64hdr"),
    ]
    prov = json.loads(
        ootkg(
            "cypher",
            "MATCH (f:Function {name: 'Actor_Kill'})-[l:LOCATED_AT]->"
            "(v:Version {id: 'gc-us'}) RETURN l.provenance AS p",
            "-f",
            "json",
            home=tmp_path,
        ).stdout
    )
    assert prov[0]["p"].startswith("zeldaret/oot@")
    assert prov[0]["p"].endswith(":tools/disasm/gc-us/functions.txt")


@pytest.mark.parametrize(
    ("args", "suggestion"),
    [
        (("actor", "name=En_Hors"), "Did you mean En_Horse"),
        (("scene", "name=spot00"), "Did you mean spot00_scene"),
        (("object", "name=object_hors"), "Did you mean object_horse"),
        (("actors_using_object", "object=OBJECT_HORS"), "Did you mean OBJECT_HORSE"),
        (("struct_layout", "name=Actor", "version=gc-usa"), "Did you mean gc-us"),
        (("address_of", "name=Actor_Kil"), "Did you mean Actor_Kill"),
        (("symbol_at", "address=0x80020EC4", "version=ntsc-1"), "Did you mean ntsc-1.0"),
        (("prerequisites", "concept=actor-basics"), "the graph has no concept at all"),
    ],
)
def test_each_misspelt_name_is_an_error_with_a_suggestion(home: Path, args: tuple[str, ...], suggestion: str) -> None:
    for fmt in ("table", "json"):
        proc = ootkg("query", *args, "-f", fmt, home=home)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert suggestion in " ".join(proc.stderr.split()), proc.stderr
        assert proc.stdout == ""


def test_names_in_every_accepted_spelling_pass(home: Path) -> None:
    for name in ("En_Horse", "ovl_En_Horse", "ACTOR_EN_HORSE", "en_horse"):
        proc = ootkg("query", "actor", f"name={name}", "-f", "json", home=home)
        assert proc.returncode == 0 and json.loads(proc.stdout), name
