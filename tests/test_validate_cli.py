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
    return subprocess.run(
        [sys.executable, "-m", "ootkg.cli", *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


GOOD = {
    "id": "good",
    "messages": [{"role": "assistant", "content": "```c\nActor_SetScale(&this->actor, 0.01f);\n```"}],
    "metadata": {"version": "gc-us"},
}
BAD = {
    "id": "bad",
    "messages": [{"role": "assistant", "content": "```c\nActor_SetScale(&this->actor);\n```"}],
    "metadata": {"version": "gc-us"},
}


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
    p = _run(env, "validate", "-", "--format", "json", stdin=json.dumps(GOOD) + "\n" + json.dumps(BAD) + "\n")
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


def _run_bytes(env, *args, stdin: bytes | None = None):
    return subprocess.run(
        [sys.executable, "-m", "ootkg.cli", *args], env=env, input=stdin, capture_output=True, timeout=120
    )


def test_bad_bytes_are_reported_alike_from_a_file_and_stdin(env, tmp_path):
    data = (
        json.dumps(GOOD).encode()
        + b"\n"
        + b'{"id": "x", "messages": [{"role": "assistant", "content": "caf\xe9"}]}\n'
        + json.dumps(BAD).encode()
        + b"\n"
    )
    f = tmp_path / "bytes.jsonl"
    f.write_bytes(data)
    from_file = _run_bytes(env, "validate", str(f), "--no-compile", "--format", "json")
    from_stdin = _run_bytes(env, "validate", "-", "--no-compile", "--format", "json", stdin=data)
    for p, where in ((from_file, str(f)), (from_stdin, "stdin")):
        assert p.returncode == 2
        err = p.stderr.decode()
        assert f"{where}:2: not UTF-8: byte 0xe9 at column 63" in err, err
        ids = [json.loads(line)["id"] for line in p.stdout.decode().splitlines()]
        assert ids == ["good", "bad"]  # the other lines were validated, nothing replaced
    code = tmp_path / "bad.c"
    code.write_bytes(b"void f(void) {\n  int x = 1; /* \xff */\n}\n")
    p = _run_bytes(env, "validate", "--code", str(code), "--no-compile")
    assert p.returncode == 2 and b"not UTF-8: byte 0xff at line 2, column 17" in p.stderr


def test_reports_stream_while_the_input_is_still_open(env):
    """The first reports come out before stdin is closed (no reading everything first)."""
    import select

    proc = subprocess.Popen(
        [sys.executable, "-m", "ootkg.cli", "validate", "-", "--no-compile", "--format", "json"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        line = (json.dumps(GOOD) + "\n").encode()
        proc.stdin.write(line * 40)  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "no report before the input ended"
        first = json.loads(proc.stdout.readline())  # type: ignore[union-attr]
        assert first["id"] == "good" and proc.poll() is None
        proc.stdin.close()  # type: ignore[union-attr]
        rest = proc.stdout.read().decode().splitlines()  # type: ignore[union-attr]
        assert len(rest) == 39 and proc.wait(60) == 0
    finally:
        proc.kill()
