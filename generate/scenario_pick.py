"""Which scenarios fit a target: kind, filters, needs on its context, and evidence found.

Shared by the planner (pairs a target with scenarios only where the facts exist) and the
request builder (the evidence quotes a scenario's prompt and offline recipe carry)."""

from __future__ import annotations

import re
from typing import Any

from generate.code import CodeSnippet
from generate.families import get_family
from generate.scenario import Evidence, Scenario, fits, slots


class ScenarioPicker:
    def __init__(self, contexts: Any, version: str) -> None:
        self.contexts = contexts
        self.version = version
        self._evidence: dict[str, list[tuple[Evidence, CodeSnippet]] | None] = {}

    def grep(self, pattern: str) -> list[tuple[str, int]]:
        return self.contexts.provider.grep(pattern)

    def fitting(self, family: str, row: Any) -> list[Scenario]:
        from generate.plan import _passes

        ctx = self.contexts.build(row.target(), self.version)
        if not ctx.facts:
            return []
        values = slots(ctx)
        only = row.detail[5:] if (row.detail or "").startswith("grep:") else None
        out = []
        for s in get_family(family).scenarios():
            if only is not None and s.id != only:
                continue
            if only is None and (s.grep or not _passes(row, s.target_filter)):
                continue
            if fits(s, ctx, values) and self.evidence(s) is not None:
                out.append(s)
        return out

    def evidence(self, s: Scenario) -> list[tuple[Evidence, CodeSnippet]] | None:
        """The scenario's evidence quotes; None when one cannot be found (then the scenario
        does not fit: its cause would rest on nothing)."""
        if s.id in self._evidence:
            return self._evidence[s.id]
        out: list[tuple[Evidence, CodeSnippet]] | None = []
        section = self.contexts.section
        for ev in s.evidence:
            snip = None
            if ev.function:
                fn = section.function(ev.function, self.version)
                snip = section.excerpt(fn, ev.match) if fn is not None else None
            elif ev.file:
                snip = file_excerpt(self.contexts.provider, ev.file, ev.match)
            if snip is None:
                out = None
                break
            out.append((ev, snip))
        self._evidence[s.id] = out
        return out


def file_excerpt(provider: Any, path: str, pattern: str) -> CodeSnippet | None:
    src = provider.source(path) if hasattr(provider, "source") else None
    if src is None:
        return None
    rx = re.compile(pattern)
    for i, line in enumerate(src.text.split("\n"), 1):
        if rx.search(line):
            first, last = max(1, i - 1), min(src.lines, i + 3)
            return CodeSnippet(id=f"code:ev:{path}:{i}", role="evidence", entity=path, kind="File",
                               file=path, first=first, last=last, text=src.span(first, last),
                               provenance=provider.provenance)
    return None
