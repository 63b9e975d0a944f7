"""The whole-graph tables answer the context queries exactly as the queries do."""

from __future__ import annotations

import pytest

from generate.context import ContextBuilder, Queries
from generate.models import Target
from generate.plan import RunConfig, load_targets
from generate.tables import Tables
from kg.store import open_store
from tests.gen_graph import VERSIONS, make_store


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    settings = make_store(tmp_path_factory.mktemp("tab") / "graph")
    with open_store(settings) as s:
        yield s


def _by_version(row: dict) -> tuple:
    return (row["version"], row.get("source") or "")


def test_emulated_rows_equal_query_rows(store):
    q = Queries(store, tables=False)
    tables = Tables(q.run)
    functions = [r["name"] for r in store.run("MATCH (f:Function) RETURN f.name AS name")]
    structs = [r["name"] for r in store.run("MATCH (s:Struct) RETURN s.name AS name")]
    checked = 0
    for name in [*functions, "NoSuchFunction"]:
        for v in VERSIONS:
            assert tables.answer("context_function", {"name": name, "version": v}) == q.run(
                "context_function", name=name, version=v
            )
        assert tables.answer("context_param_types", {"name": name}) == q.run("context_param_types", name=name)
        for query in ("context_function_versions", "context_addresses"):
            got = tables.answer(query, {"name": name})
            want = q.run(query, name=name)
            assert sorted(got, key=_by_version) == sorted(want, key=_by_version)
        for query in ("context_callers", "context_callees"):
            for limit in (1, 20):
                assert tables.answer(query, {"name": name, "limit": limit}) == q.run(query, name=name, limit=limit)
        checked += 1
    for name in [*structs, "NoSuchStruct"]:
        for v in VERSIONS:
            for query in ("context_struct", "context_struct_fields"):
                assert tables.answer(query, {"name": name, "version": v}) == q.run(query, name=name, version=v)
        for query in ("context_struct_versions", "context_field_versions"):
            assert tables.answer(query, {"name": name}) == q.run(query, name=name)
    actors = [r["enum"] for r in store.run("MATCH (a:Actor) RETURN a.enum AS enum")]
    assert actors
    for enum in [*actors, "ACTOR_NO_SUCH"]:
        for query in ("context_actor", "context_actor_profile", "context_actor_objects"):
            assert tables.answer(query, {"enum": enum}) == q.run(query, enum=enum), (query, enum)
    files = {r["file"] for r in store.run("MATCH (g:Global) RETURN g.file AS file")}
    assert any(len(q.run("context_file_globals", file=f)) > 1 for f in files if f)
    for f in [*sorted(x for x in files if x), "src/no/such.c"]:
        assert tables.answer("context_file_globals", {"file": f}) == q.run("context_file_globals", file=f)
    assert checked == len(functions) + 1 and tables.answer("context_scene", {"enum": "x"}) is None


def test_contexts_are_the_same_with_or_without_tables(store):
    plain = ContextBuilder(store)
    plain.q = Queries(store, tables=False)
    warm = ContextBuilder(store)
    warm.q._calls = {
        n: 10**6
        for n in (
            "context_function",
            "context_function_versions",
            "context_addresses",
            "context_callers",
            "context_callees",
            "context_struct",
            "context_struct_fields",
            "context_struct_versions",
            "context_field_versions",
            "context_param_types",
            "context_actor",
            "context_actor_profile",
            "context_actor_objects",
            "context_file_globals",
        )
    }
    for row in load_targets(Queries(store), RunConfig(version="any")):
        for v in VERSIONS:
            assert warm.build(row.target(), v) == plain.build(row.target(), v), row


def test_actor_instance_size_follows_the_version(store):
    builder = ContextBuilder(store)
    for version, size in (("ntsc-1.0", "0x2D0"), ("gc-eu-mq-dbg", "0x2E0")):
        fact = builder.build(Target(kind="Actor", key="ACTOR_EN_TITE"), version).first("actor:")
        assert f"instance size {size} bytes (EnTite) in {version}" in fact.text


def test_concept_and_object_tables_answer_as_the_queries_do(store):
    """Concepts and objects from their whole-graph tables: the per-entity query's rows, with
    ``collect``ed lists in one order (the store's is its scan order, which the two queries
    need not share), and the assets' limit applied after their ORDER BY."""
    q = Queries(store, tables=False)
    tables = Tables(q.run)

    def norm(rows: list[dict]) -> list[dict]:
        return [{k: sorted(v) if isinstance(v, list) else v for k, v in r.items()} for r in rows]

    concepts = [r["id"] for r in store.run("MATCH (c:Concept) RETURN c.id AS id")]
    objects = [r["enum"] for r in store.run("MATCH (o:Object) RETURN o.enum AS enum")]
    assert concepts and objects
    for cid in [*concepts, "no-such-concept"]:
        assert tables.answer("context_concept", {"id": cid}) == norm(q.run("context_concept", id=cid))
        assert tables.answer("context_concept_covers", {"id": cid}) == q.run("context_concept_covers", id=cid)
    for enum in [*objects, "OBJECT_NO_SUCH"]:
        assert tables.answer("context_object", {"enum": enum}) == norm(q.run("context_object", enum=enum))
        for limit in (1, 30):
            want = q.run("context_object_assets", enum=enum, limit=limit)
            assert tables.answer("context_object_assets", {"enum": enum, "limit": limit}) == want
    assert any(len(r["requires"]) > 1 for r in tables.concepts().values())
    assert any(len(rows) > 1 for rows in tables.object_assets().values())
