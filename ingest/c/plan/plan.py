"""The C plan's pieces: every version's TU and header keys (``Plan``, remembered across runs in
a ``KeyMemo``), the worker pool started on first use (``LazyPool``) and a finished task for work
done in this process (``Done``). ``ingest.c.source.extract_all`` puts them together."""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest.c.env import CompileEnv
from ingest.c.extract import EXTRACTOR_VERSION, init_worker
from ingest.c.plan.keys import build_index, parse_defines
from ingest.c.plan.memo import KeyMemo
from ingest.cache import TreeStats
from ingest.checkout.versions import VersionInfo
from ingest.context import IngestContext


class LazyPool:
    """The worker pool, started on first use (a warm run with nothing or little to parse never
    starts it)."""

    def __init__(self, jobs: int, cache_dir: str) -> None:
        self.jobs, self.cache_dir = jobs, cache_dir
        self._pool: Any = None

    @property
    def started(self) -> bool:
        return self._pool is not None

    def get(self) -> Any:
        if self._pool is None:
            mpctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
            self._pool = mpctx.Pool(self.jobs, initializer=init_worker, initargs=(self.cache_dir,))
        return self._pool

    def apply_async(self, fn: Callable, args: tuple, callback: Callable | None = None) -> Any:
        return self.get().apply_async(fn, args, callback=callback)

    def imap_unordered(self, fn: Callable, items: Any, chunksize: int = 1) -> Any:
        return self.get().imap_unordered(fn, items, chunksize=chunksize)

    def terminate(self) -> None:
        if self._pool is not None:
            self._pool.terminate()

    def join(self) -> None:
        if self._pool is not None:
            self._pool.join()


