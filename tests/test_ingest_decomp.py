"""The C ingest on a real decomp checkout (``OOT_DECOMP``): offsets against the source's own
``/* 0xNNN */`` comments, function counts, and clean parses. Default version plus the two
most different others (N64 1.0, iQue), to stay within a few minutes."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.decomp

VERSIONS = ["gc-eu-mq-dbg", "ntsc-1.0", "ique-cn"]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    root = os.environ.get("OOT_DECOMP")
    if not root:
        pytest.skip("OOT_DECOMP is not set")
    from ingest.c_facts import c_source
    from ingest.checkout import Checkout
    from ingest.pipeline import IngestContext

    co = Checkout.open(root)
    cache = Path(os.environ.get("OOTKG_TEST_CACHE") or tmp_path_factory.mktemp("cache"))
    ctx = IngestContext(checkout=co, versions=co.select(VERSIONS), cache_dir=cache, jobs=2)
    facts = c_source(ctx)
    return co, ctx, facts


def _edges(facts, kind: str, version: str) -> dict:  # noqa: ANN001
    return {r["from"]: r for r in facts.rel_rows("IN_VERSION")
            if r["from_kind"] == kind and r["to"] == version}


def test_actor_offsets_match_the_source_comments(run) -> None:  # noqa: ANN001
    co, _, facts = run
    text = (co.root / "include" / "actor.h").read_text()
    body = text[text.index("typedef struct Actor {"):text.index("} Actor;")]
    commented = {m.group(2): int(m.group(1), 16)
                 for m in re.finditer(r"/\* (0x[0-9A-Fa-f]+) \*/ [^;]*?\**(\w+)(?:\[[^\]]*\])?;", body)}
    assert len(commented) > 50
    fields = _edges(facts, "Field", "gc-eu-mq-dbg")
    for name, offset in commented.items():
        assert fields[f"Actor.{name}"]["offset"] == offset, name
    structs = _edges(facts, "Struct", "gc-eu-mq-dbg")
    assert structs["Actor"]["size"] == 0x14C
    assert _edges(facts, "Struct", "ntsc-1.0")["Actor"]["size"] == 0x13C  # no dbgPad
    assert "Actor.dbgPad" not in _edges(facts, "Field", "ntsc-1.0")


def test_function_counts_and_profiles(run) -> None:  # noqa: ANN001
    _, ctx, facts = run
    per = {r["version"]: r for r in ctx.stats["per_version"]}
    assert 13_200 <= per["gc-eu-mq-dbg"]["functions"] <= 13_500
    assert 12_900 <= per["ntsc-1.0"]["functions"] <= 13_500
    horse = facts.nodes["Actor"]["ACTOR_EN_HORSE"]
    assert (horse["id"], horse["category"], horse["object"]) == (0x14, "ACTORCAT_BG", "OBJECT_HORSE")
    sizes = {v: _edges(facts, "Actor", v)["ACTOR_EN_HORSE"]["size"] for v in VERSIONS}
    assert sizes["gc-eu-mq-dbg"] == 0x3FC and sizes["ntsc-1.0"] < 0x3FC
    assert len([a for a in facts.nodes["Actor"].values() if a.get("category")]) >= 420
    calls = {(r["from"], r["to"]) for r in facts.rel_rows("CALLS")}
    assert ("EnHorse_Init", "Actor_SetScale") in calls


def test_no_libclang_errors(run) -> None:  # noqa: ANN001
    _, ctx, _ = run
    assert ctx.stats["failed_files"] == []
    for row in ctx.stats["per_version"]:
        assert row["errors"] == 0, row


def test_each_files_static_is_its_own_global(run) -> None:  # noqa: ANN001
    """``static InitChainEntry sInitChain[]`` in hundreds of actors: one node per file, with that
    file's definition site and type (the source's own text says which)."""
    co, _, facts = run
    chains = {k: g for k, g in facts.nodes["Global"].items() if g["name"] == "sInitChain"}
    files = {rel for rel in (str(p.relative_to(co.root)) for p in (co.root / "src").rglob("*.c"))
             if re.search(r"^static InitChainEntry sInitChain\[", (co.root / rel).read_text(
                 errors="replace"), re.M)}
    assert len(files) > 200
    assert {g["file"] for g in chains.values()} >= files
    horse = chains["src/overlays/actors/ovl_En_Horse/z_en_horse.c:sInitChain"]
    assert horse["static"] is True and horse["type"].startswith("InitChainEntry[")
    defined = {(r["from"], r["to"]) for r in facts.rel_rows("DEFINED_IN") if r["from_kind"] == "Global"}
    assert all((k, g["file"]) in defined for k, g in chains.items() if g["defined"])
