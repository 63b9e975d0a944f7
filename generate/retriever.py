"""A LlamaIndex retriever over the ootkg graph: grounded facts as ``TextNode``s.

The query text is scanned for names the graph knows (functions, structs, actor,
object, scene, sequence and sfx enums, globals, segments, concept ids); each
one's grounded context (``generate.context``) becomes nodes, one per fact, with
the fact id, entity, kind, source and version as metadata. Scores rank a named
entity's own facts first. No embeddings, no network: the graph is the index.
"""

from __future__ import annotations

import re
from typing import Any

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from generate.context import ContextBuilder
from generate.models import Target

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}|[a-z0-9]+(?:-[a-z0-9]+)+")

# (kind, label, the property a word is matched against, the key property); in this order.
# A word names a global by its name; a static's key is file:name (kg.schema.global_id).
_LOOKUPS = (
    ("Actor", "Actor", "enum", "enum"),
    ("Function", "Function", "name", "name"),
    ("Struct", "Struct", "name", "name"),
    ("Global", "Global", "name", "id"),
    ("Object", "Object", "enum", "enum"),
    ("Scene", "Scene", "enum", "enum"),
    ("Sequence", "Sequence", "enum", "enum"),
    ("Sfx", "Sfx", "enum", "enum"),
    ("Segment", "Segment", "name", "name"),
    ("Concept", "Concept", "id", "id"),
)


class OotkgRetriever(BaseRetriever):
    def __init__(
        self,
        store: Any,
        version: str,
        *,
        top_k: int = 24,
        max_targets: int = 4,
        max_context_tokens: int = 1200,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.version = version
        self.top_k = top_k
        self.max_targets = max_targets
        self.contexts = ContextBuilder(store, max_tokens=max_context_tokens)

    def targets_in(self, text: str) -> list[Target]:
        words = list(dict.fromkeys(_WORD.findall(text)))
        if not words:
            return []
        found: dict[str, Target] = {}
        for kind, label, prop, key in _LOOKUPS:
            rows = self.store.run(
                f"UNWIND $names AS n MATCH (x:{label}) WHERE x.{prop} = n RETURN x.{prop} AS word, x.{key} AS key",
                {"names": words},
            )
            for r in rows:
                found.setdefault(r["word"], Target(kind=kind, key=r["key"]))
        ordered = [found[w] for w in words if w in found]
        return ordered[: self.max_targets]

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        out: list[NodeWithScore] = []
        seen: set[str] = set()
        for rank, target in enumerate(self.targets_in(query_bundle.query_str)):
            ctx = self.contexts.build(target, self.version)
            n = max(1, len(ctx.facts))
            for pos, fact in enumerate(ctx.facts):
                if fact.id in seen:
                    continue
                seen.add(fact.id)
                node = TextNode(
                    text=fact.text,
                    id_=f"ootkg:{fact.id}",
                    metadata={
                        "fact_id": fact.id,
                        "kind": fact.kind,
                        "entity": fact.entity,
                        "source": fact.source,
                        "version": self.version,
                        "target": str(target),
                    },
                    excluded_embed_metadata_keys=["fact_id", "source", "version", "target"],
                )
                score = 1.0 / (1 + rank) * (1.0 - pos / (2 * n))
                out.append(NodeWithScore(node=node, score=round(score, 6)))
        out.sort(key=lambda nws: -(nws.score or 0.0))
        return out[: self.top_k]
