"""Which scenarios fit a target: kind, filters, needs on its context, and evidence found.

Shared by the planner (pairs a target with scenarios only where the facts exist) and the
request builder (the evidence quotes a scenario's prompt and offline recipe carry)."""

from __future__ import annotations

import re
from typing import Any

from generate.code import CodeSnippet
from generate.families import get_family
from generate.scenario import Evidence, Scenario, fits, passes_filter, slots


class ScenarioPicker:
    def __init__(self, contexts: Any, version: str) -> None:
        self.contexts = contexts
        self.version = version
        self._evidence: dict[str, list[tuple[Evidence, CodeSnippet]] | None] = {}
        self._moved: dict[bool, list[str]] = {}

    def grep(self, pattern: str) -> list[tuple[str, int]]:
        return self.contexts.provider.grep(pattern)

    def candidates(self, s: Scenario) -> tuple[str, list[str]] | None:
        """(kind, keys) of the targets a scenario could be about when its needs select few:
        for functions the grep it names, else the callers of what a ``calls:`` need names,
        else a grep of its ``text:`` need; for structs whose layout differs between the
        ingested versions (``fact:offdiff:``, ``fact:sizediff:``). None when nothing narrows
        it (every target of its kinds is a candidate)."""
        if s.grep:
            return "Function", [fn for fn, _ in self.grep(s.grep)]
        if "Struct" in s.targets and {"fact:offdiff:", "fact:sizediff:"} & set(s.needs):
            return "Struct", self._moved_structs("fact:sizediff:" in s.needs)
        if "Function" not in s.targets:
            return None
        names = self._function_candidates(s)
        return None if names is None else ("Function", names)

    def _moved_structs(self, size: bool) -> list[str]:
        if size not in self._moved:  # several scenarios ask; the tables do not change
            self._moved[size] = self._find_moved(size)
        return self._moved[size]

    def _find_moved(self, size: bool) -> list[str]:
        tables = getattr(self.contexts.q, "tables", None)
        if tables is None:
            return []
        out = []
        if size:
            for name, rows in tables.struct_versions().items():
                if len({r["size"] for r in rows if r["size"] is not None}) > 1:
                    out.append(name)
        else:
            per: dict[tuple[str, str], set] = {}
            for key, row in tables.field_versions().items():
                if key[0] != "__by_struct__":
                    per.setdefault((row["struct"], row["field"]), set()).add(row["offset"])
            out = sorted({st for (st, _), offs in per.items() if len(offs) > 1})
        return sorted(out)

    def _function_candidates(self, s: Scenario) -> list[str] | None:
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
            return sorted({r["caller"] for callee, rows in into.items() if rx.fullmatch(callee) for r in rows})
        rows = self.contexts.q.store.run(
            "MATCH (a:Function)-[:CALLS]->(b:Function) RETURN DISTINCT a.name AS caller, b.name AS callee"
        )
        return sorted({r["caller"] for r in rows if rx.fullmatch(r["callee"])})

    def fitting(self, family: str, row: Any) -> list[Scenario]:

        ctx = self.contexts.build(row.target(), self.version)
        if not ctx.facts:
            return []
        values = slots(ctx)
        only = row.detail[5:] if (row.detail or "").startswith("grep:") else None
        out = []
        for s in get_family(family).scenarios():
            if only is not None and s.id != only:
                continue
            if only is None and (s.grep or not passes_filter(row, s.target_filter)):
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
        out: list[tuple[Evidence, CodeSnippet]] = []
        found: list[tuple[Evidence, CodeSnippet]] | None = out
        section = self.contexts.section
        for ev in s.evidence:
            snip = None
            if ev.function:
                fn = section.function(ev.function, self.version, whole=True)
                snip = section.excerpt(fn, ev.match) if fn is not None else None
            elif ev.file:
                snip = file_excerpt(self.contexts.provider, ev.file, ev.match)
            if snip is None:
                found = None
                break
            out.append((ev, snip))
        self._evidence[s.id] = found
        return found


def file_excerpt(provider: Any, path: str, pattern: str) -> CodeSnippet | None:
    return provider.find(path, pattern, role="evidence", entity=path, kind="File")
