"""Which versions preprocess a TU identically: keys from the include graph and #if outcomes.

Most TUs preprocess to the same text in many of the 16 versions. Instead of
parsing each 16 times, every file is read once (and cached by size/mtime):

- *seeds* are the macros the build defines per version (``ingest.checkout.flags.version_defines``);
- a macro is *version-dependent* when it is #defined under an ``#if`` that uses
  one, or its body uses one (to a fixed point);
- a file's part of a key, for version ``v``, is the outcome of each of its
  conditionals that mentions a version-dependent macro (evaluated with ``v``'s
  values: the -D flags plus the macro values the defines probe measured), and
  the raw values of seeds its code uses through macro bodies;
- a TU's key is the hash of its include closure's contents and those parts, the
  per-file flags and the generated stubs it includes.

Two versions with the same key get byte-identical preprocessing, so the TU is
parsed once and its facts are shared (and cached by that key across runs).
When a condition cannot be evaluated, the raw values of the seeds it depends on
are used instead: conservative (a few more parses), never wrong.

Each file's analysis comes from ``ingest.c.plan.files`` (kept per file in sqlite); the macro analysis
is kept by the digest of every file's #defines (``KeyIndex.gdig``); closures and keys of
earlier runs from ``ingest.c.plan.memo.KeyMemo``.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ingest.c.plan.files import ANALYSIS_VERSION, FileInfo, scan_files
from ingest.c.plan.files import IDENT as _IDENT
from ingest.cache import TreeStats
from kg.persist import load_versioned, save_versioned

__all__ = ["FileInfo", "KeyIndex", "build_index", "parse_defines", "version_env"]

_INT_DEFINE = re.compile(r"^\s*([A-Za-z_]\w*)\s+\(?\s*(-?(?:0[xX][0-9a-fA-F]+|\d+))[uUlL]*\s*\)?\s*$")
_DEFINED = re.compile(r"\bdefined\s*(?:\(\s*([A-Za-z_]\w*)\s*\)|([A-Za-z_]\w*))")
_NUM = re.compile(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]+\b")
# the text of this module and the two it stands on: what is remembered from the macro
# analysis and the keys (macros.pkl, the key memo) is not reused by other code
CODE_DIGEST = hashlib.sha1(
    b"".join((Path(__file__).parent / m).read_bytes() for m in ("keys.py", "files.py", "memo.py"))
).hexdigest()


@dataclass
class KeyIndex:
    root: Path
    files: Mapping[str, FileInfo]
    cond_dep: dict[str, frozenset[str]]  # version-dependent macro -> seeds (any way)
    body_dep: dict[str, frozenset[str]]  # macro -> seeds its *body* uses (textual dependence)
    constants: dict[str, int]  # version-independent integer macros
    include_dirs: list[str]
    seeds: frozenset[str] = frozenset()
    # digest of everything above but ``files`` (the macro analysis of every file's #defines)
    gdig: str = ""
    _sensitive: dict[str, bool] = field(default_factory=dict)
    _oref: dict[str, frozenset[str]] | None = None
    _every: dict[tuple[str, int], tuple] = field(default_factory=dict)
    _canon: dict[tuple, tuple] = field(default_factory=dict)
    _skips: dict[tuple[str, ...], dict[str, frozenset[int]]] = field(default_factory=dict)
    _blocks: dict[str, tuple[tuple[int, frozenset[str]], ...]] = field(default_factory=dict)
    _dep_conds: dict[str, frozenset[int]] = field(default_factory=dict)
    _tu_base: dict[str, tuple] = field(default_factory=dict)
    _body_seeds: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _edges: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    _main_base: dict[tuple, tuple] = field(default_factory=dict)
    _outs: dict[tuple, tuple] = field(default_factory=dict)
    macro_bodies: dict[str, frozenset[str]] = field(default_factory=dict)
    _closure: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    _part: dict[tuple[str, int, frozenset[int]], tuple] = field(default_factory=dict)

    def resolve(self, includer: str, inc: str) -> str | None:
        for base in (os.path.dirname(includer), *self.include_dirs):
            p = os.path.normpath(os.path.join(base, inc))
            if p in self.files:
                return sys.intern(p)  # one string per path: closures pickle small
        return None

    def sha(self, path: str) -> str | None:
        """The content hash of an indexed file (without loading its analysis)."""
        sha = getattr(self.files, "sha", None)
        if sha is not None:
            return sha(path)
        info = self.files.get(path)
        return info.sha if info is not None else None

    def is_sensitive(self, path: str) -> bool:
        """Whether the file's text can differ between versions: a conditional on a
        version-dependent macro, or code using a macro whose body uses a seed."""
        got = self._sensitive.get(path)
        if got is None:
            info = self.files[path]
            got = self._sensitive[path] = any(
                not self.cond_dep.keys().isdisjoint(_IDENT.findall(e)) for _, e, _ in info.conds
            ) or not info.idents.isdisjoint(self.body_dep.keys())
        return got

    def closure(self, path: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(files in the include closure, include names nothing in the checkout provides)."""
        got = self._closure.get(path)
        if got is not None:
            return got
        seen: dict[str, None] = {}
        missing: dict[str, None] = {}
        stack = [path]
        while stack:
            p = stack.pop()
            if p in seen:
                continue
            seen[p] = None
            edges = self._edges.get(p)
            if edges is None:
                info = self.files.get(p)
                found, lost = [], []
                for inc in info.includes if info else ():
                    r = self.resolve(p, inc)
                    if r is None:
                        lost.append(inc)
                    else:
                        found.append(r)
                edges = self._edges[p] = (tuple(found), tuple(lost))
            for inc in edges[1]:
                missing[inc] = None
            for r in edges[0]:
                if r not in seen:
                    stack.append(r)
        got = (tuple(sorted(seen)), tuple(sorted(missing)))
        self._closure[path] = got
        return got

    def _eval(self, kind: str, expr: str, env: dict[str, int | None]) -> object:
        names = set(_IDENT.findall(expr)) - {"defined"}
        if not any(n in self.cond_dep for n in names):
            return None  # the same in every version
        try:
            if kind in ("ifdef", "ifndef"):
                name = expr.split()[0] if expr.split() else ""
                val = self._defined(name, env)
                return val if kind == "ifdef" else 1 - val
            e = _DEFINED.sub(lambda m: str(self._defined(m.group(1) or m.group(2), env)), expr)
            e = _NUM.sub(lambda m: m.group(1), e)

            def ident(m: re.Match[str]) -> str:
                n = m.group(0)
                if n in env:
                    v = env[n]
                    if v is None:
                        raise KeyError(n)
                    return str(v)
                if n in self.seeds:
                    return "0"  # a build flag this version does not pass
                if n in self.cond_dep:
                    raise KeyError(n)
                return str(self.constants.get(n, 0))

            e = _IDENT.sub(ident, e)
            e = e.replace("&&", " and ").replace("||", " or ")
            e = re.sub(r"!(?!=)", " not ", e).replace("/", "//")
            if not re.fullmatch(r"[\d\s()+\-*%<>=!andotr/&|^~]*", e):
                raise ValueError(e)
            return 1 if eval(e, {"__builtins__": {}}, {}) else 0  # noqa: S307 - digits and operators only
        except Exception:  # noqa: BLE001 - fall back to the raw seeds: conservative
            seeds = sorted(set().union(*(self.cond_dep.get(n, frozenset()) for n in names)))
            return ("?", tuple((s, env.get(s)) for s in seeds))

    def _defined(self, name: str, env: dict[str, int | None]) -> int:
        if name in env:
            return 1
        if name in self.seeds:
            return 0
        if name in self.cond_dep:
            raise KeyError(name)  # defined in some versions only, and not measured
        return 1 if name in self.constants else 0

    def _orefs(self) -> dict[str, frozenset[str]] | None:
        """Per file, the names it refers to that some define-only block of any file defines;
        None until every file's analysis is loaded (then ``unused_conds`` works per closure)."""
        if self._oref is None:
            loaded = getattr(self.files, "all_loaded", None)
            if loaded is not None and not loaded():
                return None
            infos = [(p, self.files[p]) for p in self.files]
            only = frozenset(n for _, i in infos if i.has_defs_only for _, _, o in i.conds if o for n in o)
            self._oref = {p: i.refs & only for p, i in infos}
        return self._oref

    def unused_conds(self, files: tuple[str, ...]) -> dict[str, frozenset[int]]:
        """Per file, the conditionals that only #define macros nothing in ``files`` refers to:
        their outcome cannot change these files' preprocessed text."""
        got = self._skips.get(files)
        if got is None:
            got = self._skips[files] = self._unused_conds(files)
        return got

    def _define_blocks(self, path: str) -> tuple[tuple[int, frozenset[str]], ...]:
        """The file's conditionals whose blocks only #define (index, the names)."""
        got = self._blocks.get(path)
        if got is None:
            info = self.files.get(path)
            got = self._blocks[path] = (
                ()
                if info is None or not info.has_defs_only
                else tuple((i, o) for i, (_, _, o) in enumerate(info.conds) if o is not None)
            )
        return got

    def _unused_conds(self, files: tuple[str, ...]) -> dict[str, frozenset[int]]:
        blocks: list[tuple[str, tuple[tuple[int, frozenset[str]], ...]]] = []
        names: set[str] = set()
        for f in files:
            only = self._define_blocks(f)
            if not only:
                continue
            blocks.append((f, only))
            for _, o in only:
                names |= o
        if not blocks:
            return {}
        used: set[str] = set()  # the names of ``names`` some file of ``files`` refers to
        orefs = self._orefs()
        if orefs is not None:  # every file's refs among all such names, made once
            for f in files:
                got = orefs.get(f)
                if got:
                    used |= got
            used &= names
        else:
            for f in files:
                info = self.files.get(f)
                if info is not None:
                    used |= info.refs.intersection(names)
        out: dict[str, frozenset[int]] = {}
        for f, only in blocks:
            skip = frozenset(i for i, o in only if o.isdisjoint(used))
            if skip:
                out[f] = skip
        return out

    def tu_parts(
        self, tu: str, vkey: int, env: dict[str, int | None], raw: dict[str, str]
    ) -> tuple[str, tuple[str, ...], tuple]:
        """(content hash of the closure, missing includes, the version-dependent parts)."""
        base = self._tu_base.get(tu)
        if base is None:
            files, missing = self.closure(tu)
            skips = self.unused_conds(files)
            h = hashlib.sha1()
            for f in files:
                h.update(f.encode())
                h.update((self.sha(f) or "-").encode())
            sens = tuple((f, skips.get(f, frozenset())) for f in files if f in self.files and self.is_sensitive(f))
            base = self._tu_base[tu] = (h.hexdigest(), missing, sens)
        digest, missing, sens = base
        return digest, missing, tuple(self.file_part(f, vkey, env, raw, sk) for f, sk in sens)

    def macro_refs(self, names: set[str]) -> set[str]:
        """``names`` plus every identifier the macros among them expand to, transitively."""
        out = set(names)
        todo = [n for n in names if n in self.macro_bodies]
        while todo:
            n = todo.pop()
            for m in self.macro_bodies.get(n, ()):
                if m not in out:
                    out.add(m)
                    if m in self.macro_bodies:
                        todo.append(m)
        return out

    def main_parts(
        self,
        tu: str,
        vkey: int,
        env: dict[str, int | None],
        raw: dict[str, str],
        extra_headers: frozenset[str] | tuple[str, ...] = (),
    ) -> tuple | None:
        """What the facts of the TU's own code (its .c and included .c files) depend on in one
        version: every conditional of that code, and the header conditionals whose blocks
        declare or define something that code refers to (through macros too). None when the
        code defines a struct/union (its layout follows header types: use the full key)."""
        base = self._main_base.get((tu, extra_headers))
        if base is None:
            files, missing = self.closure(tu)
            main = [f for f in files if not f.endswith(".h")]
            if any(self.files[f].defines_record for f in main if f in self.files):
                self._main_base[(tu, extra_headers)] = base = ("full",)
            else:
                refs = self.macro_refs(set().union(*(self.files[f].refs for f in main if f in self.files)))
                skips = self.unused_conds(files)
                h = hashlib.sha1()
                for f in main:
                    h.update(f.encode())
                    h.update((self.sha(f) or "-").encode())
                heads = sorted(
                    {
                        f
                        for f in (*files, *extra_headers)  # sorted: stable keys
                        if f.endswith(".h") and f in self.files and self.is_sensitive(f)
                    }
                )
                picks = []
                for f in heads:
                    info = self.files[f]
                    keep = tuple(i for i, r in enumerate(info.relevance) if r is None or not r.isdisjoint(refs))
                    if keep:
                        picks.append((f, keep))
                seeds: set[str] = set()
                for n in refs & self.body_dep.keys():
                    seeds |= self.body_dep[n]
                base = self._main_base[(tu, extra_headers)] = (
                    h.hexdigest(),
                    missing,
                    tuple((f, skips.get(f, frozenset())) for f in main if f in self.files and self.is_sensitive(f)),
                    tuple(picks),
                    tuple(sorted(seeds)),
                )
        if base[0] == "full":
            return None
        digest, missing, mains, picks, seeds = base
        parts = tuple(self.file_part(f, vkey, env, raw, sk) for f, sk in mains)
        hparts = tuple((f[len(str(self.root)) :], self._cond_outcomes(f, keep, vkey, env)) for f, keep in picks)
        return (digest, missing, parts, hparts, tuple((s, raw.get(s)) for s in seeds))

    def _cond_outcomes(self, path: str, keep: tuple[int, ...], vkey: int, env: dict[str, int | None]) -> tuple:
        got = self._outs.get((path, keep, vkey))
        if got is None:
            every = self._outcomes(path, vkey, env)
            got = tuple(every[i] for i in keep)
            got = self._outs[(path, keep, vkey)] = self._canon.setdefault(got, got)
        return got

    def _outcomes(self, path: str, vkey: int, env: dict[str, int | None]) -> tuple:
        """Every conditional's outcome in the file for one version (``_eval``), made once per
        (file, version): conditionals on no version-dependent macro are None without a look."""
        got = self._every.get((path, vkey))
        if got is None:
            conds = self.files[path].conds
            dep = self._dep_conds.get(path)
            if dep is None:
                dep = self._dep_conds[path] = frozenset(
                    i
                    for i, (_, e, _) in enumerate(conds)
                    if not self.cond_dep.keys().isdisjoint(set(_IDENT.findall(e)) - {"defined"})
                )
            got = self._every[(path, vkey)] = tuple(
                self._eval(k, e, env) if i in dep else None for i, (k, e, _) in enumerate(conds)
            )
        return got

    def file_part(
        self, path: str, vkey: int, env: dict[str, int | None], raw: dict[str, str], skip: frozenset[int] = frozenset()
    ) -> tuple:
        got = self._part.get((path, vkey, skip))
        if got is not None:
            return got
        info = self.files[path]
        every = self._outcomes(path, vkey, env)
        outs = every if not skip else tuple(o for i, o in enumerate(every) if i not in skip)
        seeds = self._body_seeds.get(path)
        if seeds is None:
            acc: set[str] = set()
            for n in info.idents & self.body_dep.keys():
                acc |= self.body_dep[n]
            seeds = self._body_seeds[path] = tuple(sorted(acc))
        got = (outs, tuple((s, raw.get(s)) for s in seeds))
        got = self._canon.setdefault(got, got)  # equal parts of versions: one object
        self._part[(path, vkey, skip)] = got
        return got