class Done:
    """A finished task (what ``apply_async`` gives, for work done in this process)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def get(self) -> Any:
        return self.value


# the key formulas (here, in ingest.c.plan.jobs.Keys and ingest.c.source): another value, or
# another text of these modules, starts the key memo afresh
_PLAN_FORMAT = "plan-1"
_CODE_DIGEST = hashlib.sha1(
    b"".join(
        p.read_bytes()
        for p in (Path(__file__), Path(__file__).with_name("jobs.py"), Path(__file__).parents[1] / "source.py")
    )
).hexdigest()


class Plan:
    """Every version's TUs, keyed so that versions preprocessing a TU identically share it.
    Keys are remembered across runs (``ingest.c.plan.memo.KeyMemo``): after an edit only the keys of the
    TUs and headers whose include closure holds an edited file are computed again."""

    def __init__(self, ctx: IngestContext, envs: dict[str, CompileEnv], stats: TreeStats | None = None) -> None:
        self.ctx = ctx
        self.root = ctx.checkout.root
        self.envs = envs
        self.flags = {vid: e.defines() for vid, e in self.envs.items()}
        seeds = set().union(*(set(parse_defines(f)) for f in self.flags.values()))
        analysis = ctx.cache_dir / "analysis"
        self.index = build_index(self.root, seeds, analysis / "files.pkl", stats)
        self.memo = KeyMemo(analysis / "keys.pkl", self.index, f"{_PLAN_FORMAT}:{EXTRACTOR_VERSION}:{_CODE_DIGEST}")
        self._stub_sha: dict[tuple[str, str], str] = {}
        self.venv: dict[str, dict] = {}
        self.raw: dict[str, dict[str, str]] = {}
        self.vdig: dict[str, str] = {}
        self._hkey: dict[int, dict[str, str]] = defaultdict(dict)  # version index -> header -> key
        self._xh: dict[frozenset[str] | tuple[str, ...], str] = {}
        self._heads: dict[str, list[str]] = {}  # path -> the headers of its closure
        self._digests: dict[tuple, str] = {}

    def set_version(self, vid: str, venv: dict, raw: dict[str, str]) -> None:
        """The version's macro values; its digest keys its memo entries: the macro analysis,
        the values and the generated stubs (their stamp names their inputs)."""
        self.venv[vid], self.raw[vid] = venv, raw
        stamp = self.envs[vid].stub_dir / ".stamp"
        try:
            stub = (stamp.read_text(), stamp.stat().st_mtime_ns)
        except OSError:
            stub = ("no stamp", time.time_ns())  # unknown stubs: nothing to reuse
        self.vdig[vid] = hashlib.sha1(
            repr(
                (self.index.gdig, str(self.envs[vid].stub_dir), sorted(venv.items()), sorted(raw.items()), stub)
            ).encode()
        ).hexdigest()

    def stub_part(self, vid: str, missing: tuple[str, ...]) -> tuple:
        out = []
        for inc in missing:
            got = self._stub_sha.get((vid, inc))
            if got is None:
                p = self.envs[vid].stub_dir / inc
                try:
                    got = hashlib.sha1(p.read_bytes()).hexdigest()
                except OSError:
                    got = "-"
                self._stub_sha[(vid, inc)] = got
            out.append(got)
        return tuple(out)

    def key(self, tu_abs: str, vidx: int, vid: str, env: dict, raw: dict[str, str], extra: tuple = ()) -> str:
        got = self.memo.get(tu_abs, self.vdig[vid], ("full", extra))
        if got is not None:
            return got
        digest, missing, parts = self.index.tu_parts(tu_abs, vidx, env, raw)
        got = self._digest(
            (
                EXTRACTOR_VERSION,
                tu_abs[len(str(self.root)) :],
                digest,
                missing,
                parts,
                self.stub_part(vid, missing),
                extra,
            )
        )
        self.memo.put(tu_abs, self.vdig[vid], ("full", extra), got)
        return got

    def main_key(
        self,
        tu_abs: str,
        vidx: int,
        vid: str,
        env: dict,
        raw: dict[str, str],
        extra: tuple,
        extra_headers: frozenset[str] | tuple[str, ...],
    ) -> str | None:
        """Key of what the TU's own code yields (its functions, calls, profiles) in a version;
        None when only the full key will do."""
        xh = self._xh.get(extra_headers)
        if xh is None:  # the extra headers are outside the TU's closure: their contents count
            h = hashlib.sha1()
            for f in sorted(extra_headers):
                h.update(f"{f}\0{self.index.sha(f)}\n".encode())
            xh = self._xh[extra_headers] = h.hexdigest()
        mk = ("main", extra, xh)
        got = self.memo.get(tu_abs, self.vdig[vid], mk)
        if got is not None:
            return got or None
        m = self.index.main_parts(tu_abs, vidx, env, raw, extra_headers)
        if m is None:
            self.memo.put(tu_abs, self.vdig[vid], mk, "")
            return None
        got = self._digest(
            ("main", EXTRACTOR_VERSION, tu_abs[len(str(self.root)) :], m, self.stub_part(vid, m[1]), extra)
        )
        self.memo.put(tu_abs, self.vdig[vid], mk, got)
        return got

    def _digest(self, inputs: tuple) -> str:
        """sha1 of ``repr(inputs)``, once per distinct value: versions whose parts are equal
        (most, for most files) share the hashing."""
        got = self._digests.get(inputs)
        if got is None:
            got = self._digests[inputs] = hashlib.sha1(repr(inputs).encode()).hexdigest()
        return got

    def header_keys(self, tu_abs: str, vidx: int, vid: str, env: dict, raw: dict[str, str]) -> dict[str, str]:
        heads = self._heads.get(tu_abs)
        if heads is None:
            heads = self._heads[tu_abs] = [f for f in self.index.closure(tu_abs)[0] if f != tu_abs and f.endswith(".h")]
        known = self._hkey[vidx]
        for f in heads:
            if f not in known:
                known[f] = self.key(f, vidx, vid, env, raw)[:20]
        return {f: known[f] for f in heads}

    def version_hkeys(self, vidx: int) -> dict[str, str]:
        """Every header key made for a version, by checkout-relative path, in the order made."""
        cut = len(str(self.root)) + 1
        return {f[cut:]: k for f, k in self._hkey[vidx].items()}


def prefix_header_keys(
    plan: Plan, ctx: IngestContext, heads: list[str], vid: str, order: list[VersionInfo]
) -> dict[str, str]:
    vidx = [v.id for v in order].index(vid)
    env, raw = plan.venv[vid], plan.raw[vid]
    out: dict[str, str] = {}
    for h in heads:
        f = str(ctx.checkout.root / "include" / h)
        out.update(plan.header_keys(f, vidx, vid, env, raw))
        known = plan._hkey[vidx]
        k = known.get(f)
        if k is None:
            k = known[f] = plan.key(f, vidx, vid, env, raw)[:20]
        out[f] = k
    return out
