"""The concept graph as the generator sees it: prerequisite chains and complexity.

Read from the graph (``Concept`` nodes, ``REQUIRES`` and ``COVERS`` edges), so a
user's own ingested curriculum counts, not only the built-in YAML.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import networkx as nx

from ingest.concepts.curriculum import chain, concept_stats


class ConceptGraph:
    def __init__(self, concepts: list[dict[str, Any]], covers: list[dict[str, Any]]) -> None:
        # Edge c -> p means "c requires p".
        self.graph = nx.DiGraph()
        for c in concepts:
            self.graph.add_node(c["id"], domain=c.get("domain"), difficulty=c.get("difficulty"))
        for c in concepts:
            for p in c.get("requires") or []:
                if p:
                    self.graph.add_edge(c["id"], p)
        self.covered_by: dict[tuple[str, str], list[str]] = {}
        for row in covers:
            if row.get("kind") and row.get("key"):
                self.covered_by.setdefault((row["kind"], row["key"]), []).append(row["concept"])

    @classmethod
    def load(cls, q: Any) -> ConceptGraph:
        return cls(q.bulk("generate_concepts"), q.bulk("generate_covers"))

    def direct_prerequisites(self, cid: str) -> list[str]:
        return sorted(self.graph.successors(cid)) if cid in self.graph else []

    @cached_property
    def _learning(self) -> nx.DiGraph:
        """Edges prerequisite -> concept: the direction ``ingest.concepts.curriculum`` orders in."""
        return self.graph.reverse(copy=True)

    @cached_property
    def _difficulty(self) -> dict[str, int]:
        return {c: int(d or 1) for c, d in self.graph.nodes(data="difficulty")}

    def prerequisite_chain(self, cid: str) -> list[str]:
        """Every prerequisite of ``cid`` (transitively) in the project's one order (the
        ``prerequisites`` query's and the curriculum's), without ``cid`` itself."""
        if cid not in self.graph:
            return []
        return chain(self._learning, self._difficulty, cid)[:-1]

    def complexity(self, cid: str) -> int:
        """Summed difficulty of the concept and all it builds on (``ConceptStats``)."""
        if cid not in self.graph:
            return 0
        return concept_stats(self._learning, self._difficulty, cid).complexity

    def chain_for(self, kind: str, key: str) -> list[str]:
        """The prerequisite chain of a target: a concept's own, or that of the simplest
        concept covering the entity (then that concept last)."""
        if kind == "Concept":
            return self.prerequisite_chain(key)
        owners = self.covered_by.get((kind, key))
        if not owners:
            return []
        best = min(owners, key=lambda c: (self.complexity(c), c))
        return self.prerequisite_chain(best) + [best]
