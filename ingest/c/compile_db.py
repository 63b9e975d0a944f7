"""``compile_commands.json`` for one version: the ingest's own flags, for clangd and friends."""

from __future__ import annotations

import json
from pathlib import Path

from ingest.c.env import CompileEnv
from ingest.checkout.checkout import Checkout
from ingest.checkout.spec import read_spec
from ingest.checkout.versions import VersionInfo
from kg.persist import atomic_write


def compile_commands(co: Checkout, v: VersionInfo, cache_dir: Path) -> list[dict]:
    """One command per TU of the version's spec. TUs the ingest parses with its precompiled
    prefix get those headers as ``-include``s, so a tool sees exactly what ootkg sees."""
    env = CompileEnv(co, v.id, cache_dir)
    env.ensure_stubs()
    spec = read_spec(co, v)
    prefix = [a for h in env.prefix_headers() for a in ("-include", h)]
    return [
        {
            "directory": str(co.root),
            "file": str(co.root / t.path),
            "arguments": [
                "clang",
                *env.args(t.path),
                *(prefix if env.uses_pch(t.path) else ()),
                "-c",
                str(co.root / t.path),
            ],
        }
        for t in spec.tus
        if t.path.startswith("src/")
    ]


def write_compile_db(co: Checkout, v: VersionInfo, cache_dir: Path, out: Path | None) -> Path:
    out = out or cache_dir / "compile_commands" / v.id / "compile_commands.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, json.dumps(compile_commands(co, v, cache_dir), indent=1))
    return out
