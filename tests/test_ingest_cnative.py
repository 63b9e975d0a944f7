"""The native declaration walk (ootkg_walk.c + c_decls.native_decls) gives exactly the records
the Python-bindings walk gives, TU by TU, on the fixture decomp (with and without the PCH,
headers walked once per worker as in a real run)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ingest.c import extract as c_extract
from ingest.c.env import CompileEnv
from ingest.checkout.checkout import Checkout
from ingest.checkout.spec import read_spec

MINI = Path(__file__).resolve().parent / "fixtures" / "minidecomp"


def _jobs(tmp: Path) -> list[c_extract.Job]:
    co = Checkout.open(MINI)
    jobs = []
    for v in co.versions():
        env = CompileEnv(co, v.id, tmp)
        env.ensure_stubs()
        pch = env.pch()
        for t in read_spec(co, v).tus:
            if not t.path.startswith("src/"):
                continue
            args = env.args(t.path)
            if pch is not None and env.uses_pch(t.path):
                args = args + ["-include-pch", str(pch)]
            # one header key per version: the second TU of a version skips the headers the
            # first walked, as a worker does
            hks = {str(co.root / h): v.id for h in ("include/ultra64.h", "include/actor.h")}
            jobs.append(
                c_extract.Job(
                    tu=t.path,
                    args=args,
                    root=str(co.root),
                    stub_dir=str(env.stub_dir),
                    header_keys=hks,
                    key=f"{v.id}:{t.path}",
                )
            )
    return jobs


def _run(jobs: list[c_extract.Job], cache: Path) -> list[dict]:
    c_extract.init_worker(str(cache))
    return [dataclasses.asdict(c_extract.extract_tu(j)) for j in jobs]


def test_native_walk_equals_the_python_walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = _jobs(tmp_path)
    assert len(jobs) > 20
    native = _run(jobs, tmp_path)
    assert c_extract._W is not None
    if c_extract._W.h.describe is None:
        pytest.skip("no C compiler: the native helper is not built")
    monkeypatch.setenv("OOTKG_NO_NATIVE", "1")
    python = _run(jobs, tmp_path)
    assert c_extract._W.h.describe is None
    assert sum(len(r["main"]["functions"]) for r in native) > 50
    assert any(r["headers"] for r in native) and any(r["main"]["profiles"] for r in native)
    for a, b in zip(native, python, strict=True):
        assert a == b, a["tu"]
