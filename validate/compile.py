"""Level 1: compile code blocks with libclang against the decomp headers of a version.

Two halves, so that the service can plan in one process and compile in another:

- ``Compiler.plan`` (cheap, no libclang): each block through the include gate
  (``validate.sandbox.gate``) on its own text, the translation unit assembled (prelude,
  earlier header-only blocks already gated, the block), the gate run once more over
  everything the snippets wrote, and one ``CompileJob`` per block that passed.
- ``CompilePool`` runs jobs in worker processes (``validate.compile_worker``) confined by
  the operating system (``validate.confine``), each with an exact time limit and an
  address-space cap; ``Compiler.interpret`` turns the outcomes into issues.

Before any worker starts, a one-off process builds each version's generated asset headers
and precompiled header (``compile_worker.prepare``), so a worker's warm-up is loading,
not building, and no job is charged for it.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from validate import rules
from validate.extract import CodeBlock
from validate.index import ActorInfo
from validate.models import Issue
from validate.rules import Rule
from validate.sandbox import final_check, gate, prepare
from validate.workers import Job, WorkerPool, WorkerStartError

log = logging.getLogger(__name__)

# A block larger than this is not compiled (reported as ``too-large``, never truncated).
MAX_COMPILE_CHARS = 200_000
SANDBOX_POLICIES = ("require", "prefer", "off")
# CPU seconds after which a compile is "slow" (bench/bench_service_load.py: the golden
# suite's compiles on the real decomp use 10-30 ms of CPU; a macro bomb, all it can get)
SLOW_COMPILE = 0.1


@dataclass
class CompileJob:
    """One block's translation unit, and how to map clang's lines back to the block."""

    version: str
    text: str
    rel_dir: str  # directory (relative to the checkout) the snippet pretends to live in
    message_index: int | None
    block_index: int
    line_map: list[int | None]
    stand_ins: list[str] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        return {"version": self.version, "text": self.text, "rel_dir": self.rel_dir}


@dataclass
class CompileResult:
    status: str = "passed"  # passed | failed | skipped
    issues: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------ the pool


def _package_dirs() -> list[str]:
    import ingest
    import kg
    import validate

    return [str(Path(m.__file__).resolve().parent) for m in (validate, ingest, kg)]  # type: ignore[arg-type]


def prepare_versions(root: Path, cache_dir: Path, versions: list[str], timeout: float = 900.0) -> dict[str, Any]:
    """Stubs and PCHs for ``versions`` (in a child process), and the clang arguments."""
    cfg = {"root": str(root), "cache_dir": str(cache_dir), "versions": versions}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "validate.compile_worker", "prepare"],
            input=json.dumps(cfg) + "\n",
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd="/",
        )
    except subprocess.TimeoutExpired:
        raise WorkerStartError(
            f"preparing the headers of {', '.join(versions)} took longer than {timeout:g} s"
        ) from None
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise WorkerStartError(f"preparing the compile environment failed: {tail}")
    return json.loads(done.stdout)


class CompilePool:
    """Compile workers: confined, warm before their first job, exact time limits."""

    def __init__(
        self,
        root: Path,
        cache_dir: Path,
        versions: list[str],
        *,
        workers: int = 2,
        timeout: float = 10.0,
        memory_mb: int = 1536,
        sandbox: str = "prefer",
        reserve: int = 0,
        strike_seconds: float = 0.0,
        shared: bool = True,
    ) -> None:
        """``shared``: the pool serves many clients (the service), so a job past
        SLOW_COMPILE seconds of CPU moves to the slow lane or is stopped when it is full. A
        pool of one trusted caller (``ootkg validate``, generation) limits jobs by time only:
        a whole decomp file may take a second to compile."""
        from validate import confine

        if sandbox not in SANDBOX_POLICIES:
            raise ValueError(f"sandbox must be one of {SANDBOX_POLICIES}")
        self.root = Path(root).resolve()
        self.cache_dir = Path(cache_dir).resolve()
        self.timeout = timeout
        self.policy = sandbox
        self.manifest = prepare_versions(self.root, self.cache_dir, versions)
        read = [str(self.root), "/dev/null", *confine.python_paths(), *_package_dirs()]
        for env in self.manifest.values():
            read += env["read"] + env["dirs"]
        self._read = read
        self._memory_mb = memory_mb
        self._which = confine.mode()
        self.sandbox: list[str] = []  # the mechanisms the workers applied
        self.sandbox_notes: list[str] = []
        self.pool = WorkerPool(
            "compile",
            self._spawn,
            workers,
            job_timeout=timeout,
            slow_after=min(SLOW_COMPILE, timeout / 4) if shared else math.inf,
            max_slow=2 if shared else 0,
            reserve=reserve,
            strike_seconds=strike_seconds,
            on_ready=self._ready,
        )
        try:
            self.pool.wait_ready()
        except BaseException:
            self.pool.close()  # no slot keeps retrying behind a refusal
            raise

    def _spawn(self) -> tuple[list[str], dict[str, Any], str, dict[str, str] | None]:
        cfg = {
            "root": str(self.root),
            "cache_dir": str(self.cache_dir),
            "manifest": self.manifest,
            "read": self._read,
            "memory_mb": self._memory_mb,
            "sandbox": self.policy,
        }
        env = dict(os.environ, OOTKG_SANDBOX=self._which)
        return [sys.executable, "-m", "validate.compile_worker"], cfg, "/", env

    def _ready(self, hello: dict[str, Any]) -> None:
        self.sandbox = list(hello.get("sandbox") or [])
        self.sandbox_notes = list(hello.get("notes") or [])
        for v, why in (hello.get("broken") or {}).items():
            self.manifest[v]["error"] = why

    def broken(self, version: str) -> str | None:
        """Why ``version`` cannot be compiled here (None: it can)."""
        env = self.manifest.get(version)
        if env is None:
            return f"{version} was not prepared"
        return env["error"]

    def submit(self, job: CompileJob) -> Job:
        return self.pool.submit(job.payload())

    def cancel(self, fut: Job) -> None:
        self.pool.cancel(fut)

    def close(self) -> None:
        self.pool.close()


# ------------------------------------------------------------------------ planning

_FN_BODY = re.compile(r"\)\s*\{")
_TYPEDEF_OR_STRUCT = re.compile(r"\b(?:typedef|struct)\b")
_STRUCT_TYPE = re.compile(
    r"\b((?:En|Bg|Obj|Boss|Door|Demo|Item|Arms|Elf|Eff|Fire|Mir|Oceff|Shot|"
    r"Magic|Arrow)[A-Z0-9]\w*)\s*\*"
)
_DEFINED_STRUCT = re.compile(r"\}\s*(\w+)\s*;|struct\s+(\w+)\s*\{")
MAX_STAND_INS = 64


def _header_like(code: str) -> bool:
    """A block of declarations only (struct typedefs, prototypes): later blocks include it."""
    return bool(_TYPEDEF_OR_STRUCT.search(code)) and not _FN_BODY.search(code)


def _stand_ins(code: str, defined: set[str], known: set[str]) -> list[str]:
    """``typedef struct EnFoo { Actor actor; } EnFoo;`` for actor structs nobody defines."""
    names = sorted({m for m in _STRUCT_TYPE.findall(code)} - known - defined)[:MAX_STAND_INS]
    return [f"typedef struct {n} {{ Actor actor; }} {n}; /* ootkg stand-in */" for n in names]


def _actor_dir(actor: ActorInfo | None) -> str:
    if actor and actor.file:
        return str(Path(actor.file).parent)
    return "src"


def _issue(rule: Rule, b: CodeBlock, message: str, line: int | None = None, symbol: str | None = None) -> Issue:
    return rules.issue(rule, message, message_index=b.message_index, block=b.block_index, line=line, symbol=symbol)


# a compile job's outcome other than "ok" -> its rule (anything else: a compile error)
_FAILED = {
    "timeout": rules.COMPILE_TIMEOUT,
    "crash": rules.COMPILE_CRASH,
    "memory": rules.COMPILE_CRASH,
    "cancelled": rules.COMPILE_CRASH,
}


class Compiler:
    """Plans compile jobs for an example's blocks, and reads their outcomes."""

    def __init__(self, root: Path, pool: CompilePool | None = None) -> None:
        self.root = Path(root).resolve()
        self.pool = pool

    def _prelude(self, actor: ActorInfo | None) -> list[str]:
        lines = ["/* ootkg validation prelude */"]
        if actor and actor.file:
            header = Path(actor.file).with_suffix(".h")
            rel = header.relative_to("src") if header.parts[:1] == ("src",) else header
            if (self.root / header).is_file():
                lines.append(f'#include "{rel.as_posix()}"')
        return lines

    def plan(
        self,
        version: str,
        blocks: list[CodeBlock],
        actor: ActorInfo | None,
        known_structs: set[str] | None = None,
        objects: set[str] | None = None,
    ) -> tuple[list[CompileJob], list[Issue]]:
        """Jobs for the blocks that may be compiled, and level-1 issues found on the way
        (forbidden includes, refused or too large blocks)."""
        issues: list[Issue] = []
        jobs: list[CompileJob] = []
        obj_lines = []
        for obj in sorted(objects or ()):
            name = obj.lower()
            if not re.fullmatch(r"\w+", name):
                continue
            for d in ([name[len("object_") :]] if name.startswith("object_gameplay") else []) + [name]:
                path = f"assets/objects/{d}/{d}.h"
                obj_lines += [f'#if __has_include("{path}")', f'#include "{path}"', "#endif"]
        defined: set[str] = set()
        for b in blocks:
            if len(b.code) <= MAX_COMPILE_CHARS and "{" in b.code:
                for m in _DEFINED_STRUCT.finditer(b.code):
                    defined.add(m.group(1) or m.group(2))
        headers: list[str] = []
        for b in blocks:
            if len(b.code) > MAX_COMPILE_CHARS:
                issues.append(
                    _issue(
                        rules.TOO_LARGE,
                        b,
                        f"this code block has {len(b.code)} "
                        f"characters, over the {MAX_COMPILE_CHARS} a block may have "
                        "to be compiled; it was not compiled (split it)",
                    )
                )
                continue
            g = gate(b.code)
            for line, operand, why in g.problems:
                issues.append(_issue(rules.FORBIDDEN_INCLUDE, b, f"{operand} refused: {why}", line, operand))
            if g.text is None:
                continue
            prelude = self._prelude(actor) + obj_lines + _stand_ins(b.code, defined, known_structs or set())
            prep = prepare(g.text, prelude, actor.instance_struct if actor else None, headers)
            tu = prep.text.split("\n")
            refused = final_check("\n".join(tu[prep.user_start :]))
            if refused:
                issues.append(
                    _issue(
                        rules.FORBIDDEN_INCLUDE,
                        b,
                        f"the code of this example, put together, was refused ({refused}); it was not compiled",
                    )
                )
                continue
            if _header_like(b.code):
                headers.append(g.text)
            jobs.append(
                CompileJob(
                    version, prep.text, _actor_dir(actor), b.message_index, b.block_index, prep.line_map, prep.stand_ins
                )
            )
        return jobs, issues

    def interpret(self, jobs: list[CompileJob], outcomes: list[tuple[str, Any]]) -> CompileResult:
        res = CompileResult()
        for job, (status, payload) in zip(jobs, outcomes, strict=True):
            where: dict[str, Any] = {"message_index": job.message_index, "block": job.block_index}
            if status != "ok":
                rule = _FAILED.get(status, rules.COMPILE_ERROR)
                msg = f"compiling {payload}" if status == "timeout" else str(payload)
                res.issues.append(rules.issue(rule, msg, **where))
                continue
            for d in payload:
                message = str(d.get("message", ""))
                if "OotkgUnknownActor" in message or any(f"'struct {n}'" in message for n in job.stand_ins):
                    note = (
                        "the snippet uses fields of `this` for an actor it does not name; "
                        "only its `actor` base was compiled"
                    )
                    if note not in res.notes:
                        res.notes.append(note)
                    continue
                line = None
                dl = d.get("line")
                if isinstance(dl, int) and 0 < dl <= len(job.line_map):
                    line = job.line_map[dl - 1]
                extra = f" (in {d['file']})" if d.get("file") else ""
                res.issues.append(rules.issue(rules.COMPILE_ERROR, message + extra, line=line, **where))
        if any(i.level == 1 for i in res.issues):
            res.status = "failed"
        return res

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()


