"""What a parse records besides declarations: the text of the files its entities are in (as
read for the parse), and the ``#if`` ranges its preprocessor skipped, filed with the entities
they go with (``ingest.c.extract`` calls these; ``ingest.c.code`` reads what they record)."""

from __future__ import annotations

from typing import Any


def rel_path(path: str, root: str, stub_dir: str) -> str:
    """A path as the graph names it: checkout-relative (a generated stub's, stub-relative)."""
    if path.startswith(stub_dir):
        return path[len(stub_dir) :].lstrip("/")
    if path.startswith(root):
        return path[len(root) :].lstrip("/")
    return path


def split_lines(data: bytes) -> tuple[list[str], bool]:
    """A file's lines as libclang counts them (split at \\n only), and whether it was UTF-8
    (if not, it is decoded with U+FFFD for the bytes that are not)."""
    try:
        text, ok = data.decode("utf-8"), True
    except UnicodeDecodeError:
        text, ok = data.decode("utf-8", "replace"), False
    return text.split("\n"), ok


class Texts:
    """Lines of the files a parse's entities are spelled in: the TU's own (as read for the
    parse) and, read once per worker, its headers and included .c files."""

    def __init__(self, root: str, stub: str, tu: str, main_lines: list[str], rec: Any, worker: Any) -> None:
        self.root, self.stub, self.tu, self.main, self.rec = root, stub, tu, main_lines, rec
        self.worker = worker  # ingest.c.extract's: file_lines() once per file, dep() hashes
        self.other: dict[str, list[str] | None] = {}

    def lines(self, rel: str) -> list[str] | None:
        if rel == self.tu:
            return self.main
        if rel in self.other:
            return self.other[rel]
        got = None
        if rel and not rel.startswith("/"):
            path = self.root + rel
            read = self.worker.file_lines(path)
            if read is not None:
                sha, lines, utf8 = read
                if sha != self.worker.dep(path)[2]:
                    self.rec.text_notes.append(
                        (rel, "changed while the ingest read it (its spans are kept, its text left out)")
                    )
                else:
                    got = lines
                    if not utf8:
                        self.rec.text_notes.append(
                            (rel, "not UTF-8 (its text is stored with U+FFFD for the bytes that are not)")
                        )
        self.other[rel] = got
        return got

    def span(self, rel: str, first: int, last: int) -> str | None:
        lines = self.lines(rel)
        if lines is None or first < 1 or last < first or last > len(lines):
            return None
        return "\n".join(lines[first - 1 : last])


def file_skipped(
    rec: Any,
    ranges: list[tuple[str, int, int]],
    top: Any,
    want: bytearray,
    rels: list[str],
    root: str,
    stub: str,
    job: Any,
    included: list[str],
    worker: Any,
) -> None:
    """File the parse's skipped #if ranges: the main files' under ``rec.main``, a walked
    header's under its ``Ents``, and those of a header read but not walked (no declaration
    of its own at top level) by the header's key in ``rec.hskipped``. Every file the parse
    read counts as one of ``rec.files`` (a version builds it)."""
    where: dict[str, Any] = {}
    for fi, fname in enumerate(top.names):
        if fname:
            w = want[fi]
            where[fname] = rec.main if w == 2 else rec.headers.get(rels[fi]) if w == 1 else None
    got: dict[int, list[tuple[str, int, int]]] = {}
    ents_of: dict[int, Any] = {}
    lone: dict[str, list[tuple[int, int]]] = {}
    for fname, a, b in ranges:
        e = where.get(fname, ...)
        if e is ...:
            if _lone(fname, root, stub):
                lone.setdefault(fname, []).append((a, b))
        elif e is not None:
            got.setdefault(id(e), []).append((rel_path(fname, root, stub), a, b))
            ents_of[id(e)] = e
    for k, items in got.items():
        ents_of[k].skipped = tuple(sorted(set(items)))
    for fname in included:
        if fname in where or not _lone(fname, root, stub):
            continue
        rel = rel_path(fname, root, stub)
        rec.files.setdefault(rel, worker.dep(fname)[2])
        if fname in lone:  # (none skipped: every branch is live, nothing to keep)
            hk = job.header_keys.get(fname) or ("tu:" + job.key)
            rec.hskipped[rel] = (hk, tuple(sorted(set(lone[fname]))))


def _lone(fname: str, root: str, stub: str) -> bool:
    return fname.endswith(".h") and not fname.startswith(stub) and fname.startswith(root)
