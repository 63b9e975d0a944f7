"""Quotes of the decomp: a C block whose fence names ``path:first-last`` claims to be those
lines of the checkout. With a checkout, the claim is checked line by line (``quote-mismatch``,
``quote-unknown-file``); a verified quote is the decomp's own code, so it is neither
compiled alone (it refers to its file's statics) nor re-checked at levels 2-4.
An ``edit`` block (```c edit path:first-last) is a changed version of those lines: it is
checked at levels 2-4 like any code, and not compiled alone; an issue on a line the edit
kept unchanged from the decomp (a branch for another version, a macro the build defines)
is the decomp's, not the example's, and is reported as a warning (``kept_lines``)."""

from __future__ import annotations

import difflib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from validate import rules
from validate.extract import CodeBlock
from validate.models import Issue

# What a quote may name: the decomp's text sources, never its ROMs, build output or git data
# (a quote check tells whether lines match, so it must not become an oracle for other bytes).
_QUOTABLE = (".c", ".h", ".inc", ".inc.c", ".s", ".xml", ".ld", ".mk", ".yaml", ".py")
_QUOTABLE_NAMES = ("Makefile", "spec")
_NEVER = ("baseroms", "build", "expected", ".git", "extracted")
MAX_QUOTED_FILE = 4_000_000  # bytes
MAX_EDIT_LINES = 2_000


@lru_cache(maxsize=64)
def _lines(full: str, mtime_ns: int, size: int) -> list[str]:
    """A file's lines, read once per version of the file (mtime and size are the key)."""
    return Path(full).read_text(errors="replace").split("\n")


def _file_in(base: str, path: str) -> str | None:
    """The real path of ``path`` under ``base`` when it is a quotable text source there."""
    rel = Path(path)
    full = os.path.realpath(os.path.join(base, path))
    if rel.is_absolute() or ".." in rel.parts or not full.startswith(base + os.sep):
        return None
    inner = Path(full[len(base) + 1 :])
    if inner.parts and inner.parts[0] in _NEVER:
        return None
    if not (inner.name in _QUOTABLE_NAMES or inner.name.endswith(_QUOTABLE)):
        return None
    return full


def _location(location: str) -> tuple[str, int, int]:
    """``path:first-last`` (or ``path:line``) as path, first and last line."""
    path, _, span = location.rpartition(":")
    first, _, last = span.partition("-")
    return path, int(first), int(last or first)


def _read(full: str) -> list[str] | None:
    try:
        st = os.stat(full)
    except OSError:
        return None
    if st.st_size > MAX_QUOTED_FILE:
        return None
    try:
        return _lines(full, st.st_mtime_ns, st.st_size)
    except OSError:
        return None


@lru_cache(maxsize=8)
def _resolved(root: Path) -> str:
    return str(root.resolve())


def check_quotes(blocks: list[CodeBlock], root: Path | None) -> tuple[list[Issue], set[int]]:
    """Issues, and the indexes (in ``blocks``) of the quotes verified against ``root``."""
    issues: list[Issue] = []
    verified: set[int] = set()
    if root is None:
        return issues, verified
    base = _resolved(root)
    for i, b in enumerate(blocks):
        if not b.location or b.edit:
            continue
        path, lo, hi = _location(b.location)
        where: dict[str, Any] = {"message_index": b.message_index, "block": b.block_index}
        full = _file_in(base, path)
        if full is None:
            issues.append(
                rules.issue(rules.QUOTE_UNKNOWN_FILE, f"{path} is not a source file inside the decomp", **where)
            )
            continue
        lines = _read(full)
        if lines is None or lo < 1 or hi < lo or hi > len(lines):
            why = f"the decomp has no file {path}" if lines is None else f"{path} has no lines {lo}-{hi}"
            issues.append(rules.issue(rules.QUOTE_UNKNOWN_FILE, why, **where))
            continue
        want = [x.rstrip() for x in lines[lo - 1 : hi]]
        got = [x.rstrip() for x in b.code.rstrip("\n").split("\n")]
        if want != got:
            bad = next((k for k, (w, g) in enumerate(zip(want, got, strict=False)) if w != g), min(len(want), len(got)))
            issues.append(
                rules.issue(
                    rules.QUOTE_MISMATCH,
                    f"the block says it is {b.location} but line {bad + 1} differs from the decomp",
                    line=bad + 1,
                    **where,
                )
            )
            continue
        verified.add(i)
    return issues, verified


def kept_lines(block: CodeBlock, root: Path | None) -> set[int]:
    """Lines (1-based, in the block) of an ``edit`` block that are the decomp's own lines at
    that place, unchanged; empty without a checkout or a readable location."""
    if root is None or not block.edit or not block.location:
        return set()
    path, lo, hi = _location(block.location)
    full = _file_in(_resolved(root), path)
    lines = _read(full) if full is not None else None
    if lines is None:
        return set()
    want = [x.rstrip() for x in lines[lo - 1 : hi]] if 1 <= lo <= hi else []
    got = [x.rstrip() for x in block.code.rstrip("\n").split("\n")]
    if not want or len(want) > MAX_EDIT_LINES or len(got) > MAX_EDIT_LINES:
        return set()  # the line diff is quadratic at worst: no leniency for huge edits
    out: set[int] = set()
    for tag, i1, i2, j1, _j2 in difflib.SequenceMatcher(None, want, got, autojunk=False).get_opcodes():
        if tag == "equal":
            out.update(range(j1 + 1, j1 + 1 + (i2 - i1)))
    return out
