"""The compile worker process, and the one-off step that prepares what it reads.

``python -m validate.compile_worker prepare``: builds each version's generated asset
headers and precompiled header (``ingest.c.env.CompileEnv``) and prints a manifest (the
clang arguments per version). It reads the decomp and writes the cache; it never sees a
request.

``python -m validate.compile_worker``: reads its configuration (the manifest, the paths
it may read) as the first line on stdin, confines itself (``validate.confine``: read-only
access to the decomp, the stubs, the PCHs and the Python installation; nothing else
exists for it), parses one line per version to load the PCHs, says it is ready, then
answers jobs: JSON lines in (``{"version", "text", "rel_dir"}``), JSON lines out
(``["ok", [diagnostic, ...]]`` or ``["error", why]``). Nothing is executed; diagnostics
located outside the snippet and the decomp are dropped, and the server's paths are
replaced by ``<decomp>``/``<cache>`` in messages.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

SNIPPET_NAME = "ootkg_snippet.c"
EXTRA_ARGS = [
    "-ferror-limit=30",
    "-fmacro-backtrace-limit=2",
    "-ftemplate-depth=64",
    "-fbracket-depth=128",
    "-fconstexpr-depth=64",
]
# The decomp's common headers (what most actor files include): the precompiled prefix.
PREFIX_HEADERS = [
    "ultra64.h",
    "attributes.h",
    "array_count.h",
    "versions.h",
    "z_lib.h",
    "play_state.h",
    "actor.h",
    "player.h",
    "sfx.h",
    "gfx.h",
    "gfx_setupdl.h",
    "sys_matrix.h",
    "ichain.h",
    "save.h",
    "printf.h",
    "translation.h",
    "effect.h",
    "libc64/qrand.h",
    "segmented_address.h",
    "rand.h",
    "terminal.h",
    "regs.h",
    "sequence.h",
    "audio.h",
    "libc64/math64.h",
    "sys_math3d.h",
    "sys_math.h",
    "collision_check.h",
    "animation.h",
    "object.h",
    "zelda_arena.h",
    "message.h",
    "camera.h",
    "item.h",
    "global.h",
    "z64.h",
]
MAX_DIAGS = 60


# ------------------------------------------------------------------ prepare (no requests)


def _build_pch(index: Any, version: str, args: list[str], dirs: list[Path], cache_dir: Path) -> Path | None:
    import fcntl

    from kg.persist import atomic_path

    heads = [h for h in PREFIX_HEADERS if any((d / h).is_file() for d in dirs)]
    prefix = "".join(f'#include "{h}"\n' for h in heads)
    key = hashlib.sha256((prefix + "\0".join(args)).encode()).hexdigest()[:16]
    out_dir = cache_dir / "pch"
    out_dir.mkdir(parents=True, exist_ok=True)
    pch = out_dir / f"{version}-{key}.pch"
    if pch.is_file():
        return pch
    with open(out_dir / f".{version}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if pch.is_file():
            return pch
        src = str(out_dir / f"{version}-prefix.h")
        hargs = [a if a != "c" else "c-header" for a in args]
        tu = index.parse(src, args=hargs, unsaved_files=[(src, prefix)])
        if any(d.severity >= 3 for d in tu.diagnostics):
            return None
        with atomic_path(pch) as tmp:
            tu.save(str(tmp))
    return pch


def prepare(root: str, cache_dir: str, versions: list[str]) -> dict[str, Any]:
    """Per version: the clang arguments (PCH included), the include directories and the
    files a worker must be able to read; or why the version cannot be compiled."""
    import clang.cindex as ci

    from ingest.c.env import CompileEnv
    from ingest.checkout.checkout import Checkout

    checkout = Checkout.open(root)
    index = ci.Index.create()
    out: dict[str, Any] = {}
    for v in versions:
        try:
            env = CompileEnv(checkout, v, Path(cache_dir))
            env.ensure_stubs()
            args = env.args()
            dirs = [Path(d).resolve() for d in env.include_dirs()]
            pch = _build_pch(index, v, args, dirs, Path(cache_dir))
            out[v] = {
                "args": args + EXTRA_ARGS + (["-include-pch", str(pch)] if pch else []),
                "dirs": [str(d) for d in dirs],
                "read": [str(env.stub_dir.resolve())] + ([str(pch)] if pch else []),
                "error": None,
            }
        except Exception as e:  # noqa: BLE001 - reported per version; the others still work
            out[v] = {"args": [], "dirs": [], "read": [], "error": f"{type(e).__name__}: {e}"}
    return out


# ------------------------------------------------------------------ the worker


def _limit_memory(memory_mb: int) -> None:
    import resource

    if memory_mb > 0:
        cap = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


class _Compiler:
    def __init__(self, root: str, cache_dir: str, manifest: dict[str, Any]) -> None:
        import clang.cindex as ci

        self.ci = ci
        ci.conf.lib  # noqa: B018 - load libclang before confinement
        self.index = ci.Index.create()
        self.root = str(Path(root).resolve())
        self.cache = str(Path(cache_dir).resolve())
        self.manifest = manifest

    def scrub(self, text: str) -> str:
        return text.replace(self.root, "<decomp>").replace(self.cache, "<cache>")

    def compile(self, version: str, text: str, rel_dir: str) -> list[dict[str, Any]]:
        env = self.manifest.get(version)
        if env is None or env["error"]:
            raise RuntimeError(f"version {version} cannot be compiled here: {env['error'] if env else 'not prepared'}")
        rel = os.path.normpath(rel_dir or "src")
        if rel.startswith(("..", "/")):
            rel = "src"
        path = os.path.join(self.root, rel, SNIPPET_NAME)
        tu = self.index.parse(path, args=env["args"], unsaved_files=[(path, text)])
        roots = [self.root, self.cache, *env["dirs"]]
        out: list[dict[str, Any]] = []
        for inc in tu.get_includes():
            f = os.path.realpath(str(inc.include.name))
            if not any(f == r or f.startswith(r.rstrip("/") + "/") for r in roots):
                out.append(
                    {
                        "line": None,
                        "column": None,
                        "severity": 4,
                        "file": None,
                        "message": "an include outside the decomp was refused",
                    }
                )
        for d in tu.diagnostics:
            if d.severity < 3 or len(out) >= MAX_DIAGS:
                continue
            loc = d.location
            fname = str(loc.file.name) if loc.file else None
            mine = fname == path
            if fname and not mine:
                real = os.path.realpath(fname)
                if not any(real.startswith(r.rstrip("/") + "/") for r in roots):
                    continue  # a file outside the snippet and the decomp: never quoted
            out.append(
                {
                    "line": loc.line if mine else None,
                    "column": loc.column if mine else None,
                    "severity": d.severity,
                    "message": self.scrub(d.spelling)[:500],
                    "file": None if mine or not fname else os.path.basename(fname),
                }
            )
        return out


def worker_main() -> None:
    """A compile worker: configuration line, confinement, warm-up, then jobs."""
    from validate.confine import confine
    from validate.workerproc import die_with_parent

    die_with_parent()
    cfg = json.loads(sys.stdin.readline())
    out = sys.stdout
    manifest: dict[str, Any] = cfg["manifest"]
    comp = _Compiler(cfg["root"], cfg["cache_dir"], manifest)
    applied: list[str] = []
    notes: list[str] = []
    if cfg["sandbox"] != "off":
        applied, notes = confine(cfg["read"], [])
        if cfg["sandbox"] == "require" and not applied:
            out.write(json.dumps({"ready": False, "error": "; ".join(notes)}) + "\n")
            out.flush()
            return
    die_with_parent()  # again: a change of credentials (the namespace) clears it
    _limit_memory(int(cfg.get("memory_mb", 0)))
    warm: dict[str, str] = {}
    for v, env in manifest.items():
        if env["error"]:
            continue
        try:
            comp.compile(v, "int ootkg_warm;\n", "src")
        except Exception as e:  # noqa: BLE001 - the version is reported broken, others serve
            env["error"] = warm[v] = f"{type(e).__name__}: {e}"
    out.write(json.dumps({"ready": True, "sandbox": applied, "notes": notes, "broken": warm}) + "\n")
    out.flush()
    for raw in sys.stdin:
        try:
            job = json.loads(raw)
            reply: list[Any] = ["ok", comp.compile(job["version"], job["text"], job["rel_dir"])]
        except MemoryError:
            reply = ["crash", "the compiler ran out of its memory cap"]
        except comp.ci.TranslationUnitLoadError:
            reply = ["crash", "the compiler gave up on this code (out of its memory cap, or it crashed)"]
        except (ValueError, KeyError, TypeError) as e:
            reply = ["error", f"bad job: {type(e).__name__}"]
        except Exception as e:  # noqa: BLE001 - reported back as a compile failure
            reply = ["error", comp.scrub(f"{type(e).__name__}: {e}")[:300]]
        out.write(json.dumps(reply) + "\n")
        out.flush()


def main() -> None:
    if sys.argv[1:2] == ["prepare"]:
        cfg = json.loads(sys.stdin.readline())
        sys.stdout.write(json.dumps(prepare(cfg["root"], cfg["cache_dir"], cfg["versions"])))
        sys.stdout.flush()
        return
    worker_main()


if __name__ == "__main__":
    main()
