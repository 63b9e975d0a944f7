"""Store benchmark: bulk load of a decomp-sized graph, then query latencies (p50/p95).

    python bench/bench_store.py            # writes the "store" section of BENCHMARKS.md

Graph: 30k functions, 150k calls, 3k structs, 20k fields (+ HAS_FIELD edges). The
call graph is skewed like the decomp's (a few hub callees such as Actor_Kill).
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import write_section  # noqa: E402
from kg.facts import Facts  # noqa: E402
from kg.queries import QueryCatalog  # noqa: E402
from kg.settings import Settings  # noqa: E402
from kg.store import open_store  # noqa: E402

N_FUNCS, N_CALLS, N_STRUCTS, N_FIELDS, N_CONCEPTS = 30_000, 150_000, 3_000, 20_000, 120
RUNS = 200


def build_facts(seed: int = 1) -> Facts:
    rng = random.Random(seed)
    f = Facts()
    f.add_nodes(
        "Function",
        (
            {
                "name": f"Func_{i:05d}",
                "signature": f"void Func_{i:05d}(PlayState* play)",
                "file": f"src/code/z_{i % 700}.c",
                "line": i % 3000,
            }
            for i in range(N_FUNCS)
        ),
    )
    hubs = [f"Func_{i:05d}" for i in range(50)]
    calls: dict[tuple[str, str], dict] = {}
    while len(calls) < N_CALLS:
        a = f"Func_{rng.randrange(N_FUNCS):05d}"
        b = rng.choice(hubs) if rng.random() < 0.2 else f"Func_{rng.randrange(N_FUNCS):05d}"
        calls[(a, b)] = {"from": a, "to": b, "count": 1}
    f.add_rels("CALLS", "Function", "Function", calls.values())
    f.add_nodes("Struct", ({"name": f"Struct_{i}", "size": 4 * i, "align": 4} for i in range(N_STRUCTS)))
    fields = [
        {
            "id": f"Struct_{i % N_STRUCTS}.m{i}",
            "struct": f"Struct_{i % N_STRUCTS}",
            "name": f"m{i}",
            "offset": 4 * (i // N_STRUCTS),
            "size": 4,
            "type": "s32",
        }
        for i in range(N_FIELDS)
    ]
    f.add_nodes("Field", fields)
    f.add_rels("HAS_FIELD", "Struct", "Field", ({"from": r["struct"], "to": r["id"]} for r in fields))
    # A curriculum-sized prerequisite DAG: 120 concepts, each requiring 1-3 earlier ones.
    f.add_nodes("Concept", ({"id": f"concept-{i}", "difficulty": 1 + i * 4 // N_CONCEPTS} for i in range(N_CONCEPTS)))
    f.add_rels(
        "REQUIRES",
        "Concept",
        "Concept",
        (
            {"from": f"concept-{i}", "to": f"concept-{j}"}
            for i in range(1, N_CONCEPTS)
            for j in rng.sample(range(i), min(i, rng.randint(1, 3)))
        ),
    )
    return f


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def main() -> None:
    facts = build_facts()
    rows = len(facts)
    rng = random.Random(2)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db=Path(tmp) / "g")
        with open_store(settings, read_only=False) as store:
            import pyarrow  # noqa: F401 - a one-off import (kg.arrow's, on first use), not the load

            t0 = time.perf_counter()
            store.replace_graph(facts)
            load = time.perf_counter() - t0
            t0 = time.perf_counter()
            store.write_nodes("Function", [{"name": f"New_{i}"} for i in range(20_000)])
            upsert_nodes = time.perf_counter() - t0
            t0 = time.perf_counter()
            store.write_rels("CALLS", [{"from": f"New_{i}", "to": "Func_00001", "count": 1} for i in range(20_000)])
            upsert_rels = time.perf_counter() - t0
        callers3 = QueryCatalog("embedded").get("callers")
        callers3.bind({"name": "x", "depth": 3})
        callers6 = QueryCatalog("embedded").get("callers")
        callers6.bind({"name": "x", "depth": 6})
        queries = {
            "point (function by name)": ("MATCH (f:Function {name: $n}) RETURN f.signature AS s", False),
            "1-hop (callees)": ("MATCH (f:Function {name: $n})-[:CALLS]->(g:Function) RETURN g.name AS g", False),
            "2-hop (callers of callers)": (
                "MATCH (a:Function)-[:CALLS]->(b:Function)-[:CALLS]->"
                "(f:Function {name: $n}) RETURN DISTINCT a.name AS a",
                False,
            ),
            "struct layout (fields by struct)": (
                "MATCH (s:Struct {name: $s})-[:HAS_FIELD]->(x:Field) RETURN x.name AS n, x.offset AS o ORDER BY o",
                False,
            ),
            "var-length REQUIRES*1..6 (prerequisites of a concept)": (
                "MATCH (c:Concept {id: $c})-[:REQUIRES*1..6]->(p:Concept) RETURN DISTINCT p.id AS id",
                False,
            ),
            "var-length callers, depth 3 (named query, SHORTEST)": (callers3.runnable, True),
            "var-length callers, depth 6 (named query, SHORTEST; reaches most of the graph)": (callers6.runnable, True),
        }
        results = []
        with open_store(settings) as reader:
            t0 = time.perf_counter()
            reader.run("MATCH (f:Function) RETURN count(f) AS n")
            reopen = time.perf_counter() - t0
            for label, (text, named) in queries.items():
                samples = []
                for i in range(RUNS + 3):
                    name = f"Func_{rng.randrange(N_FUNCS):05d}"
                    if named:
                        params = {"name": name}
                    elif "$s" in text:
                        params = {"s": f"Struct_{rng.randrange(N_STRUCTS)}"}
                    elif "$c" in text:
                        params = {"c": f"concept-{rng.randrange(N_CONCEPTS // 2, N_CONCEPTS)}"}
                    else:
                        params = {"n": name}
                    t0 = time.perf_counter()
                    reader.run(text, params)
                    if i >= 3:
                        samples.append((time.perf_counter() - t0) * 1000)
                results.append((label, *percentiles(samples)))
    body = [
        f"Graph: {N_FUNCS:,} functions, {N_CALLS:,} calls, {N_STRUCTS:,} structs, {N_FIELDS:,} fields "
        f"({rows:,} rows). Embedded store (LadybugDB), {RUNS} runs per query, random parameters.",
        "",
        "| operation | result | goal |",
        "|---|---|---|",
        f"| bulk load (replace_graph: Parquet + COPY into a fresh file, atomic swap) | {load:.2f} s "
        f"({load / rows * 200_000:.2f} s per 200k rows) | ≤ 1 s per 200k rows |",
        f"| upsert 20k new nodes into the live graph (write_nodes) | {upsert_nodes:.2f} s | |",
        f"| upsert 20k new edges into the live graph (write_rels) | {upsert_rels:.2f} s | |",
        f"| reopen read-only + first query | {reopen * 1000:.0f} ms | |",
        "",
        "| query | p50 ms | p95 ms | goal p95 |",
        "|---|---|---|---|",
    ]
    goals = {"point": "≤ 1 ms", "2-hop": "≤ 2 ms", "var-length": "≤ 10 ms"}
    for label, p50, p95 in results:
        goal = next((g for k, g in goals.items() if label.startswith(k)), "")
        body.append(f"| {label} | {p50:.2f} | {p95:.2f} | {goal} |")
    text = "\n".join(body)
    print(text)
    write_section("store", "## Store\n\n" + text)


if __name__ == "__main__":
    main()
