"""The one compile environment for parsing decomp C with libclang (ingest and validation).

Interface:

    env = CompileEnv(checkout, "gc-eu-mq-dbg", cache_dir)
    env.ensure_stubs()          # generate stand-in asset headers for that version (in cache_dir)
    env.args("src/code/z_actor.c")  # full clang args: target, defines, includes, per-file flags
    env.args()                  # the same without per-file flags (e.g. for a snippet)
    env.include_dirs()          # -I directories in order (stub dir last)
    env.pch()                   # a precompiled header of the common prefix, or None

Everything comes from the checkout: defines from the Makefile's per-version
variables (``VersionInfo.make``), per-file ``-D`` flags from the Makefile's
``$(BUILD_DIR)/x.o: CPP_DEFINES += ...`` rules. The target is MIPS big-endian
32-bit so struct sizes and offsets are the N64's (see decomp-survey.md).
Nothing is written into the checkout: stubs go to ``cache_dir/stubs/<version>``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.cache import TreeStats
from ingest.checkout.flags import BASE_ARGS, per_file_defines, version_defines
from kg.persist import atomic_path, atomic_write

if TYPE_CHECKING:
    from ingest.checkout.checkout import Checkout

log = logging.getLogger(__name__)


class CompileEnv:
    def __init__(
        self, checkout: Checkout, version_id: str, cache_dir: Path | str, *, prefix_headers: list[str] | None = None
    ) -> None:
        """``prefix_headers``: the PCH prefix when the caller already knows it (a re-parse
        with the list an earlier run found)."""
        self.checkout = checkout
        self.version = checkout.version(version_id)
        self.cache_dir = Path(cache_dir)
        self.stub_dir = self.cache_dir / "stubs" / self.version.id
        self._defines = version_defines(checkout.root, self.version)
        self._per_file = per_file_defines(checkout.root, self.version)
        self._pch: Path | None = None
        self._prefix: list[str] | None = list(prefix_headers) if prefix_headers else None
        self._pch_deps: tuple[Path, dict[str, tuple[int, int, str]]] | None = None
        self._args: list[str] | None = None

    def include_dirs(self) -> list[Path]:
        r, vid = self.checkout.root, self.version.id
        return [
            r / "include",
            r / "include/libc",
            r / "src",
            r / "build" / vid,
            r,
            r / "extracted" / vid,
            self.stub_dir,
        ]

    def defines(self) -> list[str]:
        return list(self._defines)

    def args(self, path: str | None = None) -> list[str]:
        if self._args is None:
            self._args = BASE_ARGS + self._defines + [f"-I{d}" for d in self.include_dirs()]
        out = list(self._args)
        if path is not None:
            out += self.file_flags(path)
        return out

    def file_flags(self, path: str) -> list[str]:
        """The per-file flags ``args(path)`` adds (the Makefile's per-object rules)."""
        rel = path
        if path.startswith("/"):
            p = Path(path)
            try:
                rel = str(p.relative_to(self.checkout.root))
            except ValueError:
                rel = path
        return list(self._per_file.get(rel, []))

    def flags_key(self, path: str | None = None) -> str:
        """What in the args depends on the version/file (not on absolute paths): a cache key part."""
        return " ".join(BASE_ARGS + self._defines + (self._per_file.get(path, []) if path else []))

    def ensure_stubs(self) -> Path:
        from ingest.c.asset_stubs import ensure_stubs

        ensure_stubs(self.checkout, self.version, self.stub_dir)
        return self.stub_dir

    # --- precompiled header of the headers most TUs include first ---

    PCH_DIRS = ("src/code/", "src/overlays/")

    def prefix_headers(self, stats: TreeStats | None = None) -> list[str]:
        """Headers of include/ that at least a quarter of the PCH_DIRS TUs include directly
        (``stats``: this run's walk of the checkout, when the caller has one)."""
        if self._prefix is None:
            self._prefix = _prefix_headers(self.checkout.root, self.cache_dir, stats)
        return list(self._prefix)

    def uses_pch(self, path: str) -> bool:
        return path.startswith(self.PCH_DIRS)

    def pch(self, build: bool = True) -> Path | None:
        """A PCH of ``prefix_headers()`` for this version (built once, cached, revalidated)."""
        if self._pch is not None or not build:
            return self._pch
        import json

        import clang.cindex as ci

        heads = self.prefix_headers()
        if not heads:
            return None
        text = "".join(f'#include "{h}"\n' for h in heads)
        tag = hashlib.sha1((text + " ".join(self.args())).encode()).hexdigest()[:16]
        out = self.cache_dir / "pch" / self.version.id / f"prefix-{tag}.pch"
        meta = out.with_suffix(".json")
        if out.is_file() and meta.is_file():
            try:
                deps = json.loads(meta.read_text())
                if all(_same_file(p, *v) for p, v in deps.items()):
                    self._pch = out
                    return out
            except (ValueError, TypeError):
                pass
        out.parent.mkdir(parents=True, exist_ok=True)
        src = out.with_name(f"prefix-{tag}.h")
        src.write_text(text)
        tu = ci.Index.create().parse(
            str(src), args=self.args() + ["-x", "c-header"], options=ci.TranslationUnit.PARSE_INCOMPLETE
        )
        if any(d.severity >= ci.Diagnostic.Error for d in tu.diagnostics):
            log.warning("PCH prefix for %s has errors; parsing without a PCH", self.version.id)
            return None
        with atomic_path(out) as tmp:
            tu.save(str(tmp))
            deps = {inc.include.name: _file_sig(inc.include.name) for inc in tu.get_includes()}
            atomic_write(meta, json.dumps(deps))
        self._pch = out
        return out

    def pch_deps(self) -> dict[str, tuple[int, int, str]]:
        """The PCH's dependencies (read once per PCH; each job gets its own copy)."""
        import json

        if self._pch is None:
            return {}
        if self._pch_deps is None or self._pch_deps[0] != self._pch:
            self._pch_deps = (
                self._pch,
                {k: tuple(v) for k, v in json.loads(self._pch.with_suffix(".json").read_text()).items()},
            )
        return dict(self._pch_deps[1])

    def pch_source(self) -> Path | None:
        return self._pch.with_suffix(".h") if self._pch else None


def _file_sig(path: str) -> tuple[int, int, str]:
    try:
        st = os.stat(path)
        with open(path, "rb") as fh:
            return (st.st_size, st.st_mtime_ns, hashlib.sha1(fh.read()).hexdigest())
    except OSError:
        return (-1, 0, "")


def _same_file(path: str, size: int, mtime: int, sha: str) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return size < 0
    if (st.st_size, st.st_mtime_ns) == (size, mtime):
        return True
    return _file_sig(path)[2] == sha


_DIRECT_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]+"([^"/]+\.h)"', re.M)


