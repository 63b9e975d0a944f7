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

    def candidates(self, s: Scenario) -> list[str] | None:
        """Functions a Function scenario could be about, when its needs select few: the grep
        it names, else the callers of what a ``calls:`` need names, else a grep of its
        ``text:`` need. None when nothing narrows it (every function is a candidate)."""
        if s.grep:
            return [fn for fn, _ in self.grep(s.grep)]
        if "Function" not in s.targets:
            return None
        for need in s.needs:
            what, _, arg = need.partition(":")
            if what == "calls":
                return self._callers_of(arg)
        for need in s.needs:
            what, _, arg = need.partition(":")
            if what == "text":
                return [fn for fn, _ in self.grep(arg)]
        return None

    def _callers_of(self, pattern: str) -> list[str]:
        rx = re.compile(pattern)
        tables = getattr(self.contexts.q, "tables", None)
        if tables is not None:
            into = tables.calls()[0]
            return sorted({r["caller"] for callee, rows in into.items() if rx.fullmatch(callee)
                           for r in rows})
        rows = self.contexts.q.store.run(
            "MATCH (a:Function)-[:CALLS]->(b:Function) RETURN DISTINCT a.name AS caller, "
            "b.name AS callee")
        return sorted({r["caller"] for r in rows if rx.fullmatch(r["callee"])})

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

    def can_design(self, s: Scenario, row: Any) -> bool:
        """Level 4 designs across two of the scenario's systems: does the target's context
        show two of them?"""
        from generate.offline.design import present

        if len(s.systems) < 2 or not s.tradeoffs or not s.verify:
            return False  # a design weighs options and says how to verify them
        ctx = self.contexts.build(row.target(), self.version)
        return present(ctx, self.evidence(s) or [], s.systems) >= 2

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
                fn = section.function(ev.function, self.version, whole=True)
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
    return provider.find(path, pattern, role="evidence", entity=path, kind="File")
