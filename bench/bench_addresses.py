"""Benchmark: addresses out of the box on a real checkout.

    OOT_DECOMP=/path/to/oot python bench/bench_addresses.py [--sample 300]

A plain ingest (C code and addresses; no --symbols, no map) of every version a public
symbol list covers, then ``symbol_at`` on a random sample of each list's function
addresses: does it name that function (by the list's name, or by today's where the decomp
renamed it)? Goal >= 95%. Also: the size of the lists shipped with ootkg, and the time to
find the lists (the checkout's git history when it is a full clone, else the shipped copy).
Writes its section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import write_section  # noqa: E402


def sample_symbol_at(store: Any, lists: list[Any], n: int, seed: int = 14) -> dict[str, tuple[int, int, list[str]]]:
    """Per list: (named, sampled, misses). A disasm list says which entries are functions;
    of z64hdr's (no kinds), those the graph or the rename matching calls a function, and
    every ``func_`` name."""
    from kg.queries import run_named

    rng = random.Random(seed)
    by_list: dict[str, list[Any]] = {}
    for s in lists:
        by_list.setdefault(s.origin.rsplit(":", 1)[0], []).append(s)
    out: dict[str, tuple[int, int, list[str]]] = {}
    for rel, syms in sorted(by_list.items()):
        v = syms[0].version
        renamed = {
            r["old"]: r["new"]
            for r in store.run(
                "MATCH (f:Function)-[l:LOCATED_AT]->(:Version {id: $v}) "
                "WHERE l.listed_as IS NOT NULL RETURN l.listed_as AS old, f.name AS new",
                {"v": v},
            )
        }
        functions = {
            r["n"]
            for r in store.run("MATCH (f:Function)-[:IN_VERSION]->(:Version {id: $v}) RETURN f.name AS n", {"v": v})
        }
        if syms[0].source == "disasm":
            pool = [s for s in syms if s.kind == "Function"]
        else:
            pool = [s for s in syms if s.name in functions or s.name in renamed or s.name.startswith("func_")]
        if not pool:
            continue
        hits, misses = 0, []
        picked = rng.sample(pool, min(n, len(pool)))
        for s in picked:
            rows = run_named(store, "symbol_at", address=s.address, version=v)
            got = {r["name"] for r in rows if r["kind"] == "Function"}
            if s.name in got or renamed.get(s.name) in got:
                hits += 1
            else:
                misses.append(f"{s.name} 0x{s.address:08X}: {', '.join(sorted(got)) or '-'}")
        out[rel] = (hits, len(picked), misses)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sample", type=int, default=300, help="addresses per list")
    args = ap.parse_args()
    root = os.environ.get("OOT_DECOMP")
    if not root:
        sys.exit("set OOT_DECOMP to a zeldaret/oot checkout")
    os.environ.pop("OOTKG_SYMBOLS_DIR", None)
    from ingest.checkout.checkout import Checkout
    from ingest.domain.symbols.gather import gather_lists
    from ingest.domain.symbols.pack import DATA
    from ingest.pipeline import run_ingest
    from kg.settings import Settings
    from kg.store import open_store

    co = Checkout.open(root)
    load0 = os.getloadavg()[0]
    ids = [v.id for v in co.declared_versions()]
    packed = resources.files("ingest").joinpath(DATA).read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        lists, report = gather_lists(None, co.root, ids, Path(tmp) / "c0")
        t_first = time.perf_counter() - t
        t = time.perf_counter()
        gather_lists(None, co.root, ids, Path(tmp) / "c0")
        t_again = time.perf_counter() - t
        listed = sorted({s.version for s in lists}, key=ids.index)
        cache = Path(os.environ.get("OOTKG_CACHE_DIR") or Path(tmp) / "cache")
        settings = Settings(db=Path(tmp) / "graph", cache_dir=cache)
        t = time.perf_counter()
        run, _ = run_ingest(
            co, co.select(listed), cache, lambda: open_store(settings, read_only=False), only_sources=["c", "addresses"]
        )
        t_ingest = time.perf_counter() - t
        note = next(r.note for r in run.sources if r.name == "addresses")
        with open_store(settings, read_only=True) as store:
            t = time.perf_counter()
            got = sample_symbol_at(store, lists, args.sample)
            t_sample = time.perf_counter() - t
    hits = sum(h for h, _n, _m in got.values())
    total = sum(n for _h, n, _m in got.values())
    where = sorted({p.rsplit(":", 1)[0] for p in report.provenance.values()})
    lines = [
        f"zeldaret/oot checkout {co.commit() or '(no git metadata)'}; versions with a public "
        f"list: {', '.join(listed)}. Lists taken from: " + "; ".join(where) + ". Load "
        f"average {load0:.1f} -> {os.getloadavg()[0]:.1f} during the run (other work on the "
        "same cores inflates the times).",
        "",
        f"- Lists shipped with ootkg (`ingest/{DATA}`): **{len(packed) / 1024:.0f} KiB** "
        f"({len(lists):,} entries in {len(report.lists)} list files).",
        f"- Finding the lists: {t_first:.2f} s the first time, {t_again:.2f} s from the cache.",
        f"- Ingest of those {len(listed)} versions (C + addresses): {t_ingest:.0f} s. "
        f"Addresses source: {note.split(' (details')[0]}.",
        f"- `symbol_at` on {total} random function addresses ({args.sample} per list, seed 14): "
        f"**{hits}/{total} = {100 * hits / total:.1f}%** name the function (goal >= 95%); "
        f"{t_sample:.1f} s for the queries.",
        "",
        "| list | named | sampled | misses (first 5) |",
        "|---|---|---|---|",
    ]
    for rel, (h, n, misses) in got.items():
        lines.append(f"| {rel} | {h} | {n} | {'; '.join(misses[:5]) or '-'} |")
    lines += [
        "",
        "Misses are list names the rename matching could not place (a gap between "
        "known functions whose counts differ, often next to assembly or in z64hdr's "
        "sparse 1.0 list), and aliases dropped as ambiguous.",
    ]
    body = "## Addresses out of the box\n\n" + "\n".join(lines)
    print(body)
    write_section("addresses", body)


if __name__ == "__main__":
    main()
