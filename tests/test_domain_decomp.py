"""The domain sources with the C walk through the real pipeline, on a real checkout
(``OOT_DECOMP``), for the default version only (the C walk of one version takes ~20 s)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.decomp


@pytest.fixture(scope="module")
def decomp_facts(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    root = os.environ.get("OOT_DECOMP")
    if not root:
        pytest.skip("OOT_DECOMP is not set")
    pytest.importorskip("ingest.c.source", reason="the C source is not in this tree")
    from ingest.checkout.checkout import Checkout
    from ingest.pipeline import run_ingest

    co = Checkout.open(root)
    versions = co.select(["gc-eu-mq-dbg"])
    cache = Path(os.environ.get("OOTKG_TEST_CACHE", tmp_path_factory.mktemp("cache")))
    report, facts = run_ingest(co, versions, cache, None, only_sources=["c", "tables", "assets", "addresses"])
    return report, facts


def test_actor_table_and_profiles(decomp_facts) -> None:  # noqa: ANN001
    _, facts = decomp_facts
    actors = facts.nodes["Actor"]
    assert len(actors) == 471
    profiled = [a for a in actors.values() if a.get("category")]
    assert len(profiled) == 429
    horse = actors["ACTOR_EN_HORSE"]
    assert horse["id"] == 0x14
    assert horse["object"] == "OBJECT_HORSE"
    uses = {(r["from"], r["to"]) for r in facts.rel_rows("USES_OBJECT") if r["via"] == "profile"}
    assert ("ACTOR_EN_HORSE", "OBJECT_HORSE") in uses
    assert len(facts.nodes["Object"]) == 402
    assert len(facts.nodes["Scene"]) == 110


def test_assets_link_to_objects_and_addresses_to_functions(decomp_facts) -> None:  # noqa: ANN001
    _, facts = decomp_facts
    has = {r["to"] for r in facts.rel_rows("HAS_ASSET") if r["from"] == "OBJECT_HORSE"}
    assert "object_horse/gEponaSkel" in has
    located = {(r["from"], r["to"], r["source"]): r["address"] for r in facts.rel_rows("LOCATED_AT")}
    assert located[("gSaveContext", "gc-eu-mq-dbg", "z64hdr")] == 0x8015E660
    assert located[("ovl_En_Horse", "gc-eu-mq-dbg", "segments.csv")] == 0x80A5B2F0
