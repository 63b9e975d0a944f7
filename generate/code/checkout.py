"""FALLBACK code provider: verbatim text read from the decomp checkout the graph came from.

Every file is checked against the graph's ``File.sha`` (sha1 of its bytes, as ingest
recorded it): a file edited since the ingest gives no code rather than code the
graph does not describe. Files the graph has no ``File`` node for (the sfx tables,
the spec) are read as they are and say so in the snippet's note. Extents come from
``generate.code.cscan`` (brace matching from the graph's definition line), branch
versions from ``generate.code.ppeval``. Snippets are marked ``checkout-fallback``;
issue 16's graph facts replace this module.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections import OrderedDict
from functools import cached_property
from pathlib import Path
from typing import Any

from generate.code import FALLBACK, CodeSnippet
from generate.code.cscan import Source, calls, if_blocks

log = logging.getLogger(__name__)

_TABLE_LINE = re.compile(r"^[^\n]*\bDEFINE_\w+\s*\(([^\n]*)\)[^\n]*$", re.M)
_SPEC_NAME = re.compile(r'^\s*name\s+"([^"]+)"', re.M)
_USE = re.compile(r"\b(NA_(?:SE|BGM)_\w+)\b")
MAX_LINES = 90  # a longer definition is cut (its head kept) and says so


class CheckoutCode:
    provenance = FALLBACK

    def __init__(self, root: Path, q: Any) -> None:
        self.root = Path(root)
        self.q = q
        self._files: OrderedDict[str, Source | None] = OrderedDict()
        self._grep: dict[str, list[tuple[str, int]]] = {}
        self._uses: dict[str, list[tuple[str, int]]] | None = None
        self._c_list: list[str] | None = None
        self._raws: dict[str, str] = {}

    # -- files ---------------------------------------------------------------------------
    @cached_property
    def shas(self) -> dict[str, str]:
        return {
            r["path"]: r["sha"]
            for r in self.q.kept("file-shas", "MATCH (f:File) RETURN f.path AS path, f.sha AS sha")
            if r.get("sha")
        }

    @cached_property
    def functions_by_file(self) -> dict[str, list[tuple[int, str]]]:
        out: dict[str, list[tuple[int, str]]] = {}
        for r in self.q.kept(
            "function-lines",
            "MATCH (f:Function) WHERE f.file IS NOT NULL AND f.line IS NOT "
            "NULL RETURN f.name AS name, f.file AS file, f.line AS line",
        ):
            out.setdefault(r["file"], []).append((r["line"], r["name"]))
        for v in out.values():
            v.sort()
        return out

    def source(self, path: str | None) -> Source | None:
        if not path:
            return None
        if path in self._files:
            self._files.move_to_end(path)
            return self._files[path]
        src = None
        full = self.root / path
        try:
            raw = full.read_bytes()
        except OSError:
            raw = None
        if raw is not None:
            want = self.shas.get(path)
            if want and hashlib.sha1(raw).hexdigest() != want:
                log.warning("%s changed since the ingest; no code is shown from it", path)
            else:
                src = Source(path, raw.decode("utf-8", errors="replace"))
        self._files[path] = src
        if len(self._files) > 256:
            self._files.popitem(last=False)
        return src

    def _note(self, path: str) -> str:
        return "" if path in self.shas else "file not in the graph, read as is"

    def _snippet(
        self, src: Source, first: int, last: int, *, max_lines: int | None = MAX_LINES, **kw: Any
    ) -> CodeSnippet:
        note = kw.pop("note", "") or self._note(src.path)
        if max_lines is not None and last - first + 1 > max_lines:
            note = (note + "; " if note else "") + f"cut at {max_lines} of {last - first + 1} lines"
            last = first + max_lines - 1
        return CodeSnippet(
            file=src.path, first=first, last=last, text=src.span(first, last), provenance=FALLBACK, note=note, **kw
        )

    # -- definitions -----------------------------------------------------------------------
    def function(self, name: str, file: str | None, line: int | None, *, whole: bool = False) -> CodeSnippet | None:
        """A function's definition; a long one is cut at MAX_LINES unless ``whole``."""
        src = self.source(file)
        if src is None or not line:
            return None
        ext = src.function_extent(line)
        if ext is None or name not in src.span(ext[0], min(ext[0] + 2, ext[1])):
            return None
        snip = self._snippet(
            src,
            ext[0],
            ext[1],
            id=f"code:fn:{name}",
            role="own",
            entity=name,
            kind="Function",
            max_lines=None if whole else MAX_LINES,
        )
        snip.data["calls"] = [{"name": c.name, "line": c.line, "args": c.args} for c in calls(src, ext[0], ext[1])]
        snip.data["end"] = ext[1]
        return snip

    def struct(self, name: str, file: str | None, line: int | None) -> CodeSnippet | None:
        src = self.source(file)
        if src is None or not line:
            return None
        for start in (line, line - 1):
            ext = src.struct_extent(start) if start > 0 else None
            if ext and name in src.span(ext[0], ext[1]):
                return self._snippet(
                    src, ext[0], ext[1], id=f"code:struct:{name}", role="own", entity=name, kind="Struct"
                )
        return None

    def global_def(self, key: str, name: str, file: str | None, line: int | None) -> CodeSnippet | None:
        src = self.source(file)
        if src is None or not line:
            return None
        ext = src.initializer_extent(line)
        if ext is None or name not in src.span(ext[0], ext[0]):
            return None
        return self._snippet(src, ext[0], ext[1], id=f"code:data:{key}", role="own", entity=key, kind="Global")

    def find(
        self, path: str, pattern: str, *, role: str, entity: str, kind: str, before: int = 1, after: int = 3
    ) -> CodeSnippet | None:
        """The first line of a checkout file matching ``pattern`` (comments and strings
        included), with a few lines around it."""
        src = self.source(path)
        if src is None:
            return None
        rx = re.compile(pattern)
        lines = src.text.split("\n")
        for i, line in enumerate(lines, 1):
            if rx.search(line):
                first, last = max(1, i - before), min(src.lines, i + after)
                while first < i and not lines[first - 1].strip():
                    first += 1
                while last < src.lines and lines[last - 1].rstrip().endswith("\\"):
                    last += 1  # a macro continues on the next line
                while last > i and not lines[last - 1].strip():
                    last -= 1
                return self._snippet(
                    src,
                    first,
                    last,
                    id=f"code:{role}:{path}:{i}",
                    role=role,
                    entity=entity,
                    kind=kind,
                    data={"line": i},
                )
        return None

    def document(self, path: str, *, entity: str, kind: str, lang: str, max_lines: int = 60) -> CodeSnippet | None:
        """A whole data file of the checkout (an asset XML), from its first line."""
        src = self.source(path)
        if src is None:
            return None
        last = src.lines - 1 if src.text.endswith("\n") else src.lines
        return self._snippet(
            src,
            1,
            max(1, last),
            id=f"code:doc:{path}",
            role="table",
            entity=entity,
            kind=kind,
            lang=lang,
            max_lines=max_lines,
        )

    # -- tables and the spec -----------------------------------------------------------------
    def _paths_state(self, paths: list[Path]) -> str:
        h = hashlib.sha1(str(self.root.resolve()).encode())
        for p in paths:
            try:
                st = p.stat()
            except OSError:
                continue
            h.update(f"{p}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        return h.hexdigest()[:16]

    def _table_files(self) -> list[Path]:
        base = self.root / "include" / "tables"
        return sorted(base.rglob("*.h")) if base.is_dir() else []

    def _spec_files(self) -> list[Path]:
        base = self.root / "spec"
        return [p for p in (sorted(base.iterdir()) if base.is_dir() else [base]) if p.is_file()]

    @cached_property
    def _table_index(self) -> dict[str, tuple[str, int]]:
        files = self._table_files()
        return self._kept("tables", lambda: self._scan_tables(files), salt=self._paths_state(files))

    def _scan_tables(self, files: list[Path]) -> dict[str, tuple[str, int]]:
        out: dict[str, tuple[str, int]] = {}
        for path in files:
            rel = path.relative_to(self.root).as_posix()
            src = self.source(rel)
            if src is None:
                continue
            for m in _TABLE_LINE.finditer(src.masked):
                for arg in m.group(1).split(","):
                    key = arg.strip()
                    if re.fullmatch(r"[A-Za-z_]\w*", key):
                        out.setdefault(key, (rel, src.line_of(m.start())))
        return out

    @cached_property
    def _spec_index(self) -> dict[str, tuple[str, int, int]]:
        files = self._spec_files()
        return self._kept("spec", lambda: self._scan_spec(files), salt=self._paths_state(files))

    def _scan_spec(self, files: list[Path]) -> dict[str, tuple[str, int, int]]:
        out: dict[str, tuple[str, int, int]] = {}
        for path in files:
            rel = path.relative_to(self.root).as_posix()
            src = self.source(rel)
            if src is None:
                continue
            for m in _SPEC_NAME.finditer(src.text):
                line = src.line_of(m.start())
                first = line
                while first > 1 and "beginseg" not in src.span(first, first):
                    first -= 1
                last = line
                while last < src.lines and "endseg" not in src.span(last, last):
                    last += 1
                out.setdefault(m.group(1), (rel, first, last))
        return out

    def table_entry(self, kind: str, key: str) -> CodeSnippet | None:
        if kind == "Segment":
            hit = self._spec_index.get(key)
            if hit is None:
                return None
            src = self.source(hit[0])
            return (
                None
                if src is None
                else self._snippet(src, hit[1], hit[2], id=f"code:spec:{key}", role="spec", entity=key, kind=kind)
            )
        hit2 = self._table_index.get(key)
        if hit2 is None:
            return None
        src = self.source(hit2[0])
        return (
            None
            if src is None
            else self._snippet(src, hit2[1], hit2[1], id=f"code:table:{key}", role="table", entity=key, kind=kind)
        )

    # -- uses of audio constants, grep -------------------------------------------------------
    def _c_files(self) -> list[str]:
        if self._c_list is None:  # os.walk, not Path.rglob: ~2.4k files a run, 3x cheaper
            found = []
            for dirpath, _, files in os.walk(self.root / "src"):
                rel = os.path.relpath(dirpath, self.root).replace(os.sep, "/")
                found += [f"{rel}/{f}" for f in files if f.endswith(".c")]
            self._c_list = sorted(found)
        return self._c_list

    def _raw(self, rel: str) -> str:
        """A C file's text, read once (scans of every file run several times a run)."""
        text = self._raws.get(rel)
        if text is None:
            # decoded as source() decodes it, so positions agree
            text = self._raws[rel] = (self.root / rel).read_bytes().decode("utf-8", errors="replace")
        return text

    @cached_property
    def state(self) -> str:
        """The checkout's C sources as they are now (names, sizes, times): what scans of every
        file depend on, so a derived cache keeps them only while this holds."""
        h = hashlib.sha1(str(self.root.resolve()).encode())
        for rel in self._c_files():
            try:
                st = (self.root / rel).stat()
            except OSError:
                continue
            h.update(f"{rel}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        return h.hexdigest()[:16]

    def _kept(self, name: str, build: Any, salt: str | None = None) -> Any:
        """``build()``, kept between runs while the files it reads (``salt``: their state;
        by default every C source's) are unchanged."""
        derived = getattr(self.q, "derived", None)
        if derived is None or not derived.enabled:
            return build()
        return derived.get(f"checkout-{name}", build, salt=self.state if salt is None else salt)

    def _use_index(self) -> dict[str, list[tuple[str, int]]]:
        """Where each audio constant appears, by a scan of the raw text; whether a hit is code
        (not a comment or string) is checked when it is used, on that file alone."""
        if self._uses is None:
            self._uses = self._kept("uses", self._scan_uses)
        return self._uses

    def _scan_uses(self) -> dict[str, list[tuple[str, int]]]:
        idx: dict[str, list[tuple[str, int]]] = {}
        for rel in self._c_files():
            raw = self._raw(rel)
            if "NA_" not in raw:
                continue
            for m in _USE.finditer(raw):
                idx.setdefault(m.group(1), []).append((rel, m.start()))
        return idx

    def uses(self, constant: str, limit: int = 6) -> list[CodeSnippet]:
        """Statements of functions that pass ``constant`` to a call, with the callee and the
        argument position (data ``callee``, ``position``, ``function``)."""
        out: list[CodeSnippet] = []
        for rel, pos in self._use_index().get(constant, []):
            src = self.source(rel)
            if src is None or src.masked[pos] == " ":  # in a comment or a string
                continue
            line = src.line_of(pos)
            callee, position, call_line = _enclosing_call(src, pos)
            if callee is None:
                continue
            fns = self.functions_by_file.get(rel, [])
            start = src.enclosing(line, [ln for ln, _ in fns])
            fn = next((n for ln, n in fns if ln == start), None)
            if fn is None:
                continue
            end = src.initializer_extent(call_line)
            last = end[1] if end else line
            out.append(
                self._snippet(
                    src,
                    call_line,
                    min(last, call_line + 6),
                    id=f"code:use:{constant}:{fn}",
                    role="use",
                    entity=constant,
                    kind="Sfx" if constant.startswith("NA_SE_") else "Sequence",
                    data={"callee": callee, "position": position, "function": fn, "function_line": start},
                )
            )
            if len(out) >= limit:
                break
        return out

    def grep(self, pattern: str, limit: int = 400) -> list[tuple[str, int]]:
        """(function, line) of the functions whose text (comments included) matches."""
        if pattern not in self._grep:
            self._grep[pattern] = self._kept(
                f"grep-{hashlib.sha1(pattern.encode()).hexdigest()[:12]}-{limit}", lambda: self._scan(pattern, limit)
            )
        return self._grep[pattern]

    def _scan(self, pattern: str, limit: int) -> list[tuple[str, int]]:
        rx = re.compile(pattern)
        found: list[tuple[str, int]] = []
        seen: set[str] = set()
        for rel in self._c_files():
            raw = self._raw(rel)
            if not rx.search(raw):
                continue
            src = self.source(rel)
            fns = self.functions_by_file.get(rel, [])
            if src is None or not fns:
                continue
            for m in rx.finditer(src.text):
                line = src.line_of(m.start())
                start = src.enclosing(line, [ln for ln, _ in fns])
                fn = next((n for ln, n in fns if ln == start), None)
                if fn and fn not in seen:
                    seen.add(fn)
                    found.append((fn, line))
            if len(found) >= limit:
                break
        return found

    # -- version blocks -----------------------------------------------------------------------
    @cached_property
    def macros(self) -> Any:
        from generate.code.ppeval import VersionMacros

        try:
            return VersionMacros(self.root)
        except Exception as e:  # noqa: BLE001 - no versions.h: no branch versions
            log.warning("cannot read the checkout's versions (%s); #if branches get none", e)
            return None

    def built_versions(self) -> list[str]:
        return list(self.macros.order) if self.macros else []

    def version_blocks(self, snippet: CodeSnippet) -> list[CodeSnippet]:
        src = self.source(snippet.file)
        if src is None:
            return []
        out = []
        for blk in if_blocks(src):
            inside = snippet.first <= blk.line <= snippet.last
            around = blk.line < snippet.first and blk.endif > snippet.last
            if not (inside or around):
                continue
            conds = [(b.directive, b.condition) for b in blk.branches]
            per = self.macros.branch_versions(conds) if self.macros else None
            branches = [
                {
                    "line": b.line,
                    "directive": b.directive,
                    "condition": b.condition,
                    "last": b.last,
                    "versions": per[i] if per else None,
                }
                for i, b in enumerate(blk.branches)
            ]
            last = blk.endif if inside else blk.line
            out.append(
                self._snippet(
                    src,
                    blk.line,
                    min(last, blk.line + 24),
                    id=f"code:if:{snippet.file}:{blk.line}",
                    role="ifblock",
                    entity=snippet.entity,
                    kind=snippet.kind,
                    data={"branches": branches, "endif": blk.endif, "encloses": around},
                )
            )
        return out


def _enclosing_call(src: Source, pos: int) -> tuple[str | None, int, int]:
    """The call whose argument list holds ``pos``: (callee, argument index, line of callee)."""
    m = src.masked
    depth = 0
    commas = 0
    i = pos - 1
    while i >= 0:
        ch = m[i]
        if ch in ")]}":
            depth += 1
        elif ch in "([{":
            if depth == 0:
                if ch != "(":
                    return None, 0, 0
                j = i - 1
                while j >= 0 and m[j] in " \t\n":
                    j -= 1
                k = j
                while k >= 0 and (m[k].isalnum() or m[k] == "_"):
                    k -= 1
                name = m[k + 1 : j + 1]
                if not name or name in ("if", "while", "for", "switch", "return"):
                    return None, 0, 0
                return name, commas, src.line_of(k + 1)
            depth -= 1
        elif ch == "," and depth == 0:
            commas += 1
        elif ch in ";" and depth == 0:
            return None, 0, 0
        i -= 1
    return None, 0, 0
