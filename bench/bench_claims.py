"""Claim checking benchmark: recall and false alarms per claim kind on the paraphrase suite
(generated from a graph's facts), and false alarms per issue code on the decomp's own actor
and effect files. Writes the `claims` section of BENCHMARKS.md.

    python bench/bench_claims.py                         # the golden graph only
    python bench/bench_claims.py --graph DIR             # also a real graph (facts drawn from it)
    OOT_DECOMP=~/oot python bench/bench_claims.py --graph DIR   # and the decomp's files

The paraphrase suite makes, per sampled fact, one true and one false example in each
phrasing of ``tests/golden/phrasings.py``; recall counts false claims reported with the
kind's code, false alarms count true claims with any error.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402
from kg.settings import Settings  # noqa: E402
from tests.golden.decomp_files import false_alarms, snippets  # noqa: E402
from tests.golden.paraphrase import build, score  # noqa: E402
from tests.golden.phrasings import CODES, PHRASINGS  # noqa: E402
from validate.api import Validator  # noqa: E402

VERSION = "gc-eu-mq-dbg"


def suite(store, n: int, seeds: list[int], label: str) -> list[str]:
    v = Validator(store, Settings(), compile=False)
    other = next((x for x in v.versions() if x != VERSION), None)
    totals: dict[str, list[int]] = {}
    n_cases = 0
    elapsed = 0.0
    for seed in seeds:
        cases = build(v.index(VERSION), v.index(other) if other else None, n=n, seed=seed)
        n_cases += len(cases)
        t = time.perf_counter()
        res = score(v, cases)
        elapsed += time.perf_counter() - t
        for kind, d in res.items():
            acc = totals.setdefault(kind, [0, 0, 0, 0])
            for i, k in enumerate(("caught", "false", "alarms", "true")):
                acc[i] += d[k]
    v.close()
    lines = [
        f"**{label}**: {n_cases} examples ({n} facts per kind and phrasing, seeds "
        f"{', '.join(map(str, seeds))}), {n_cases / elapsed:,.0f} examples/s without "
        "compile.",
        "",
        "| claim kind | code | phrasings | recall | false alarms |",
        "|---|---|---|---|---|",
    ]
    caught = false = alarms = true = 0
    for kind, (c, f, a, t) in sorted(totals.items()):
        lines.append(
            f"| {kind} | `{CODES[kind]}` | {len(PHRASINGS[kind])} | {c}/{f} "
            f"({100 * c / f:.1f}%) | {a}/{t} ({100 * a / t:.1f}%) |"
        )
        caught, false, alarms, true = caught + c, false + f, alarms + a, true + t
    lines.append(
        f"| all | | | {caught}/{false} ({100 * caught / false:.1f}%) | {alarms}/{true} ({100 * alarms / true:.1f}%) |"
    )
    return lines


def decomp(store, root: str, cache: Path) -> list[str]:
    lines = [
        f"**The decomp's own files** ({root}, {VERSION}): every actor and effect `.c`, "
        "each validated as one example whole, and as excerpts: each function it compiles "
        "for the version, and three `this->` lines of each function (`tests/golden/"
        "decomp_files.py`). Errors are false alarms (warnings, e.g. the decomp's own "
        "double literals, are not counted).",
        "",
        "| snippets | compile | examples | errors by code | time |",
        "|---|---|---|---|---|",
    ]
    runs = [
        ("whole files", True, dict(excerpts=False)),
        ("whole files", False, dict(excerpts=False)),
        ("excerpts", False, dict(whole=False)),
        ("excerpts, every 5th file, 2 functions each", True, dict(whole=False, every=5, per_file=2)),
    ]
    for label, comp, kw in runs:
        v = Validator(store, Settings(cache_dir=cache), compile=comp, decomp=root, workers=2, compile_timeout=60)
        items = snippets(root, VERSION, **kw)
        t = time.perf_counter()
        try:
            counts, seen = false_alarms(v, items, VERSION)
        finally:
            v.close()
        by_code: dict[str, int] = {}
        for (_, code), k in counts.items():
            by_code[code] = by_code.get(code, 0) + k
        shown = ", ".join(f"`{c}` {k}" for c, k in sorted(by_code.items())) or "none (0)"
        lines.append(
            f"| {label} | {'yes' if comp else 'no'} | {len(items)} | {shown} | {time.perf_counter() - t:.0f} s |"
        )
        for code, examples in seen.items():
            print(code, *examples, sep="\n  ")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--graph", help="a graph of the real decomp (default: OOTKG_TEST_GRAPH)")
    ap.add_argument("--n", type=int, default=10, help="facts per kind on the real graph")
    args = ap.parse_args()
    from kg.embedded import EmbeddedStore
    from tests.golden.graph import load_store

    body = ["## Claims", ""]
    tmp = Path(tempfile.mkdtemp(prefix="ootkg-bench-claims-"))
    store = load_store(tmp)
    body += suite(store, 3, [13, 14, 15], "Golden graph") + [""]
    store.close()
    graph = args.graph or os.environ.get("OOTKG_TEST_GRAPH")
    if graph:
        real = EmbeddedStore(graph, read_only=True)
        body += suite(real, args.n, [1, 2, 3], f"Real graph ({graph})") + [""]
        root = os.environ.get("OOT_DECOMP")
        if root:
            cache = Path(os.environ.get("OOTKG_CACHE_DIR") or tmp / "cache")
            body += decomp(real, root, cache) + [""]
        real.close()
    body.append(
        "The phrasings were written alongside the claim finder, so these rates are an "
        "upper bound for sets written by others (the facts and values are drawn from the "
        "graph, the sentence shapes are not). The machine is shared with other jobs "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end of "
        "this run): rates compare only within one run."
    )
    text = "\n".join(body)
    write_section("claims", text)
    print(text)


if __name__ == "__main__":
    main()
