"""The offline judge on a labelled set (``bench/judge_set.py``): how well it separates good
examples from ones with a planted defect (AUC, overall and per reason), and how fast it
scores.

    python bench/judge_set.py RUN.jsonl --db GRAPH --out set.jsonl
    python bench/bench_judge.py set.jsonl --db GRAPH [--repeat 3]

Throughput is reported twice: the judge alone (facts already built, as in
``generate --min-quality``, where the context is at hand) and end to end (each
example's facts rebuilt from the graph first, as ``ootkg judge FILE`` does).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    from generate.judging import fact_lookup
    from kg.settings import Settings
    from kg.store import open_store
    from review.agreement import auc
    from review.judge.offline import OfflineJudge

    ap = argparse.ArgumentParser()
    ap.add_argument("set", type=Path)
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--show", type=int, default=0, help="print the N worst-separated defects")
    a = ap.parse_args()
    rows = [json.loads(line) for line in a.set.read_text().splitlines() if line.strip()]
    with open_store(Settings(db=a.db), read_only=True) as store:
        look = fact_lookup(store)
        t0 = time.perf_counter()
        facts = [look(r["record"]["metadata"]) for r in rows]
        first_facts = time.perf_counter() - t0
        alone = []
        for _ in range(a.repeat):
            judge = OfflineJudge()
            t0 = time.perf_counter()
            scores = [judge.score(r["record"], facts=f) for r, f in zip(rows, facts, strict=True)]
            alone.append(time.perf_counter() - t0)
        e2e = []
        for _ in range(a.repeat):
            look = fact_lookup(store)  # a fresh context cache each time
            judge = OfflineJudge(facts=look)
            t0 = time.perf_counter()
            for r in rows:
                judge.score(r["record"])
            e2e.append(time.perf_counter() - t0)
    labels = [r["label"] for r in rows]
    value = [s.score for s in scores]
    good = [lb == "good" for lb in labels]
    print(f"{len(rows)} examples ({sum(good)} good); facts built in {first_facts:.2f}s")
    print(f"AUC good vs defective: {auc(value, good):.3f}")
    for reason in sorted(set(labels) - {"good"}):
        sub = [(v, lb == "good") for v, lb in zip(value, labels, strict=True)
               if lb in ("good", reason)]
        mean = statistics.mean(v for v, lb in zip(value, labels, strict=True) if lb == reason)
        print(f"  {reason:22s} AUC {auc([v for v, _ in sub], [g for _, g in sub]):.3f}  "
              f"mean score {mean:.2f}  (n={labels.count(reason)})")
    print(f"  good                   mean score "
          f"{statistics.mean(v for v, g in zip(value, good, strict=True) if g):.2f}")
    best = min(alone)
    print(f"judge alone: {len(rows) / best:.0f} examples/s (best of {a.repeat}: {best:.2f}s; "
          f"all {', '.join(f'{x:.2f}' for x in alone)})")
    best = min(e2e)
    print(f"with facts from the graph: {len(rows) / best:.0f} examples/s (best of {a.repeat}: "
          f"{best:.2f}s; all {', '.join(f'{x:.2f}' for x in e2e)})")
    if a.show:
        worst = sorted((s for s in zip(value, labels, rows, strict=True) if s[1] != "good"),
                       key=lambda s: -s[0])[:a.show]
        for v, lb, r in worst:
            sc = next(x for x in scores if x.id == r["record"]["metadata"]["id"])
            print(f"--- {lb} scored {v}: {sc.flags}")
            for m in r["record"]["messages"][:2]:
                print("   ", m["role"][0], m["content"][:300].replace("\n", " "))


if __name__ == "__main__":
    main()
