"""Level 1: compile code blocks with libclang against the decomp headers of a version.

Compiles run in worker processes (``CompilePool``): each has an address-space cap
(RLIMIT_AS) and every job a timeout after which its worker is killed and replaced,
so a pathological snippet costs one job, never the caller. A worker keeps, per
version, the ``CompileEnv`` (helper A's one compile environment: same flags and
generated asset headers as ingest) and a precompiled header of the decomp's common
headers, so a snippet parses in a few milliseconds. Nothing is executed; the parser
only reads files under the decomp's include directories (see ``validate.sandbox``).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import queue
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validate.extract import CodeBlock
from validate.index import ActorInfo
from validate.models import Issue
from validate.sandbox import include_issues, prepare

log = logging.getLogger(__name__)

# The decomp's common headers (what most actor files include): the precompiled prefix.
PREFIX_HEADERS = [
    "ultra64.h", "attributes.h", "array_count.h", "versions.h", "z_lib.h", "play_state.h",
    "actor.h", "player.h", "sfx.h", "gfx.h", "gfx_setupdl.h", "sys_matrix.h", "ichain.h",
    "save.h", "printf.h", "translation.h", "effect.h", "libc64/qrand.h", "segmented_address.h",
    "rand.h", "terminal.h", "regs.h", "sequence.h", "audio.h", "libc64/math64.h",
    "sys_math3d.h", "sys_math.h", "collision_check.h", "animation.h", "object.h",
    "zelda_arena.h", "message.h", "camera.h", "item.h", "global.h", "z64.h",
]
SNIPPET_NAME = "ootkg_snippet.c"
EXTRA_ARGS = ["-ferror-limit=30", "-fmacro-backtrace-limit=2", "-ftemplate-depth=64",
              "-fbracket-depth=128", "-fconstexpr-depth=64"]


@dataclass
class Job:
    version: str
    text: str
    rel_dir: str  # directory (relative to the checkout) the snippet pretends to live in


@dataclass
class Diag:
    line: int | None
    column: int | None
    severity: int
    message: str
    file: str | None


@dataclass
class CompileResult:
    status: str = "passed"  # passed | failed | skipped
    issues: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------ worker process


def _limit_memory(memory_mb: int) -> None:
    import resource

    if memory_mb > 0:
        cap = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


class _WorkerState:
    def __init__(self, root: str, cache_dir: str) -> None:
        import clang.cindex as ci

        from ingest.checkout import Checkout

        self.ci = ci
        self.index = ci.Index.create()
        self.checkout = Checkout.open(root)
        self.root = Path(root).resolve()
        self.cache_dir = Path(cache_dir)
        self.envs: dict[str, tuple[list[str], list[Path]]] = {}

    def env(self, version: str) -> tuple[list[str], list[Path]]:
        if version not in self.envs:
            from ingest.cenv import CompileEnv

            env = CompileEnv(self.checkout, version, self.cache_dir)
            env.ensure_stubs()
            args = env.args()
            dirs = [Path(d).resolve() for d in env.include_dirs()]
            pch = self._pch(version, args, dirs)
            full = args + EXTRA_ARGS + (["-include-pch", str(pch)] if pch else [])
            self.envs[version] = (full, dirs)
        return self.envs[version]

    def _pch(self, version: str, args: list[str], dirs: list[Path]) -> Path | None:
        heads = [h for h in PREFIX_HEADERS if any((d / h).is_file() for d in dirs)]
        prefix = "".join(f'#include "{h}"\n' for h in heads)
        key = hashlib.sha256((prefix + "\0".join(args)).encode()).hexdigest()[:16]
        out_dir = self.cache_dir / "pch"
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
            tu = self.index.parse(src, args=hargs, unsaved_files=[(src, prefix)])
            if any(d.severity >= 3 for d in tu.diagnostics):
                log.warning("PCH prefix for %s has errors; compiling without it", version)
                return None
            tmp = pch.with_suffix(f".tmp{os.getpid()}")
            tu.save(str(tmp))
            os.replace(tmp, pch)
        return pch

    def compile(self, job: Job) -> list[Diag]:
        args, dirs = self.env(job.version)
        path = str(self.root / job.rel_dir / SNIPPET_NAME)
        tu = self.index.parse(path, args=args, unsaved_files=[(path, job.text)],
                              options=self.ci.TranslationUnit.PARSE_SKIP_FUNCTION_BODIES * 0)
        out = []
        roots = [self.root, *dirs]
        for inc in tu.get_includes():
            f = Path(str(inc.include.name)).resolve()
            if not any(f.is_relative_to(r) for r in roots) and not str(f).endswith(".pch"):
                out.append(Diag(None, None, 4, f"include outside the decomp refused: {f.name}",
                                None))
        for d in tu.diagnostics:
            if d.severity < 3:
                continue
            loc = d.location
            fname = str(loc.file.name) if loc.file else None
            mine = fname == path
            out.append(Diag(loc.line if mine else None, loc.column if mine else None, d.severity,
                            d.spelling, None if mine else (Path(fname).name if fname else None)))
        return out


def worker_main() -> None:
    """A compile worker: JSON lines in on stdin (jobs), JSON lines out on stdout (results)."""
    import json
    import sys

    root, cache_dir, memory_mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
    _limit_memory(memory_mb)
    state = None
    out = sys.stdout
    for raw in sys.stdin:
        try:
            job = Job(**json.loads(raw))
        except (ValueError, TypeError):
            return
        try:
            if state is None:
                state = _WorkerState(root, cache_dir)
            reply = ["ok", [d.__dict__ for d in state.compile(job)]]
        except MemoryError:
            reply = ["error", "the compiler ran out of its memory cap"]
        except Exception as e:  # noqa: BLE001 - reported back as a compile failure
            reply = ["error", f"{type(e).__name__}: {e}"]
        out.write(json.dumps(reply) + "\n")
        out.flush()


class _Worker:
    """One worker process (``python -m validate.compile ROOT CACHE MB``), talked to over pipes."""

    def __init__(self, root: str, cache_dir: str, memory_mb: int) -> None:
        import subprocess
        import sys

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "validate.compile", root, cache_dir, str(memory_mb)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=str(Path(__file__).resolve().parent.parent), close_fds=True)
        self.warm = False

    def send(self, job: Job) -> None:
        import json

        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(job.__dict__) + "\n").encode())
        self.proc.stdin.flush()

    def recv(self, timeout: float) -> Any:
        import json
        import select

        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise TimeoutError
        line = self.proc.stdout.readline()
        if not line:
            raise EOFError
        return json.loads(line)

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass
        self.proc.wait(5)
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()  # type: ignore[union-attr]
            except OSError:
                pass

    def stop(self) -> None:
        try:
            self.proc.stdin.close()  # type: ignore[union-attr]
            self.proc.wait(2)
        except Exception:  # noqa: BLE001
            self.kill()


class CompilePool:
    """N compile worker processes; each job has a timeout and the worker a memory cap."""

    def __init__(self, root: Path, cache_dir: Path, *, workers: int = 2, timeout: float = 10.0,
                 memory_mb: int = 1536) -> None:
        self.root, self.cache_dir = str(root), str(cache_dir)
        self.timeout, self.memory_mb = timeout, memory_mb
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(max(1, workers)):
            self._add()
        self._threads = ThreadPoolExecutor(max(1, workers), thread_name_prefix="ootkg-compile")

    def _add(self) -> None:
        w = _Worker(self.root, self.cache_dir, self.memory_mb)
        with self._lock:
            self._all.append(w)
        self._idle.put(w)

    def _replace(self, w: _Worker) -> None:
        w.kill()
        with self._lock:
            if w in self._all:
                self._all.remove(w)
        if not self._closed:
            self._add()

    def submit(self, job: Job) -> Future:
        return self._threads.submit(self._run, job)

    def _run(self, job: Job) -> tuple[str, Any]:
        w = self._idle.get()
        try:
            w.send(job)
            # the first job of a worker also builds its environment and PCH
            status, payload = w.recv(self.timeout + (180 if not w.warm else 0))
        except TimeoutError:
            self._replace(w)
            return "timeout", f"compiling took longer than {self.timeout:g} s"
        except (EOFError, OSError, ValueError):
            self._replace(w)
            return "crash", "the compiler process died (memory cap or crash)"
        w.warm = True
        self._idle.put(w)
        if status == "ok":
            payload = [Diag(**d) for d in payload]
        return status, payload

    def close(self) -> None:
        self._closed = True
        self._threads.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            workers = list(self._all)
        for w in workers:
            w.stop()


# ------------------------------------------------------------------------ the level-1 check

_FN_BODY = re.compile(r"\)\s*\{")
_STRUCT_TYPE = re.compile(r"\b((?:En|Bg|Obj|Boss|Door|Demo|Item|Arms|Elf|Eff|Fire|Mir|Oceff|Shot|"
                          r"Magic|Arrow)[A-Z0-9]\w*)\s*\*")


def _header_like(code: str) -> bool:
    """A block of declarations only (struct typedefs, prototypes): later blocks include it."""
    return bool(re.search(r"\b(typedef|struct)\b", code)) and not _FN_BODY.search(code)


def _stand_ins(code: str, all_code: str, known: set[str]) -> list[str]:
    """``typedef struct EnFoo { Actor actor; } EnFoo;`` for actor structs nobody defines."""
    out = []
    for name in sorted(set(_STRUCT_TYPE.findall(code))):
        if name in known or re.search(rf"\}}\s*{name}\s*;|struct\s+{name}\s*\{{", all_code):
            continue
        out.append(f"typedef struct {name} {{ Actor actor; }} {name}; /* ootkg stand-in */")
    return out


def _actor_dir(actor: ActorInfo | None) -> str:
    if actor and actor.file:
        return str(Path(actor.file).parent)
    return "src"


class Compiler:
    def __init__(self, pool: CompilePool, root: Path) -> None:
        self.pool = pool
        self.root = root

    def _prelude(self, actor: ActorInfo | None) -> list[str]:
        lines = ["/* ootkg validation prelude */"]
        if actor and actor.file:
            header = Path(actor.file).with_suffix(".h")
            rel = header.relative_to("src") if header.parts[:1] == ("src",) else header
            if (self.root / header).is_file():
                lines.append(f'#include "{rel.as_posix()}"')
        return lines

    def submit(self, version: str, blocks: list[CodeBlock], actor: ActorInfo | None,
               known_structs: set[str] | None = None, objects: set[str] | None = None) -> Any:
        jobs = []
        obj_lines = []
        for obj in sorted(objects or ()):
            name = obj.lower()
            for d in ([name[len("object_"):]] if name.startswith("object_gameplay") else []) + [name]:
                path = f"assets/objects/{d}/{d}.h"
                obj_lines += [f'#if __has_include("{path}")', f'#include "{path}"', "#endif"]
        headers: list[str] = []
        all_code = "\n".join(b.code for b in blocks)
        for b in blocks:
            prelude = self._prelude(actor) + obj_lines + _stand_ins(b.code, all_code,
                                                                     known_structs or set())
            for h in headers:
                prelude += h.split("\n")
            prep = prepare(b.code, prelude, actor.instance_struct if actor else None)
            if _header_like(b.code):
                headers.append(b.code)
            fut = self.pool.submit(Job(version, prep.text, _actor_dir(actor)))
            jobs.append((b, prep, fut))
        return jobs

    def result(self, jobs: Any) -> CompileResult:
        res = CompileResult()
        for b, prep, fut in jobs:
            res.issues += include_issues([b])
            status, payload = fut.result()
            if status in ("timeout", "crash", "error"):
                code = {"timeout": "compile-timeout", "crash": "compile-crash"}.get(
                    status, "compile-error")
                res.issues.append(Issue(code=code, level=1, message=str(payload),
                                        message_index=b.message_index, block=b.block_index))
                continue
            for d in payload:
                if "OotkgUnknownActor" in d.message or any(
                        f"'struct {n}'" in d.message for n in prep.stand_ins):
                    res.notes.append("the snippet uses fields of `this` for an actor it does not "
                                     "name; only its `actor` base was compiled")
                    continue
                line = None
                if d.line is not None and 0 < d.line <= len(prep.line_map):
                    line = prep.line_map[d.line - 1]
                where = f" (in {d.file})" if d.file else ""
                res.issues.append(Issue(
                    code="compile-error", level=1, message=d.message + where,
                    message_index=b.message_index, block=b.block_index, line=line))
        if any(i.level == 1 for i in res.issues):
            res.status = "failed"
        return res

    def close(self) -> None:
        self.pool.close()


def find_decomp(store: Any, settings: Any, decomp: Path | str | None) -> Path | None:
    for cand in (decomp, getattr(settings, "decomp", None), os.environ.get("OOTKG_DECOMP"),
                 os.environ.get("OOT_DECOMP")):
        if cand:
            return Path(cand).expanduser()
    try:
        for r in store.run("MATCH (r:IngestRun) RETURN r.decomp_path AS p"):
            if r.get("p") and (Path(r["p"]) / "include" / "versions.h").is_file():
                return Path(r["p"])
    except Exception:  # noqa: BLE001 - an older graph without the property
        pass
    try:
        rows = store.run("MATCH (r:IngestRun) RETURN r.sources AS sources, r.started AS s "
                         "ORDER BY s DESC LIMIT 1")
    except Exception:  # noqa: BLE001 - an old graph without IngestRun
        rows = []
    for r in rows:
        for src in r.get("sources") or []:
            p = Path(str(src).split("=", 1)[-1])
            if (p / "include" / "versions.h").is_file():
                return p
    return None


def make_compiler(store: Any, settings: Any, *, decomp: Path | str | None = None,
                  workers: int | None = None, timeout: float = 10.0,
                  memory_mb: int = 1536) -> tuple[Compiler | None, str]:
    root = find_decomp(store, settings, decomp)
    if root is None:
        return None, ("no decomp checkout (give --decomp, or set OOTKG_DECOMP), so the code "
                      "was not compiled")
    try:
        from ingest.checkout import Checkout

        Checkout.open(root)
    except Exception as e:  # noqa: BLE001 - any reason the checkout is unusable
        return None, f"the decomp checkout at {root} is not usable ({e})"
    cache = Path(getattr(settings, "cache_dir", None) or Path.home() / ".cache" / "ootkg")
    pool = CompilePool(root.resolve(), cache, workers=workers or min(2, os.cpu_count() or 1),
                       timeout=timeout, memory_mb=memory_mb)
    return Compiler(pool, root.resolve()), ""


if __name__ == "__main__":
    worker_main()
