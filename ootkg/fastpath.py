"""The entry point, with a fast path for the commonest no-op: ``ootkg ingest`` when nothing
changed. Python plus typer, rich and pydantic take ~0.5 s to import; this answers from the
run state (``ingest.run.state``) with the standard library alone, and hands everything
else, and any doubt, to the full CLI (which would reach the same answer, slower)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

_GLOBAL = {"--db": "db", "--store": "store"}
_INGEST_VALUE = {
    "--decomp": "decomp",
    "-d": "decomp",
    "--versions": "versions",
    "--only": "only",
    "--concepts": "concepts",
    "--jobs": "jobs",
    "-j": "jobs",
}
_INGEST_FLAG = {"--no-pch": "no_pch"}


def _parse(argv: list[str]) -> dict[str, str | bool] | None:
    """The options of ``[global options] ingest [options]``, or None for anything else."""
    out: dict[str, str | bool] = {}
    i, seen_ingest = 0, False
    while i < len(argv):
        arg = argv[i]
        name, eq, value = arg.partition("=")
        table = _INGEST_VALUE if seen_ingest else _GLOBAL
        if not seen_ingest and arg == "ingest":
            seen_ingest = True
        elif name in table:
            if not eq:
                i += 1
                if i >= len(argv):
                    return None
                value = argv[i]
            out[table[name]] = value
        elif seen_ingest and arg in _INGEST_FLAG:
            out[_INGEST_FLAG[arg]] = True
        else:
            return None  # --force, --json, --map, -v, --help, another command...
        i += 1
    return out if seen_ingest else None


def unchanged_ingest(argv: list[str]) -> bool:
    """True (and the usual message printed) when ``argv`` is an ingest that would find
    nothing changed since the run that built the current embedded graph."""
    t0 = time.perf_counter()
    opts = _parse(argv)
    if opts is None:
        return False
    from ingest.run import state as run_state
    from kg.envconf import default_cache_dir, default_db, env_values

    env = env_values()
    if str(opts.get("store") or env.get("store", "embedded")) != "embedded":
        return False
    decomp = opts.get("decomp") or env.get("decomp")
    if not decomp:
        return False

    def resolved(p: object) -> Path:
        return Path(str(p)).expanduser().resolve()

    db = resolved(opts.get("db") or env.get("db") or default_db())
    cache_dir = resolved(env.get("cache_dir") or default_cache_dir())
    root = resolved(decomp)
    concepts = resolved(opts["concepts"]) if opts.get("concepts") else None
    symbols = resolved(env["symbols_dir"]) if env.get("symbols_dir") else None
    state = run_state.load(cache_dir)
    if state is None or not state.extra.get("cli"):
        return False
    key = run_state.cli_key(
        store="embedded",
        db=str(db),
        cache_dir=str(cache_dir),
        decomp=str(root),
        versions=_str(opts.get("versions")),
        only=_str(opts.get("only")),
        no_pch=bool(opts.get("no_pch")),
        concepts=str(concepts) if concepts else None,
        symbols=str(symbols) if symbols else None,
    )
    if key != state.extra["cli"] or state.extra.get("code") != run_state.code_stamp():
        return False
    try:
        current = (db / "CURRENT").read_text().strip()
    except OSError:
        return False
    if state.graph != f"{db}:{current}":
        return False
    if run_state.scan_inputs(root, concepts, symbols) != state.stats:
        return False
    print(f"Nothing changed since run {state.run_id}; the graph is as it was ({time.perf_counter() - t0:.2f} s).")
    return True


def _str(v: str | bool | None) -> str | None:
    return v if isinstance(v, str) else None


def main() -> None:
    try:
        done = unchanged_ingest(sys.argv[1:])
    except Exception:  # noqa: BLE001 - any doubt: the full CLI decides
        done = False
    if not done:
        from ootkg.cli import main as cli_main

        cli_main()


if __name__ == "__main__":
    main()