@dataclass
class _Macros:
    """What the macro analysis derives from every file's #defines (kept by ``gdig``)."""

    cond_dep: dict[str, frozenset[str]]
    body_dep: dict[str, frozenset[str]]
    constants: dict[str, int]
    macro_bodies: dict[str, frozenset[str]]


def _macros(files: Mapping[str, FileInfo], seed_names: set[str]) -> _Macros:
    defines = [d for info in files.values() for d in info.defines]
    cond_dep: dict[str, frozenset[str]] = {s: frozenset([s]) for s in seed_names}
    body_dep: dict[str, frozenset[str]] = {s: frozenset([s]) for s in seed_names}
    changed = True
    while changed:
        changed = False
        for name, cond, body, _ in defines:
            deps: set[str] = set()
            bdeps: set[str] = set()
            for ident in cond:
                s = cond_dep.get(ident)
                if s:
                    deps |= s
            for ident in body:
                s = cond_dep.get(ident)
                if s:
                    deps |= s
                b = body_dep.get(ident)
                if b:
                    bdeps |= b
            if deps and not deps <= cond_dep.get(name, frozenset()):
                cond_dep[name] = cond_dep.get(name, frozenset()) | frozenset(deps)
                changed = True
            if bdeps and not bdeps <= body_dep.get(name, frozenset()):
                body_dep[name] = body_dep.get(name, frozenset()) | frozenset(bdeps)
                changed = True
    constants: dict[str, int] = {}
    for name, _cond, _body, text in defines:
        if name in cond_dep or not text:
            continue
        m = _INT_DEFINE.match(f"{name} {text}")
        if m:
            try:
                constants.setdefault(name, int(m.group(2), 0))
            except ValueError:
                pass
    macro_bodies: dict[str, set[str]] = {}
    for name, _cond, body, _text in defines:
        if body:
            macro_bodies.setdefault(name, set()).update(body)
    return _Macros(cond_dep, body_dep, constants, {n: frozenset(b) for n, b in macro_bodies.items()})


