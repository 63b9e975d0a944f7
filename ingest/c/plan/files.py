"""Every .c/.h file of ``src/`` and ``include/`` read once: what the key analysis needs of it
(``FileInfo``: includes, conditionals, #defines, identifiers), kept per file in a sqlite store
(``analysis/files.db``) by size and mtime, and loaded per file when first asked for.

Interface: ``scan_files(root, cache_file, stats) -> Mapping[path, FileInfo]`` (walk order;
``.sha(path)``/``.ddig(path)`` without loading the analysis, ``.load_all()``).
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

INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*[<"]([^">]+)[">]', re.M)
DEFINE = re.compile(r"^\s*([A-Za-z_]\w*)(\([^)]*\))?\s*(.*)$", re.S)
IDENT = re.compile(r"[A-Za-z_]\w*")
ANALYSIS_VERSION = "tu-keys-6"


@dataclass
class FileInfo:
    size: int
    mtime: int
    sha: str
    includes: list[str]
    # (directive, expression, names #defined in its block when the block holds nothing else)
    conds: list[tuple[str, str, frozenset[str] | None]]
    defines: list[tuple[str, frozenset[str], frozenset[str], str]]  # name, cond ids, body ids, body
    idents: frozenset[str]  # identifiers of the code (outside directives)
    refs: frozenset[str]  # identifiers the file refers to (code, conditions, macro bodies)
    has_defs_only: bool = False
    # per conditional: the names its block declares or uses (None: it includes files, so any)
    relevance: list[frozenset[str] | None] = field(default_factory=list)
    defines_record: bool = False  # a struct/union body in the code (its layout follows headers)
    ddig: str = ""  # digest of ``defines`` (all the macro analysis reads of the file)


_LINE_DIRECTIVE = re.compile(r"#\s*(\w+)\s*(.*)")
_INLINE_COMMENT = re.compile(r"/\*.*?\*/")
# no leading \b: the keyword is then a literal the engine scans for (3x faster); see _has_record
_RECORD_HEAD = re.compile(r"(?:struct|union)\b[^;{}()=]*+\{")
# names too common to tell whether a header's #if block matters to a file that mentions them
_TRIVIAL = frozenset(
    """void char short int long float double signed unsigned const volatile
