"""A run becomes a dataset you can train on: splits by target entity, the validation sidecar,
dedup across runs, and a real load with Hugging Face `datasets` (offline)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from generate.dataset import export, reports_path, split_of
from generate.ledger import read_jsonl, rejects_path
from generate.llm.offline import OfflineClient
from generate.plan import RunConfig
from generate.run import Runner, RunOptions
from kg.store import open_store
from tests.gen_graph import DBG, make_store
from validate.api import Validator


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ds")
    settings = make_store(tmp / "graph")
    out = tmp / "run.jsonl"
    with open_store(settings) as store:
        Runner(
            store,
            RunConfig(version=DBG, count=40, seed=2),
            OfflineClient(),
            RunOptions(out=out),
            Validator(store, settings, compile=False),
        ).run()
    return settings, out


def test_rows_keep_a_slim_report_and_the_sidecar_the_full_one(run):
    _, out = run
    rows = list(read_jsonl(out))
    reports = {r["id"]: r["report"] for r in read_jsonl(reports_path(out))}
    assert len(rows) == 40 == len(reports)
    for row in rows:
        meta = row["metadata"]
        assert set(meta["validation"]) == {"ok", "level_reached", "codes"}
        full = reports[meta["id"]]
        assert full["ok"] == meta["validation"]["ok"] and "levels" in full
        assert meta["split"] == split_of(meta["target_kind"], meta["target"])


def test_export_splits_by_entity_and_loads_with_hugging_face_datasets(run, tmp_path, monkeypatch):
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    _, out = run
    counts = export([out, out], tmp_path / "ds")  # the same run twice: each row once
    assert sum(counts.values()) == 40
    files = {k: str(tmp_path / "ds" / f"{k}.jsonl") for k, n in counts.items() if n}
    ds = datasets.load_dataset("json", data_files=files, cache_dir=str(tmp_path / "hfcache"))
    assert sum(len(ds[k]) for k in ds) == 40
    owners: dict[str, str] = {}
    for split in ds:
        for row in ds[split]:
            assert [m["role"] for m in row["messages"]][0] == "user"
            assert all(isinstance(m["content"], str) and m["content"] for m in row["messages"])
            key = f"{row['metadata']['target_kind']}:{row['metadata']['target']}"
            assert owners.setdefault(key, split) == split  # no entity in two splits


def test_cli_generates_with_dedup_against_and_exports(run, tmp_path):
    settings, first = run
    env = {**os.environ, "OOTKG_DB": str(settings.db), "OOTKG_CACHE_DIR": str(tmp_path / "c"), "COLUMNS": "300"}
    second = tmp_path / "second.jsonl"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "ootkg",
            "generate",
            "--count",
            "40",
            "--seed",
            "2",
            "--out",
            str(second),
            "--no-writeback",
            "--dedup-against",
            str(first),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    # the same plan again: its first items repeat the first run's examples and are rejected;
    # what is written comes from further down the plan, new
    firsts = {r["metadata"]["id"] for r in read_jsonl(first)}
    assert not firsts & {r["metadata"]["id"] for r in read_jsonl(second)}
    rejects = list(read_jsonl(rejects_path(second)))
    earlier = [r for r in rejects if str(r.get("duplicate_of") or "").startswith("earlier:")]
    assert len({r["id"] for r in earlier} & firsts) >= 30
    proc = subprocess.run(
        [sys.executable, "-m", "ootkg", "dataset", "export", str(first), "--out", str(tmp_path / "exp")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    lines = sum(
        len((tmp_path / "exp" / f).read_text().splitlines()) for f in ("train.jsonl", "validation.jsonl", "test.jsonl")
    )
    assert lines == 40 and "40 examples" in proc.stdout
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "ootkg",
            "generate",
            "--count",
            "1",
            "--out",
            str(tmp_path / "x.jsonl"),
            "--dedup-against",
            str(tmp_path / "no.jsonl"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode != 0 and "no such file" in bad.stderr and "Traceback" not in bad.stderr
    json.dumps(rejects)  # the reject records are plain JSON
