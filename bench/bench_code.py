"""What putting the code in the graph costs (issue #16): graph file size and `ootkg ingest`
wall time and peak memory, one version cold / nothing changed / one .c edited, for a baseline
checkout of ootkg (``--base``: a directory holding an older ootkg's packages, e.g. from
``git archive <commit> | tar -x -C DIR``) and for this one, alternating in one run; then a
16-version cold run of each for the memory peak. Writes the "code" section of BENCHMARKS.md.

    OOT_DECOMP=/path/to/oot python bench/bench_code.py --base /tmp/ootkg-main [--rounds 2]
        [--skip-all-versions]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_ingest import EDIT, copy_checkout, run  # noqa: E402
from bench.report import write_section  # noqa: E402


def _graph_mb(db: Path) -> float:
    files = list(db.glob("graph-*.lbdb"))
    cur = (db / "CURRENT").read_text().strip() if (db / "CURRENT").is_file() else ""
    f = db / cur if cur else max(files, key=lambda p: p.stat().st_size)
    return f.stat().st_size / 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--decomp", default=os.environ.get("OOT_DECOMP"))
    ap.add_argument("--base", required=True, help="a directory with the baseline's packages")
    ap.add_argument("--base-label", default="baseline")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--skip-all-versions", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args()
    if not a.decomp:
        sys.exit("set OOT_DECOMP or --decomp")
    results: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
    peaks: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
    loads: list[float] = []

    def note(side: str, key: str, wall: float, tree: float | None) -> None:
        results[side].setdefault(key, []).append(wall)
        peaks[side].setdefault(key, []).append(tree or 0.0)

    with tempfile.TemporaryDirectory(prefix="ootkg-bench-code-") as tmp:
        tmpd = Path(tmp)
        # `python -m ootkg` puts the working directory first on sys.path: run from one that
        # holds no ootkg, so PYTHONPATH picks the baseline and the install this code
        os.chdir(tmpd)
        base_env = dict(os.environ)
        base_env.pop("PYTHONDONTWRITEBYTECODE", None)
        for side, path in (("before", a.base), ("after", None)):
            env = dict(base_env, **({"PYTHONPATH": path} if path else {}))
            where = subprocess.run(
                [sys.executable, "-c", "import ingest; print(ingest.__file__)"], env=env, capture_output=True, text=True
            ).stdout.strip()
            print(side, "runs", where, flush=True)
            assert (path is not None) == where.startswith(str(Path(a.base).resolve())), where
        for rnd in range(a.rounds):
            for side in ("before", "after"):
                oot = tmpd / f"oot-{side}-{rnd}"
                copy_checkout(Path(a.decomp), oot)
                env = dict(
                    base_env,
                    OOTKG_DB=str(tmpd / f"{side}-{rnd}" / "graph"),
                    OOTKG_CACHE_DIR=str(tmpd / f"{side}-{rnd}" / "cache"),
                )
                if side == "before":
                    env["PYTHONPATH"] = a.base
                cmd = ["ingest", "--decomp", str(oot), "--versions", "gc-eu-mq-dbg"]
                wall, _, rc, out, tree = run(cmd, env)
                assert rc in (0, 1), out
                note(side, "cold", wall, tree)
                results[side].setdefault("graph MB", []).append(_graph_mb(tmpd / f"{side}-{rnd}" / "graph"))
                wall, _, rc, out, tree = run(cmd, env)
                note(side, "nothing changed", wall, tree)
                f = oot / EDIT
                f.write_text(f.read_text() + f"\nvoid EnHorse_BenchEdit{rnd}(void) {{\n}}\n")
                wall, _, rc, out, tree = run(cmd, env)
                assert "updated in place" in out, out[-800:]
                note(side, "one .c edited", wall, tree)
                loads.append(os.getloadavg()[0])
                print(side, rnd, {k: v[-1] for k, v in results[side].items()}, flush=True)
        if not a.skip_all_versions:
            for side in ("before", "after"):
                oot = tmpd / f"oot-{side}-0"
                env = dict(
                    base_env,
                    OOTKG_DB=str(tmpd / f"{side}-all" / "graph"),
                    OOTKG_CACHE_DIR=str(tmpd / f"{side}-all" / "cache"),
                )
                if side == "before":
                    env["PYTHONPATH"] = a.base
                wall, _, rc, out, tree = run(["ingest", "--decomp", str(oot)], env)
                assert rc in (0, 1), out[-2000:]
                note(side, "cold, 16 versions", wall, tree)
                results[side].setdefault("graph MB, 16 versions", []).append(_graph_mb(tmpd / f"{side}-all" / "graph"))
                loads.append(os.getloadavg()[0])
                print(side, "all", wall, tree, flush=True)

    def med(xs: list[float]) -> float:
        return statistics.median(xs)

    rows = ["| measure | " + a.base_label + " | this | ratio |", "|---|---|---|---|"]
    for key in results["after"]:
        b, n = results["before"].get(key), results["after"][key]
        if not b:
            continue
        unit = "" if "MB" in key else " s"
        rows.append(f"| {key} | {med(b):.2f}{unit} | {med(n):.2f}{unit} | {med(n) / med(b):.2f} |")
    for key in peaks["after"]:
        b, n = peaks["before"].get(key), peaks["after"][key]
        if b and max(n) > 0:
            rows.append(f"| peak tree PSS, {key} | {max(b):.0f} MB | {max(n):.0f} MB | {max(n) / max(b):.2f} |")
    md = [
        f"What issue #16's facts (source text, #if blocks, wiring, linker symbols, patterns) "
        f"cost: `ootkg ingest` of zeldaret/oot (copied to a temp dir), all sources, the "
        f"{a.base_label} and this code alternating, {a.rounds} round(s) of one version "
        f"(gc-eu-mq-dbg: cold, nothing changed, z_en_horse.c edited), medians; graph MB: the "
        f"live graph file. Load average (1 min) after each step: "
        f"{', '.join(f'{x:.1f}' for x in loads)} (the machine is shared: times move with it; "
        f"compare the ratios).",
        "",
        *rows,
        "",
        "Goals: graph file <= +30%, cold one-version time <= +10%, peak memory <= 500 MB.",
    ]
    if not a.no_write:
        write_section("code", "\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