def _direct_includes(path: str) -> frozenset[str]:
    with open(path, "rb") as fh:
        return frozenset(_DIRECT_INCLUDE.findall(fh.read().decode("utf-8", "replace")))


# the last count per checkout in this process: callers without a walk of their own (the
# delta path, validation: one CompileEnv per job) reuse it, as the lru_cache here used to
_LAST_PREFIX: dict[Path, list[str]] = {}


def _prefix_headers(root: Path, cache_dir: Path | None = None, stats: TreeStats | None = None) -> list[str]:
    """Counted again when the caller has this run's walk (``stats``), else the process' last
    count for the checkout."""
    if stats is None and root in _LAST_PREFIX:
        return _LAST_PREFIX[root]
    from collections import Counter

    from ingest.cache import FileMemo

    memo = (
        FileMemo(cache_dir / "analysis" / "direct-includes.pkl", "direct-includes-1") if cache_dir is not None else None
    )
    counts: Counter[str] = Counter()
    n = 0
    stats = stats or TreeStats(root)
    tops = tuple(f"{root / top.rstrip('/')}/" for top in CompileEnv.PCH_DIRS)
    for p, st in stats.files("src"):
        if not (p.endswith(".c") and p.startswith(tops)):
            continue
        n += 1
        counts.update(_direct_includes(p) if memo is None else memo.get(p, st, _direct_includes))
    if memo is not None:
        memo.save()
    heads = [
        h
        for h, c in sorted(counts.items(), key=lambda hc: (-hc[1], hc[0]))
        if c * 4 >= n and (root / "include" / h).is_file()
    ]  # sorted: stable across runs
    if (root / "include" / "ultra64.h").is_file():
        heads = ["ultra64.h"] + [h for h in heads if h != "ultra64.h"]
    _LAST_PREFIX[root] = heads
    return heads
