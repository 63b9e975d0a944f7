"""Validator benchmark: golden-suite accuracy per issue code, and throughput with and without
the compile step. Writes the `validate` section of BENCHMARKS.md.

    python bench/bench_validate.py                 # level 1 too when OOT_DECOMP is set
    python bench/bench_validate.py --baseline DIR  # also time an older checkout, same run

Throughput is measured in fresh processes (one per tree and mode), alternating between
the trees when a baseline is given, and the best of the alternations is kept: the
machine is shared, so only numbers taken side by side compare. A baseline is a checkout
of an earlier commit, e.g. ``git worktree add --detach /tmp/base <commit>``.
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

from bench.report import write_section  # noqa: E402
from kg.settings import Settings  # noqa: E402
from tests.golden.cases import CORRECT, planted, score  # noqa: E402
from tests.golden.graph import load_store  # noqa: E402
from validate.api import Validator  # noqa: E402


def throughput(v: Validator, examples: list, rounds: int) -> float:
    """Examples per second: warm up, then the whole set in batches of 32, ``rounds`` times."""
    v.validate_many(examples[:8])  # warm: indexes, workers, PCH
    t = time.perf_counter()
    n = 0
    for _ in range(rounds):
        for i in range(0, len(examples), 32):
            n += len(v.validate_many(examples[i : i + 32]))
    return n / (time.perf_counter() - t)


# Run in a fresh interpreter with a tree's root first on sys.path; only names every version of
# the validator has (Validator, validate_many, the golden suite) are used.
_RATE = """
import sys, tempfile, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from kg.settings import Settings
from tests.golden.cases import CORRECT, planted
from tests.golden.graph import load_store
from validate.api import Validator
comp, rounds, decomp = sys.argv[2] == "1", int(sys.argv[3]), sys.argv[4] or None
tmp = Path(tempfile.mkdtemp(prefix="ootkg-bench-rate-"))
store = load_store(tmp)
v = Validator(store, Settings(cache_dir=tmp / "cache"), compile=comp, decomp=decomp, workers=2)
ex = CORRECT + [e for _, e in planted()]
for i in range(0, len(ex), 32):  # warm, as scoring the suite first would: indexes, workers, PCH,
    v.validate_many(ex[i:i + 32])  # the graph's answers for names missing from a version
t, c = time.perf_counter(), time.process_time()
n = 0
for _ in range(rounds):
    for i in range(0, len(ex), 32):
        n += len(v.validate_many(ex[i:i + 32]))
