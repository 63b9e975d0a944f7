"""Benchmark: the domain sources (tables, asset XML, addresses) for every version of a checkout.

    OOT_DECOMP=/path/to/oot python bench/bench_domain.py   # OOTKG_SYMBOLS_DIR=DIR: your own lists

Goal: all three sources, all versions, in at most 5 s. Writes its section of BENCHMARKS.md.
Without the C facts, z64hdr names (which have no kind) cannot be classified and every list
name counts as "not in the graph"; the lists are still read and resolved, so the timing holds.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import write_section  # noqa: E402
from ingest.checkout.checkout import Checkout  # noqa: E402
from ingest.context import IngestContext  # noqa: E402
from ingest.domain.addresses import addresses_source  # noqa: E402
from ingest.domain.assets_xml import assets_source  # noqa: E402
from ingest.domain.tables import tables_source  # noqa: E402
from kg.facts import Facts  # noqa: E402


def run_once(co: Checkout, cache: Path, symbols: Path | None) -> tuple[dict[str, float], Facts]:
    ctx = IngestContext(checkout=co, versions=co.versions(), cache_dir=cache)
    ctx.symbols_dir = symbols  # type: ignore[attr-defined]
    facts = Facts()
    times: dict[str, float] = {}
    for name, fn in (("tables", tables_source), ("assets", assets_source), ("addresses", addresses_source)):
        ctx.facts = facts
        t = time.perf_counter()
        got = fn(ctx)
        times[name] = time.perf_counter() - t
        facts.merge(got)
    times["total"] = sum(times.values())
    return times, facts


def main() -> None:
    root = os.environ.get("OOT_DECOMP")
    if not root:
        sys.exit("set OOT_DECOMP to a zeldaret/oot checkout")
    sym_env = os.environ.get("OOTKG_SYMBOLS_DIR")
    symbols = Path(sym_env) if sym_env else None  # else the history's or the shipped lists
    co = Checkout.open(root)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(3):
            # Fresh process state matters little here: each run re-reads every file.
            times, facts = run_once(co, Path(tmp) / f"cache{i}", symbols)
            runs.append(times)
            print({k: round(v, 2) for k, v in times.items()})
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    best = {k: min(r[k] for r in runs) for k in runs[0]}
    counts = facts.counts()
    load = os.getloadavg()[0]
    body = (
        f"Domain sources on {len(co.versions())} versions of a zeldaret/oot checkout (commit "
        f"{(co.commit() or 'unknown')[:10]}), symbol lists: {symbols or 'out of the box'}; "
        f"{len(runs)} runs in one process; machine load average {load:.1f} (other work on the "
        "same 2 cores inflates the times).\n\n"
        "| source | median s | best s |\n|---|---|---|\n"
        + "".join(f"| {k} | {v:.2f} | {best[k]:.2f} |\n" for k, v in med.items())
        + "\nGoal: total ≤ 5 s.\n\n"
        + "Facts: "
        + ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))
        + "\n"
    )
    write_section("domain", body)
    print(body)


if __name__ == "__main__":
    main()
