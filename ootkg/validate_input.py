"""Reading examples for `ootkg validate`: one line at a time, bytes treated alike wherever
they come from.

A file or stdin is read as bytes, line by line (a 300k-line file never sits in memory);
each line is decoded as strict UTF-8 and parsed as an example. A line that is not UTF-8,
not JSON, not an example, or longer than ``MAX_LINE`` bytes is reported with its line
number and why (``BadLine``), never silently repaired or skipped.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ootkg.errors import UserError

MAX_LINE = 16 * 1024 * 1024  # bytes in one example line
MAX_CODE_FILE = 16 * 1024 * 1024


@dataclass
class BadLine:
    where: str
    line: int
    why: str

    def __str__(self) -> str:
        return f"{self.where}:{self.line}: {self.why}"


def utf8_problem(data: bytes) -> str | None:
    """Why ``data`` is not UTF-8 (with line and column), or None."""
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        return f"not UTF-8: byte 0x{data[e.start]:02x} at line {line}, column {col}"


def _lines(stream: IO[bytes]) -> Iterator[tuple[bytes, bool]]:
    """(line, too_long) pairs; a line over MAX_LINE is skipped to its end, not kept."""
    while True:
        raw = stream.readline(MAX_LINE + 1)
        if not raw:
            return
        if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
            while True:  # drop the rest of the line
                more = stream.readline(1 << 20)
                if not more or more.endswith(b"\n"):
                    break
            yield b"", True
            continue
        yield raw, False


def open_examples(path: str) -> tuple[IO[bytes], str]:
    if path == "-":
        return sys.stdin.buffer, "stdin"
    p = Path(path)
    if not p.is_file():
        raise UserError(f"No file at {p}. Give a JSONL file of examples, or - for stdin.")
    return open(p, "rb"), str(p)


def count_lines(path: str) -> int | None:
    """Lines of a file (for the progress bar; None for stdin)."""
    if path == "-":
        return None
    n = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            n += chunk.count(b"\n")
    return n


def iter_examples(stream: IO[bytes], where: str) -> Iterator[tuple[int, Any]]:
    """(line number, Example | BadLine) for every non-blank line."""
    from pydantic import ValidationError

    from validate.models import Example

    for n, (raw, too_long) in enumerate(_lines(stream), 1):
        if too_long:
            yield n, BadLine(where, n, f"the line is over {MAX_LINE} bytes; not read")
            continue
        if not raw.strip():
            continue
        why = utf8_problem(raw)
        if why:
            yield n, BadLine(where, n, why.replace(" at line 1,", " at"))
            continue
        try:
            ex = Example.model_validate_json(raw)
        except ValidationError as e:
            first = e.errors()[0]
            yield (
                n,
                BadLine(
                    where,
                    n,
                    f"not an example ({first['msg']} at "
                    f"{'.'.join(map(str, first['loc'])) or 'top level'}); each line must "
                    'be {"id": ..., "messages": [{"role", "content"}], "metadata": {...}}',
                ),
            )
            continue
        if not ex.id:
            ex.id = f"line-{n}"
        yield n, ex


def read_code(path: Path | str) -> str:
    """A C file (or - for stdin) as text; bytes that are not UTF-8 are an error."""
    if str(path) == "-":
        data = sys.stdin.buffer.read(MAX_CODE_FILE + 1)
        where = "stdin"
    else:
        p = Path(path)
        if not p.is_file():
            raise UserError(f"No C file at {p}.")
        with open(p, "rb") as f:
            data = f.read(MAX_CODE_FILE + 1)
        where = str(p)
    if len(data) > MAX_CODE_FILE:
        raise UserError(f"{where} is over {MAX_CODE_FILE} bytes; validate a smaller file.")
    why = utf8_problem(data)
    if why:
        raise UserError(f"{where} is {why}. Save it as UTF-8 and try again.")
    return data.decode("utf-8")
