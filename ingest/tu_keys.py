"""Which versions preprocess a TU identically: keys from the include graph and #if outcomes.

Most TUs preprocess to the same text in many of the 16 versions. Instead of
parsing each 16 times, every file is read once (and cached by size/mtime):

- *seeds* are the macros the build defines per version (``cenv.version_defines``);
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
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import sqlite3
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ingest.cache import TreeStats

_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*[<"]([^">]+)[">]', re.M)
_DEFINE = re.compile(r"^\s*([A-Za-z_]\w*)(\([^)]*\))?\s*(.*)$", re.S)
_IDENT = re.compile(r"[A-Za-z_]\w*")
_INT_DEFINE = re.compile(r"^\s*([A-Za-z_]\w*)\s+\(?\s*(-?(?:0[xX][0-9a-fA-F]+|\d+))[uUlL]*\s*\)?\s*$")
_DEFINED = re.compile(r"\bdefined\s*(?:\(\s*([A-Za-z_]\w*)\s*\)|([A-Za-z_]\w*))")
_NUM = re.compile(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]+\b")
ANALYSIS_VERSION = "tu-keys-6"
# this module's own text: what is remembered from its macro analysis and keys (macros.pkl,
# the key memo) is not reused by other code
CODE_DIGEST = hashlib.sha1(Path(__file__).read_bytes()).hexdigest()


@dataclass
class FileInfo:
    size: int
    mtime: int
    sha: str
    includes: list[str]
    # (directive, expression, names #defined in its block when the block holds nothing else)
    conds: list[tuple[str, str, frozenset[str] | None]]
    defines: list[tuple[str, frozenset[str], frozenset[str], str]]  # name, cond ids, body ids, body
    idents: frozenset[str]       # identifiers of the code (outside directives)
    refs: frozenset[str]         # identifiers the file refers to (code, conditions, macro bodies)
    has_defs_only: bool = False
    # per conditional: the names its block declares or uses (None: it includes files, so any)
    relevance: list[frozenset[str] | None] = field(default_factory=list)
    defines_record: bool = False  # a struct/union body in the code (its layout follows headers)
    ddig: str = ""  # digest of ``defines`` (all the macro analysis reads of the file)


_LINE_DIRECTIVE = re.compile(r"#\s*(\w+)\s*(.*)")
_INLINE_COMMENT = re.compile(r"/\*.*?\*/")
_RECORD_BODY = re.compile(r"\b(?:struct|union)\b[^;{}()=]*\{")
# names too common to tell whether a header's #if block matters to a file that mentions them
_TRIVIAL = frozenset("""void char short int long float double signed unsigned const volatile
static extern struct union enum typedef return if else for while do switch case default break
continue sizeof s8 u8 s16 u16 s32 u32 s64 u64 f32 f64 NULL""".split())


def _analyse(path: Path, st: os.stat_result) -> FileInfo:
    data = path.read_bytes()
    text = data.decode("utf-8", "replace").replace("\\\r\n", " ").replace("\\\n", " ")
    conds: list[list] = []
    defines: list[tuple[str, frozenset[str], frozenset[str], str]] = []
    stack: list[dict] = []
    code: list[str] = []
    refs: set[str] = set()
    code_ids: set[str] = set()  # identifiers of the code lines (no identifier spans lines)
    in_comment = False
    for line in text.split("\n"):
        if in_comment:
            end = line.find("*/")
            if end < 0:
                continue
            line = line[end + 2:]
            in_comment = False
        if "/" in line:
            line = _INLINE_COMMENT.sub(" ", line)
            start = line.find("/*")
            if start >= 0:
                line, in_comment = line[:start], True
            line = line.split("//", 1)[0]
        st_ = line.lstrip()
        if not st_.startswith("#"):
            if not st_:
                continue
            code.append(line)
            ids_line = _IDENT.findall(line)
            code_ids.update(ids_line)
            if stack:
                stack[-1]["code"] = True
                stack[-1]["names"] |= set(ids_line) - _TRIVIAL
            continue
        m = _LINE_DIRECTIVE.match(st_)
        if not m:
            continue
        d, rest = m.group(1), m.group(2).split("//", 1)[0].split("/*", 1)[0].strip()
        if d in ("if", "ifdef", "ifndef"):
            conds.append([d, rest, None])
            ids = set(_IDENT.findall(rest))
            refs |= ids
            stack.append({"ids": ids, "defs": set(), "code": False, "conds": [len(conds) - 1],
                          "names": set(), "any": False})
        elif d == "elif":
            conds.append([d, rest, None])
            ids = set(_IDENT.findall(rest))
            refs |= ids
            if stack:
                stack[-1]["ids"] |= ids
                stack[-1]["conds"].append(len(conds) - 1)
        elif d == "else":
            pass
        elif d == "endif":
            if stack:
                top = stack.pop()
                only = None if top["code"] else frozenset(top["defs"])
                rel = None if top["any"] else frozenset(top["names"] | top["defs"])
                for ci in top["conds"]:
                    conds[ci][2] = only
                    conds[ci].append(rel)
                if stack:
                    stack[-1]["defs"] |= top["defs"]
                    stack[-1]["code"] = stack[-1]["code"] or top["code"]
                    stack[-1]["names"] |= top["names"]
                    stack[-1]["any"] = stack[-1]["any"] or top["any"]
        elif d == "define":
            dm = _DEFINE.match(rest)
            if dm:
                cond = frozenset().union(*(x["ids"] for x in stack)) if stack else frozenset()
                body_ids = frozenset(_IDENT.findall(dm.group(3)))
                refs |= body_ids
                defines.append((dm.group(1), cond, body_ids,
                                dm.group(3) if dm.group(2) is None else ""))
                if stack:
                    stack[-1]["defs"].add(dm.group(1))
        else:  # include, undef, pragma, error...: the block does more than define
            refs |= set(_IDENT.findall(rest))
            if stack:
                stack[-1]["code"] = True
                if d in ("include", "undef"):
                    stack[-1]["any"] = True
                else:
                    stack[-1]["names"] |= set(_IDENT.findall(rest))
    code_text = "\n".join(code)
    idents = frozenset(code_ids)
    for c in conds:
        if len(c) < 4:  # an unterminated #if
            c.append(None)
    ddig = hashlib.sha1(repr([(n, sorted(c), sorted(b), t) for n, c, b, t in defines]).encode())
    return FileInfo(size=st.st_size, mtime=st.st_mtime_ns, sha=hashlib.sha1(data).hexdigest(),
                    includes=_INCLUDE.findall(text), conds=[tuple(c[:3]) for c in conds],
                    defines=defines, idents=idents, refs=frozenset(refs | idents),
                    has_defs_only=any(c[2] is not None for c in conds),
                    relevance=[c[3] for c in conds],
                    defines_record=_RECORD_BODY.search(code_text) is not None,
                    ddig=ddig.hexdigest())


@dataclass
class KeyIndex:
    root: Path
    files: Mapping[str, FileInfo]
    cond_dep: dict[str, frozenset[str]]  # version-dependent macro -> seeds (any way)
    body_dep: dict[str, frozenset[str]]  # macro -> seeds its *body* uses (textual dependence)
    constants: dict[str, int]            # version-independent integer macros
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
            got = self._sensitive[path] = (
                any(not self.cond_dep.keys().isdisjoint(_IDENT.findall(e))
                    for _, e, _ in info.conds)
                or not info.idents.isdisjoint(self.body_dep.keys()))
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
                for inc in (info.includes if info else ()):
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
            only = frozenset(n for _, i in infos if i.has_defs_only
                             for _, _, o in i.conds if o for n in o)
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
                () if info is None or not info.has_defs_only
                else tuple((i, o) for i, (_, _, o) in enumerate(info.conds) if o is not None))
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

    def tu_parts(self, tu: str, vkey: int, env: dict[str, int | None], raw: dict[str, str]
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
            sens = tuple((f, skips.get(f, frozenset())) for f in files
                         if f in self.files and self.is_sensitive(f))
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

    def main_parts(self, tu: str, vkey: int, env: dict[str, int | None], raw: dict[str, str],
                   extra_headers: tuple[str, ...] = ()) -> tuple | None:
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
                refs = self.macro_refs(set().union(*(self.files[f].refs for f in main
                                                     if f in self.files)))
                skips = self.unused_conds(files)
                h = hashlib.sha1()
                for f in main:
                    h.update(f.encode())
                    h.update((self.sha(f) or "-").encode())
                heads = sorted({f for f in (*files, *extra_headers)  # sorted: stable keys
                                if f.endswith(".h") and f in self.files
                                and self.is_sensitive(f)})
                picks = []
                for f in heads:
                    info = self.files[f]
                    keep = tuple(i for i, r in enumerate(info.relevance)
                                 if r is None or not r.isdisjoint(refs))
                    if keep:
                        picks.append((f, keep))
                seeds: set[str] = set()
                for n in refs & self.body_dep.keys():
                    seeds |= self.body_dep[n]
                base = self._main_base[(tu, extra_headers)] = (
                    h.hexdigest(), missing, tuple((f, skips.get(f, frozenset())) for f in main
                                                  if f in self.files and self.is_sensitive(f)),
                    tuple(picks), tuple(sorted(seeds)))
        if base[0] == "full":
            return None
        digest, missing, mains, picks, seeds = base
        parts = tuple(self.file_part(f, vkey, env, raw, sk) for f, sk in mains)
        hparts = tuple((f[len(str(self.root)):], self._cond_outcomes(f, keep, vkey, env))
                       for f, keep in picks)
        return (digest, missing, parts, hparts, tuple((s, raw.get(s)) for s in seeds))

    def _cond_outcomes(self, path: str, keep: tuple[int, ...], vkey: int,
                       env: dict[str, int | None]) -> tuple:
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
                    i for i, (_, e, _) in enumerate(conds)
                    if not self.cond_dep.keys().isdisjoint(set(_IDENT.findall(e)) - {"defined"}))
            got = self._every[(path, vkey)] = tuple(
                self._eval(k, e, env) if i in dep else None
                for i, (k, e, _) in enumerate(conds))
        return got

    def file_part(self, path: str, vkey: int, env: dict[str, int | None],
                  raw: dict[str, str], skip: frozenset[int] = frozenset()) -> tuple:
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


class _Files(Mapping[str, FileInfo]):
    """The index's files in walk order, each file's analysis loaded from the store when first
    asked for (a run whose keys all come from the key memo loads none)."""

    def __init__(self, known: dict[str, tuple[str, str]], fresh: dict[str, FileInfo],
                 db: sqlite3.Connection | None) -> None:
        self._known = known  # path -> (sha, ddig)
        self._loaded = fresh
        self._db = db

    def sha(self, path: str) -> str | None:
        got = self._known.get(path)
        return got[0] if got is not None else None

    def ddig(self, path: str) -> str:
        return self._known[path][1]

    def __contains__(self, path: object) -> bool:
        return path in self._known

    def __iter__(self) -> Iterator[str]:
        return iter(self._known)

    def __len__(self) -> int:
        return len(self._known)

    def __getitem__(self, path: str) -> FileInfo:
        got = self._loaded.get(path)
        if got is None:
            if path not in self._known or self._db is None:
                raise KeyError(path)
            row = self._db.execute("SELECT sha, info FROM files WHERE path = ?",
                                   (path,)).fetchone()
            if row is not None and row[0] == self._known[path][0]:
                got = pickle.loads(row[1])
            else:  # another run rewrote the row since this one read the hashes
                got = _analyse(Path(path), os.stat(path))
            self._loaded[path] = got
        return got

    def get(self, path: str, default: FileInfo | None = None) -> FileInfo | None:  # type: ignore[override]
        got = self._loaded.get(path)
        if got is not None:
            return got
        try:
            return self[path]
        except KeyError:
            return default

    def all_loaded(self) -> bool:
        return len(self._loaded) >= len(self._known)

    def load_all(self) -> None:
        if self._db is None or len(self._loaded) == len(self._known):
            return
        for path, sha, blob in self._db.execute("SELECT path, sha, info FROM files"):
            known = self._known.get(path)
            if known is not None and known[0] == sha and path not in self._loaded:
                self._loaded[path] = pickle.loads(blob)
        for path in self._known:
            if path not in self._loaded:
                self.__getitem__(path)  # reads its row again, or analyses the file


def _open_store(cache_file: Path) -> sqlite3.Connection | None:
    db_path = cache_file.with_suffix(".db")
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(db_path, timeout=30, isolation_level=None)
        db.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT)")
        row = db.execute("SELECT v FROM meta WHERE k = 'version'").fetchone()
        if row is None or row[0] != ANALYSIS_VERSION:
            db.execute("DROP TABLE IF EXISTS files")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (ANALYSIS_VERSION,))
        db.execute("CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, "
                   "mtime INTEGER, sha TEXT, ddig TEXT, info BLOB)")
        return db
    except sqlite3.Error:
        return None


def _scan(root: Path, cache_file: Path | None, stats: TreeStats | None = None) -> _Files:
    db = _open_store(cache_file) if cache_file is not None else None
    if db is not None and cache_file is not None:
        cache_file.unlink(missing_ok=True)  # the single pickle of tu-keys-5 and before
    old: dict[str, tuple[int, int, str, str]] = {}
    if db is not None:
        try:
            old = {p: (size, mtime, sha, ddig) for p, size, mtime, sha, ddig
                   in db.execute("SELECT path, size, mtime, sha, ddig FROM files")}
        except sqlite3.Error:
            db = None
    known: dict[str, tuple[str, str]] = {}
    fresh: dict[str, FileInfo] = {}
    stats = stats or TreeStats(root)
    for top in ("src", "include"):
        for p, st in stats.files(top):
            if not p.endswith((".c", ".h")):
                continue
            p = sys.intern(p)
            prev = old.get(p)
            if prev is not None and (prev[0], prev[1]) == (st.st_size, st.st_mtime_ns):
                known[p] = (prev[2], prev[3])
            else:
                info = fresh[p] = _analyse(Path(p), st)
                known[p] = (info.sha, info.ddig)
    if db is not None:
        gone = [(p,) for p in old if p not in known]
        try:
            db.execute("BEGIN")
            db.executemany("DELETE FROM files WHERE path = ?", gone)
            db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)",
                           [(p, i.size, i.mtime, i.sha, i.ddig,
                             pickle.dumps(i, protocol=pickle.HIGHEST_PROTOCOL))
                            for p, i in fresh.items()])
            db.execute("COMMIT")
        except sqlite3.Error:  # e.g. locked by another run: this run's analyses stay in
            try:               # memory, the unchanged files' rows are still there to read
                db.rollback()
            except sqlite3.Error:
                pass
    return _Files(known, fresh, db)


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
    return _Macros(cond_dep, body_dep, constants,
                   {n: frozenset(b) for n, b in macro_bodies.items()})


def build_index(root: Path, seed_names: set[str], cache_file: Path | None = None,
                stats: TreeStats | None = None) -> KeyIndex:
    files = _scan(root, cache_file, stats)
    include_dirs = [str(root / "include"), str(root / "include/libc"), str(root / "src"), str(root)]
    h = hashlib.sha1(repr((ANALYSIS_VERSION, CODE_DIGEST, str(root), sorted(seed_names))).encode())
    for p in files:
        h.update(f"{p}\0{files.ddig(p)}\n".encode())
    gdig = h.hexdigest()
    macros: _Macros | None = None
    mfile = cache_file.with_name("macros.pkl") if cache_file is not None else None
    if mfile is not None:
        try:
            with open(mfile, "rb") as fh:
                got_dig, got = pickle.load(fh)
            if got_dig == gdig:
                macros = got
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError,
                AttributeError):
            pass
    if macros is None:
        files.load_all()
        macros = _macros(files, seed_names)
        if mfile is not None:
            tmp = mfile.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                pickle.dump((gdig, macros), fh, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(mfile)
    return KeyIndex(root=root, files=files, cond_dep=macros.cond_dep, body_dep=macros.body_dep,
                    macro_bodies=macros.macro_bodies, constants=macros.constants,
                    include_dirs=include_dirs, seeds=frozenset(seed_names), gdig=gdig)


def parse_defines(flags: list[str]) -> dict[str, str]:
    out = {}
    for f in flags:
        if f.startswith("-D"):
            name, _, val = f[2:].partition("=")
            out[name] = val or "1"
    return out


def version_env(index: KeyIndex, flags: list[str], measured: dict[str, int]
                ) -> dict[str, int | None]:
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
    for name, val in measured.items():
        if name in index.cond_dep and name not in env:
            env[name] = val
    return env


class KeyMemo:
    """The include closures and keys of earlier runs, kept while what they cover is unchanged,
    so a run after an edit recomputes only the keys of files whose closure holds an edited
    file.

    A closure stays valid while no file was added or removed and no file of it changed (its
    ``#include`` lines are in those files). A value is stored under a path, a *version digest*
    (``vdig``: the macro analysis' digest ``KeyIndex.gdig`` and everything else version-wide
    the key reads) and the caller's own key of the computation; it is dropped with its path's
    closure. ``tag`` names the key formula: another tag starts empty.
    """

    FORMAT = "key-memo-1"

    def __init__(self, path: Path | None, index: KeyIndex, tag: str) -> None:
        self.path, self.index, self.tag = path, index, tag
        self.values: dict[str, dict[str, dict[object, str]]] = {}  # path -> vdig -> key -> value
        self.vdigs: dict[str, str] = {}  # version id -> its vdig of the last run that had it
        self.fileset = hashlib.sha1("\n".join(sorted(index.files)).encode()).hexdigest()
        self.kept = self.dropped = 0
        self._dirty = False
        if path is None:
            self._load_all()
            return
        try:
            with open(path, "rb") as fh:
                fmt, tag_, fileset, shas, closures, values, vdigs = pickle.load(fh)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError,
                AttributeError):
            self._load_all()
            return
        if fmt != self.FORMAT or tag_ != tag or fileset != self.fileset:
            self._dirty = True
            self._load_all()
            return
        self.vdigs = vdigs
        changed = {p for p, sha in shas.items() if index.sha(p) != sha}
        for p, clo in closures.items():
            if changed.isdisjoint(clo[0]):
                index._closure[p] = clo
                if p in values:
                    self.values[p] = values[p]
                self.kept += 1
            else:
                self.dropped += 1
        self._dirty = bool(changed)
        if self.dropped > 50:
            self._load_all()

    def _load_all(self) -> None:
        """Many keys to make: read every file's analysis in one go (and ``unused_conds``
        takes its fast path)."""
        load = getattr(self.index.files, "load_all", None)
        if load is not None:
            load()

    def get(self, path: str, vdig: str, key: object) -> str | None:
        d = self.values.get(path)
        if d is None:
            return None
        d2 = d.get(vdig)
        return d2.get(key) if d2 is not None else None

    def put(self, path: str, vdig: str, key: object, value: str) -> None:
        self.values.setdefault(path, {}).setdefault(vdig, {})[key] = value
        self._dirty = True

    def save(self, vdigs: dict[str, str]) -> None:
        """Write the memo (``vdigs``: this run's version digests; values under digests no
        version has any more are dropped)."""
        if self.path is None:
            return
        if any(self.vdigs.get(v) != d for v, d in vdigs.items()):
            self._dirty = True
        if not self._dirty and len(self.index._closure) == self.kept:
            return
        self.vdigs.update(vdigs)
        live = set(self.vdigs.values())
        values = {}
        for p, by_v in self.values.items():
            kept = {vd: d for vd, d in by_v.items() if vd in live}
            if kept:
                values[p] = kept
        shas = {p: self.index.sha(p) for p in self.index.files}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump((self.FORMAT, self.tag, self.fileset, shas,
                         {p: c for p, c in self.index._closure.items() if p in shas},
                         values, self.vdigs), fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(self.path)
        self._dirty = False
