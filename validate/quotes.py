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

from validate.extract import CodeBlock
from validate.models import Issue


@lru_cache(maxsize=256)
def _lines(full: str, mtime_ns: int, size: int) -> list[str]:
    """A file's lines, read once per version of the file (mtime and size are the key)."""
    return Path(full).read_text(errors="replace").split("\n")


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
        path, _, span = b.location.rpartition(":")
        first, _, last = span.partition("-")
        lo, hi = int(first), int(last or first)
        rel = Path(path)
        full = os.path.realpath(os.path.join(base, path))
        if rel.is_absolute() or ".." in rel.parts or not full.startswith(base + os.sep):
            issues.append(Issue(code="quote-unknown-file", level=1, message=f"{path} is not a "
                                "path inside the decomp", message_index=b.message_index,
                                block=b.block_index))
            continue
        try:
            st = os.stat(full)
            lines = _lines(full, st.st_mtime_ns, st.st_size)
        except OSError:
            issues.append(Issue(code="quote-unknown-file", level=1,
                                message=f"the decomp has no file {path}",
                                message_index=b.message_index, block=b.block_index))
            continue
        want = [x.rstrip() for x in lines[lo - 1:hi]]
        got = [x.rstrip() for x in b.code.rstrip("\n").split("\n")]
        if want != got:
            bad = next((k for k, (w, g) in enumerate(zip(want, got, strict=False)) if w != g),
                       min(len(want), len(got)))
            issues.append(Issue(code="quote-mismatch", level=1,
                                message=f"the block says it is {b.location} but line "
                                        f"{bad + 1} differs from the decomp",
                                message_index=b.message_index, block=b.block_index,
                                line=bad + 1))
            continue
        verified.add(i)
    return issues, verified


def kept_lines(block: CodeBlock, root: Path | None) -> set[int]:
    """Lines (1-based, in the block) of an ``edit`` block that are the decomp's own lines at
    that place, unchanged; empty without a checkout or a readable location."""
    if root is None or not block.edit or not block.location:
        return set()
    path, _, span = block.location.rpartition(":")
    first, _, last = span.partition("-")
    base = _resolved(root)
    full = os.path.realpath(os.path.join(base, path))
    if Path(path).is_absolute() or not full.startswith(base + os.sep):
        return set()
    try:
        st = os.stat(full)
        lines = _lines(full, st.st_mtime_ns, st.st_size)
    except OSError:
        return set()
    want = [x.rstrip() for x in lines[int(first) - 1:int(last or first)]]
    got = [x.rstrip() for x in block.code.rstrip("\n").split("\n")]
    out: set[int] = set()
    for tag, i1, i2, j1, _j2 in difflib.SequenceMatcher(None, want, got, autojunk=False).get_opcodes():
        if tag == "equal":
            out.update(range(j1 + 1, j1 + 1 + (i2 - i1)))
    return out