print(n / (time.perf_counter() - t), n / (time.process_time() - c))
v.close()
store.close()
"""


def rate_of(tree: Path, comp: bool, rounds: int, decomp: str | None) -> tuple[float, float]:
    """(examples per second of wall-clock time, per second of this process's CPU time)."""
    out = subprocess.run(
        [sys.executable, "-c", _RATE, str(tree), "1" if comp else "0", str(rounds), decomp or ""],
        check=True,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
    )
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def rates(
    trees: dict[str, Path], comp: bool, rounds: int, decomp: str | None, repeats: int
) -> dict[str, list[tuple[float, float]]]:
    """Each tree's (wall, CPU) rates in each of ``repeats`` alternations (the trees take turns
    going first)."""
    got: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
    for r in range(repeats):
        order = list(trees) if r % 2 == 0 else list(reversed(trees))
        for name in order:
            got[name].append(rate_of(trees[name], comp, rounds, decomp))
    return got


def _commit(tree: Path) -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], check=True, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline", type=Path, help="an older checkout to time side by side")
    ap.add_argument("--baseline-note", help="what the baseline is (default: its commit)")
    ap.add_argument("--repeats", type=int, default=3, help="alternations per tree and mode")
    args = ap.parse_args()
    decomp = os.environ.get("OOT_DECOMP")
    tmp = Path(tempfile.mkdtemp(prefix="ootkg-bench-"))
    store = load_store(tmp)
    lines = []
    modes = [("without compile", False)] + ([("with compile (libclang, 2 workers)", True)] if decomp else [])
    trees = {"now": ROOT} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    results = {}
    before = {}
    for label, comp in modes:
        v = Validator(store, Settings(cache_dir=tmp / "cache"), compile=comp, decomp=decomp, workers=2)
        try:
            res = score(v, include_compile=comp)
        finally:
            v.close()
        got = rates(trees, comp, 3 if comp else 10, decomp, args.repeats)
        results[label] = (res, max(w for w, _ in got["now"]), max(c for _, c in got["now"]))
        if "baseline" in got:
            before[label] = got
    lines.append(
        f"Golden suite: {len(CORRECT)} correct examples written in the decomp's style, "
        f"{len(planted(True))} planted-error variants (one mutation each; "
        "`tests/golden/cases.py`), graph `tests/golden/graph.py` (3 versions). "
        "Level 1 runs against the real decomp when `OOT_DECOMP` is set"
        f"{' (it was: ' + decomp + ')' if decomp else ' (it was not: level-1 rows absent)'}."
    )
    lines.append("")
    lines.append("| mode | examples/s | examples per CPU-second | false alarms on correct examples |")
    lines.append("|---|---|---|---|")
    for label, (res, rate, cpu) in results.items():
        fa = sum(res["false_alarms"].values())
        lines.append(
            f"| {label} | {rate:,.0f} | {cpu:,.0f} | {fa} of {res['n_correct']} "
            f"examples ({100 * fa / res['n_correct']:.1f}%) |"
        )
    lines.append("")
    lines.append(
        f"Throughput: fresh processes, the golden examples ({len(CORRECT)} correct + "
        f"{len(planted())} planted) in batches of 32, 10 rounds (3 with compile), "
        f"best of {args.repeats} runs per mode; CPU-seconds are the validating process's "
        "own (compile workers are other processes), the steadier measure on a loaded "
        "machine; the machine is shared with other jobs, so "
        "only numbers taken in the same run compare."
    )
    if before:
        lines.append("")
        what = args.baseline_note or f"commit {_commit(args.baseline)}"
        lines.append(f"Before and after, measured side by side in this run (baseline: {what}; runs alternating):")
        lines.append("")
        lines.append(
            "| mode | before, best (all runs) | now, best (all runs) | speed-up, median of "
            "the paired runs | per CPU-second: before, now, speed-up |"
        )
        lines.append("|---|---|---|---|---|")
        for label, got in before.items():
            old, now = [w for w, _ in got["baseline"]], [w for w, _ in got["now"]]
            oc, nc = [c for _, c in got["baseline"]], [c for _, c in got["now"]]
            ratio = statistics.median(n / o for n, o in zip(now, old, strict=True))
            cratio = statistics.median(n / o for n, o in zip(nc, oc, strict=True))
            lines.append(
                f"| {label} | {max(old):,.0f} ({', '.join(f'{x:.0f}' for x in old)}) | "
                f"{max(now):,.0f} ({', '.join(f'{x:.0f}' for x in now)}) | "
                f"{ratio:.2f}x | {max(oc):,.0f}, {max(nc):,.0f}, {cratio:.2f}x |"
            )
    lines.append("")
    best = results[list(results)[-1]][0]
    lines.append(
        f"Per issue code ({list(results)[-1]}): recall on planted errors, false alarms on the correct examples."
    )
    lines.append("")
    lines.append("| code | recall | false alarms |")
    lines.append("|---|---|---|")
    for code, (hit, total) in sorted(best["recall"].items()):
        fa = best["false_alarms"].get(code, 0)
        lines.append(
            f"| `{code}` | {hit}/{total} ({100 * hit / total:.0f}%) | "
            f"{fa}/{best['n_correct']} ({100 * fa / best['n_correct']:.0f}%) |"
        )
    body = "\n".join(lines)
    write_section("validate", "## Validator\n\n" + body)
    print(body)
    store.close()


if __name__ == "__main__":
    main()
