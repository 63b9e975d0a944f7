"""The offline judge on a labelled set (``bench/judge_set.py``): how well it separates good
examples from ones with a planted defect (AUC, overall and per reason), and how fast it
scores. Writes the `judge` section of BENCHMARKS.md.

    python bench/bench_judge.py --db GRAPH                 # generates an offline run first
    python bench/bench_judge.py --db GRAPH --run RUN.jsonl [--repeat 3] [--show 10]

Throughput is reported twice: the judge alone (facts already built, as in
``generate --min-quality``, where the context is at hand) and end to end (each
example's facts rebuilt from the graph first, with a cold context cache, as
``ootkg judge FILE`` does).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.judge_set import build  # noqa: E402
from bench.report import write_section  # noqa: E402


def rates(n: int, cpu: list[float], wall: list[float]) -> str:
    return f"{n / min(cpu):.0f} | {n / min(wall):.0f} | " + ", ".join(f"{x:.2f}" for x in wall)


def load_avg() -> str:
    try:
        return " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main() -> None:
    from generate.judging import fact_lookup
    from kg.settings import Settings
    from kg.store import open_store
    from review.agreement import auc
    from review.judge.offline import OfflineJudge

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True, help="the graph (opened read-only)")
    ap.add_argument("--run", type=Path, help="an offline run on that graph (default: made now)")
    ap.add_argument("--count", type=int, default=1200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--show", type=int, default=0, help="print the N best-scored defects")
    ap.add_argument("--no-write", action="store_true", help="do not touch BENCHMARKS.md")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ootkg-bench-judge-"))
    run = a.run
    if run is None:
        run = tmp / "run.jsonl"
        env = {**os.environ, "OOTKG_DB": str(a.db), "OOTKG_REVIEW_DIR": str(tmp / "home")}
        subprocess.run(
            [
                sys.executable,
                "-m",
                "ootkg",
                "generate",
                "--count",
                str(a.count),
                "--seed",
                "7",
                "--out",
                str(run),
                "--no-writeback",
                "--no-feedback",
                "--fsync-interval",
                "0.5",
            ],
            check=True,
            env=env,
            cwd=ROOT,
        )
    from review.dataset import RunData

    records = RunData(run).records(full_reports=True)  # as `ootkg judge FILE` reads them
    settings = Settings(db=a.db)
    load_before = load_avg()
    with open_store(settings, read_only=True) as store:
        rows = build(records, store, settings, seed=a.seed)
        look = fact_lookup(store)
        facts = [look(r["record"]["metadata"]) for r in rows]
        alone, alone_cpu = [], []
        for _ in range(a.repeat):
            judge = OfflineJudge()
            t0, c0 = time.perf_counter(), time.process_time()
            scores = [judge.score(r["record"], facts=f) for r, f in zip(rows, facts, strict=True)]
            alone.append(time.perf_counter() - t0)
            alone_cpu.append(time.process_time() - c0)
        e2e, e2e_cpu = [], []
        for _ in range(a.repeat):
            judge = OfflineJudge(facts=fact_lookup(store))  # a cold context cache each time
            t0, c0 = time.perf_counter(), time.process_time()
            for r in rows:
                judge.score(r["record"])
            e2e.append(time.perf_counter() - t0)
            e2e_cpu.append(time.process_time() - c0)
    labels = [r["label"] for r in rows]
    value = [s.score for s in scores]
    good = [lb == "good" for lb in labels]
    lines = ["| defect | examples | AUC against the good ones | mean score |", "|---|---|---|---|"]
    for reason in sorted(set(labels) - {"good"}):
        sub = [(v, lb == "good") for v, lb in zip(value, labels, strict=True) if lb in ("good", reason)]
        mean = statistics.mean(v for v, lb in zip(value, labels, strict=True) if lb == reason)
        lines.append(
            f"| {reason} | {labels.count(reason)} | {auc([v for v, _ in sub], [g for _, g in sub]):.3f} | {mean:.2f} |"
        )
    mean_good = statistics.mean(v for v, g in zip(value, good, strict=True) if g)
    lines.append(f"| (good) | {sum(good)} | | {mean_good:.2f} |")
    overall = auc(value, good)
    n = len(rows)
    body = f"""## Judge

`python bench/bench_judge.py --db GRAPH` ({len(records)} offline examples generated on the
graph, {n} in the labelled set built by `bench/judge_set.py` with seed {a.seed}: one good
example per target and family from one half, a planted defect of each rejection reason on
the other half, every defective example validated again).

**AUC good vs defective: {overall:.3f}** (goal >= 0.9).

{chr(10).join(lines)}

Throughput, best of {a.repeat} (load average before: {load_before}, after: {load_avg()};
the machine is shared, so examples per second of this process's own CPU time are given
beside the wall-clock rate: the first is what one free core does):

| | examples/s (CPU) | examples/s (wall) | wall, all runs (s) |
|---|---|---|---|
| the judge alone (facts at hand, as in `generate --min-quality`) | {rates(n, alone_cpu, alone)} |
| facts rebuilt from the graph, cold cache (`ootkg judge FILE`) | {rates(n, e2e_cpu, e2e)} |
"""
    print(body)
    if a.show:
        worst = sorted(
            (s for s in zip(scores, labels, rows, strict=True) if s[1] != "good"), key=lambda s: -s[0].score
        )[: a.show]
        for sc, lb, r in worst:
            print(f"--- {lb} scored {sc.score}: {sc.flags}")
            for m in r["record"]["messages"][:2]:
                print("   ", m["role"][0], m["content"][:300].replace("\n", " "))
    if not a.no_write:
        write_section("judge", body)


if __name__ == "__main__":
    main()
