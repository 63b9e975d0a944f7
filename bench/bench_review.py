"""The review page under a large run: per-request latency of the real server (`ootkg review
serve` in its own process, over a socket) with a 10,000-example run loaded. Writes the
`review` section of BENCHMARKS.md.

    python bench/bench_review.py --db GRAPH --run RUN.jsonl [--pages 500]

Measured one request at a time, as a reviewer's browser makes them: example pages of
random examples (facts from the graph, judge scores, reviews), queue pages with filters,
and submitted reviews (each fsync'd before the answer).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p * (len(s) - 1))))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def row(name: str, xs: list[float], cpu: float) -> str:
    ms = [x * 1000 for x in xs]
    return (
        f"| {name} | {len(ms)} | {pct(ms, 0.5):.1f} | {pct(ms, 0.95):.1f} | "
        f"{pct(ms, 0.99):.1f} | {max(ms):.1f} | {cpu * 1000 / len(ms):.1f} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--run", type=Path, required=True)
    ap.add_argument("--pages", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ootkg-bench-review-"))
    run = tmp / a.run.name
    shutil.copyfile(a.run, run)  # reviews and the judge's sidecar go beside it, not the original
    env = {**os.environ, "OOTKG_DB": str(a.db), "OOTKG_REVIEW_DIR": str(tmp / "home")}
    token = subprocess.run(
        [sys.executable, "-m", "ootkg", "review", "add-reviewer", "bench"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    judged = subprocess.run([sys.executable, "-m", "ootkg", "judge", str(run)], env=env, capture_output=True, text=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ootkg", "review", "serve", str(run), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        startup = time.perf_counter() - t0
        ids = [json.loads(x)["metadata"]["id"] for x in a.run.read_text().splitlines()]
        families = sorted({json.loads(x)["metadata"]["family"] for x in a.run.read_text().splitlines()[:2000]})
        rng = random.Random(a.seed)
        c = httpx.Client(base_url=url, timeout=30)
        c.get(f"/login?token={token}")
        c.get("/")  # the first page: the queue's facets
        time.sleep(5)  # the server warms the graph's context tables in the background
        warm = []
        cpu0 = cpu_seconds(proc.pid)
        for ex in ids[-20:]:  # a reviewer's first pages, as they come
            t = time.perf_counter()
            c.get(f"/e/{ex}")
            warm.append(time.perf_counter() - t)
        pages, queues, posts, forms = [], [], [], []
        cpu = {"warm": cpu_seconds(proc.pid)}
        for ex in rng.sample(ids, min(a.pages, len(ids))):
            t = time.perf_counter()
            r = c.get(f"/e/{ex}")
            pages.append(time.perf_counter() - t)
            assert r.status_code == 200, r.status_code
        cpu["pages"] = cpu_seconds(proc.pid)
        for i in range(100):
            q = {
                "family": rng.choice(families),
                "min_score": rng.choice(["", "5", "8"]),
                "difficulty": rng.choice(["", "1", "3"]),
                "page": 1 + i % 3,
            }
            t = time.perf_counter()
            r = c.get("/", params=q)
            queues.append(time.perf_counter() - t)
            assert r.status_code == 200
        cpu["queues"] = cpu_seconds(proc.pid)
        for ex in rng.sample(ids, 200):
            t = time.perf_counter()
            r = c.post(
                "/api/v1/reviews",
                json={"example": ex, "action": "score", "score": rng.randint(1, 10)},
                headers={"authorization": f"Bearer {token}"},
            )
            posts.append(time.perf_counter() - t)
            assert r.status_code == 201
        cpu["posts"] = cpu_seconds(proc.pid)
        for ex in rng.sample(ids, 100):  # a reviewer's step: open the page, accept, follow
            t = time.perf_counter()
            page = c.get(f"/e/{ex}").text
            csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
            r = c.post(f"/e/{ex}/review", data={"action": "accept", "score": "8", "csrf": csrf}, follow_redirects=True)
            forms.append(time.perf_counter() - t)
            assert r.status_code == 200
        cpu["forms"] = cpu_seconds(proc.pid)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=120)
    load = " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    body = f"""## Review page

`python bench/bench_review.py --db GRAPH --run RUN` with a {len(ids):,}-example offline run
loaded ({a.run.stat().st_size / 1e6:.0f} MB of JSONL; judged by the offline judge first:
{"ok" if judged.returncode == 0 else "failed"}). The server is `ootkg review serve` in its own
process, over a socket, the graph open read-only for the facts; requests one at a time. Server
start to the first answer: {startup:.1f} s. Load average at the end: {load} (shared machine:
the latencies are wall clock and include waiting for a core; the last column, the server
process's own CPU time per request, is what it costs on a free core).

| request | n | p50 ms | p95 ms | p99 ms | max ms | server CPU ms/request |
|---|---|---|---|---|---|---|
{row("the first 20 example pages after sign-in", warm, cpu["warm"] - cpu0)}
{row("example page (random example: facts, code, report, judge, reviews)", pages, cpu["pages"] - cpu["warm"])}
{row("queue page (family, difficulty, judge-score filters)", queues, cpu["queues"] - cpu["pages"])}
{row("review by JSON API (fsync'd before the answer)", posts, cpu["posts"] - cpu["queues"])}
{row("open page + accept by form + follow to the next", forms, cpu["forms"] - cpu["posts"])}

Goal: example page p95 <= 100 ms.
"""
    print(body)
    if not a.no_write:
        write_section("review", body)


if __name__ == "__main__":
    main()