def job_to_json(job: CompileJob) -> dict[str, Any]:
    return asdict(job)


def job_from_json(data: dict[str, Any]) -> CompileJob:
    return CompileJob(**data)


def find_decomp(store: Any, settings: Any, decomp: Path | str | None) -> Path | None:
    for cand in (
        decomp,
        getattr(settings, "decomp", None),
        os.environ.get("OOTKG_DECOMP"),
        os.environ.get("OOT_DECOMP"),
    ):
        if cand:
            return Path(cand).expanduser()
    try:
        for r in store.run("MATCH (r:IngestRun) RETURN r.decomp_path AS p"):
            if r.get("p") and (Path(r["p"]) / "include" / "versions.h").is_file():
                return Path(r["p"])
    except Exception:  # noqa: BLE001 - an older graph without the property
        pass
    try:
        rows = store.run("MATCH (r:IngestRun) RETURN r.sources AS sources, r.started AS s ORDER BY s DESC LIMIT 1")
    except Exception:  # noqa: BLE001 - an old graph without IngestRun
        rows = []
    for r in rows:
        for src in r.get("sources") or []:
            p = Path(str(src).split("=", 1)[-1])
            if (p / "include" / "versions.h").is_file():
                return p
    return None


def usable_decomp(store: Any, settings: Any, decomp: Path | str | None) -> tuple[Path | None, str]:
    """The decomp checkout level 1 compiles against, or why there is none."""
    root = find_decomp(store, settings, decomp)
    if root is None:
        return None, ("no decomp checkout (give --decomp, or set OOTKG_DECOMP), so the code was not compiled")
    try:
        from ingest.checkout.checkout import Checkout

        Checkout.open(root)
    except Exception as e:  # noqa: BLE001 - any reason the checkout is unusable
        return None, f"the decomp checkout at {root} is not usable ({e})"
    return root.resolve(), ""


def cache_dir_of(settings: Any) -> Path:
    return Path(getattr(settings, "cache_dir", None) or Path.home() / ".cache" / "ootkg")


def make_compiler(
    store: Any,
    settings: Any,
    versions: list[str],
    *,
    decomp: Path | str | None = None,
    workers: int | None = None,
    timeout: float = 10.0,
    memory_mb: int = 1536,
    sandbox: str = "prefer",
) -> tuple[Compiler | None, str]:
    root, why = usable_decomp(store, settings, decomp)
    if root is None:
        return None, why
    pool = CompilePool(
        root,
        cache_dir_of(settings),
        versions,
        workers=workers or min(2, os.cpu_count() or 1),
        timeout=timeout,
        memory_mb=memory_mb,
        sandbox=sandbox,
        shared=False,
    )
    note = ""
    if not pool.sandbox and sandbox != "off":
        note = (
            "compile workers are not confined by the operating system ("
            + "; ".join(pool.sandbox_notes)
            + "); the include gate alone protects files"
        )
        log.warning("%s", note)
    return Compiler(root, pool), note
