"""Which versions preprocess a file identically: static keys from the include graph.

Most TUs preprocess to the same text in many of the 16 versions. Instead of
preprocessing 16 times to find out, this reads every source/header once:

- *seeds* are the macros the build defines per version (``cenv.version_defines``);
- a macro is *version-dependent* when it is #defined under an ``#if`` that uses
  one, or its body uses one (to a fixed point), and depends on those seeds;
- a file's key for version ``v`` is the content hash of its include closure,
  the values (for ``v``) of the seeds that closure can observe, and the hashes of
  the generated asset stubs it includes.

Two versions with the same key for a TU get the same parse, so it is parsed once
and its facts are shared (and cached by that key across runs). The analysis is
conservative: an unresolvable include is treated as version-dependent.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*[<"]([^">]+)[">]', re.M)
_DIRECTIVE = re.compile(r"^[ \t]*#[ \t]*(\w+)(.*(?:\\\n.*)*)", re.M)
_DEFINE = re.compile(r"^\s*([A-Za-z_]\w*)(\([^)]*\))?\s*(.*)$", re.S)
_IDENT = re.compile(r"[A-Za-z_]\w*")


@dataclass
class FileInfo:
    sha: str
    includes: list[str]
    macros_used: set[str] = field(default_factory=set)  # version-dependent names it mentions


@dataclass
class KeyIndex:
    root: Path
    files: dict[Path, FileInfo]
    seeds_of: dict[str, frozenset[str]]  # version-dependent macro -> seeds
    include_dirs: list[Path]
    _closure: dict[Path, tuple[list[Path], list[str]]] = field(default_factory=dict)

    def resolve(self, includer: Path, inc: str) -> Path | None:
        for base in [includer.parent, *self.include_dirs]:
            p = base / inc
            if p in self.files:
                return p
        return None

    def closure(self, path: Path) -> tuple[list[Path], list[str]]:
        """(files in the include closure, include names nothing in the checkout provides)."""
        got = self._closure.get(path)
        if got is not None:
            return got
        seen: dict[Path, None] = {}
        missing: dict[str, None] = {}
        stack = [path]
        while stack:
            p = stack.pop()
            if p in seen:
                continue
            seen[p] = None
            info = self.files.get(p)
            if info is None:
                continue
            for inc in info.includes:
                r = self.resolve(p, inc)
                if r is None:
                    missing[inc] = None
                elif r not in seen:
                    stack.append(r)
        got = (list(seen), sorted(missing))
        self._closure[path] = got
        return got

    def seeds(self, files: list[Path]) -> frozenset[str]:
        out: set[str] = set()
        for p in files:
            info = self.files.get(p)
            if info:
                for m in info.macros_used:
                    out |= self.seeds_of.get(m, frozenset())
        return frozenset(out)

    def content_hash(self, files: list[Path]) -> str:
        h = hashlib.sha1()
        for p in sorted(files):
            info = self.files.get(p)
            h.update(str(p.relative_to(self.root) if p.is_relative_to(self.root) else p).encode())
            h.update((info.sha if info else "-").encode())
        return h.hexdigest()


def _logical_lines(text: str) -> str:
    return text.replace("\\\r\n", " ").replace("\\\n", " ")


def build_index(root: Path, seed_names: set[str]) -> KeyIndex:
    files: dict[Path, FileInfo] = {}
    texts: dict[Path, str] = {}
    for top in ("src", "include"):
        for dirpath, _, names in os.walk(root / top):
            for n in names:
                if n.endswith((".c", ".h")):
                    p = Path(dirpath) / n
                    data = p.read_bytes()
                    text = data.decode("utf-8", "replace")
                    texts[p] = text
                    files[p] = FileInfo(sha=hashlib.sha1(data).hexdigest(),
                                        includes=_INCLUDE.findall(text))
    # version-dependent macros, to a fixed point over the #define lines
    defines: list[tuple[str, frozenset[str], frozenset[str]]] = []  # (name, cond idents, body idents)
    for text in texts.values():
        if "#" not in text:
            continue
        stack: list[set[str]] = []
        for m in _DIRECTIVE.finditer(_logical_lines(text)):
            d, rest = m.group(1), m.group(2).split("//", 1)[0]
            if d in ("if", "ifdef", "ifndef"):
                stack.append(set(_IDENT.findall(rest)))
            elif d == "elif":
                if stack:
                    stack[-1] |= set(_IDENT.findall(rest))
            elif d == "endif":
                if stack:
                    stack.pop()
            elif d == "define":
                dm = _DEFINE.match(rest)
                if dm:
                    cond = frozenset().union(*stack) if stack else frozenset()
                    defines.append((dm.group(1), cond, frozenset(_IDENT.findall(dm.group(3)))))
    seeds_of: dict[str, frozenset[str]] = {s: frozenset([s]) for s in seed_names}
    changed = True
    while changed:
        changed = False
        for name, cond, body in defines:
            deps: set[str] = set()
            for ident in cond | body:
                s = seeds_of.get(ident)
                if s:
                    deps |= s
            if deps and not deps <= seeds_of.get(name, frozenset()):
                seeds_of[name] = seeds_of.get(name, frozenset()) | frozenset(deps)
                changed = True
    names = sorted(seeds_of, key=len, reverse=True)
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b")
    for p, text in texts.items():
        files[p].macros_used = set(pattern.findall(text))
    include_dirs = [root / "include", root / "include/libc", root / "src", root]
    return KeyIndex(root=root, files=files, seeds_of=seeds_of, include_dirs=include_dirs)


def parse_defines(flags: list[str]) -> dict[str, str]:
    out = {}
    for f in flags:
        if f.startswith("-D"):
            name, _, val = f[2:].partition("=")
            out[name] = val or "1"
    return out