static extern struct union enum typedef return if else for while do switch case default break
continue sizeof s8 u8 s16 u16 s32 u32 s64 u64 f32 f64 NULL""".split()
)


def _analyse(path: Path, st: os.stat_result) -> FileInfo:
    data = path.read_bytes()
    text = data.decode("utf-8", "replace").replace("\\\r\n", " ").replace("\\\n", " ")
    conds: list[list] = []
    defines: list[tuple[str, frozenset[str], frozenset[str], str]] = []
    stack: list[dict] = []
    code: list[str] = []  # (no identifier spans lines)
    refs: set[str] = set()
    in_comment = False
    for line in text.split("\n"):
        if in_comment:
            end = line.find("*/")
            if end < 0:
                continue
            line = line[end + 2 :]
            in_comment = False
        if "/" in line:
            line = _INLINE_COMMENT.sub(" ", line)
            start = line.find("/*")
            if start >= 0:
                line, in_comment = line[:start], True
            line = line.split("//", 1)[0]
        st_ = line.lstrip()
        if not st_.startswith("#"):
            if st_:
                code.append(line)  # its identifiers: see _close (blocks) and below (all)
            continue
        m = _LINE_DIRECTIVE.match(st_)
        if not m:
            continue
        d, rest = m.group(1), m.group(2).split("//", 1)[0].split("/*", 1)[0].strip()
        if d in ("if", "ifdef", "ifndef"):
            conds.append([d, rest, None])
            ids = set(IDENT.findall(rest))
            refs |= ids
            stack.append(
                {
                    "ids": ids,
                    "defs": set(),
                    "code": False,
                    "conds": [len(conds) - 1],
                    "names": set(),
                    "any": False,
                    "start": len(code),
                }
            )
        elif d == "elif":
            conds.append([d, rest, None])
            ids = set(IDENT.findall(rest))
            refs |= ids
            if stack:
                stack[-1]["ids"] |= ids
                stack[-1]["conds"].append(len(conds) - 1)
        elif d == "else":
            pass
        elif d == "endif":
            if stack:
                top = stack.pop()
                if len(code) > top["start"]:  # code lines in the block (nested ones too)
                    top["code"] = True
                    top["names"] |= set(IDENT.findall("\n".join(code[top["start"] :]))) - _TRIVIAL
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
            dm = DEFINE.match(rest)
            if dm:
                cond = frozenset().union(*(x["ids"] for x in stack)) if stack else frozenset()
                body_ids = frozenset(IDENT.findall(dm.group(3)))
                refs |= body_ids
                defines.append((dm.group(1), cond, body_ids, dm.group(3) if dm.group(2) is None else ""))
                if stack:
                    stack[-1]["defs"].add(dm.group(1))
        else:  # include, undef, pragma, error...: the block does more than define
            refs |= set(IDENT.findall(rest))
            if stack:
                stack[-1]["code"] = True
                if d in ("include", "undef"):
                    stack[-1]["any"] = True
                else:
                    stack[-1]["names"] |= set(IDENT.findall(rest))
    code_text = "\n".join(code)
    idents = frozenset(IDENT.findall(code_text))
    for c in conds:
        if len(c) < 4:  # an unterminated #if
            c.append(None)
    ddig = hashlib.sha1(repr([(n, sorted(c), sorted(b), t) for n, c, b, t in defines]).encode())
    return FileInfo(
        size=st.st_size,
        mtime=st.st_mtime_ns,
        sha=hashlib.sha1(data).hexdigest(),
        includes=INCLUDE.findall(text),
        conds=[tuple(c[:3]) for c in conds],
        defines=defines,
        idents=idents,
        refs=frozenset(refs | idents),
        has_defs_only=any(c[2] is not None for c in conds),
        relevance=[c[3] for c in conds],
        defines_record=_has_record(code_text),
        ddig=ddig.hexdigest(),
    )


def _has_record(code: str) -> bool:
    """A ``struct``/``union`` body in the code (the keyword a whole word)."""
    pos = 0
    while (m := _RECORD_HEAD.search(code, pos)) is not None:
        at = m.start()
        if at == 0 or not (code[at - 1].isalnum() or code[at - 1] == "_"):
            return True
        pos = at + 1
    return False


class _Files(Mapping[str, FileInfo]):
    """The index's files in walk order, each file's analysis loaded from the store when first
    asked for (a run whose keys all come from the key memo loads none)."""

    def __init__(
        self, known: dict[str, tuple[str, str]], fresh: dict[str, FileInfo], db: sqlite3.Connection | None
    ) -> None:
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
            row = self._db.execute("SELECT sha, info FROM files WHERE path = ?", (path,)).fetchone()
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


def _open_store(cache_file: Path, retry: bool = True) -> sqlite3.Connection | None:
    db_path = cache_file.with_suffix(".db")
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(db_path, timeout=30, isolation_level=None)
        # a cache: no fsync per commit (a damaged file is dropped below and rebuilt)
        db.execute("PRAGMA synchronous = OFF")
        db.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT)")
        row = db.execute("SELECT v FROM meta WHERE k = 'version'").fetchone()
        if row is None or row[0] != ANALYSIS_VERSION:
            db.execute("DROP TABLE IF EXISTS files")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (ANALYSIS_VERSION,))
        db.execute(
            "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, "
            "mtime INTEGER, sha TEXT, ddig TEXT, info BLOB)"
        )
        return db
    except sqlite3.OperationalError:  # e.g. locked by another run: analyse without the store
        return None
    except sqlite3.DatabaseError:  # not a database (any more): start it again
        if not retry:
            return None
        db_path.unlink(missing_ok=True)
        return _open_store(cache_file, retry=False)
    except sqlite3.Error:
        return None


def scan_files(root: Path, cache_file: Path | None, stats: TreeStats | None = None) -> _Files:
    db = _open_store(cache_file) if cache_file is not None else None
    if db is not None and cache_file is not None:
        cache_file.unlink(missing_ok=True)  # the single pickle of tu-keys-5 and before
    old: dict[str, tuple[int, int, str, str]] = {}
    if db is not None:
        try:
            old = {
                p: (size, mtime, sha, ddig)
                for p, size, mtime, sha, ddig in db.execute("SELECT path, size, mtime, sha, ddig FROM files")
            }
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
            db.executemany(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (p, i.size, i.mtime, i.sha, i.ddig, pickle.dumps(i, protocol=pickle.HIGHEST_PROTOCOL))
                    for p, i in fresh.items()
                ],
            )
            db.execute("COMMIT")
        except sqlite3.Error:  # e.g. locked by another run: this run's analyses stay in
            try:  # memory, the unchanged files' rows are still there to read
                db.rollback()
            except sqlite3.Error:
                pass
    return _Files(known, fresh, db)
