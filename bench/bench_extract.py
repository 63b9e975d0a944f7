"""Per-TU CPU of the C extraction worker (``ingest.c.extract.extract_tu``) for one version, in
one process, split into phases; optionally checks the records against a saved golden.

    OOT_DECOMP=/path/to/oot python bench/bench_extract.py [--version gc-eu-mq-dbg] [-n 150]
        [--cache DIR] [--golden records.pkl [--save]] [--times t.json] [--before t0.json]
        [--write]

The jobs are the ones ``ingest.c.source.extract_all`` plans (run once with one process and a fresh
cache, capturing each job), then every job is extracted again with timers around the
phases: libclang's parse and disposal, the native helper calls (includes, top-level
cursors, declarations), decoding, filing, and the rest (file hashing, diagnostics, ...).
``--golden``: compare the records field by field with a pickle saved by ``--save`` (e.g. by
the previous extractor) with the same ``--cache`` (stubs and PCH paths are in the records);
exit 1 when one differs. ``--times``: save the phase times as JSON; ``--before``: a column
from such a file (e.g. the previous extractor's run on the same machine). ``--write``: the
"extract" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import pickle
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import write_section  # noqa: E402


def plan_jobs(root: Path, version: str, cache: Path) -> list:
    from ingest.c import source as c_facts
    from ingest.c.profiles import use_checkout
    from ingest.cache import RecordCache
    from ingest.checkout.checkout import Checkout
    from ingest.context import IngestContext

    co = Checkout.open(root)
    ctx = IngestContext(checkout=co, versions=co.select([version]), cache_dir=cache, jobs=1)
    use_checkout(co.root)
    jobs = []
    real = c_facts.extract_tu

    def capture(job):  # noqa: ANN001, ANN202
        jobs.append(pickle.loads(pickle.dumps(job)))
        return real(job)

    c_facts.extract_tu = capture
    try:
        c_facts.init_worker(str(cache))
        with tempfile.TemporaryDirectory() as facts:  # no records from an earlier run
            c_facts.extract_all(ctx, None, RecordCache(Path(facts)))
    finally:
        c_facts.extract_tu = real
    return jobs


def timed_run(jobs: list, cache: Path) -> tuple[list, Counter, float]:
    import clang.cindex as ci

    from ingest.c import extract as c_extract

    c_extract.init_worker(str(cache))
    w = c_extract._W
    assert w is not None
    spent: Counter = Counter()

    def wrap(obj: object, name: str, label: str) -> None:
        f = getattr(obj, name, None)
        if f is None:  # not in this version of the extractor
            return

        def timed(*a, **k):  # noqa: ANN002, ANN003, ANN202
            t = time.process_time()
            try:
                return f(*a, **k)
            finally:
                spent[label] += time.process_time() - t

        setattr(obj, name, timed)

    wrap(w.index, "parse", "parse")
    helpers = getattr(w, "h", None)
    for n in ("includes", "toplevel", "describe"):
        if helpers is not None:
            wrap(helpers, n, n)
    wrap(c_extract, "native_decls", "decode")
    wrap(c_extract, "python_decls", "python walk")
    wrap(c_extract, "_file", "file")
    orig_del = ci.TranslationUnit.__del__

    def dispose(self):  # noqa: ANN001, ANN202
        t = time.process_time()
        orig_del(self)
        spent["dispose"] += time.process_time() - t

    ci.TranslationUnit.__del__ = dispose
    gc.collect()
    gc.freeze()
    t0 = time.process_time()
    try:
        recs = [c_extract.extract_tu(j) for j in jobs]
    finally:
        ci.TranslationUnit.__del__ = orig_del
    return recs, spent, time.process_time() - t0


def _fields(r: object) -> dict:
    d = {f.name: getattr(r, f.name) for f in dataclasses.fields(r)}
    d.pop("claims")  # set by the planner, not by extract_tu
    return d


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", default="gc-eu-mq-dbg")
    ap.add_argument("-n", type=int, default=0, help="only the first N jobs (largest first)")
    ap.add_argument("--cache", type=Path, help="stubs and PCH here (default: a temp dir)")
    ap.add_argument("--golden", type=Path)
    ap.add_argument("--save", action="store_true", help="write the records to --golden")
    ap.add_argument("--times", type=Path, help="save the phase times (JSON)")
    ap.add_argument("--before", type=Path, help="phase times of a baseline run (JSON)")
    ap.add_argument("--note", default="", help="a line under the table (load, code versions)")
    ap.add_argument("--write", action="store_true")
    a = ap.parse_args()
    root = os.environ.get("OOT_DECOMP")
    if not root:
        print("set OOT_DECOMP to a zeldaret/oot checkout", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        cache = a.cache or Path(tmp)
        t = time.perf_counter()
        jobs = plan_jobs(Path(root), a.version, cache)
        print(f"planned (and extracted once) {len(jobs)} jobs in {time.perf_counter() - t:.1f}s")
        if a.n:
            jobs = jobs[: a.n]
        recs, spent, total = timed_run(jobs, cache)
    n = len(jobs)
    rows = dict([("total", total), *spent.most_common(), ("other", total - sum(spent.values()))])
    if a.times:
        a.times.write_text(json.dumps({"n": n, "rows": rows}))
    before = json.loads(a.before.read_text()) if a.before else None

    def ms(d: dict, k: str, count: int) -> str:
        return f"{d[k] / count * 1000:.2f}" if k in d else "-"

    if before:
        b, bn = before["rows"], before["n"]
        table = "| Phase | before, ms per TU | after, ms per TU |\n|---|---|---|\n" + "".join(
            f"| {k} | {ms(b, k, bn)} | {ms(rows, k, n)} |\n" for k in dict.fromkeys([*rows, *b])
        )
    else:
        table = "| Phase | CPU s | ms per TU |\n|---|---|---|\n" + "".join(
            f"| {k} | {v:.2f} | {v / n * 1000:.2f} |\n" for k, v in rows.items()
        )
    print(table)
    bad = 0
    if a.golden and a.save:
        a.golden.write_bytes(pickle.dumps([_fields(r) for r in recs]))
    elif a.golden:
        gold = pickle.loads(a.golden.read_bytes())
        bad = sum(1 for g, r in zip(gold, recs, strict=True) if g != _fields(r))
        print("records equal to the golden" if not bad else f"{bad} records differ")
    if a.write:
        write_section(
            "extract",
            f"## C extraction worker, per TU\n\n`{a.version}`, {n} TUs, "
            "one process, CPU time (`bench/bench_extract.py`):\n\n" + table + (f"\n{a.note}\n" if a.note else ""),
        )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
