"""The curriculum as a graph: prerequisite chains, depth and complexity (networkx).

``Curriculum`` holds validated concepts (``ingest.concepts`` loads them); its
order for a chain is the one the ``prerequisites`` named query returns.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import TYPE_CHECKING

import networkx as nx
from pydantic import BaseModel

if TYPE_CHECKING:
    from ingest.concepts import Concept


class ConceptStats(BaseModel):
    """How far into the curriculum a concept sits."""

    id: str
    difficulty: int
    depth: int  # longest chain of prerequisites below it (roots have 0)
    prerequisite_count: int  # all transitive prerequisites
    complexity: int  # sum of the difficulties of the concept and all its prerequisites


class Curriculum:
    """Loaded, validated concepts; ``files`` maps each id to the file it came from."""

    def __init__(self, concepts: dict[str, Concept], files: dict[str, str]) -> None:
        self.concepts = concepts
        self.files = files

    def __len__(self) -> int:
        return len(self.concepts)

    def __iter__(self) -> Iterator[Concept]:
        return iter(self.concepts.values())

    @cached_property
    def graph(self) -> nx.DiGraph:
        """Edges prerequisite -> concept (the direction of learning)."""
        g = nx.DiGraph()
        for c in self.concepts.values():
            g.add_node(c.id)
            g.add_edges_from((pre, c.id) for pre in c.requires)
        return g

    def _get(self, concept_id: str) -> Concept:
        try:
            return self.concepts[concept_id]
        except KeyError:
            raise KeyError(f"no concept {concept_id!r} in the curriculum") from None

    def _distances_below(self, concept_id: str) -> dict[str, int]:
        """Each prerequisite's longest REQUIRES distance from the concept."""
        dist = {concept_id: 0}
        for node in reversed(list(nx.topological_sort(self.graph.subgraph(
                nx.ancestors(self.graph, concept_id) | {concept_id})))):
            for pre in self.graph.predecessors(node):
                dist[pre] = max(dist.get(pre, 0), dist[node] + 1)
        return dist

    def prerequisite_chain(self, concept_id: str) -> list[str]:
        """Everything to learn, in order, ending with the concept itself.

        The order is by longest distance from the concept (farthest first), then
        difficulty, then id: a topological order (a prerequisite is always
        farther than what needs it), and the same order the ``prerequisites``
        named query returns.
        """
        self._get(concept_id)
        dist = self._distances_below(concept_id)
        pres = [c for c in dist if c != concept_id]
        pres.sort(key=lambda c: (-dist[c], self.concepts[c].difficulty, c))
        return [*pres, concept_id]

    def depth(self, concept_id: str) -> int:
        self._get(concept_id)
        return max(self._distances_below(concept_id).values())

    def stats(self, concept_id: str) -> ConceptStats:
        concept = self._get(concept_id)
        dist = self._distances_below(concept_id)
        return ConceptStats(
            id=concept_id, difficulty=concept.difficulty, depth=max(dist.values()),
            prerequisite_count=len(dist) - 1,
            complexity=sum(self.concepts[c].difficulty for c in dist))

    def roots(self) -> list[str]:
        return sorted(c for c in self.graph if self.graph.in_degree(c) == 0)

    def learning_order(self) -> list[str]:
        """Every concept in one topological order (easier and shallower first)."""
        return list(nx.lexicographical_topological_sort(
            self.graph, key=lambda c: (self.concepts[c].difficulty, c)))

    def domains(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for c in self.concepts.values():
            out.setdefault(c.domain, []).append(c.id)
        return out
