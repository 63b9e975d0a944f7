"""A dataset you can train on: splits by target entity, the validation sidecar, and export.

- ``split_of``: an entity's split (train/validation/test) from a hash of its kind and key,
  so one entity is never in two splits, in this run or any other.
- Rows keep ``ok``, ``level_reached`` and the issue ``codes`` (``slim_report``); the full
  reports go to ``<stem>.reports.jsonl`` next to the output.
- ``export`` writes ``train.jsonl``/``validation.jsonl``/``test.jsonl`` (messages + metadata)
  that ``datasets.load_dataset("json", data_files=...)`` loads as they are.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from generate.ledger import read_jsonl
from review.dataset import reports_path as reports_path  # the sidecar's name: review reads it

SPLITS = (("train", 0.9), ("validation", 0.05), ("test", 0.05))
_QUOTE = re.compile(r"^```c (?:edit )?\S+:\d+(?:-\d+)?\s*$", re.M)


def split_of(kind: str, key: str) -> str:
    h = int(hashlib.sha1(f"{kind}:{key}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    acc = 0.0
    for name, share in SPLITS:
        acc += share
        if h <= acc:
            return name
    return SPLITS[-1][0]


def has_code(messages: list[Any]) -> bool:
    """Quotes decomp code (a fence naming file:line) or holds an edit of a quoted function."""
    return any(m.role == "assistant" and _QUOTE.search(m.content) for m in messages)


def slim_report(report: dict[str, Any]) -> dict[str, Any]:
    return {
        "ok": bool(report.get("ok", True)),
        "level_reached": report.get("level_reached", 0),
        "codes": sorted({i["code"] for i in report.get("issues", []) if i.get("code")}),
    }


def export(runs: Path | list[Path], out_dir: Path, *, only_ok: bool = True) -> dict[str, int]:
    """Write the runs' accepted examples into one file per split (each id once; with
    ``only_ok``, rows whose validation failed are left out)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    handles = {name: open(out_dir / f"{name}.jsonl", "w", encoding="utf-8") for name, _ in SPLITS}
    counts = {name: 0 for name, _ in SPLITS}
    seen: set[str] = set()
    try:
        for run in [runs] if isinstance(runs, Path) else runs:
            for row in read_jsonl(run):
                m = row["metadata"]
                if m.get("id") in seen or (only_ok and not (m.get("validation") or {}).get("ok", True)):
                    continue
                seen.add(m.get("id"))
                split = m.get("split") or split_of(m.get("target_kind", ""), m.get("target", ""))
                handles[split].write(json.dumps(row, ensure_ascii=False) + "\n")
                counts[split] += 1
    finally:
        for h in handles.values():
            h.close()
    return counts
