"""The second wall: compile workers confined by the operating system, proven with the
sandbox's own denials and with strace (a file outside is never opened), gate bypassed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.golden.graph import load_store
from validate import confine
from validate.compile import CompilePool
from validate.workers import WorkerStartError

MINI = Path(__file__).parent / "fixtures" / "minidecomp"
STRACE = shutil.which("strace")


def _probe(mode: str, allowed: Path, secret: Path) -> dict:
    """Confine a fresh interpreter to ``allowed`` and report what it can still do."""
    code = textwrap.dedent(f"""
        import json, os
        from validate.confine import confine
        applied, notes = confine([{str(allowed)!r}], [], which={mode!r})
        out = {{"applied": applied, "notes": notes}}
        for name, path in (("allowed", {str(allowed / "a.txt")!r}), ("secret", {str(secret)!r}),
                           ("passwd", "/etc/passwd"), ("proc", "/proc/self/environ")):
            try:
                with open(path) as f:
                    out[name] = f.read(40)
            except OSError as e:
                out[name] = type(e).__name__
        try:
            open({str(allowed / "w.txt")!r}, "w").write("x")
            out["write"] = "written"
        except OSError as e:
            out["write"] = type(e).__name__
        out["exists"] = os.path.exists({str(secret)!r})
        print(json.dumps(out))
    """)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=str(allowed.parent)
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def files(tmp_path):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "a.txt").write_text("readable")
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("CANARY-4e1d")
    return allowed, secret


def test_landlock_denies_reads_and_writes_outside(files):
    if confine.landlock_abi() < 1:
        pytest.skip("this kernel has no Landlock")
    allowed, secret = files
    got = _probe("landlock", allowed, secret)
    assert got["applied"] and got["applied"][0].startswith("landlock")
    assert got["allowed"] == "readable"
    assert got["secret"] == "PermissionError" and got["passwd"] == "PermissionError"
    assert got["write"] == "PermissionError"


def test_user_namespace_hides_everything_outside(files):
    allowed, secret = files
    got = _probe("userns", allowed, secret)
    if not got["applied"]:
        pytest.skip(f"no user namespaces here: {got['notes']}")
    assert got["allowed"] == "readable"
    # nothing outside exists at all: not even its existence can be probed
    assert got["secret"] == "FileNotFoundError" and got["exists"] is False
    assert got["proc"] == "FileNotFoundError"
    assert got["write"] in ("OSError", "PermissionError")


def test_none_applies_nothing(files):
    allowed, secret = files
    got = _probe("none", allowed, secret)
    assert got["applied"] == [] and got["secret"] == "CANARY-4e1d"


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    p = CompilePool(MINI, tmp_path_factory.mktemp("cache"), ["ntsc-1.0"], workers=1, sandbox="require")
    yield p
    p.close()


def _raw(pool: CompilePool, text: str):
    """A job straight to a worker: the include gate is not in the way."""
    status, diags = pool.pool.submit({"version": "ntsc-1.0", "text": text, "rel_dir": "src"}).result(60)
    assert status == "ok", diags
    return diags


def test_confined_worker_cannot_read_outside_even_past_the_gate(pool, tmp_path):
    assert pool.sandbox, pool.sandbox_notes
    secret = tmp_path / "secret.h"
    secret.write_text("int CANARY_2b9c;\n")
    env = tmp_path / ".env"
    env.write_text("OOTKG_API_TOKEN=CANARY_TOKEN_88\n")
    for text in (
        f'#include "{secret}"\n',
        f'int x[] = {{\n#include "{env}"\n}};\n',
        '#include "/proc/self/cwd/.env"\n',
        '#include "/etc/passwd"\n',
    ):
        diags = _raw(pool, text)
        blob = json.dumps(diags)
        assert "CANARY" not in blob and "root:" not in blob
        assert any("not found" in d["message"] or "Permission denied" in d["message"] for d in diags), diags
    ok = _raw(pool, "Actor_Kill(0);\nint z = ;\n")  # the decomp is readable: real diagnostics
    assert any("expected expression" in d["message"] for d in ok)


def test_diagnostics_never_name_the_server_paths(pool):
    diags = _raw(pool, "_Static_assert(0, __FILE__);\n")
    assert diags and all(str(MINI.resolve()) not in d["message"] for d in diags)
    assert any("<decomp>" in d["message"] for d in diags)


@pytest.mark.skipif(STRACE is None, reason="strace is not installed")
def test_strace_shows_the_canary_never_opened(tmp_path):
    """The worker under strace, sent a raw include of the canary: no open succeeds."""
    from validate.compile import prepare_versions
    from validate.confine import python_paths

    secret = tmp_path / "canary.h"
    secret.write_text("int CANARY_5d;\n")
    cache = tmp_path / "cache"
    manifest = prepare_versions(MINI.resolve(), cache, ["ntsc-1.0"])
    read = [str(MINI.resolve()), "/dev/null", *python_paths(), str(Path(confine.__file__).resolve().parent)]
    for env in manifest.values():
        read += env["read"] + env["dirs"]
    cfg = {
        "root": str(MINI.resolve()),
        "cache_dir": str(cache),
        "manifest": manifest,
        "read": read,
        "sandbox": "require",
        "memory_mb": 1536,
    }
    log = tmp_path / "strace.log"
    jobs = "".join(
        json.dumps({"version": "ntsc-1.0", "text": t, "rel_dir": "src"}) + "\n"
        for t in (f'#include "{secret}"\n', f'#if __has_include("{secret}")\n#endif\n')
    )
    done = subprocess.run(
        [
            STRACE,
            "-f",
            "-qq",
            "-e",
            "trace=open,openat,stat,newfstatat,access",
            "-o",
            str(log),
            sys.executable,
            "-m",
            "validate.compile_worker",
        ],
        input=json.dumps(cfg) + "\n" + jobs,
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
    )
    if "Operation not permitted" in done.stderr and "ptrace" in done.stderr:
        pytest.skip("ptrace is not permitted here")
    lines = done.stdout.strip().splitlines()
    assert json.loads(lines[0])["ready"] is True, lines[0]
    assert "CANARY" not in done.stdout
    touching = [ln for ln in log.read_text().splitlines() if str(secret) in ln]
    assert touching, "the worker was asked for the canary: strace must show the attempt"
    assert all(" = -1 " in ln for ln in touching), touching  # every attempt failed


def test_refuses_to_start_where_nothing_can_confine(tmp_path, monkeypatch):
    """OOTKG_SANDBOX=none behaves as a kernel without Landlock or namespaces."""
    monkeypatch.setenv("OOTKG_SANDBOX", "none")
    with pytest.raises(WorkerStartError, match="OOTKG_SANDBOX=none"):
        CompilePool(MINI, tmp_path / "cache", ["ntsc-1.0"], workers=1, sandbox="require")
    p = CompilePool(MINI, tmp_path / "cache", ["ntsc-1.0"], workers=1, sandbox="prefer")
    try:
        assert p.sandbox == []
    finally:
        p.close()


def test_serve_refuses_without_a_sandbox_and_says_why(tmp_path):
    store = load_store(tmp_path)
    db = store.dir
    store.close()
    env = dict(os.environ, OOTKG_SANDBOX="none", OOTKG_CACHE_DIR=str(tmp_path / "cache"), OOTKG_API_TOKEN="")
    done = subprocess.run(
        [sys.executable, "-m", "ootkg.cli", "--db", str(db), "serve", "--decomp", str(MINI), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        cwd=str(tmp_path),
    )
    assert done.returncode == 2, done.stderr
    assert "--unsafe-no-sandbox" in done.stderr and "OOTKG_SANDBOX=none" in done.stderr
    assert "Traceback" not in done.stderr