def build_index(
    root: Path, seed_names: set[str], cache_file: Path | None = None, stats: TreeStats | None = None
) -> KeyIndex:
    files = scan_files(root, cache_file, stats)
    include_dirs = [str(root / "include"), str(root / "include/libc"), str(root / "src"), str(root)]
    h = hashlib.sha1(repr((ANALYSIS_VERSION, CODE_DIGEST, str(root), sorted(seed_names))).encode())
    for p in files:
        h.update(f"{p}\0{files.ddig(p)}\n".encode())
    gdig = h.hexdigest()
    macros: _Macros | None = None
    mfile = cache_file.with_name("macros.pkl") if cache_file is not None else None
    if mfile is not None:
        macros = load_versioned(mfile, gdig)
    if macros is None:
        files.load_all()
        macros = _macros(files, seed_names)
        if mfile is not None:
            save_versioned(mfile, gdig, macros)
    return KeyIndex(
        root=root,
        files=files,
        cond_dep=macros.cond_dep,
        body_dep=macros.body_dep,
        macro_bodies=macros.macro_bodies,
        constants=macros.constants,
        include_dirs=include_dirs,
        seeds=frozenset(seed_names),
        gdig=gdig,
    )


def parse_defines(flags: list[str]) -> dict[str, str]:
    out = {}
    for f in flags:
        if f.startswith("-D"):
            name, _, val = f[2:].partition("=")
            out[name] = val or "1"
    return out


def version_env(index: KeyIndex, flags: list[str], measured: dict[str, int]) -> dict[str, int | None]:
    """Values of the version's macros: the -D flags (names resolved through the constants;
    None when not an integer), then the version-dependent macros the defines probe measured.
    A name absent from the result is undefined in that version (for seeds) or unknown."""
    env: dict[str, int | None] = {}
    for name, val in parse_defines(flags).items():
        v = val.strip()
        try:
            env[name] = int(v, 0)
        except ValueError:
            env[name] = index.constants.get(v, measured.get(v))
    for name, n in measured.items():
        if name in index.cond_dep and name not in env:
            env[name] = n
    return env
