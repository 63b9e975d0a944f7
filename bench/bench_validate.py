"""Validator benchmark: golden-suite accuracy per issue code, and throughput with and without
the compile step. Writes the `validate` section of BENCHMARKS.md.

    python bench/bench_validate.py                 # level 1 too when OOT_DECOMP is set
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import write_section  # noqa: E402
from kg.settings import Settings  # noqa: E402
from tests.golden.cases import CORRECT, planted, score  # noqa: E402
from tests.golden.graph import load_store  # noqa: E402
from validate.api import Validator  # noqa: E402


def throughput(v: Validator, examples: list, rounds: int) -> float:
    v.validate_many(examples[:8])  # warm: indexes, workers, PCH
    t = time.perf_counter()
    n = 0
    for _ in range(rounds):
        for i in range(0, len(examples), 32):
            n += len(v.validate_many(examples[i:i + 32]))
    return n / (time.perf_counter() - t)


def main() -> None:
    decomp = os.environ.get("OOT_DECOMP")
    tmp = Path(tempfile.mkdtemp(prefix="ootkg-bench-"))
    store = load_store(tmp)
    examples = CORRECT + [e for _, e in planted()]
    lines = []
    modes = [("without compile", False)] + ([("with compile (libclang, 2 workers)", True)]
                                             if decomp else [])
    results = {}
    for label, comp in modes:
        v = Validator(store, Settings(cache_dir=tmp / "cache"), compile=comp, decomp=decomp,
                      workers=2)
        try:
            res = score(v, include_compile=comp)
            rate = throughput(v, examples, 3 if comp else 10)
        finally:
            v.close()
        results[label] = (res, rate)
    lines.append(f"Golden suite: {len(CORRECT)} correct examples written in the decomp's style, "
                 f"{len(planted(True))} planted-error variants (one mutation each; "
                 "`tests/golden/cases.py`), graph `tests/golden/graph.py` (3 versions). "
                 "Level 1 runs against the real decomp when `OOT_DECOMP` is set"
                 f"{' (it was: ' + decomp + ')' if decomp else ' (it was not: level-1 rows absent)'}.")
    lines.append("")
    lines.append("| mode | examples/s | false alarms on correct examples |")
    lines.append("|---|---|---|")
    for label, (res, rate) in results.items():
        fa = sum(res["false_alarms"].values())
        lines.append(f"| {label} | {rate:,.0f} | {fa} of {res['n_correct']} examples "
                     f"({100 * fa / res['n_correct']:.1f}%) |")
    lines.append("")
    best = results[list(results)[-1]][0]
    lines.append(f"Per issue code ({list(results)[-1]}): recall on planted errors, false alarms "
                 "on the correct examples.")
    lines.append("")
    lines.append("| code | recall | false alarms |")
    lines.append("|---|---|---|")
    for code, (hit, total) in sorted(best["recall"].items()):
        fa = best["false_alarms"].get(code, 0)
        lines.append(f"| `{code}` | {hit}/{total} ({100 * hit / total:.0f}%) | "
                     f"{fa}/{best['n_correct']} ({100 * fa / best['n_correct']:.0f}%) |")
    body = "\n".join(lines)
    write_section("validate", "## Validator\n\n" + body)
    print(body)
    store.close()


if __name__ == "__main__":
    main()
