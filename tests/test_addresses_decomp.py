"""Addresses out of the box on a real checkout (``OOT_DECOMP``): a plain ingest (no
``--symbols``, no map) of every version with a public symbol list gives their function and
variable addresses, from the checkout's git history when it is a full clone, else from the
copy shipped with ootkg; ``symbol_at`` on a sample of each list's function addresses names
that function (by today's name where the decomp renamed it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.decomp

SAMPLE = 150  # addresses per list


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    root = os.environ.get("OOT_DECOMP")
    if not root:
        pytest.skip("OOT_DECOMP is not set")
    from ingest.checkout.checkout import Checkout
    from ingest.domain.symbols.gather import gather_lists
    from ingest.pipeline import run_ingest
    from kg.settings import Settings
    from kg.store import open_store

    os.environ.pop("OOTKG_SYMBOLS_DIR", None)
    co = Checkout.open(root)
    cache = Path(os.environ.get("OOTKG_TEST_CACHE") or tmp_path_factory.mktemp("cache"))
    ids = [v.id for v in co.declared_versions()]
    lists, report = gather_lists(None, co.root, ids, cache)
    listed = sorted({s.version for s in lists}, key=ids.index)
    assert len(listed) >= 6, listed  # ntsc-1.0, ntsc-1.2, gc-us, gc-eu-mq-dbg, gc-eu-mq, ique-cn
    tmp = tmp_path_factory.mktemp("graph")
    settings = Settings(db=tmp / "graph", cache_dir=cache)
    run, _ = run_ingest(
        co, co.select(listed), cache, lambda: open_store(settings, read_only=False), only_sources=["c", "addresses"]
    )
    store = open_store(settings, read_only=True)
    yield co, store, listed, lists, report, run
    store.close()


def test_gsavecontext_has_an_address_in_every_listed_version(graph) -> None:  # noqa: ANN001
    from kg.queries import run_named

    _, store, listed, _, _, _ = graph
    rows = run_named(store, "address_of", name="gSaveContext")
    assert {r["version"] for r in rows} == set(listed)
    by = {(r["version"], r["source"]): r["address"] for r in rows}
    assert by[("gc-us", "disasm")] == "0x8011B148"
    assert by[("ntsc-1.0", "z64hdr")] == "0x8011A5D0"


def test_the_lists_come_with_their_provenance(graph) -> None:  # noqa: ANN001
    from ingest.domain.symbols.history import history_revisions

    co, store, _, _, report, _ = graph
    prov = report.provenance["gc-us/functions.txt"]
    if history_revisions(co.root, ["gc-us"]):  # a full clone: its own history serves
        assert prov.startswith("checkout history ")
        assert prov.endswith(":tools/disasm/gc-us/functions.txt")
    else:  # an archive, or a shallow clone: ootkg's copy
        assert prov.startswith("zeldaret/oot@")
    rows = store.run(
        "MATCH (f:Function {name: 'Actor_Kill'})-[l:LOCATED_AT]->(v:Version {id: 'gc-us'}) RETURN l.provenance AS p"
    )
    assert [r["p"] for r in rows] == [prov]


def test_symbol_at_names_the_function_at_a_listed_address(graph) -> None:  # noqa: ANN001
    """For each list, a random sample of its function addresses (``bench.bench_addresses``:
    a disasm list says which entries are functions; of z64hdr's, those the graph or the
    rename matching calls one, and every func_ name): ``symbol_at`` must name the function,
    by the list's name or by the one the decomp gave it since. >= 95% over all lists; the
    misses are printed."""
    from bench.bench_addresses import sample_symbol_at

    _, store, _, lists, _, _ = graph
    got = sample_symbol_at(store, lists, SAMPLE)
    hits = sum(h for h, _n, _m in got.values())
    total = sum(n for _h, n, _m in got.values())
    print(
        f"symbol_at: {hits}/{total} named; misses:\n  "
        + "\n  ".join(f"{rel}: {m}" for rel, (_h, _n, ms) in got.items() for m in ms)
    )
    assert total >= 6 * SAMPLE * 0.9
    assert hits >= 0.95 * total, got
