"""The offline generation loop end to end: output, validation, determinism, resumption."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from generate.context import ContextBuilder
from generate.ledger import read_jsonl, rejects_path, repair_tail
from generate.llm.offline import OfflineClient
from generate.models import OutputRecord, Target
from generate.plan import RunConfig
from generate.run import RunError, Runner, RunOptions
from kg.store import open_store
from tests.gen_graph import DBG, NTSC, make_store
from validate.api import Validator
from validate.models import Example


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return make_store(tmp_path_factory.mktemp("gen") / "graph")


def run(settings, out: Path, **cfg) -> tuple:
    opts = {k: cfg.pop(k) for k in ("resume", "overwrite", "throttle_s") if k in cfg}
    config = RunConfig(**{"version": DBG, "count": 30, "seed": 7, **cfg})
    with open_store(settings) as store:
        runner = Runner(
            store, config, OfflineClient(), RunOptions(out=out, **opts), Validator(store, settings, compile=False)
        )
        return runner.run(), list(read_jsonl(out))


def test_offline_run_writes_valid_grounded_examples(settings, tmp_path):
    stats, rows = run(settings, tmp_path / "run.jsonl")
    assert stats.accepted == 30 == len(rows)
    assert stats.stop_reason == "complete"
    with open_store(settings) as store:
        validator = Validator(store, settings, compile=False)
        contexts = ContextBuilder(store)
        for row in rows:
            rec = OutputRecord.model_validate(row)  # the schema every line follows
            meta = rec.metadata
            assert meta.generator == "offline" and meta.version == DBG
            assert [m.role for m in rec.messages][0] == "user"
            assert rec.messages[-1].role == "assistant"
            assert meta.validation["ok"] is True and meta.ingest_run == "ingest-fixture-1"
            # Re-validating the written example gives no error.
            report = validator.validate(Example.model_validate(row))
            assert report.ok, report.issues
            # Every fact id it cites is a fact of its target's context, and is not empty.
            ctx = contexts.build(Target(kind=meta.target_kind, key=meta.target), DBG)
            assert meta.fact_ids and set(meta.fact_ids) <= set(ctx.by_id())
    families = {r["metadata"]["family"] for r in rows}
    assert len(families) >= 6  # the plan spreads over the families
    assert sum(r["metadata"]["has_code"] for r in rows) >= len(rows) * 0.6
    ids = [r["metadata"]["id"] for r in rows]
    assert len(ids) == len(set(ids))
    rejects = list(read_jsonl(rejects_path(tmp_path / "run.jsonl")))
    assert stats.duplicates + stats.unsupported + stats.rejected == len(rejects)
    for rej in rejects:  # every item that was not written is logged with a reason
        assert rej["reason"] in ("duplicate", "unsupported", "no-facts", "validation")
        if rej["reason"] == "duplicate":
            assert rej["duplicate_of"] in ids


def test_offline_examples_state_the_graph_facts(settings, tmp_path):
    _, rows = run(settings, tmp_path / "facts.jsonl", families=["save-data"], count=3, families_explicit=True)
    texts = [m["content"] for r in rows for m in r["messages"] if m["role"] == "assistant"]
    joined = "\n".join(texts)
    # gSaveContext at 0x8015E660 (dbg) plus a member's offset: the sum is stated correctly.
    for member, offset in (("entranceIndex", 0x0), ("linkAge", 0x4), ("cutsceneIndex", 0x8), ("dayTime", 0xC)):
        if f"gSaveContext.{member} is at" in joined:
            assert f"= 0x{0x8015E660 + offset:X}" in joined
    # an address is always stated with its own version, never another version's
    assert "0x8011A5D0 in gc-eu-mq-dbg" not in joined and "0x8015E660 in ntsc-1.0" not in joined
    assert "0x8011A5D0" not in joined or "0x8011A5D0 in ntsc-1.0" in joined


def test_same_config_same_examples(settings, tmp_path):
    _, a = run(settings, tmp_path / "a.jsonl", count=15)
    _, b = run(settings, tmp_path / "b.jsonl", count=15)
    assert [(r["metadata"]["id"], r["messages"]) for r in a] == [(r["metadata"]["id"], r["messages"]) for r in b]
    _, c = run(settings, tmp_path / "c.jsonl", count=15, seed=8)
    assert [r["metadata"]["id"] for r in c] != [r["metadata"]["id"] for r in a]


def test_existing_output_refused_then_resumed_without_duplicates(settings, tmp_path):
    out = tmp_path / "r.jsonl"
    run(settings, out, count=10)
    with pytest.raises(RunError, match="already exists"):
        run(settings, out, count=10)
    stats, rows = run(settings, out, count=20, resume=True)
    assert stats.resumed_from >= 10 and len(rows) == 20
    _, full = run(settings, tmp_path / "full.jsonl", count=20)
    assert sorted(r["metadata"]["id"] for r in rows) == sorted(r["metadata"]["id"] for r in full)
    with pytest.raises(RunError, match="different configuration"):
        run(settings, out, count=20, resume=True, seed=99)
    stats, again = run(settings, out, count=20, overwrite=True)
    assert len(again) == 20


def test_torn_last_line_is_cut_and_redone(settings, tmp_path):
    out = tmp_path / "t.jsonl"
    _, full = run(settings, out, count=8)
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:5]) + lines[5][: len(lines[5]) // 2])  # killed mid-write
    rej = rejects_path(out)
    rej.write_text(rej.read_text() + '{"id": "torn')
    stats, rows = run(settings, out, count=8, resume=True)
    assert [r["metadata"]["id"] for r in rows] == [r["metadata"]["id"] for r in full]
    assert out.read_text().endswith("\n") and repair_tail(out) == 0
    assert all(json.loads(line) for line in rej.read_text().splitlines())


# `ootkg generate` that SIGKILLs itself right after its Nth output line is on disk (written,
# flushed, fdatasynced): mid-run at a known point, however fast or slow the machine is.
KILLED_AFTER = """
import os, signal, sys
out, lines, sys.argv = sys.argv[1], int(sys.argv[2]), ["ootkg", *sys.argv[3:]]
real, synced = os.fdatasync, [0]
def fdatasync(fd):
    real(fd)
    try:
        ours = os.path.samestat(os.fstat(fd), os.stat(out))
    except OSError:
        ours = False
    if ours:
        synced[0] += 1
        if synced[0] == lines:
            os.kill(os.getpid(), signal.SIGKILL)
