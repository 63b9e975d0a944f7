"""The CLI as a user runs it: a real process, real store, exit codes and no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg.settings import Settings
from kg.store import open_store
from tests.conftest import call_graph_facts


def ootkg(*args: str, db: Path, check: bool = False, columns: int = 200) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OOTKG_DB": str(db), "COLUMNS": str(columns)}
    proc = subprocess.run([sys.executable, "-m", "ootkg", *args], capture_output=True, text=True, env=env, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "graph"
    with open_store(Settings(db=path), read_only=False) as store:
        store.replace_graph(call_graph_facts())
    return path


def test_stats_table_and_json(db: Path) -> None:
    table = ootkg("stats", db=db, check=True).stdout
    assert "Function" in table and "CALLS" in table
    rows = json.loads(ootkg("stats", "--format", "json", db=db, check=True).stdout)
    counts = {r["kind"]: r["count"] for r in rows}
    assert counts["Function"] == 8 and counts["CALLS"] == 8 and counts["Actor"] == 0


def test_cypher_with_params_in_every_format(db: Path) -> None:
    q = "MATCH (f:Function {name: $n})-[:CALLS]->(g:Function) RETURN g.name AS callee ORDER BY callee"
    out = ootkg("cypher", q, "-p", "n=EnHorse_Update", "-f", "json", db=db, check=True).stdout
    assert json.loads(out) == [{"callee": "Actor_Kill"}, {"callee": "EnHorse_Move"}]
    csv_out = ootkg("cypher", q, "-p", "n=EnHorse_Update", "-f", "csv", db=db, check=True).stdout
    assert csv_out.splitlines() == ["callee", "Actor_Kill", "EnHorse_Move"]


def test_write_queries_need_write_flag(db: Path) -> None:
    proc = ootkg("cypher", "CREATE (:Function {name: 'Injected'})", db=db)
    assert proc.returncode != 0 and "--write" in proc.stderr
    count = ootkg("cypher", "MATCH (f:Function {name: 'Injected'}) RETURN count(f) AS n", "-f", "json", db=db)
    assert json.loads(count.stdout) == [{"n": 0}]


def test_named_query_and_list(db: Path) -> None:
    out = ootkg("query", "callers", "name=Actor_Kill", "depth=2", "-f", "json", db=db, check=True).stdout
    assert [r["caller"] for r in json.loads(out)] == [
        "Debug_Recurse",
        "EnBom_Update",
        "EnHorse_Update",
        "Actor_UpdateAll",
    ]
    listing = ootkg("query", "--list", db=db, check=True).stdout
    assert "callers" in listing and "function" in listing


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("query", "calers"), "Did you mean callers"),
        (("query", "callers"), "missing parameter 'name'"),
        (("cypher", "MATCH (f:Function RETURN f"), "MATCH (f:Function RETURN f"),
        # the echo keeps bracketed text (it is not rich markup)
        (
            ("cypher", "MATCH (f:Function)-[r:IN_VERSION]->(v:Versio) RETURN f.name"),
            "MATCH (f:Function)-[r:IN_VERSION]->(v:Versio) RETURN f.name",
        ),
        (("--store", "mongo", "stats"), "embedded"),
        (("--store", "neo4j", "--neo4j-uri", "bolt://127.0.0.1:1", "stats"), "bolt://127.0.0.1:1"),
    ],
)
def test_bad_input_is_one_clear_error(db: Path, args: tuple[str, ...], needle: str) -> None:
    proc = ootkg(*args, db=db)
    assert proc.returncode != 0
    assert needle in " ".join(proc.stderr.split()), proc.stderr


def test_db_path_that_is_a_file(tmp_path: Path) -> None:
    f = tmp_path / "x"
    f.write_text("")
    proc = ootkg("stats", db=f)
    assert proc.returncode != 0 and "is a file" in proc.stderr


def test_every_command_has_help_with_examples(db: Path) -> None:
    for cmd in ("stats", "cypher", "query"):
        out = ootkg(cmd, "--help", db=db, check=True).stdout
        assert "Examples" in out, cmd
    # each example on its own line, not run together into a paragraph
    lines = [ln.strip() for ln in ootkg("query", "--help", db=db, check=True).stdout.splitlines()]
    assert "ootkg query --list" in lines and "ootkg query function name=Actor_Kill" in lines
    # placeholders in angle brackets survive (markdown read them as HTML tags)
    out = " ".join(ootkg("compile-db", "--help", db=db, check=True).stdout.split())
    assert "<cache>/compile_commands/<version>/compile_commands.json" in out.replace("│ ", "")
    out = " ".join(ootkg("ingest", "--help", db=db, check=True).stdout.split())
    assert "<version>/functions.txt" in out


def test_a_misspelt_name_gets_a_suggestion_and_exit_2(db: Path) -> None:
    proc = ootkg("query", "callers", "name=Actor_Kil", "-f", "json", db=db)
    assert proc.returncode == 2 and proc.stdout == ""  # json: stdout stays clean
    assert "Did you mean Actor_Kill?" in " ".join(proc.stderr.split())
    proc = ootkg("query", "struct_layout", "name=Actor", "version=ntsc-1.1", db=db)
    assert proc.returncode == 2
    assert "the graph has no version named so. Did you mean ntsc-1.0" in " ".join(proc.stderr.split())


def test_a_known_name_without_rows_says_so(db: Path) -> None:
    proc = ootkg("query", "callers", "name=Play_Main", "-f", "json", db=db)  # calls, called by none
    assert proc.returncode == 0 and json.loads(proc.stdout) == []
    assert "No rows: name=Play_Main is in the graph, but callers finds nothing" in " ".join(proc.stderr.split())


def test_a_table_wider_than_the_terminal_wraps_between_words(db: Path) -> None:
    q = (
        "MATCH (f:Function)-[e:IN_VERSION]->(v:Version) RETURN f.name AS function, "
        "v.id AS version, 'a fairly long note that has to wrap onto more lines' AS note "
        "ORDER BY function, version LIMIT 3"
    )
    out = ootkg("cypher", q, db=db, check=True, columns=60).stdout
    assert "gc-eu-mq-dbg" in out or "ntsc-1.0" in out  # version ids whole
    assert all(len(line) <= 60 for line in out.splitlines())
    assert "┃ function" in out  # still one table
