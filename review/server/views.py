"""What the example page shows beside the conversation: the facts it rests on with their
sources, its code with the validator's findings, the real code at the facts' sources,
the validator's report, the judges' scores and every review so far."""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from review.judge.rubric import DIMENSIONS, JudgeScore
from review.state import ExampleReviews
from validate.extract import split_message

_SOURCE = re.compile(r"^(?P<path>[\w][\w./\-]*\.[A-Za-z0-9]+)(?::(?P<line>\d+))?$")
GITHUB = "https://github.com/zeldaret/oot/blob/{commit}/{path}#L{line}"


@dataclass
class SourceLink:
    text: str
    path: str | None = None
    line: int | None = None
    local: str | None = None
    github: str | None = None


@dataclass
class FactRow:
    id: str
    text: str
    source: SourceLink
    used: bool


@dataclass
class CodeView:
    message_index: int
    block: int
    code: str
    issues: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Snippet:
    path: str
    line: int
    lines: list[tuple[int, str]]
    link: SourceLink


class SourceReader:
    """Lines of the decomp checkout, read-only and confined to it (no path escapes it)."""

    def __init__(self, root: Path | None) -> None:
        self.root = root.resolve() if root else None
        self._cache: OrderedDict[str, list[str]] = OrderedDict()

    def lines(self, path: str) -> list[str] | None:
        if self.root is None or not path or len(path) > 300:
            return None
        hit = self._cache.get(path)
        if hit is not None:
            self._cache.move_to_end(path)
            return hit
        full = (self.root / path).resolve()
        if not full.is_relative_to(self.root) or not full.is_file():
            return None
        try:
            text = full.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return None
        self._cache[path] = text
        if len(self._cache) > 128:
            self._cache.popitem(last=False)
        return text

    def snippet(self, path: str, line: int, around: int = 5) -> list[tuple[int, str]] | None:
        text = self.lines(path)
        if text is None or not 1 <= line <= len(text):
            return None
        lo, hi = max(1, line - around), min(len(text), line + around)
        return [(n, text[n - 1]) for n in range(lo, hi + 1)]


def source_link(source: str, reader: SourceReader, commit: str | None) -> SourceLink:
    m = _SOURCE.match(source.strip())
    if not m:
        return SourceLink(text=source)
    path, line = m.group("path"), int(m.group("line") or 1)
    local = f"/src?path={path}&line={line}#L{line}" if reader.lines(path) is not None else None
    github = GITHUB.format(commit=commit, path=path, line=line) if commit else None
    return SourceLink(text=source, path=path, line=line, local=local, github=github)


def fact_rows(
    meta: dict[str, Any], facts: list[Any] | None, reader: SourceReader, commit: str | None
) -> tuple[list[FactRow], list[FactRow], list[str]]:
    """(facts the example cites, the other facts of its context, cited ids not in it)."""
    cited = list(meta.get("fact_ids") or [])
    by_id = {f.id: f for f in facts or []}
    used = [FactRow(i, by_id[i].text, source_link(by_id[i].source, reader, commit), True) for i in cited if i in by_id]
    rest = [
        FactRow(f.id, f.text, source_link(f.source, reader, commit), False)
        for f in facts or []
        if f.id not in set(cited)
    ]
    missing = [i for i in cited if i not in by_id] if facts is not None else []
    return used, rest, missing


def code_views(messages: list[dict[str, Any]], report: dict[str, Any]) -> list[CodeView]:
    out = []
    issues = report.get("issues", [])
    for i, m in enumerate(messages):
        if m.get("role") != "assistant":
            continue
        blocks, _ = split_message(m.get("content", ""), i)
        for b in blocks:
            out.append(
                CodeView(
                    i,
                    b.block_index,
                    b.code,
                    [x for x in issues if x.get("message_index") == i and x.get("block") == b.block_index],
                )
            )
    return out


def snippets(used: list[FactRow], reader: SourceReader, limit: int = 4) -> list[Snippet]:
    out, seen = [], set()
    for row in used:
        link = row.source
        if link.path is None or link.line is None or (link.path, link.line) in seen:
            continue
        lines = reader.snippet(link.path, link.line)
        if lines:
            seen.add((link.path, link.line))
            out.append(Snippet(link.path, link.line, lines, link))
        if len(out) >= limit:
            break
    return out


def page_context(
    rec: dict[str, Any],
    reviews: ExampleReviews,
    facts: list[Any] | None,
    scores: dict[str, JudgeScore],
    me: str,
    reader: SourceReader,
    commit: str | None,
) -> dict[str, Any]:
    meta = rec.get("metadata") or {}
    original = rec.get("messages") or []
    current = reviews.edited_messages(original)
    report = meta.get("validation") or {}
    used, rest, missing = fact_rows(meta, facts, reader, commit)
    mine = reviews.judgements.get(me)
    return {
        "meta": meta,
        "messages": current,
        "original": original,
        "edited": bool(reviews.edits),
        "edits": reviews.edits,
        "report": report,
        "used": used,
        "rest": rest,
        "missing": missing,
        "graph": facts is not None,
        "code": code_views(current, report),
        "snippets": snippets(used, reader),
        "judgements": list(reviews.judgements.values()),
        "mine": mine,
        "scores": scores,
        "dimensions": DIMENSIONS,
        "entities": list(meta.get("entities") or []),
        "assistant_indexes": [i for i, m in enumerate(current) if m.get("role") == "assistant"],
    }