os.fdatasync = fdatasync
from ootkg.fastpath import main
main()
"""


def test_sigkill_mid_run_then_resume_gives_the_uninterrupted_result(settings, tmp_path):
    env = {**os.environ, "OOTKG_DB": str(settings.db), "COLUMNS": "200"}
    out = tmp_path / "k.jsonl"
    args = [
        "generate",
        "--count",
        "25",
        "--seed",
        "3",
        "--version",
        NTSC,
        "--out",
        str(out),
        "--no-writeback",
        "--fsync-interval",
        "0",
    ]  # (0: every line is synced, the default)
    proc = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER, str(out), "5", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    written = len(out.read_text().splitlines())
    assert written == 5
    resumed = subprocess.run(
        [sys.executable, "-m", "ootkg", "generate", "--resume", str(out), "--no-writeback"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "Traceback" not in resumed.stderr
    rows = list(read_jsonl(out))
    # The same configuration run without interruption (in process: same code path as the CLI).
    _, clean = run(settings, tmp_path / "u.jsonl", count=25, seed=3, version=NTSC)
    key = [(r["metadata"]["id"], json.dumps(r["messages"])) for r in rows]
    assert len(key) == len(set(key)) == 25
    assert sorted(key) == sorted((r["metadata"]["id"], json.dumps(r["messages"])) for r in clean)
    decided = [r["id"] for r in read_jsonl(rejects_path(out))] + [k for k, _ in key]
    assert len(decided) == len(set(decided))  # nothing both accepted and rejected, nothing twice


def test_version_filters_targets(settings, tmp_path):
    _, rows = run(settings, tmp_path / "v.jsonl", version=NTSC, count=40)
    assert all(r["metadata"]["target"] != "DebugDisplay_AddObject" for r in rows)
    assert all(r["metadata"]["version"] == NTSC for r in rows)
