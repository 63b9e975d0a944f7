"""Whole-graph tables and symbol indexes kept between runs (kg.derived): same results, and a
graph that changed is never answered from an older run's tables."""

from __future__ import annotations

import pickle

import pytest

from generate.ledger import read_jsonl
from generate.llm.offline import OfflineClient
from generate.plan import RunConfig
from generate.run import Runner, RunOptions
from kg.derived import DerivedCache
from kg.store import open_store
from tests.gen_graph import DBG, make_store
from validate.api import Validator
from validate.models import Example


class _Store:
    def __init__(self, key):
        self.key = key

    def content_key(self):
        return self.key


def test_built_once_per_graph_key_and_rebuilt_when_damaged(tmp_path):
    calls = []

    def build():
        calls.append(1)
        return {"rows": [1, 2, 3]}

    assert DerivedCache(_Store("k1"), tmp_path).get("t", build) == {"rows": [1, 2, 3]}
    assert DerivedCache(_Store("k1"), tmp_path).get("t", build) == {"rows": [1, 2, 3]}
    assert len(calls) == 1
    DerivedCache(_Store("k2"), tmp_path).get("t", build)  # another graph: built again
    DerivedCache(_Store("k1"), tmp_path).get("t", build, salt="new query text")
    assert len(calls) == 3
    for f in (tmp_path / "derived" / "k1").glob("*.pkl"):
        f.write_bytes(b"not a pickle")
    assert DerivedCache(_Store("k1"), tmp_path).get("t", build) == {"rows": [1, 2, 3]}
    assert len(calls) == 4
    # no key (a writer, Neo4j) or no directory: nothing is kept
    assert not DerivedCache(_Store(None), tmp_path).enabled
    assert not DerivedCache(_Store("k1"), None).enabled


def test_a_write_changes_the_key(tmp_path):
    settings = make_store(tmp_path / "graph")
    with open_store(settings) as store:
        before = store.content_key()
    assert before
    with open_store(settings, read_only=False) as store:
        assert store.content_key() is None  # a writer's content can change while it is open
        store.run("MATCH (f:Function {name: 'Actor_Kill'}) SET f.line = 4")
    with open_store(settings) as store:
        assert store.content_key() != before


def _run(settings, out, cache):
    config = RunConfig(version=DBG, count=24, seed=3)
    with open_store(settings) as store:
        runner = Runner(
            store,
            config,
            OfflineClient(),
            RunOptions(out=out, cache_dir=cache),
            Validator(store, settings, compile=False, cache_dir=cache),
        )
        runner.run()
    return [(r["metadata"]["id"], r["messages"]) for r in read_jsonl(out)]


def test_runs_with_kept_tables_write_the_same_examples(tmp_path):
    settings = make_store(tmp_path / "graph")
    plain = _run(settings, tmp_path / "plain.jsonl", None)
    cold = _run(settings, tmp_path / "cold.jsonl", tmp_path / "cache")
    kept = sorted(p.name for p in (tmp_path / "cache" / "derived").rglob("*.pkl"))
    assert any(n.startswith("symbols-") for n in kept)
    assert any(n.startswith("context_all_") for n in kept)
    assert any(n.startswith("generate_targets") for n in kept)
    warm = _run(settings, tmp_path / "warm.jsonl", tmp_path / "cache")
    assert plain == cold == warm and len(plain) == 24
    # the symbol index read back is a working index (no store handle pickled)
    f = next((tmp_path / "cache" / "derived").rglob("symbols-*.pkl"))
    idx = pickle.loads(f.read_bytes())
    assert idx._store is None and "Actor_Kill" in idx.functions


class _Counting:
    """A store that records the queries it is asked (the validator's own store)."""

    def __init__(self, store):
        self._store, self.queries = store, []

    def run(self, query, params=None):
        self.queries.append(query)
        return self._store.run(query, params)

    def __getattr__(self, name):
        return getattr(self._store, name)


def test_relation_facts_are_read_back_by_the_next_run(tmp_path):
    """The call edges and the rest of ``validate.relfacts`` (a ~0.7 s query on the real
    graph) are loaded once per graph: a second validator on the same graph reads them back,
    and judges the claims the same way."""
    settings = make_store(tmp_path / "graph")
    text = "`Actor_Kill` calls `Actor_Spawn`. `EnDoor_Update` calls `Actor_Kill`."
    example = Example(id="r", messages=[{"role": "user", "content": "?"}, {"role": "assistant", "content": text}])
    reports = []
    for _ in range(2):
        with open_store(settings) as raw:
            store = _Counting(raw)
            report = Validator(store, settings, compile=False, cache_dir=tmp_path / "cache").validate(
                example, version=DBG
            )
            reports.append([(i.code, i.symbol) for i in report.issues])
            reports.append(sum(":CALLS]" in q for q in store.queries))
    first, first_calls, second, second_calls = reports
    assert first_calls >= 1 and second_calls == 0
    assert first == second
    assert any(p.name.startswith("relfacts-") for p in (tmp_path / "cache" / "derived").rglob("*.pkl"))


def test_writing_back_examples_keeps_the_derived_tables(tmp_path):
    """A run's write-back (Example nodes, then Reviews) leaves what the graph holds of the
    decomp as it was: the next run reads the tables the last one kept. A writer of anything
    else starts a new key; an examples-and-reviews writer refuses to write anything else."""
    from generate.writeback import write_back
    from kg.store import ReadOnlyError

    settings = make_store(tmp_path / "graph")
    cache = tmp_path / "cache"
    first = _run(settings, tmp_path / "a.jsonl", cache)
    with open_store(settings) as store:
        key = store.content_key()
    with open_store(settings, read_only=False, annotations=True) as store:
        done = write_back(store, list(read_jsonl(tmp_path / "a.jsonl")), "a.jsonl")
        with pytest.raises(ReadOnlyError):
            store.write_nodes("Function", [{"name": "Sneaky_Func"}])
        with pytest.raises(ReadOnlyError):
            store.run("MATCH (f:Function {name: 'Actor_Kill'}) SET f.line = 4")
    assert done["examples"] == len(first)
    with open_store(settings) as store:
        assert store.content_key() == key
        assert store.run("MATCH (e:Example) RETURN count(*) AS n")[0]["n"] == len(first)
        assert not store.run("MATCH (f:Function {name: 'Sneaky_Func'}) RETURN f.name AS n")
    keys = {p.name for p in (cache / "derived").iterdir()}
    assert _run(settings, tmp_path / "b.jsonl", cache) == first
    assert {p.name for p in (cache / "derived").iterdir()} == keys  # read back, not rebuilt
    with open_store(settings, read_only=False) as store:  # e.g. `ootkg cypher --write`
        store.run("MATCH (f:Function {name: 'Actor_Kill'}) SET f.line = 4")
        with open_store(settings) as reader:  # a reader while the writer writes
            during = reader.content_key()
    with open_store(settings) as store:
        after = store.content_key()
    # a table a reader derived while the graph was being written is not the graph's after
    assert len({key, during, after}) == 3
