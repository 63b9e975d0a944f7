"""Judge scores live beside the run: ``data/run2.judge.jsonl``, one ``JudgeScore`` a line.

Several judges share the file; the last line for a (judge, id) wins. ``replace`` rewrites
one judge's lines atomically (the offline judge re-scores a whole run in seconds);
``append`` adds lines durably as they come (a budgeted LLM judge, resumable).
"""

from __future__ import annotations

import json
from pathlib import Path

from review.home import write_atomic
from review.journal import Journal
from review.judge.rubric import JudgeScore


def sidecar_path(run: Path) -> Path:
    name = run.name[:-6] if run.name.endswith(".jsonl") else run.name
    return run.with_name(name + ".judge.jsonl")


def read_scores(run: Path) -> dict[str, dict[str, JudgeScore]]:
    """judge name -> example id -> its latest score."""
    out: dict[str, dict[str, JudgeScore]] = {}
    for row in Journal(sidecar_path(run)).read():
        try:
            s = JudgeScore.model_validate(row)
        except ValueError:
            continue
        out.setdefault(s.judge, {})[s.id] = s
    return out


def replace(run: Path, judge: str, scores: list[JudgeScore]) -> Path:
    path = sidecar_path(run)
    keep = [row for row in Journal(path).read() if row.get("judge") != judge]
    lines = [json.dumps(r, sort_keys=True) for r in keep]
    lines += [s.model_dump_json() for s in scores]
    write_atomic(path, "".join(line + "\n" for line in lines))
    return path


def append(run: Path, scores: list[JudgeScore]) -> None:
    Journal(sidecar_path(run)).append([s.model_dump(mode="json") for s in scores])
