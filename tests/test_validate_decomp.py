"""The decomp's own actor and effect files are the ground truth for false alarms: every one,
whole and as excerpts (a function, a few ``this->`` lines), validates with no error for
gc-eu-mq-dbg, level 1 included. Needs ``OOT_DECOMP``; the graph is ``OOTKG_TEST_GRAPH`` (a
graph of that version, opened read-only) or one ingested here (``OOTKG_TEST_CACHE`` speeds
that up). The counts per code are in BENCHMARKS.md (``bench/bench_claims.py``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kg.settings import Settings
from tests.golden.decomp_files import false_alarms, snippets

pytestmark = pytest.mark.decomp
VERSION = "gc-eu-mq-dbg"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    root = os.environ.get("OOT_DECOMP")
    if not root or not Path(root, "src", "overlays").is_dir():
        pytest.skip("OOT_DECOMP does not point at a zeldaret/oot checkout")
    from kg.embedded import EmbeddedStore

    cache = Path(os.environ.get("OOTKG_TEST_CACHE") or tmp_path_factory.mktemp("cache"))
    graph = os.environ.get("OOTKG_TEST_GRAPH")
    if not graph:
        from ingest.checkout.checkout import Checkout
        from ingest.pipeline import run_ingest
        from kg.store import open_store

        co = Checkout.open(root)
        graph = str(tmp_path_factory.mktemp("decomp-graph") / "graph")
        settings = Settings(db=Path(graph), decomp=Path(root), cache_dir=cache)
        run_ingest(co, co.select([VERSION]), cache, lambda: open_store(settings, read_only=False), jobs=2)
    store = EmbeddedStore(graph, read_only=True)
    yield root, store, cache
    store.close()


def _validator(env, compile_: bool):  # noqa: ANN001, ANN202
    from validate.api import Validator

    root, store, cache = env
    return Validator(store, Settings(cache_dir=cache), compile=compile_, decomp=root, workers=2, compile_timeout=60)


def test_whole_files_compiled(env):
    v = _validator(env, True)
    try:
        counts, seen = false_alarms(v, snippets(env[0], VERSION, excerpts=False), VERSION)
    finally:
        v.close()
    assert not counts, seen


def test_every_excerpt_without_compiling(env):
    v = _validator(env, False)
    try:
        items = snippets(env[0], VERSION, whole=False)
        assert len(items) > 5000
        counts, seen = false_alarms(v, items, VERSION)
    finally:
        v.close()
    assert not counts, seen


def test_excerpts_compiled(env):
    v = _validator(env, True)
    try:
        counts, seen = false_alarms(v, snippets(env[0], VERSION, whole=False, every=5, per_file=2), VERSION)
    finally:
        v.close()
    assert not counts, seen
