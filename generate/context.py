"""Grounded context: the facts an expert needs about one target, each with an id and a source.

A context is built from named queries (``queries/context_*.cypher``) for one target
(actor, function, struct, scene, concept, object, global, sequence, sfx, segment)
in one game version. Facts are ranked (lower ``priority`` first) and cut to a
token bound, so the most relevant ones survive. Fact ids are stable across runs:
``<what>:<entity>[@version]`` — the same graph gives the same ids.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from generate.context_audio import AudioFacts
from generate.context_code import CodeFacts
from generate.context_domain import DomainFacts
from generate.context_util import c_spelling, hx, tokens_of  # noqa: F401 - re-exported
from generate.models import Context, Fact, Target
from generate.tables import WARM_AFTER, Tables
from kg.queries import NamedQuery, QueryCatalog

log = logging.getLogger(__name__)

TARGET_KINDS = (
    "Actor",
    "Function",
    "Struct",
    "Scene",
    "Concept",
    "Object",
    "Global",
    "Sequence",
    "Sfx",
    "Segment",
    "Soundfont",
)


class Queries:
    """Named queries parsed once and run many times (``run_named`` re-reads the catalog).

    With ``tables=True`` the hot context queries switch to whole-graph tables once they
    have been asked ``WARM_AFTER`` times (same rows, see ``generate.tables``)."""

    def __init__(self, store: Any, *, tables: bool = True, derived: Any = None) -> None:
        self.store = store
        self.catalog = QueryCatalog(store=getattr(store, "kind", "embedded"))
        self._parsed: dict[str, NamedQuery] = {}
        self._calls: dict[str, int] = {}
        self.derived = derived  # kg.derived.DerivedCache: bulk results kept between runs
        self.tables = Tables(self._run, self._keep if derived is not None else None) if tables else None

    def _keep(self, name: str, make: Any) -> Any:
        return self.derived.get(name, make, salt=_code_salt() + self._query(name).runnable)

    def optional(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """Rows of a query on node kinds a graph ingested before them lacks: none there."""
        from kg.store import QueryError

        try:
            return self.run(name, **params)
        except QueryError:
            return []

    def bulk(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """A whole-graph query's rows, kept between runs on the same graph when a derived
        cache is configured."""
        if self.derived is None:
            return self.run(name, **params)
        return self.derived.get(
            f"{name}-{stable_params(params)}", lambda: self.run(name, **params), salt=self._query(name).runnable
        )

    def kept(
        self, name: str, query: str, shape: Callable[[list[dict[str, Any]]], Any] | None = None, salt: str = ""
    ) -> Any:
        """An unnamed whole-graph query's rows (or what ``shape`` makes of them, kept in that
        form), kept between runs like ``bulk``'s."""

        def build() -> Any:
            rows = self.store.run(query)
            return rows if shape is None else shape(rows)

        if self.derived is None:
            return build()
        return self.derived.get(f"raw-{name}", build, salt=f"{query}|{salt}")

    def _query(self, name: str) -> NamedQuery:
        query = self._parsed.get(name)
        if query is None:
            query = self._parsed[name] = self.catalog.get(name)
        return query

    def run(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        rows = None
        if self.tables is not None:
            n = self._calls[name] = self._calls.get(name, 0) + 1
            # with tables kept between runs, loading one costs less than a few queries
            if n > (WARM_AFTER if self.derived is None or not self.derived.enabled else 0):
                rows = self.tables.answer(name, params)
        if rows is None:
            rows = self._run(name, **params)
        if rows and "signature" in rows[0]:
            rows = [{**r, "signature": c_spelling(r["signature"])} for r in rows]
        return rows

    def _run(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        query = self._query(name)
        bound = query.bind(params)
        return self.store.run(query.runnable, bound)


def stable_params(params: dict[str, Any]) -> str:
    return ",".join(f"{k}={params[k]}" for k in sorted(params))


def _code_salt() -> str:
    """The tables' building code: a change to it invalidates tables kept by earlier runs."""
    from pathlib import Path

    from kg.derived import source_salt

    here = Path(__file__).parent
    return source_salt(here / "tables.py", here / "tables_domain.py")


class ContextBuilder(CodeFacts, DomainFacts, AudioFacts):
    """Builds (and caches) contexts; one builder per store, any version."""

    def __init__(
        self, store: Any, *, max_tokens: int = 2400, cache_size: int = 512, code: Any = None, derived: Any = None
    ) -> None:
        from generate.code import NoCode
        from generate.code.section import CodeSection

        self.q = Queries(store, derived=derived)
        self.max_tokens = max_tokens
        self.provider = code if code is not None else NoCode()
        self.section = CodeSection(self.provider, self.q)
        self._cache: OrderedDict[tuple[str, str, str], Context] = OrderedDict()
        self._cache_size = cache_size
        self._facts_memo: dict[tuple, list[Fact]] = {}

    def versions(self) -> tuple[list[str], list[str]]:
        """(the versions ingested into the graph, the versions the decomp builds): the first
        from the Version nodes, the second from the IngestRun or the checkout."""
        if getattr(self, "_versions", None) is None:
            ingested = [r["id"] for r in self.q.run("generate_versions")]
            built: list[str] = []
            try:
                rows = self.q.store.run("MATCH (r:IngestRun) RETURN r.built_versions AS b")
                built = [v for v in (rows[0]["b"] or [])] if rows else []
            except Exception:  # noqa: BLE001 - an older graph without the property
                built = []
            built = built or self.provider.built_versions() or ingested
            self._versions = (ingested, built)
        return self._versions

    def facts_of(self, kind: str, key: str, version: str) -> list[Fact]:
        """The facts a context about ``key`` (a ``kind``) starts from."""
        return FACTS_BY_KIND[kind](self, key, version)

    def build(self, target: Target, version: str) -> Context:
        key = (target.kind, target.key, version)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        maker = FACTS_BY_KIND.get(target.kind)
        if maker is None:
            raise ValueError(f"no context builder for {target.kind}; targets are {TARGET_KINDS}")
        facts: list[Fact] = maker(self, target.key, version)
        ctx = self._bound(target, version, facts)
        if facts:
            ctx.code = self.section.for_target(target.kind, target.key, version, facts)
            ctx.code_provenance = self.provider.provenance
        self._cache[key] = ctx
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return ctx

    def _bound(self, target: Target, version: str, facts: list[Fact]) -> Context:
        seen: set[str] = set()
        unique: list[Fact] = []
        for f in facts:
            if f.id not in seen:
                seen.add(f.id)
                unique.append(f)
        ranked = sorted(enumerate(unique), key=lambda p: (p[1].priority, p[0]))
        kept: list[Fact] = []
        used = 0
        for _, fact in ranked:
            cost = tokens_of(fact.render())
            if kept and used + cost > self.max_tokens:
                continue
            kept.append(fact)
            used += cost
        return Context(target=target, version=version, facts=kept, truncated=len(unique) - len(kept))

    # -- functions ----------------------------------------------------------------------
    def function_facts(self, name: str, version: str, *, priority: int = 0, deep: bool = True) -> list[Fact]:
        return self._memo("function", (name, version, deep), priority)

    def struct_facts(self, name: str, version: str, *, priority: int = 0, fields: int = 200) -> list[Fact]:
        return self._memo("struct", (name, version, fields), priority)

    def actor_facts(self, enum: str, version: str, *, priority: int = 0, deep: bool = True) -> list[Fact]:
        return self._memo("actor", (enum, version, deep), priority)

    def _memo(self, what: str, args: tuple, priority: int) -> list[Fact]:
        """Facts about one entity are shared by many contexts: built once, then copied
        with the caller's priority offset."""
        key = (what, *args)
        base = self._facts_memo.get(key)
        if base is None:
            if what == "function":
                base = self._function_facts(args[0], args[1], priority=0, deep=args[2])
            elif what == "actor":
                base = self._actor_facts(*args, priority=0)
            else:
                base = self._struct_facts(*args, priority=0)
            self._facts_memo[key] = base
            if len(self._facts_memo) > 4 * self._cache_size:
                self._facts_memo.pop(next(iter(self._facts_memo)))
        if not priority:
            return [f.model_copy() for f in base]
        return [f.model_copy(update={"priority": f.priority + priority}) for f in base]


# the facts a context starts from, per target kind (``ContextBuilder.build``; the domain
# facts of a concept's covered entities use it too)
FACTS_BY_KIND: dict[str, Callable[[Any, str, str], list[Fact]]] = {
    "Function": ContextBuilder._facts_function,
    "Struct": ContextBuilder._facts_struct,
    "Actor": ContextBuilder._facts_actor,
    "Scene": ContextBuilder._facts_scene,
    "Object": ContextBuilder._facts_object,
    "Global": ContextBuilder._facts_global,
    "Sequence": ContextBuilder._facts_sequence,
    "Sfx": ContextBuilder._facts_sfx,
    "Segment": ContextBuilder._facts_segment,
    "Concept": ContextBuilder._facts_concept,
    "Soundfont": ContextBuilder._facts_soundfont,
}
