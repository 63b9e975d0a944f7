"""Ingest benchmark on a real decomp checkout: cold one version, no-change rerun, one .c
edited, cold all versions; wall time and peak RSS (the ootkg process). Writes the "ingest"
section of BENCHMARKS.md.

    OOT_DECOMP=/path/to/oot python bench/bench_ingest.py [--skip-all-versions] [--sources c]

The checkout is copied to a temp dir (the edit scenario writes to it); cache and graph
live in temp dirs too. Each scenario runs `ootkg ingest` as a subprocess.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import write_section  # noqa: E402

COPY = ("src", "include", "spec", "baseroms", "assets", "Makefile", "undefined_syms.txt")
EDIT = "src/overlays/actors/ovl_En_Horse/z_en_horse.c"


def copy_checkout(src: Path, dst: Path) -> None:
    for item in COPY:
        s = src / item
        if s.is_dir():
            shutil.copytree(s, dst / item, symlinks=True)
        elif s.is_file():
            (dst / item).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(s, dst / item)


def run(args: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Wall time, peak RSS in MB of the command's main process (GNU time's %M when there,
    else the largest child so far), exit code, output tail."""
    gnu_time = shutil.which("time") if Path("/usr/bin/time").exists() else None
    prefix = ["/usr/bin/time", "-f", "OOTKG_RSS_KB=%M"] if gnu_time else []
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    p = subprocess.run([*prefix, sys.executable, "-m", "ootkg", *args], env=env,
                       capture_output=True, text=True)
    wall = time.perf_counter() - t
    rss = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    for line in p.stderr.splitlines():
        if line.startswith("OOTKG_RSS_KB="):
            rss = int(line.split("=", 1)[1]) / 1024
    return wall, rss, p.returncode, p.stdout[-2500:] + p.stderr[-2000:]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--decomp", default=os.environ.get("OOT_DECOMP"))
    ap.add_argument("--skip-all-versions", action="store_true")
    ap.add_argument("--sources", default=None, help="e.g. c (default: every source)")
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args()
    if not a.decomp:
        sys.exit("set OOT_DECOMP or --decomp")
    rows: list[tuple[str, str, float, float, int]] = []
    with tempfile.TemporaryDirectory(prefix="ootkg-bench-") as tmp:
        tmpd = Path(tmp)
        oot = tmpd / "oot"
        copy_checkout(Path(a.decomp), oot)
        base = dict(os.environ)
        only = ["--only", a.sources] if a.sources else []

        def fresh(name: str) -> dict[str, str]:
            env = dict(base, OOTKG_DB=str(tmpd / name / "graph"),
                       OOTKG_CACHE_DIR=str(tmpd / name / "cache"))
            return env

        env1 = fresh("one")
        cmd1 = ["ingest", "--decomp", str(oot), "--versions", "gc-eu-mq-dbg", *only]
        for label in ("cold, gc-eu-mq-dbg", "nothing changed"):
            wall, rss, rc, out = run(cmd1, env1)
            rows.append((label, "1", wall, rss, rc))
            print(label, round(wall, 2), "s", round(rss), "MB", rc, flush=True)
            print(out, flush=True)
        f = oot / EDIT
        f.write_text(f.read_text() + "\nvoid EnHorse_BenchEdit(void) {\n}\n")
        wall, rss, rc, out = run(cmd1, env1)
        rows.append(("one .c edited (z_en_horse.c)", "1", wall, rss, rc))
        print("edit", round(wall, 2), rss, rc, flush=True)
        print(out, flush=True)
        if not a.skip_all_versions:
            env16 = fresh("all")
            cmd16 = ["ingest", "--decomp", str(oot), *only]
            wall, rss, rc, out = run(cmd16, env16)
            rows.append(("cold, every version", "16", wall, rss, rc))
            print("all", round(wall, 2), rss, rc, flush=True)
            print(out[-3000:])
            wall, rss, rc, out = run(cmd16, env16)
            rows.append(("nothing changed, every version", "16", wall, rss, rc))
            print("all rerun", round(wall, 2), rss, rc, flush=True)
    load = os.getloadavg()
    md = [f"`ootkg ingest` on zeldaret/oot (copied to a temp dir), 2 worker processes, "
          f"sources: {a.sources or 'all'}; wall time of the whole command (Python start-up "
          f"included), peak RSS of the ootkg process (GNU time %M; the workers are smaller). Load average at the end: "
          f"{load[0]:.1f} (the machine is shared).", "",
          "| scenario | versions | wall (s) | peak RSS (MB) | exit |", "|---|---|---|---|---|"]
    md += [f"| {r[0]} | {r[1]} | {r[2]:.2f} | {r[3]:.0f} | {r[4]} |" for r in rows]
    if not a.no_write:
        write_section("ingest", "\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
