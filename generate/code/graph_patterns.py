"""The patterns a target follows and the actors most like it, from the graph's FOLLOWS edges.

One whole-graph table of FOLLOWS edges per run (kept between runs by ``kg.derived``)
answers what the ``patterns_of`` and ``similar_actors`` named queries answer, without a
store query per target (they were ~0.55 s of a 500-example run on the real graph)."""

from __future__ import annotations

import heapq
import json
from collections import Counter
from functools import cached_property
from typing import Any

from generate.code import GRAPH, CodeSnippet


class GraphPatterns:
    """Mixed into ``GraphCode``: needs its ``store`` and ``_table``."""

    store: Any

    def _table(self, name: str, query: str, key: str) -> dict[str, list[dict[str, Any]]]:
        raise NotImplementedError

    @cached_property
    def _pattern_index(self) -> dict[str, dict[str, Any]]:
        rows = self.store.run(
            "MATCH (p:Pattern) RETURN p.id AS id, p.description AS "
            "description, p.steps AS steps, p.support AS support, "
            "p.excerpts AS excerpts, p.roles AS roles"
        )
        return {r["id"]: r for r in rows}

    def patterns_of(self, name: str, limit: int = 3) -> list[CodeSnippet]:
        """The complete patterns ``name`` (an actor or a function) follows, named ones and
        then the best supported first, each with one real excerpt (another actor's, when the pattern has one)."""
        rows = [r for r in self._follows_of(name) if r["complete"]]
        # named (curated) patterns first: they say what the idiom is for
        rows.sort(key=lambda r: (not r["description"], -(r["support"] or 0), r["pattern"]))
        out: list[CodeSnippet] = []
        seen: set[str] = set()
        for r in rows:
            p = self._pattern_index.get(r["pattern"])
            if p is None or p["id"] in seen:
                continue
            seen.add(p["id"])
            excerpts = json.loads(p["excerpts"] or "[]")
            ex = next(
                (e for e in excerpts if e["actor"] not in (name, f"ACTOR_{name.upper()}")),
                excerpts[0] if excerpts else None,
            )
            if not ex or not ex["snippets"]:
                continue
            s = max(ex["snippets"], key=lambda s: s["end_line"] - s["line"])
            text = s["text"].rstrip("\n")
            out.append(
                CodeSnippet(
                    id=f"code:pattern:{p['id']}",
                    role="pattern",
                    entity=s["symbol"],
                    kind="Function",
                    file=s["file"],
                    first=s["line"],
                    last=s["line"] + text.count("\n"),
                    text=text,
                    provenance=GRAPH,
                    note=f"pattern {p['id']} ({p['support']} actors), as {ex['actor']} does it",
                    data={
                        "pattern": p["id"],
                        "description": p["description"] or "",
                        "steps": list(p["steps"] or []),
                        "support": p["support"],
                        "actor": ex["actor"],
                        "roles": list(p["roles"] or []),
                        "step_sites": [f"{x['symbol'].rsplit(':', 1)[-1]} at line {x['line']}" for x in ex["snippets"]],
                    },
                )
            )
            if len(out) >= limit:
                break
        return out

    def similar(self, actor: str, limit: int = 5) -> list[dict[str, Any]]:
        """The ``similar_actors`` query's rows, from the FOLLOWS table: actors sharing the
        most complete patterns with ``actor``, same category first."""
        out = []
        for a in self._actors_named(actor):
            mine = self._complete.get(a["enum"], frozenset())
            shared = Counter(b for pattern in mine for b in self._followers[pattern])
            shared.pop(a["enum"], None)
            top = heapq.nsmallest(
                limit,
                shared.items(),
                key=lambda kv: (self._actor_info[kv[0]]["category"] != a["category"], -kv[1], kv[0]),
            )
            for b, n in top:
                info = self._actor_info[b]
                out.append(
                    {
                        "actor": b,
                        "category": info["category"],
                        "same_category": info["category"] == a["category"],
                        "shared": n,
                        "patterns": sorted(mine & self._complete[b]),
                        "file": info["file"],
                    }
                )
        out.sort(key=lambda r: (not r["same_category"], -r["shared"], r["actor"]))
        return out[:limit]

    # -- FOLLOWS: one whole-graph table for the run (was a query per target) --------------
    @cached_property
    def _follows(self) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """FOLLOWS edges by actor enum and by function name (``patterns_of``'s rows)."""
        cols = (
            "p.id AS pattern, p.support AS support, f.missing AS missing, f.role AS role, p.description AS description"
        )
        actors = self._table(
            "follows-actor",
            "MATCH (a:Actor)-[f:FOLLOWS]->(p:Pattern) RETURN a.enum AS key, a.debug_name AS debug_name, "
            f"a.overlay AS overlay, a.category AS category, a.file AS file, f.complete AS complete, {cols}",
            "key",
        )
        functions = self._table(
            "follows-function",
            "MATCH (g:Function)-[f:FOLLOWS]->(p:Pattern) RETURN g.name AS key, "
            f"coalesce(f.complete, true) AS complete, {cols}",
            "key",
        )
        return {"actor": actors, "function": functions}

    @cached_property
    def _actor_info(self) -> dict[str, dict[str, Any]]:
        return {enum: rows[0] for enum, rows in self._follows["actor"].items()}

    @cached_property
    def _complete(self) -> dict[str, frozenset[str]]:
        """Actor enum -> the patterns it follows completely."""
        actors = self._follows["actor"]
        return {enum: frozenset(r["pattern"] for r in rows if r["complete"]) for enum, rows in actors.items()}

    @cached_property
    def _followers(self) -> dict[str, list[str]]:
        """Pattern id -> the actors that follow it completely."""
        out: dict[str, list[str]] = {}
        for enum, patterns in self._complete.items():
            for p in patterns:
                out.setdefault(p, []).append(enum)
        return out

    @cached_property
    def _actor_names(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """(name -> enums, upper-cased enum tail -> enums): how the queries match an actor."""
        exact: dict[str, set[str]] = {}
        tails: dict[str, set[str]] = {}
        for e, info in self._actor_info.items():
            names = {e, info["debug_name"], info["overlay"]}
            if (info["overlay"] or "").startswith("ovl_"):
                names.add(info["overlay"][4:])
            for n in names - {None}:
                exact.setdefault(n, set()).add(e)
            if e.startswith("ACTOR_"):
                tails.setdefault(e[6:], set()).add(e)
        return exact, tails

    def _actors_named(self, name: str) -> list[dict[str, Any]]:
        """Actors ``name`` names as the queries take it: enum, debug name, overlay with or
        without ``ovl_``, or the enum's tail (``En_Zl4`` -> ``ACTOR_EN_ZL4``)."""
        exact, tails = self._actor_names
        enums = exact.get(name, set()) | tails.get(name.upper(), set())
        return [{"enum": e, **self._actor_info[e]} for e in sorted(enums)]

    def _follows_of(self, name: str) -> list[dict[str, Any]]:
        rows = [r for a in self._actors_named(name) for r in self._follows["actor"][a["enum"]]]
        return rows + self._follows["function"].get(name, [])
