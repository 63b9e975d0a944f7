"""The curriculum as a graph: prerequisite chains, depth and complexity (networkx).

``Curriculum`` holds validated concepts (``ingest.concepts.source`` loads them); its
order for a chain is the one the ``prerequisites`` named query returns.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    import networkx as nx

    from ingest.concepts.model import Concept


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
        import networkx as nx  # ~0.3 s: only when a curriculum is walked, not on every ingest

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

    @cached_property
    def _difficulty(self) -> dict[str, int]:
        return {c.id: c.difficulty for c in self.concepts.values()}

    def prerequisite_chain(self, concept_id: str) -> list[str]:
        """Everything to learn, in order, ending with the concept itself (see ``chain``)."""
        self._get(concept_id)
        return chain(self.graph, self._difficulty, concept_id)

    def depth(self, concept_id: str) -> int:
        return self.stats(concept_id).depth

    def stats(self, concept_id: str) -> ConceptStats:
        self._get(concept_id)
        return concept_stats(self.graph, self._difficulty, concept_id)

    def roots(self) -> list[str]:
        return sorted(c for c in self.graph if self.graph.in_degree(c) == 0)

    def learning_order(self) -> list[str]:
        """Every concept in one topological order (easier and shallower first)."""
        import networkx as nx

        return list(nx.lexicographical_topological_sort(self.graph, key=lambda c: (self.concepts[c].difficulty, c)))

    def domains(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for c in self.concepts.values():
            out.setdefault(c.domain, []).append(c.id)
        return out


def _distances_below(graph: nx.DiGraph, concept_id: str) -> dict[str, int]:
    """Each prerequisite's longest REQUIRES distance from the concept (edges prerequisite ->
    concept), the concept itself at 0."""
    import networkx as nx

    dist = {concept_id: 0}
    for node in reversed(list(nx.topological_sort(graph.subgraph(nx.ancestors(graph, concept_id) | {concept_id})))):
        for pre in graph.predecessors(node):
            dist[pre] = max(dist.get(pre, 0), dist[node] + 1)
    return dist


def chain(graph: nx.DiGraph, difficulty: Mapping[str, int], concept_id: str) -> list[str]:
    """The one prerequisite order of the project, ending with the concept itself.

    By longest distance from the concept (farthest first), then difficulty, then id: a
    topological order (a prerequisite is always farther than what needs it), and the order
    the ``prerequisites`` named query returns. ``graph`` has edges prerequisite -> concept.
    """
    if concept_id not in graph:
        return [concept_id]
    dist = _distances_below(graph, concept_id)
    pres = [c for c in dist if c != concept_id]
    pres.sort(key=lambda c: (-dist[c], difficulty.get(c, 1), c))
    return [*pres, concept_id]


def concept_stats(graph: nx.DiGraph, difficulty: Mapping[str, int], concept_id: str) -> ConceptStats:
    dist = _distances_below(graph, concept_id) if concept_id in graph else {concept_id: 0}
    return ConceptStats(
        id=concept_id,
        difficulty=difficulty.get(concept_id, 1),
        depth=max(dist.values()),
        prerequisite_count=len(dist) - 1,
        complexity=sum(difficulty.get(c, 1) for c in dist),
    )
