"""`ootkg validate` through a real process against an embedded store."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kg.embedded import EmbeddedStore
from tests.golden.graph import build_facts


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    db = tmp_path_factory.mktemp("cli") / "graph"
    with EmbeddedStore(db, read_only=False) as w:
        w.replace_graph(build_facts())
    e = {k: v for k, v in os.environ.items() if not k.startswith("OOTKG_")}
    e.update(OOTKG_DB=str(db), COLUMNS="200")
    e.pop("OOT_DECOMP", None)
    return e


def _run(env, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", "ootkg.cli", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


GOOD = {"id": "good", "messages": [{"role": "assistant", "content":
        "```c\nActor_SetScale(&this->actor, 0.01f);\n```"}], "metadata": {"version": "gc-us"}}
BAD = {"id": "bad", "messages": [{"role": "assistant", "content":
       "```c\nActor_SetScale(&this->actor);\n```"}], "metadata": {"version": "gc-us"}}


def test_jsonl_table_and_exit_status(env, tmp_path):
    f = tmp_path / "x.jsonl"
    f.write_text(json.dumps(GOOD) + "\n" + json.dumps(BAD) + "\n")
    p = _run(env, "validate", str(f), "--no-compile")
    assert p.returncode == 1, p.stderr
    assert "wrong-arity" in p.stdout and "good" in p.stdout
    f.write_text(json.dumps(GOOD) + "\n")
    p = _run(env, "validate", str(f), "--no-compile")
    assert p.returncode == 0, p.stdout + p.stderr


def test_json_stdin_and_code(env, tmp_path):
    p = _run(env, "validate", "-", "--format", "json",
             stdin=json.dumps(GOOD) + "\n" + json.dumps(BAD) + "\n")
    reports = [json.loads(line) for line in p.stdout.splitlines()]
    assert [r["id"] for r in reports] == ["good", "bad"] and reports[1]["ok"] is False
    assert reports[0]["levels"]["1"] == "skipped"  # no decomp: never reported as passed
    c = tmp_path / "s.c"
    c.write_text("void* p = ZeldaArena_MallocDebug(4, __FILE__, __LINE__);\n")
    p = _run(env, "validate", "--code", str(c), "--version", "ntsc-1.0", "-f", "json")
    assert p.returncode == 1 and "not-in-version" in p.stdout


def test_user_errors(env, tmp_path):
    p = _run(env, "validate", str(tmp_path / "missing.jsonl"))
    assert p.returncode == 2 and "No file" in p.stderr and "Traceback" not in p.stderr
    bad = tmp_path / "b.jsonl"
    bad.write_text("{not json\n")
    p = _run(env, "validate", str(bad))
    assert p.returncode == 2 and "b.jsonl:1" in p.stderr
    good = tmp_path / "g.jsonl"
    good.write_text(json.dumps(GOOD) + "\n")
    p = _run(env, "validate", str(good), "--version", "pal-9", "--no-compile")
    assert p.returncode == 2 and "gc-us" in p.stderr
