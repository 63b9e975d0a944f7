"""`ootkg validate` on a long JSONL file: reports stream out as examples finish, in bounded
memory. Writes the `validate-stream` section of BENCHMARKS.md.

    python bench/bench_validate_stream.py --lines 300000

Builds a file of ``--lines`` examples (the golden suite's, repeated, ids made unique), runs
``ootkg validate FILE --format json --no-compile`` on the golden graph in a subprocess,
and samples its resident memory while it runs: the peak, and the RSS at each tenth of the
output (flat = bounded). Also: when the first report appeared.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=300_000)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    from tests.golden.cases import CORRECT, planted
    from tests.golden.graph import load_store

    tmp = Path(tempfile.mkdtemp(prefix="ootkg-bench-stream-"))
    store = load_store(tmp)
    db = store.dir
    store.close()
    pool = [e.model_dump(mode="json") for e in CORRECT] + [e.model_dump(mode="json") for _, e in planted()]
    path = tmp / "big.jsonl"
    with open(path, "w") as f:
        for i in range(args.lines):
            ex = dict(pool[i % len(pool)])
            ex["id"] = f"ex{i}"
            f.write(json.dumps(ex) + "\n")
    size_mb = path.stat().st_size / 2**20
    env = {k: v for k, v in os.environ.items() if not k.startswith("OOTKG_")}
    env["OOTKG_DB"] = str(db)
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ootkg.cli", "validate", str(path), "--format", "json", "--no-compile"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    samples: list[tuple[int, float]] = []
    seen = [0]
    first = [0.0]

    def rss() -> float:
        try:
            return int(Path(f"/proc/{proc.pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, ValueError):
            return 0.0

    def sampler() -> None:
        while proc.poll() is None:
            samples.append((seen[0], rss()))
            time.sleep(0.5)

    threading.Thread(target=sampler, daemon=True).start()
    for _ in proc.stdout:  # type: ignore[union-attr]
        if not seen[0]:
            first[0] = time.monotonic() - t0
        seen[0] += 1
    proc.wait()
    took = time.monotonic() - t0
    peak = max((r for _, r in samples), default=0.0)
    tenths = []
    for k in range(1, 11):
        at = [r for n, r in samples if n >= args.lines * k / 10]
        tenths.append(at[0] if at else (samples[-1][1] if samples else 0.0))
    print(
        f"{seen[0]} reports in {took:.0f} s, first after {first[0]:.1f} s, peak RSS {peak:.0f} MB,"
        f" by tenths {[round(x) for x in tenths]}"
    )
    if args.no_write:
        return
    body = f"""
`python bench/bench_validate_stream.py --lines {args.lines}`: `ootkg validate FILE --format json
--no-compile` on a {args.lines}-line file ({size_mb:.0f} MB; the golden suite's examples
repeated) against the golden graph. Load average at the end: {os.getloadavg()[0]:.1f} (shared
machine).

| measure | value |
|---|---|
| reports | {seen[0]} in {took:.0f} s ({seen[0] / took:.0f} per s) |
| first report after | {first[0]:.1f} s |
| peak RSS | {peak:.0f} MB |
| RSS at each tenth of the output (MB) | {", ".join(f"{x:.0f}" for x in tenths)} |

Before this change the whole file was read and every report kept until the end (nothing
printed for 150 s on a 306k-line file, memory growing with the file).
"""
    write_section("validate-stream", body)


if __name__ == "__main__":
    main()
