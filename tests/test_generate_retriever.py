"""The LlamaIndex retriever returns the graph's grounded facts with their provenance."""

from __future__ import annotations

import pytest
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from generate.retriever import OotkgRetriever
from kg.store import open_store
from tests.gen_graph import DBG, NTSC, definition_line, make_store


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    settings = make_store(tmp_path_factory.mktemp("ret") / "graph")
    with open_store(settings) as s:
        yield s


def test_named_entities_become_fact_nodes_with_provenance(store):
    r = OotkgRetriever(store, DBG)
    nodes = r.retrieve("Why does EnTite_Update call Actor_Kill, and how big is PlayState?")
    assert nodes and all(isinstance(n, NodeWithScore) and isinstance(n.node, TextNode) for n in nodes)
    by_id = {n.node.metadata["fact_id"]: n for n in nodes}
    sig = by_id["sig:EnTite_Update@gc-eu-mq-dbg"]
    tite = "src/overlays/actors/ovl_En_Tite/z_en_tite.c"
    assert sig.node.metadata["source"] == f"{tite}:{definition_line(tite, 'EnTite_Update')}"
    assert sig.node.metadata["version"] == DBG and "void EnTite_Update" in sig.node.text
    assert "sig:Actor_Kill@gc-eu-mq-dbg" in by_id and "size:PlayState@gc-eu-mq-dbg" in by_id
    # The first entity named ranks first; scores never increase down the list.
    assert nodes[0].node.metadata["target"] == "Function:EnTite_Update"
    scores = [n.score for n in nodes]
    assert scores == sorted(scores, reverse=True)


def test_version_decides_the_facts(store):
    dbg = OotkgRetriever(store, DBG).retrieve(QueryBundle("gSaveContext address"))
    ntsc = OotkgRetriever(store, NTSC).retrieve(QueryBundle("gSaveContext address"))
    text = lambda ns: " ".join(n.node.text for n in ns)  # noqa: E731
    assert "0x8015E660 in gc-eu-mq-dbg" in text(dbg) and "0x8011A5D0 in ntsc-1.0" in text(ntsc)


def test_unknown_words_give_nothing_and_top_k_bounds(store):
    assert OotkgRetriever(store, DBG).retrieve("how do I bake bread") == []
    assert len(OotkgRetriever(store, DBG, top_k=3).retrieve("ACTOR_EN_TITE")) == 3
